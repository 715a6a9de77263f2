package dev.afmflink.feedback;

import static dev.afmflink.model.SameBits.assertSameBits;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.afmflink.data.Event;
import dev.afmflink.data.EventDecoder;
import dev.afmflink.data.EventKind;
import dev.afmflink.embedded.ClickSimulator;
import dev.afmflink.model.AfmConfig;
import dev.afmflink.model.AfmModel;
import dev.afmflink.model.Loss;
import dev.afmflink.model.Precision;
import dev.afmflink.optim.OptimizerSpec;
import dev.afmflink.sync.MergeRule;
import dev.afmflink.sync.ReplicaGroup;
import dev.afmflink.sync.ReplicaRoute;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The offline replay of a run with several trainers per model, against the references it must equal. */
class ReplicaReplayTest {
    static final long T0 = 1_700_000_000_000L;

    static AfmConfig config() {
        return new AfmConfig(4, 4, Loss.LOGISTIC, 0, 0, 0, 1, 0.1, 3, OptimizerSpec.ftrl(0.1, 1, 0.5, 0),
                OptimizerSpec.adagrad(0.2, 0.1), OptimizerSpec.adagrad(0.05, 1e-8).withDecay(0.998), Precision.FLOAT32);
    }

    static List<Event> decode(List<String> raw) throws Exception {
        EventDecoder dec = new EventDecoder(Loss.LOGISTIC, 4096);
        List<Event> out = new ArrayList<>();
        for (String r : raw) {
            out.add(dec.decode(r.getBytes(StandardCharsets.UTF_8), "x", 0));
        }
        return out;
    }

    /**
     * Impressions 50 ms apart, clicks after exp(2 s), a 10 s window: every impression judged at
     * arrival, trained at its deadline; every 200th event also a labelled example 5 s behind (the
     * bound is 200 ms: behind the watermark, held until just after it).
     */
    static List<Event> clickStream(int impressions) throws Exception {
        List<String> stream = new ArrayList<>();
        new ClickSimulator(5).clickStream(impressions, T0, 50, "default", ClickSimulator.ClickDelay.parse("exp:2000"), false)
                .forEachRemaining(stream::add);
        List<Event> events = decode(stream);
        ClickSimulator behind = new ClickSimulator(6);
        List<String> late = new ArrayList<>();
        List<Integer> at = new ArrayList<>();
        for (int i = 199; i < events.size(); i += 200) {
            late.add(behind.nextExampleJson(events.get(i).ts() - 5000, "default"));
            at.add(i + 1 + at.size());
        }
        List<Event> lateEvents = decode(late);
        for (int q = 0; q < at.size(); q++) {
            events.add(at.get(q), lateEvents.get(q));
        }
        return events;
    }

    @Test
    void oneReplicaIsTheReplayOfOneTrainerBitForBit() throws Exception {
        List<Event> events = clickStream(3000);
        FeedbackReplay one = new FeedbackReplay(config(), FeedbackMode.ORDERED, 10_000, 200, 200);
        ReplicaReplay group = new ReplicaReplay(config(), 10_000, 200, 200, 1, 1000, 1, MergeRule.MEAN_SHARED);
        for (Event e : events) {
            one.accept(e);
            group.accept(e);
        }
        one.end();
        group.end();
        assertSameBits(one.model(), group.model());
        List<FeedbackReplay.Judged> a = new ArrayList<>(one.judged());
        a.sort(java.util.Comparator.comparingLong(FeedbackReplay.Judged::ts).thenComparing(FeedbackReplay.Judged::id));
        assertEquals(a, group.judged());
        assertTrue(a.size() > 2500, "judged " + a.size());
    }

    /**
     * Labelled examples a second apart: each replica trains its examples at their own time, so the
     * replay is the in-memory group fed in event-time order, whatever the lag or the rule — the
     * reference the job's test holds the published model to.
     */
    @Test
    void labelledExamplesAreTheReplicaGroupsBitForBit() throws Exception {
        ClickSimulator sim = new ClickSimulator(11);
        List<String> raw = new ArrayList<>();
        for (int i = 0; i < 1500; i++) {
            raw.add(sim.nextExampleJson(T0 + i * 1000L, "default"));
        }
        List<Event> events = decode(raw);
        for (int lag : new int[] {0, 2}) {
            for (MergeRule rule : new MergeRule[] {MergeRule.SUM, MergeRule.MEAN_SHARED}) {
                ReplicaReplay replay = new ReplicaReplay(config(), 0, 200, 200, 3, 10_000, lag, rule);
                ReplicaGroup reference = new ReplicaGroup(config(), 3, 10_000, lag, rule);
                for (Event e : events) {
                    replay.accept(e);
                    e.features().label = e.label();
                    reference.train(ReplicaRoute.ofId(e.id(), 3), e.features(), e.ts());
                }
                replay.end();
                reference.finish();
                assertTrue(reference.ticks() > 100, "merges: " + reference.ticks());
                assertSameBits(reference.model(), replay.model());
                assertEquals(1500, replay.judged().size());
            }
        }
    }

    /**
     * A click-stream over two and four replicas: every impression judged once, by the replica its
     * id picks (so the click and the impression meet), each example trained once into the merged
     * model; the merged model is a function of the events (a second replay gives its bits) and is
     * not the one-trainer model (the replicas did train apart).
     */
    @Test
    void aClickStreamOverReplicasJudgesAndTrainsEveryImpressionOnce() throws Exception {
        List<Event> events = clickStream(4000);
        long impressions = events.stream().filter(e -> e.type() == EventKind.IMPRESSION).count();
        FeedbackReplay one = new FeedbackReplay(config(), FeedbackMode.ORDERED, 10_000, 200, 200);
        events.forEach(one::accept);
        one.end();
        for (int r : new int[] {2, 4}) {
            ReplicaReplay a = new ReplicaReplay(config(), 10_000, 200, 200, r, 1000, 1, MergeRule.MEAN_SHARED);
            ReplicaReplay b = new ReplicaReplay(config(), 10_000, 200, 200, r, 1000, 1, MergeRule.MEAN_SHARED);
            for (Event e : events) {
                a.accept(e);
                b.accept(e);
            }
            a.end();
            b.end();
            assertSameBits(a.model(), b.model());
            assertEquals(one.judged().size(), a.judged().size(), "judged (the last window's impressions left out)");
            assertTrue(a.judged().size() > impressions * 0.95, "judged " + a.judged().size());
            assertEquals(one.model().shared().examples, a.model().shared().examples, "examples trained (the last window's left out)");
            assertTrue(one.model().shared().examples > impressions * 0.95, "trained " + one.model().shared().examples);
            assertEquals(one.judged().stream().filter(j -> j.label() == 1.0).count(),
                    a.judged().stream().filter(j -> j.label() == 1.0).count(), "every click met its impression");
            assertFalse(one.model().shared().sameAs(a.model().shared()), "R = " + r + " trained apart");
            assertTrue(a.group().ticks() > 150, "merges: " + a.group().ticks());
        }
    }
}
