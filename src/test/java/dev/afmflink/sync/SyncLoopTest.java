package dev.afmflink.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.afmflink.model.AfmConfig;
import dev.afmflink.model.AfmModel;
import dev.afmflink.model.Example;
import dev.afmflink.model.Precision;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The merge loop as the job runs it, in memory: replica keys spread over trainer subtasks, each
 * driven by its {@link SyncSchedule} from its own input watermark; their changes go through a
 * "topic" to the model's merger in a random order, some twice; the merger's merges and progress come
 * back to each key in order but at random times; keys appear when their first example or the
 * merger's wake-up comes. Whatever the timing, every example is scored as the in-memory
 * {@link ReplicaGroup} scores it and the merged model is the group's, bit for bit: the loop is a
 * function of the data.
 */
class SyncLoopTest {
    private static final String MODEL = "m";
    private static final long TICK = 20;

    @Test
    void theLoopIsTheReplicaGroupWhateverTheTiming() throws Exception {
        List<Example> stream = ReplicaGroupTest.stream(1500, 3);
        for (int[] shape : new int[][] {{2, 1, 0}, {2, 2, 1}, {2, 1, 1}, {3, 2, 1}, {4, 2, 2}}) {
            int replicas = shape[0];
            int subtasks = shape[1];
            int lag = shape[2];
            for (MergeRule rule : new MergeRule[] {MergeRule.SUM, MergeRule.MEAN_SHARED}) {
                Reference ref = new Reference(stream, replicas, lag, rule);
                for (long seed = 1; seed <= 3; seed++) {
                    Loop loop = new Loop(stream, replicas, subtasks, lag, rule, new Random(seed * 31 + replicas));
                    loop.run();
                    String what = "R=" + replicas + " on " + subtasks + " subtasks, lag " + lag + ", " + rule.label() + ", seed " + seed;
                    for (int i = 0; i < stream.size(); i++) {
                        assertEquals(Double.doubleToLongBits(ref.scores[i]), Double.doubleToLongBits(loop.scores[i]),
                                what + ": example " + i);
                    }
                    assertSame(ref.group.model(), loop.merged.model(), what + ": the merged model");
                    for (int r = 0; r < replicas; r++) {
                        assertSame(ref.group.replica(r).model(), loop.keys.get(r).replica.model(), what + ": replica " + r);
                    }
                    assertTrue(loop.redelivered > 0 && loop.queue.duplicates() == loop.redelivered, what);
                    assertTrue(loop.multiTick > 0, what + ": quiet ticks covered by one change");
                }
            }
        }
    }

    private static void assertSame(AfmModel a, AfmModel b, String what) {
        assertTrue(a.shared().sameAs(b.shared()), what + ": shared block");
        assertEquals(a.features().sortedIds().length, b.features().sortedIds().length, what + ": rows");
        for (long id : a.features().sortedIds()) {
            assertTrue(a.features().get(id).sameAs(b.features().get(id)), what + ": row " + id);
        }
    }

    /** Three ms apart, with a gap of ten ticks after every 400th example (quiet ticks the subtasks skip). */
    static long ts(int i) {
        return 1000 + 3L * i + (i / 400) * 10 * TICK;
    }

    /** The in-memory group on the same stream, routing and ticks. */
    private static final class Reference {
        final ReplicaGroup group;
        final double[] scores;

        Reference(List<Example> stream, int replicas, int lag, MergeRule rule) {
            group = new ReplicaGroup(ReplicaGroupTest.config(Precision.FLOAT32), replicas, TICK, lag, rule);
            scores = new double[stream.size()];
            for (int i = 0; i < stream.size(); i++) {
                scores[i] = group.train(ReplicaGroupTest.route(i, replicas), stream.get(i), ts(i));
            }
            group.finish();
        }
    }

    /** A message from the merger to one key. */
    private record ToKey(String kind, long tick, MergeQueue.Merged merged) {
    }

    private static final class Key {
        final int index;
        final String name;
        final Replica replica;
        final ArrayDeque<Integer> arrived = new ArrayDeque<>();
        final TreeMap<Long, MergeQueue.Merged> pending = new TreeMap<>();
        final ArrayDeque<ToKey> inbox = new ArrayDeque<>();

        Key(int index, AfmConfig config) {
            this.index = index;
            this.name = MODEL + "/" + index;
            this.replica = new Replica(index, config);
        }
    }

    private static final class Loop {
        final List<Example> stream;
        final int replicas;
        final Random random;
        final boolean float32 = true;
        final List<Key> keys = new ArrayList<>();
        final List<Subtask> subtasks = new ArrayList<>();
        final List<byte[]> topic = new ArrayList<>();
        MergeQueue queue;
        final Replica merged;
        final double[] scores;
        final MergeRule rule;
        final Vectors vectors;
        boolean woken;
        long redelivered;
        long multiTick;

        Loop(List<Example> stream, int replicas, int subtasks, int lag, MergeRule rule, Random random) {
            AfmConfig config = ReplicaGroupTest.config(Precision.FLOAT32);
            this.stream = stream;
            this.replicas = replicas;
            this.random = random;
            this.rule = rule;
            this.vectors = new Vectors(config);
            this.queue = new MergeQueue(replicas, rule, vectors);
            this.merged = new Replica(Change.MERGED, config);
            this.scores = new double[stream.size()];
            for (int s = 0; s < subtasks; s++) {
                this.subtasks.add(new Subtask(new SyncSchedule(TICK, lag)));
            }
            for (int r = 0; r < replicas; r++) {
                Key k = new Key(r, config);
                keys.add(k);
                this.subtasks.get(r % subtasks).keys.put(k.name, k);
            }
        }

        void run() throws Exception {
            int next = 0;
            long end = ts(stream.size() - 1) + 1000;
            for (int guard = 0; guard < 10_000_000; guard++) {
                int action = random.nextInt(4);
                if (action == 0 && next < stream.size()) { // the source reads one more example
                    int r = ReplicaGroupTest.route(next, replicas);
                    Subtask s = subtasks.get(r % subtasks.size());
                    s.arrive(keys.get(r), next);
                    next++;
                } else if (action == 1) { // a watermark reaches a subtask
                    Subtask s = subtasks.get(random.nextInt(subtasks.size()));
                    long wm = next == stream.size() ? end : ts(next) - 1;
                    s.schedule.watermark(wm, s);
                } else if (action == 2 && !topic.isEmpty()) { // the merger reads a change
                    byte[] record = topic.remove(random.nextInt(topic.size()));
                    if (random.nextInt(10) == 0) {
                        topic.add(record); // read again later (at least once)
                        redelivered++;
                    }
                    merge(record);
                } else if (action == 3) { // a key takes the merger's next message
                    Key k = keys.get(random.nextInt(keys.size()));
                    ToKey m = k.inbox.poll();
                    if (m != null) {
                        subtasks.get(k.index % subtasks.size()).receive(k, m);
                    }
                }
                if (next == stream.size() && topic.isEmpty() && keys.stream().allMatch(k -> k.inbox.isEmpty())
                        && subtasks.stream().allMatch(s -> s.schedule.fired() == end)) {
                    return;
                }
            }
            throw new AssertionError("the loop did not finish");
        }

        void merge(byte[] record) {
            if (!woken) { // the model's first change: every key is told it exists
                woken = true;
                for (Key k : keys) {
                    k.inbox.add(new ToKey("wake", 0, null));
                }
            }
            if (random.nextInt(3) == 0) { // the merger restored from its state's bytes (as from a checkpoint)
                queue = MergeQueue.restore(rule, vectors, queue.state());
            }
            long before = queue.through();
            for (MergeQueue.Merged m : queue.offer(record)) {
                if (m.merge().isEmpty()) {
                    continue;
                }
                merged.apply(m.merge(), null);
                for (Key k : keys) {
                    k.inbox.add(new ToKey("merge", m.merge().tick, m));
                }
            }
            if (queue.through() != before) {
                for (Key k : keys) {
                    k.inbox.add(new ToKey("settled", queue.through(), null));
                }
            }
        }

        private final class Subtask implements SyncSchedule.Driver {
            final SyncSchedule schedule;
            final Map<String, Key> keys = new HashMap<>();

            Subtask(SyncSchedule schedule) {
                this.schedule = schedule;
            }

            void arrive(Key k, int i) throws Exception {
                k.arrived.add(i);
                schedule.timer(ts(i));
                schedule.present(k.name, this);
            }

            void receive(Key k, ToKey m) throws Exception {
                switch (m.kind()) {
                    case "wake" -> schedule.present(k.name, this);
                    case "merge" -> k.pending.put(m.tick(), m.merged());
                    default -> schedule.settled(k.name, m.tick(), this);
                }
            }

            @Override
            public void takeIn(String key, long through) {
                Key k = keys.get(key);
                while (!k.pending.isEmpty() && k.pending.firstKey() <= through) {
                    MergeQueue.Merged m = k.pending.pollFirstEntry().getValue();
                    k.replica.apply(m.merge(), m.own().get(k.index));
                }
            }

            @Override
            public void advanceTo(long watermark) {
                for (Key k : keys.values()) {
                    while (!k.arrived.isEmpty() && ts(k.arrived.peek()) <= watermark) {
                        int i = k.arrived.poll();
                        scores[i] = k.replica.train(stream.get(i), ts(i));
                    }
                }
            }

            @Override
            public long nextTimer() {
                long next = Long.MAX_VALUE;
                for (Key k : keys.values()) {
                    if (!k.arrived.isEmpty()) {
                        next = Math.min(next, ts(k.arrived.peek()));
                    }
                }
                return next;
            }

            @Override
            public void emit(String key, long tick) {
                long last = keys.get(key).replica.lastTick();
                if (last != Long.MIN_VALUE && tick > last + 1) {
                    multiTick++; // one change covering quiet ticks
                }
                topic.add(ChangeCodec.encode(keys.get(key).replica.emit(tick), float32));
            }
        }
    }
}
