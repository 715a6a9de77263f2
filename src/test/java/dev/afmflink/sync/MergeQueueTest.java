package dev.afmflink.sync;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.afmflink.model.AfmConfig;
import dev.afmflink.model.Loss;
import dev.afmflink.optim.OptimizerSpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Changes on the wire and their merge as a synchronization topic delivers them: in any order, some twice. */
class MergeQueueTest {
    private static final AfmConfig CONFIG = new AfmConfig(1, 1, Loss.LOGISTIC, 0, 0, 0, 1, 0.1, 1, OptimizerSpec.sgd(0.1),
            OptimizerSpec.adagrad(0.1, 0.1), OptimizerSpec.sgd(0.1));
    private static final Vectors VECTORS = new Vectors(CONFIG);

    /** Replica {@code replica}'s change of {@code tick}, its first ({@code since}: {@link Long#MIN_VALUE}) from tick 3 on. */
    private static Change change(long tick, int replica, double w) {
        return change(tick, tick == 3 ? Long.MIN_VALUE : tick - 1, replica, w);
    }

    private static Change change(long tick, long since, int replica, double w) {
        return new Change(tick, since, replica, new double[] {w, 0, 0, 0, w / 2}, 1, 3, new long[] {-7, 42},
                new double[][] {{w, 0.25, 1.5}, {0.5, -w, 0}}, new long[] {2, 1}, new long[] {tick * 10, tick * 10 + 1},
                new int[] {1, 1});
    }

    @Test
    void aChangeCrossesTheWireExactlyInFloat64AndRoundedOnceInFloat32() {
        Change c = change(5, 1, 0.1);
        Change d = ChangeCodec.decode(ChangeCodec.encode(c, false));
        assertEquals(5, d.tick);
        assertEquals(4, d.since);
        assertEquals(1, d.replica);
        assertEquals(3, d.examples);
        assertArrayEquals(c.shared, d.shared);
        assertArrayEquals(c.ids, d.ids);
        assertArrayEquals(c.rows[0], d.rows[0]);
        assertArrayEquals(c.steps, d.steps);
        assertArrayEquals(c.lastUpdate, d.lastUpdate);
        Change f = ChangeCodec.decode(ChangeCodec.encode(c, true));
        assertEquals((double) 0.1f, f.rows[0][0]);
        assertEquals(0.25, f.rows[0][1]);
        // 3 header bytes, 32 of counters, the shared block (4 + 5 × 4), the rows' count, two rows of 32 + 3 × 4 bytes
        assertEquals(3 + 32 + 24 + 4 + 2 * (32 + 12), ChangeCodec.encode(c, true).length);
        assertEquals(ChangeCodec.encode(c, true).length, ChangeCodec.size(c, true));
        assertEquals(ChangeCodec.encode(c, false).length, ChangeCodec.size(c, false));
        Change empty = new Change(9, 8, 0, null, 0, 0, new long[0], new double[0][], new long[0], new long[0], new int[0]);
        assertNull(ChangeCodec.decode(ChangeCodec.encode(empty, true)).shared);
        assertTrue(ChangeCodec.decode(ChangeCodec.encode(empty, true)).isEmpty());
    }

    @Test
    void aRecordThatIsNoChangeSaysWhy() {
        byte[] good = ChangeCodec.encode(change(5, 1, 0.1), true);
        assertEquals("change record cut short (" + (good.length - 3) + " bytes)",
                assertThrows(IllegalArgumentException.class, () -> ChangeCodec.decode(Arrays.copyOf(good, good.length - 3))).getMessage());
        byte[] longer = Arrays.copyOf(good, good.length + 2);
        assertEquals("change record with 2 bytes after its last row",
                assertThrows(IllegalArgumentException.class, () -> ChangeCodec.decode(longer)).getMessage());
        byte[] other = good.clone();
        other[0] = '{';
        assertEquals("not a change record", assertThrows(IllegalArgumentException.class, () -> ChangeCodec.decode(other)).getMessage());
        byte[] future = good.clone();
        future[1] = 9;
        assertEquals("change record version 9, this build reads 2 and 3",
                assertThrows(IllegalArgumentException.class, () -> ChangeCodec.decode(future)).getMessage());
    }

    /**
     * Rows of local fields ({@code --local-fields}) are marked after the rows: the marks cross the wire,
     * whole and in parts, and are merged (a row one replica marked is marked in the merge); a change
     * without them has the bytes it had before marks existed.
     */
    @Test
    void localRowsAreMarkedOnTheWireOnlyWhenThereAreAny() {
        Change c = change(5, 1, 0.1);
        Change marked = new Change(c.tick, c.since, c.replica, c.shared, c.sharedContributors, c.examples, c.ids, c.rows, c.steps,
                c.lastUpdate, c.contributors, new boolean[] {false, true});
        Change allFalse = new Change(c.tick, c.since, c.replica, c.shared, c.sharedContributors, c.examples, c.ids, c.rows, c.steps,
                c.lastUpdate, c.contributors, new boolean[] {false, false});
        assertArrayEquals(ChangeCodec.encode(c, true), ChangeCodec.encode(allFalse, true));
        assertNull(ChangeCodec.decode(ChangeCodec.encode(c, true)).local);
        byte[] b = ChangeCodec.encode(marked, true);
        assertEquals(ChangeCodec.encode(c, true).length + 8, b.length, "a count and one index");
        assertEquals(b.length, ChangeCodec.size(marked, true));
        Change d = ChangeCodec.decode(b);
        assertFalse(d.isLocalRow(-7));
        assertTrue(d.isLocalRow(42));
        assertFalse(d.isLocalRow(43));

        Change big = big(3, 0, 0.5, 40);
        boolean[] local = new boolean[big.ids.length];
        for (int i = 0; i < local.length; i += 3) {
            local[i] = true;
        }
        Change bigMarked = new Change(big.tick, big.since, big.replica, big.shared, big.sharedContributors, big.examples, big.ids,
                big.rows, big.steps, big.lastUpdate, big.contributors, local);
        List<byte[]> parts = ChangeCodec.encodeParts(bigMarked, false, 400);
        assertTrue(parts.size() > 5);
        Change[] decoded = new Change[parts.size()];
        for (int i = 0; i < parts.size(); i++) {
            assertTrue(parts.get(i).length <= 400, "part " + i + ": " + parts.get(i).length + " bytes");
            decoded[i] = ChangeCodec.decodePart(parts.get(i)).change();
        }
        assertArrayEquals(ChangeCodec.encode(bigMarked, false), ChangeCodec.encode(ChangeCodec.join(decoded), false));

        Change other = big(3, 1, 0.25, 30); // overlaps replica 0's rows in part; marks none
        Change m = MergeRule.MEAN_STEPS.merge(3, List.of(ChangeCodec.decode(ChangeCodec.encode(bigMarked, false)), other), VECTORS);
        for (int i = 0; i < m.ids.length; i++) {
            int at = Arrays.binarySearch(big.ids, m.ids[i]);
            assertEquals(at >= 0 && local[at], m.isLocal(i), "row " + m.ids[i]);
        }
        Change plain = MergeRule.MEAN_STEPS.merge(3, List.of(big, other), VECTORS);
        assertArrayEquals(ChangeCodec.encode(plain, false), ChangeCodec.encode(new Change(m.tick, m.since, m.replica, m.shared,
                m.sharedContributors, m.examples, m.ids, m.rows, m.steps, m.lastUpdate, m.contributors), false),
                "marks change no value");

        byte[] wrong = b.clone();
        wrong[wrong.length - 1] = 7; // an index past the rows
        assertThrows(IllegalArgumentException.class, () -> ChangeCodec.decode(wrong));
    }

    /** Three replicas, three ticks, delivered shuffled and some twice: the same merges, bit for bit, in tick order. */
    @Test
    void theMergesAreTheSameWhateverTheOrderAndTheRedeliveries() {
        List<byte[]> records = new ArrayList<>();
        for (long t = 3; t < 6; t++) {
            for (int r = 0; r < 3; r++) {
                records.add(ChangeCodec.encode(change(t, r, 0.1 * (r + 1) + t), false));
            }
        }
        List<Change> inOrder = drain(new MergeQueue(3, MergeRule.SUM, VECTORS), records);
        List<byte[]> shuffled = new ArrayList<>(records);
        java.util.Collections.shuffle(shuffled, new java.util.Random(4));
        shuffled.add(2, records.get(0));
        shuffled.add(records.get(4));
        MergeQueue q = new MergeQueue(3, MergeRule.SUM, VECTORS);
        List<Change> again = drain(q, shuffled);
        assertEquals(2, q.duplicates());
        assertEquals(3, inOrder.size());
        assertEquals(3, again.size());
        for (int i = 0; i < 3; i++) {
            assertEquals(3 + i, again.get(i).tick);
            assertArrayEquals(ChangeCodec.encode(inOrder.get(i), false), ChangeCodec.encode(again.get(i), false));
        }
        // replica order, not arrival order: 0.1·1 + 3 + 0.1·2 + 3 + 0.1·3 + 3, added left to right
        assertEquals(((0.1 + 3) + (0.2 + 3)) + (0.30000000000000004 + 3), inOrder.get(0).rows[0][0]);
    }

    @Test
    void aTickWaitsForEveryReplicaAndForTheTickBefore() {
        MergeQueue q = new MergeQueue(2, MergeRule.SUM, VECTORS);
        assertEquals(List.of(), q.offer(ChangeCodec.encode(change(4, 0, 1), false)));
        assertEquals(List.of(), q.offer(ChangeCodec.encode(change(4, 1, 1), false))); // tick 3 first
        assertEquals(List.of(), q.offer(ChangeCodec.encode(change(3, 1, 1), false)));
        List<MergeQueue.Merged> both = q.offer(ChangeCodec.encode(change(3, 0, 1), false));
        assertEquals(List.of(3L, 4L), both.stream().map(m -> m.merge().tick).toList());
        assertEquals(1, both.get(0).own().get(1).replica);
        assertEquals(4, q.through());
        assertEquals(List.of(), q.offer(ChangeCodec.encode(change(3, 0, 1), false))); // merged already
        assertEquals(1, q.duplicates());
    }

    /**
     * A replica sends changes only for the ticks it stepped in, each covering the ticks since its
     * last: a tick is merged once every replica's changes cover it, a replica without a change of
     * it taking part with none; a tick no replica stepped in has no merge.
     */
    @Test
    void aTickIsMergedOnceEveryReplicaCoversIt() {
        MergeQueue q = new MergeQueue(2, MergeRule.SUM, VECTORS);
        assertEquals(List.of(), q.offer(ChangeCodec.encode(change(3, Long.MIN_VALUE, 0, 1), false)));
        assertEquals(Long.MIN_VALUE, q.through()); // replica 1 has said nothing yet
        assertEquals(List.of(), q.offer(ChangeCodec.encode(change(8, 5, 1, 2), false))); // after one on its way
        List<MergeQueue.Merged> first = q.offer(ChangeCodec.encode(change(5, Long.MIN_VALUE, 1, 3), false));
        assertEquals(List.of(3L), first.stream().map(m -> m.merge().tick).toList());
        assertTrue(first.get(0).own().get(1).isEmpty()); // replica 1 took no step in tick 3
        assertEquals(1.0, first.get(0).merge().rows[0][0]);
        assertEquals(3, q.through()); // replica 0 covers no more than tick 3
        List<MergeQueue.Merged> next = q.offer(ChangeCodec.encode(change(7, 3, 0, 4), false));
        assertEquals(List.of(5L, 7L), next.stream().map(m -> m.merge().tick).toList());
        assertEquals(3.0, next.get(0).merge().rows[0][0]);
        assertEquals(4.0, next.get(1).merge().rows[0][0]);
        assertEquals(7, q.through());
        assertEquals(List.of(), q.offer(ChangeCodec.encode(change(7, 3, 0, 4), false))); // merged already
        assertEquals(1, q.duplicates());
        assertEquals("replica 0's change of tick 9 since 6 overlaps its changes through 7", assertThrows(IllegalStateException.class,
                () -> q.offer(ChangeCodec.encode(change(9, 6, 0, 1), false))).getMessage());
        assertEquals(List.of(8L), q.offer(ChangeCodec.encode(change(8, 7, 0, 1), false)).stream().map(m -> m.merge().tick).toList());
    }

    @Test
    void twoDifferentChangesOfOneReplicaAndTickAreAFailure() {
        MergeQueue q = new MergeQueue(2, MergeRule.SUM, VECTORS);
        q.offer(ChangeCodec.encode(change(3, 0, 1), false));
        assertEquals("two different changes of replica 0 for tick 3", assertThrows(IllegalStateException.class,
                () -> q.offer(ChangeCodec.encode(change(3, 0, 2), false))).getMessage());
        assertEquals("a change of replica 2 in a group of 2", assertThrows(IllegalArgumentException.class,
                () -> q.offer(ChangeCodec.encode(change(3, 2, 2), false))).getMessage());
    }

    /** A change of {@code rows} rows: larger than a small record. */
    private static Change big(long tick, int replica, double w, int rows) {
        long[] ids = new long[rows];
        double[][] values = new double[rows][];
        long[] steps = new long[rows];
        long[] last = new long[rows];
        int[] contributors = new int[rows];
        for (int i = 0; i < rows; i++) {
            ids[i] = -50 + 7L * i + replica; // the replicas' rows overlap in part
            values[i] = new double[] {w + i, 0.25 * i, 1.5};
            steps[i] = 1 + i % 3;
            last[i] = tick * 10 + i;
            contributors[i] = 1;
        }
        return new Change(tick, tick == 3 ? Long.MIN_VALUE : tick - 1, replica, new double[] {w, 0, 0, 0, w / 2}, 1, 3, ids, values,
                steps, last, contributors);
    }

    /**
     * A change larger than a record goes in parts, each at most the limit: the parts put together
     * are the change bit for bit, and delivered shuffled, some twice, with the queue's state taken
     * and restored half way, they merge as the whole changes do.
     */
    @Test
    void aChangeInPartsMergesAsTheWholeChange() {
        Change one = big(3, 0, 0.5, 40);
        List<byte[]> parts = ChangeCodec.encodeParts(one, false, 400);
        assertTrue(parts.size() > 5, parts.size() + " parts");
        Change[] decoded = new Change[parts.size()];
        for (int i = 0; i < parts.size(); i++) {
            assertTrue(parts.get(i).length <= 400, "part " + i + ": " + parts.get(i).length + " bytes");
            ChangeCodec.Part p = ChangeCodec.decodePart(parts.get(i));
            assertEquals(i, p.part());
            assertEquals(parts.size(), p.parts());
            decoded[i] = p.change();
        }
        assertArrayEquals(ChangeCodec.encode(one, false), ChangeCodec.encode(ChangeCodec.join(decoded), false));
        assertEquals(1, ChangeCodec.encodeParts(one, true, 1 << 20).size(), "a change that fits is one record");
        assertEquals("change record is part 0 of " + parts.size() + ", not a whole change",
                assertThrows(IllegalArgumentException.class, () -> ChangeCodec.decode(parts.get(0))).getMessage());

        List<byte[]> whole = new ArrayList<>();
        List<byte[]> inParts = new ArrayList<>();
        for (long t = 3; t < 6; t++) {
            for (int r = 0; r < 2; r++) {
                Change c = big(t, r, 0.1 * (r + 1) + t, 20 + 10 * r);
                whole.add(ChangeCodec.encode(c, true));
                inParts.addAll(ChangeCodec.encodeParts(c, true, 300));
            }
        }
        List<Change> expected = drain(new MergeQueue(2, MergeRule.MEAN_STEPS, VECTORS), whole);
        java.util.Collections.shuffle(inParts, new java.util.Random(9));
        inParts.add(3, inParts.get(0));
        inParts.add(inParts.get(7));
        MergeQueue q = new MergeQueue(2, MergeRule.MEAN_STEPS, VECTORS);
        List<Change> got = drain(q, inParts.subList(0, inParts.size() / 2));
        q = MergeQueue.restore(MergeRule.MEAN_STEPS, VECTORS, q.state()); // parts held across a restore
        got.addAll(drain(q, inParts.subList(inParts.size() / 2, inParts.size())));
        assertEquals(3, got.size());
        for (int i = 0; i < 3; i++) {
            assertArrayEquals(ChangeCodec.encode(expected.get(i), false), ChangeCodec.encode(got.get(i), false), "tick " + (3 + i));
        }
        assertTrue(q.duplicates() >= 1);

        MergeQueue fresh = new MergeQueue(2, MergeRule.SUM, VECTORS);
        List<byte[]> a = ChangeCodec.encodeParts(big(3, 0, 0.5, 40), true, 300);
        List<byte[]> b = ChangeCodec.encodeParts(big(3, 0, 0.7, 40), true, 300);
        fresh.offer(a.get(1));
        assertEquals("two different parts 1 of replica 0's change of tick 3",
                assertThrows(IllegalStateException.class, () -> fresh.offer(b.get(1))).getMessage());
    }

    private static List<Change> drain(MergeQueue q, List<byte[]> records) {
        List<Change> out = new ArrayList<>();
        for (byte[] r : records) {
            q.offer(r).forEach(m -> out.add(m.merge()));
        }
        return out;
    }

    /**
     * A queue restored into twice the replicas: the first ones' changes wait until each new one's first
     * change has come (reported once as joined), then the ticks settle with the new ones taking part
     * from their first change on; the grown queue keeps that through its state; a queue from the state
     * of a build before growing refuses to grow.
     */
    @Test
    void aGrownQueueWaitsForItsNewReplicasFirstChanges() {
        MergeQueue q = new MergeQueue(2, MergeRule.SUM, VECTORS);
        q.offer(ChangeCodec.encode(change(3, 0, 0.1), false));
        assertEquals(1, q.offer(ChangeCodec.encode(change(3, 1, 0.2), false)).size());
        assertEquals(3, q.through());
        q.offer(ChangeCodec.encode(change(4, 0, 0.1), false));
        byte[] saved = q.state();
        MergeQueue grown = MergeQueue.restore(MergeRule.SUM, VECTORS, saved).grow(4);
        assertEquals(4, grown.replicas());
        assertTrue(grown.offer(ChangeCodec.encode(change(4, 1, 0.2), false)).isEmpty(), "the new replicas have not spoken");
        assertEquals(3, grown.through());
        // replica 2 joins through tick 4 (its first change, no step), replica 3 through tick 3
        Change none2 = new Change(4, Long.MIN_VALUE, 2, null, 0, 0, new long[0], new double[0][], new long[0], new long[0], new int[0]);
        assertTrue(grown.offer(ChangeCodec.encode(none2, false)).isEmpty());
        assertEquals(List.of(2), grown.joined());
        MergeQueue again = MergeQueue.restore(MergeRule.SUM, VECTORS, grown.state()); // (through its state)
        Change none3 = new Change(3, Long.MIN_VALUE, 3, null, 0, 0, new long[0], new double[0][], new long[0], new long[0], new int[0]);
        assertTrue(again.offer(ChangeCodec.encode(none3, false)).isEmpty(), "replica 3 covers tick 3 only");
        assertEquals(List.of(3), again.joined());
        Change empty3 = new Change(4, 3, 3, null, 0, 0, new long[0], new double[0][], new long[0], new long[0], new int[0]);
        List<MergeQueue.Merged> merged = again.offer(ChangeCodec.encode(empty3, false));
        assertEquals(List.of(), again.joined(), "a replica joins once");
        assertEquals(1, merged.size());
        assertEquals(4, again.through());
        assertEquals(4, merged.get(0).own().size());
        assertEquals(6, merged.get(0).merge().examples, "the two old replicas' steps, 3 each");
        // the state of a build before growing (no joining flags after the parts) cannot grow
        MergeQueue before = MergeQueue.restore(MergeRule.SUM, VECTORS, Arrays.copyOf(saved, saved.length - 2));
        assertTrue(assertThrows(IllegalStateException.class, () -> before.grow(4)).getMessage().contains("before 2026-12-05"));
        assertThrows(IllegalArgumentException.class, () -> q.grow(1));
    }

    /** A record's tick reads from its header alone, for a whole change and for each part; anything else reads as none. */
    @Test
    void aRecordsTickReadsFromItsHeaderAlone() {
        assertEquals(41, ChangeCodec.tickOf(ChangeCodec.encode(Change.none(41, 1), true)));
        List<byte[]> parts = ChangeCodec.encodeParts(big(7, 0, 0.5, 40), false, 300);
        assertTrue(parts.size() > 1);
        for (byte[] p : parts) {
            assertEquals(7, ChangeCodec.tickOf(p));
        }
        assertEquals(Long.MIN_VALUE, ChangeCodec.tickOf(new byte[] {'S', 9, 4, 0, 0, 0, 0, 0, 0, 0, 1}), "another version");
        assertEquals(Long.MIN_VALUE, ChangeCodec.tickOf(new byte[] {'S', 2}), "too short");
        assertEquals(Long.MIN_VALUE, ChangeCodec.tickOf(null));
    }
}
