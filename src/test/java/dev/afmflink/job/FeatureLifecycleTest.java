package dev.afmflink.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.afmflink.feedback.FeedbackMode;
import dev.afmflink.feedback.Holdout;
import dev.afmflink.lifecycle.FeatureLifecycle;
import dev.afmflink.metrics.QualityGate;
import dev.afmflink.model.AfmModel;
import dev.afmflink.model.Example;
import dev.afmflink.model.SplitMix64;
import dev.afmflink.snapshot.ModelReader;
import dev.afmflink.snapshot.SnapshotChain;
import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/** Feature admission and expiry in the trainer (Flink's operator harness), against models computed here by hand. */
class FeatureLifecycleTest {
    static final long W = 50;

    static KeyedOneInputStreamOperatorTestHarness<String, TrainingExample, Prediction> harness(
            FeedbackMode mode, long publishEvery, long publishIntervalMs, int fullEvery, FeatureLifecycle l,
            OperatorSubtaskState restore) throws Exception {
        var h = new KeyedOneInputStreamOperatorTestHarness<>(new AfmTrainerOperator(
                new AfmTrainer(TrainerSettings.builder(StreamingEndToEndTest.config()).publishEvery(publishEvery)
                        .publishIntervalMs(publishIntervalMs).fullEvery(fullEvery).windows(60_000, W).gate(QualityGate.OPEN)
                        .mode(mode).holdout(Holdout.NONE).lifecycle(l).build())),
                new AfmStreamJob.ModelKey(), Types.STRING);
        if (restore != null) {
            h.initializeState(restore);
        }
        h.open();
        return h;
    }

    /** Example {@code i}: four common features (ids 1..40) and, in some, the rare feature 1000. */
    static TrainingExample example(dev.afmflink.data.EventKind kind, int i, long ts, boolean rare, SplitMix64 r) {
        long[] ids = rare ? new long[5] : new long[4];
        for (int q = 0; q < 4; q++) {
            ids[q] = q * 10 + 1 + (long) (r.nextDouble() * 10);
        }
        if (rare) {
            ids[4] = 1000;
        }
        double[] x = new double[ids.length];
        java.util.Arrays.fill(x, 1.0);
        double label = (ids[0] % 10 < 3) == (ids[1] % 10 < 5) ? 1 : 0;
        return new TrainingExample(kind, "m", "e-" + i, ts, label, ids, x);
    }

    /**
     * Admission with N = 3: the rare feature has no parameters after its first and second
     * examples (absent from the published model, no part in predictions), and has them from the
     * third on; the model equals the offline trainer on the examples with the not-yet-admitted
     * features taken out (counted here by hand).
     */
    @Test
    void aFeatureGetsParametersAtItsNthExample() throws Exception {
        var h = harness(FeedbackMode.IMMEDIATE, 1, 0, 0, FeatureLifecycle.of(3, 0), null);
        SplitMix64 r = new SplitMix64(3);
        AfmModel offline = new AfmModel(StreamingEndToEndTest.config());
        Map<Long, Integer> seen = new HashMap<>();
        int rareSeen = 0;
        for (int i = 0; i < 60; i++) {
            boolean rare = i % 7 == 3;
            TrainingExample t = example(dev.afmflink.data.EventKind.EXAMPLE, i, 1000 + i, rare, r);
            h.processElement(t, t.ts);
            Example kept = new Example(t.ids.length);
            kept.label = t.label;
            for (int q = 0; q < t.ids.length; q++) {
                if (seen.merge(t.ids[q], 1, Integer::sum) >= 3) {
                    kept.add(t.ids[q], t.values[q]);
                }
            }
            offline.train(kept, t.ts);
            var published = lastPublished(h);
            if (rare) {
                rareSeen++;
                assertEquals(rareSeen >= 3, published.features().get(1000) != null,
                        "after " + rareSeen + " examples the rare feature has parameters: " + (rareSeen >= 3));
            }
        }
        StreamingEndToEndTest.assertSameBits(offline, lastPublished(h));
        h.close();
    }

    /** The model of the last snapshot a harness published (every publish full). */
    static AfmModel lastPublished(KeyedOneInputStreamOperatorTestHarness<String, TrainingExample, Prediction> h) throws Exception {
        var out = h.getSideOutput(AfmTrainer.SNAPSHOTS);
        SnapshotRecord last = null;
        for (var rec : out) {
            last = rec.getValue();
        }
        assertNotNull(last);
        assertEquals(dev.afmflink.snapshot.ModelFormat.Kind.FULL, last.kind);
        return ModelReader.read(new ByteArrayInputStream(last.bytes), null, "v" + last.version).model();
    }

    /** Labelled impressions (ordered mode) at 100 ms spacing for {@code seconds}; the rare feature only before {@code rareUntil}. */
    static List<TrainingExample> stream(int seconds, long rareUntil) {
        SplitMix64 r = new SplitMix64(9);
        List<TrainingExample> out = new ArrayList<>();
        for (int i = 0; i < seconds * 10; i++) {
            long ts = 100L * i;
            out.add(example(dev.afmflink.data.EventKind.LABELLED, i, ts, ts < rareUntil && i % 5 == 0, r));
        }
        return out;
    }

    static void feed(KeyedOneInputStreamOperatorTestHarness<String, TrainingExample, Prediction> h, List<TrainingExample> xs)
            throws Exception {
        for (TrainingExample t : xs) {
            h.processElement(t, t.ts);
            if (t.ts % 1000 == 0) {
                h.processWatermark(new Watermark(t.ts - 1));
            }
        }
    }

    /**
     * Expiry by event time (TTL 5 s, ordered mode, publish ticks every second of event time): the
     * rare feature, last updated before 3 s, is gone from state after its sweep; at every version,
     * the chain of deltas (which carries its deletion) equals the full snapshot of that version
     * published by a second trainer on the same input (same features, same bits); and the
     * evictions are exactly the features idle longer than the TTL.
     */
    @Test
    void anIdleFeatureIsRemovedAndItsDeletionTravelsInTheNextDelta() throws Exception {
        FeatureLifecycle ttl = FeatureLifecycle.of(1, 5000);
        var deltas = harness(FeedbackMode.ORDERED, 0, 1000, 1000, ttl, null);
        var fulls = harness(FeedbackMode.ORDERED, 0, 1000, 0, ttl, null);
        List<TrainingExample> xs = stream(20, 3000);
        feed(deltas, xs);
        feed(fulls, xs);
        deltas.processWatermark(new Watermark(25_000));
        fulls.processWatermark(new Watermark(25_000));

        TreeMap<Long, SnapshotRecord> full = new TreeMap<>();
        for (var rec : fulls.getSideOutput(AfmTrainer.SNAPSHOTS)) {
            assertEquals(dev.afmflink.snapshot.ModelFormat.Kind.FULL, rec.getValue().kind);
            full.put(rec.getValue().version, rec.getValue());
        }
        SnapshotChain chain = new SnapshotChain();
        int checked = 0;
        boolean sawRare = false;
        boolean rareGone = false;
        for (var rec : deltas.getSideOutput(AfmTrainer.SNAPSHOTS)) {
            SnapshotRecord s = rec.getValue();
            assertTrue(chain.apply(s.bytes, "v" + s.version), "every delta follows: " + s.version);
            SnapshotRecord f = full.get(s.version);
            assertNotNull(f, "both trainers publish the same versions: " + s.version);
            AfmModel fromFull = ModelReader.read(new ByteArrayInputStream(f.bytes), null, "full").model();
            StreamingEndToEndTest.assertSameBits(fromFull, chain.model());
            checked++;
            sawRare |= chain.model().features().get(1000) != null;
            rareGone |= sawRare && chain.model().features().get(1000) == null;
        }
        assertTrue(checked > 10, "versions checked: " + checked);
        assertTrue(sawRare && rareGone, "the rare feature was published, then deleted");
        // every feature left was updated within TTL + one sweep bucket of the last release (event time 24.95 s − W)
        AfmModel last = chain.model();
        for (long id : last.features().sortedIds()) {
            assertTrue(last.features().get(id).lastUpdate > 19_900 - 5000 - ttl.sweepMs(), "idle feature kept: " + id);
        }
        deltas.close();
        fulls.close();
    }

    /**
     * Lifecycle state (counts, expiry buckets) survives a snapshot and restore: a trainer stopped
     * mid-stream and restored from its snapshot ends with the uninterrupted trainer's model.
     */
    @Test
    void lifecycleStateSurvivesSnapshotAndRestore() throws Exception {
        FeatureLifecycle l = FeatureLifecycle.of(2, 5000);
        List<TrainingExample> xs = stream(20, 12_000);
        var whole = harness(FeedbackMode.ORDERED, 0, 1000, 0, l, null);
        feed(whole, xs);
        whole.processWatermark(new Watermark(22_000)); // sweeps up to bucket 16: the rare feature (last < 12 s) is gone, recent ones stay

        var first = harness(FeedbackMode.ORDERED, 0, 1000, 0, l, null);
        feed(first, xs.subList(0, 95));
        first.prepareSnapshotPreBarrier(1); // as a checkpoint barrier does: the write-back buffer goes to state
        OperatorSubtaskState state = first.snapshot(1, 1);
        first.close();
        var second = harness(FeedbackMode.ORDERED, 0, 1000, 0, l, state);
        feed(second, xs.subList(95, xs.size()));
        second.processWatermark(new Watermark(22_000));
        AfmModel expected = lastPublished(whole);
        assertNull(expected.features().get(1000), "the rare feature expired by the end");
        assertFalse(expected.features().size() == 0);
        StreamingEndToEndTest.assertSameBits(expected, lastPublished(second));
        whole.close();
        second.close();
    }
}
