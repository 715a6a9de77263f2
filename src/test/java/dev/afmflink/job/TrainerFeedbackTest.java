package dev.afmflink.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.afmflink.feedback.FeedbackMode;
import dev.afmflink.feedback.Holdout;
import dev.afmflink.metrics.Auc;
import dev.afmflink.snapshot.SnapshotChain;
import dev.afmflink.metrics.QualityGate;
import dev.afmflink.model.AfmConfig;
import dev.afmflink.model.AfmModel;
import dev.afmflink.model.Example;
import dev.afmflink.model.SplitMix64;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/** The trainer's side of the feedback loop, in Flink's operator harness: delayed progressive validation and the gate. */
class TrainerFeedbackTest {

    /** Validation windows of {@code windowMs} event time, closed {@link #DELAY} after their end. */
    static final long DELAY = 50;

    static KeyedOneInputStreamOperatorTestHarness<String, TrainingExample, Prediction> harness(long publishEvery, long windowMs,
                                                                                             QualityGate gate) throws Exception {
        return harness(publishEvery, windowMs, gate, FeedbackMode.IMMEDIATE, Holdout.NONE);
    }

    static KeyedOneInputStreamOperatorTestHarness<String, TrainingExample, Prediction> harness(
            long publishEvery, long windowMs, QualityGate gate, FeedbackMode mode, Holdout holdout) throws Exception {
        var h = new KeyedOneInputStreamOperatorTestHarness<>(new AfmTrainerOperator(
                new AfmTrainer(TrainerSettings.builder(StreamingEndToEndTest.config()).publishEvery(publishEvery).fullEvery(3)
                        .windows(windowMs, DELAY).gate(gate).mode(mode).holdout(holdout).build())),
                new AfmStreamJob.ModelKey(), Types.STRING);
        h.open();
        return h;
    }

    /** The model of the snapshots a harness published (full + deltas). */
    static AfmModel published(KeyedOneInputStreamOperatorTestHarness<String, TrainingExample, Prediction> h) throws Exception {
        SnapshotChain chain = new SnapshotChain();
        for (var r : h.getSideOutput(AfmTrainer.SNAPSHOTS)) {
            chain.apply(r.getValue().bytes, "v" + r.getValue().version);
        }
        return chain.model();
    }

    /**
     * Ordered mode: labels that arrive in any order (clicks early, several impressions at one
     * time) train when event time passes their window, in (time, id) order — the offline trainer
     * on the same impressions in that order, bit for bit; a label whose window has not passed when
     * the input ends is left out; nothing stays pending.
     */
    @Test
    void orderedModeTrainsFinalLabelsInEventTimeOrder() throws Exception {
        var h = harness(0, 1000, QualityGate.OPEN, FeedbackMode.ORDERED, Holdout.NONE);
        List<TrainingExample> imps = examples(300, dev.afmflink.data.EventKind.IMPRESSION, "imp-", 11);
        for (int i = 0; i < imps.size(); i++) {
            imps.get(i).ts = 1000 + 10L * (i / 3); // three impressions per event time
        }
        SplitMix64 r = new SplitMix64(12);
        List<TrainingExample> labels = new ArrayList<>();
        for (TrainingExample t : imps) {
            h.processElement(t, t.ts);
            labels.add(new TrainingExample(dev.afmflink.data.EventKind.LABELLED, t.model, t.id, t.ts, t.label, t.ids, t.values));
            if (labels.size() >= 12) { // labels come back shuffled, some clicks before older negatives
                for (int k = labels.size() - 1; k > 0; k--) {
                    java.util.Collections.swap(labels, k, (int) (r.nextDouble() * (k + 1)));
                }
                for (TrainingExample l : labels) {
                    h.processElement(l, l.ts);
                }
                labels.clear();
                h.processWatermark(new Watermark(t.ts - 1));
            }
        }
        labels.forEach(l -> {
            try {
                h.processElement(l, l.ts);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        long lastTs = imps.get(imps.size() - 1).ts;
        h.processWatermark(new Watermark(lastTs - 10 + DELAY)); // the last event time's window has not passed
        assertEquals(297, h.extractOutputValues().size(), "every label whose window passed is trained and judged once");
        h.processWatermark(new Watermark(Long.MAX_VALUE)); // the input ends: the last three are left out
        assertEquals(297, h.extractOutputValues().size());
        AfmModel expected = new AfmModel(StreamingEndToEndTest.config());
        List<TrainingExample> order = new ArrayList<>(imps.subList(0, 297));
        order.sort(java.util.Comparator.comparingLong((TrainingExample t) -> t.ts).thenComparing(t -> t.id));
        for (TrainingExample t : order) {
            expected.train(example(t), t.ts);
        }
        StreamingEndToEndTest.assertSameBits(expected, published(h));
        h.close();
    }

    /**
     * A holdout: one in three labelled impressions (by id) is not trained; each published
     * snapshot is scored on the held-out ones (figures computed here by hand from the offline
     * model); a gate the held-out figures fail holds the snapshot back, saying so.
     */
    @Test
    void heldOutImpressionsAreNotTrainedAndJudgeEachSnapshot() throws Exception {
        Holdout holdout = new Holdout(3, 1000);
        var h = harness(200, 1000, QualityGate.OPEN, FeedbackMode.IMMEDIATE, holdout);
        AfmModel offline = new AfmModel(StreamingEndToEndTest.config());
        List<TrainingExample> held = new ArrayList<>();
        for (TrainingExample t : examples(600, dev.afmflink.data.EventKind.LABELLED, "imp-", 13)) {
            h.processElement(t, t.ts);
            if (holdout.selects(t.id)) {
                held.add(t);
            } else {
                offline.train(example(t), t.ts);
            }
            if (offline.shared().examples == 200) {
                break;
            }
        }
        assertTrue(held.size() > 60 && held.size() < 140, "about one in three held out: " + held.size());
        List<MetricsRecord> snaps = new ArrayList<>();
        h.getSideOutput(AfmTrainer.METRICS).forEach(r -> {
            if (r.getValue().event.equals(MetricsRecord.SNAPSHOT)) {
                snaps.add(r.getValue());
            }
        });
        assertEquals(1, snaps.size(), "one snapshot, at 200 trained examples");
        double loss = 0;
        double sp = 0;
        double sy = 0;
        for (TrainingExample t : held) {
            double p = offline.predict(example(t));
            loss += t.label > 0.5 ? -Math.log(p) : -Math.log(1 - p);
            sp += p;
            sy += t.label;
        }
        assertEquals(200, snaps.get(0).examples);
        assertEquals(held.size(), snaps.get(0).n);
        assertEquals(loss / held.size(), snaps.get(0).loss, 1e-12);
        assertEquals(sp / sy, snaps.get(0).calibration, 1e-12);
        assertEquals(1, snaps.get(0).version);
        h.close();

        // the same stream behind a gate whose loss bound only the windows pass: held back for the held-out figures
        var gated = harness(200, 10, new QualityGate(Double.NaN, loss / held.size() - 1e-6, Double.NaN), FeedbackMode.IMMEDIATE,
                holdout);
        List<TrainingExample> stream = examples(600, dev.afmflink.data.EventKind.LABELLED, "imp-", 13);
        for (TrainingExample t : stream.subList(0, 200 + held.size())) {
            gated.processElement(t, t.ts);
        }
        assertNull(gated.getSideOutput(AfmTrainer.SNAPSHOTS));
        List<String> reasons = new ArrayList<>();
        gated.getSideOutput(AfmTrainer.METRICS).forEach(r -> {
            if (r.getValue().event.equals(MetricsRecord.HELD_BACK)) {
                reasons.add(r.getValue().detail);
            }
        });
        assertEquals(1, reasons.size(), reasons.toString());
        assertTrue(reasons.get(0).contains("held-out"), reasons.get(0));
        gated.close();
    }

    /** Random examples over 40 features, 4 per example; label from a fixed rule so the model can learn. */
    /**
     * --predictions-sample: the judged predictions that go out are exactly those whose id the sample
     * keeps (about the share asked), while every example trains and counts in the validation windows.
     */
    @Test
    void aPredictionsSampleSendsItsIdsAndTrainsOnEveryExample() throws Exception {
        var h = new KeyedOneInputStreamOperatorTestHarness<>(new AfmTrainerOperator(
                new AfmTrainer(TrainerSettings.builder(StreamingEndToEndTest.config()).publishEvery(0).fullEvery(3)
                        .windows(100, DELAY).mode(FeedbackMode.IMMEDIATE)
                        .predictions(new dev.afmflink.feedback.PredictionSample(0.3)).build())),
                new AfmStreamJob.ModelKey(), Types.STRING);
        h.open();
        List<TrainingExample> all = examples(2000, dev.afmflink.data.EventKind.EXAMPLE, "ex-", 21);
        java.util.Set<String> expected = new java.util.TreeSet<>();
        for (TrainingExample t : all) {
            h.processElement(t, t.ts);
            // the share of the hash range below 0.3, as docs/events.md states the rule
            if ((dev.afmflink.data.FeatureHash.of("afm-predictions", t.id) >>> 11) * 0x1.0p-53 < 0.3) {
                expected.add(t.id);
            }
        }
        h.processWatermark(new Watermark(all.get(all.size() - 1).ts + 1000)); // every window's labels are in: all close
        java.util.Set<String> sent = new java.util.TreeSet<>();
        for (Prediction p : h.extractOutputValues()) {
            sent.add(p.id);
        }
        assertEquals(expected, sent);
        assertTrue(sent.size() > 500 && sent.size() < 700, "about 30 % of 2,000: " + sent.size());
        long windowed = 0;
        for (var r : h.getSideOutput(AfmTrainer.METRICS)) {
            if (r.getValue().event.equals(MetricsRecord.WINDOW)) {
                windowed += r.getValue().n;
            }
        }
        assertEquals(2000, windowed, "every example is judged in the validation windows");
        h.close();
    }

    static List<TrainingExample> examples(int n, dev.afmflink.data.EventKind kind, String prefix, long seed) {
        SplitMix64 r = new SplitMix64(seed);
        List<TrainingExample> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            long[] ids = new long[4];
            double[] x = new double[4];
            for (int q = 0; q < 4; q++) {
                ids[q] = q * 10 + (long) (r.nextDouble() * 10);
                x[q] = 1;
            }
            double label = (ids[0] % 10 < 3) == (ids[1] % 10 < 5) ? 1 : 0;
            out.add(new TrainingExample(kind, "m", prefix + i, 1000 + i, label, ids, x));
        }
        return out;
    }

    static Example example(TrainingExample t) {
        return Example.of(t.label, t.ids.clone(), t.values.clone()).normalize();
    }

    @Test
    void labelledImpressionIsJudgedByItsScoreAtImpressionTime() throws Exception {
        var h = harness(0, 1000, QualityGate.OPEN);
        TrainingExample imp = examples(1, dev.afmflink.data.EventKind.IMPRESSION, "imp-", 5).get(0);
        List<TrainingExample> between = examples(200, dev.afmflink.data.EventKind.EXAMPLE, "ex-", 6);
        AfmModel offline = new AfmModel(StreamingEndToEndTest.config());
        double atImpression = offline.predict(example(imp));

        h.processElement(imp, imp.ts);
        assertEquals(0, h.extractOutputValues().size(), "an impression is scored, not trained or judged");
        for (TrainingExample t : between) {
            h.processElement(t, t.ts);
            offline.train(example(t), t.ts);
        }
        double atLabel = offline.predict(example(imp));
        TrainingExample labelled = new TrainingExample(dev.afmflink.data.EventKind.LABELLED, imp.model, imp.id, imp.ts, 1.0, imp.ids, imp.values);
        h.processElement(labelled, labelled.ts);
        offline.train(example(labelled), labelled.ts);

        List<Prediction> preds = h.extractOutputValues();
        assertEquals(201, preds.size());
        Prediction judged = preds.get(200);
        assertEquals(atImpression, judged.prediction, 1e-12, "the score it got when it arrived");
        assertNotEquals(atLabel, judged.prediction, 1e-6, "not the score at label time (the model moved)");
        assertEquals(-Math.log(atImpression), judged.loss, 1e-12);
        assertEquals(201, judged.examples, "impressions do not count as trained examples until labelled");
        h.close();
    }

    @Test
    void validationWindowsAreEmittedWithTheirFigures() throws Exception {
        // examples at event times 1000..1349 (one per ms); windows of 100 ms: [1000, 1100), ...
        var h = harness(0, 100, QualityGate.OPEN);
        for (TrainingExample t : examples(350, dev.afmflink.data.EventKind.EXAMPLE, "ex-", 7)) {
            h.processElement(t, t.ts);
        }
        assertNull(h.getSideOutput(AfmTrainer.METRICS), "no window closes before the watermark passes end + delay");
        h.processWatermark(new Watermark(1300 + DELAY));
        List<Prediction> preds = h.extractOutputValues();
        List<MetricsRecord> windows = new ArrayList<>();
        h.getSideOutput(AfmTrainer.METRICS).forEach(r -> windows.add(r.getValue()));
        assertEquals(3, windows.size(), "350 examples, windows of 100");
        for (int w = 0; w < 3; w++) {
            MetricsRecord m = windows.get(w);
            double[] p = new double[100];
            double[] y = new double[100];
            double loss = 0;
            double sp = 0;
            double sy = 0;
            for (int i = 0; i < 100; i++) {
                Prediction q = preds.get(w * 100 + i);
                p[i] = q.prediction;
                y[i] = q.label;
                loss += q.loss;
                sp += q.prediction;
                sy += q.label;
            }
            assertEquals(MetricsRecord.WINDOW, m.event);
            assertEquals(1000 + 100L * w, m.windowStart);
            assertEquals(1100 + 100L * w, m.windowEnd);
            assertEquals(100, m.n);
            assertEquals(loss / 100, m.loss, 1e-12);
            assertEquals(Auc.of(p, y, 100), m.auc, 1e-12);
            assertEquals(sp / 100, m.meanPrediction, 1e-12);
            assertEquals(sy / 100, m.meanLabel, 1e-12);
            assertEquals((sp / 100) / (sy / 100), m.calibration, 1e-12);
            assertEquals(350, m.examples, "the model's count when the window closed");
        }
        assertTrue(windows.get(2).auc > 0.6, "the rule is learnable: " + windows.get(2).auc);
        h.processWatermark(new Watermark(Long.MAX_VALUE)); // end of input: the last window's labels are not all in
        List<MetricsRecord> all = new ArrayList<>();
        h.getSideOutput(AfmTrainer.METRICS).forEach(r -> all.add(r.getValue()));
        assertEquals(3, all.size(), "a window still open when the input ends is not reported (partial figures)");
        h.close();
    }

    @Test
    void gateHoldsBackSnapshotsThatFailAndPublishesOnesThatPass() throws Exception {
        // impossible AUC: every snapshot is held back, counted, reported with the reason
        var closed = harness(100, 100, new QualityGate(1.01, Double.NaN, Double.NaN));
        for (TrainingExample t : examples(500, dev.afmflink.data.EventKind.EXAMPLE, "ex-", 8)) {
            closed.processElement(t, t.ts);
            closed.processWatermark(new Watermark(t.ts));
        }
        assertNull(closed.getSideOutput(AfmTrainer.SNAPSHOTS), "nothing published");
        List<MetricsRecord> held = new ArrayList<>();
        closed.getSideOutput(AfmTrainer.METRICS).forEach(r -> {
            if (r.getValue().event.equals(MetricsRecord.HELD_BACK)) {
                held.add(r.getValue());
            }
        });
        assertEquals(5, held.size());
        assertEquals(5, held.get(4).heldBack);
        assertEquals(0, held.get(4).version);
        assertTrue(held.get(0).detail.startsWith("no progressive-validation window"), held.get(0).detail);
        assertTrue(held.get(4).detail.startsWith("AUC"), held.get(4).detail);
        closed.close();

        // a gate the model passes: one snapshot per 100 examples, the first full
        var open = harness(100, 100, new QualityGate(0.5, 0.75, Double.NaN));
        for (TrainingExample t : examples(500, dev.afmflink.data.EventKind.EXAMPLE, "ex-", 8)) {
            open.processElement(t, t.ts);
            open.processWatermark(new Watermark(t.ts));
        }
        List<SnapshotRecord> published = new ArrayList<>();
        open.getSideOutput(AfmTrainer.SNAPSHOTS).forEach(r -> published.add(r.getValue()));
        // the first attempt (100 examples) has no closed window yet: held back; later ones pass
        assertEquals(4, published.size());
        assertEquals(dev.afmflink.snapshot.ModelFormat.Kind.FULL, published.get(0).kind);
        assertEquals(1, published.get(0).version);
        assertEquals(4, published.get(3).version);
        open.close();
    }

    static KeyedOneInputStreamOperatorTestHarness<String, TrainingExample, Prediction> warmHarness(byte[] init) throws Exception {
        return new KeyedOneInputStreamOperatorTestHarness<>(new AfmTrainerOperator(
                new AfmTrainer(TrainerSettings.builder(StreamingEndToEndTest.config()).fullEvery(3).windows(1000, DELAY)
                        .gate(QualityGate.OPEN).mode(FeedbackMode.IMMEDIATE).initModel(init).build())),
                new AfmStreamJob.ModelKey(), Types.STRING);
    }

    /**
     * Warm start: a model key without state starts from the initial model and continues exactly as
     * the offline model would; a key restored from a checkpoint keeps its own state and ignores the
     * initial model.
     */
    @Test
    void warmStartContinuesTheInitialModelAndARestoreIgnoresIt() throws Exception {
        List<TrainingExample> all = examples(300, dev.afmflink.data.EventKind.EXAMPLE, "ex-", 21);
        AfmModel offline = new AfmModel(StreamingEndToEndTest.config());
        for (TrainingExample t : all.subList(0, 100)) {
            offline.train(example(t), t.ts);
        }
        byte[] init = dev.afmflink.snapshot.ModelWriter.fullBytes(offline, 7);
        var h = warmHarness(init);
        h.open();
        for (TrainingExample t : all.subList(100, 200)) {
            h.processElement(t, t.ts);
            offline.train(example(t), t.ts);
        }
        h.prepareSnapshotPreBarrier(1); // what the runtime does before a checkpoint: the write-back buffer goes to state
        var checkpoint = h.snapshot(1, 0);
        h.processWatermark(new Watermark(Long.MAX_VALUE));
        StreamingEndToEndTest.assertSameBits(offline, published(h));
        h.close();

        // restored with another initial model: the state wins
        AfmModel other = new AfmModel(StreamingEndToEndTest.config());
        other.train(example(all.get(299)), 0);
        var restored = warmHarness(dev.afmflink.snapshot.ModelWriter.fullBytes(other, 1));
        restored.initializeState(checkpoint);
        restored.open();
        for (TrainingExample t : all.subList(200, 300)) {
            restored.processElement(t, t.ts);
            offline.train(example(t), t.ts);
        }
        restored.processWatermark(new Watermark(Long.MAX_VALUE));
        StreamingEndToEndTest.assertSameBits(offline, published(restored));
        restored.close();

        // an initial model of another shape is refused when the job is built
        AfmConfig c = StreamingEndToEndTest.config();
        AfmModel wide = new AfmModel(new AfmConfig(c.k() * 2, c.t(), c.loss(), c.l2Attention(), c.l2Embedding(), c.l2Linear(),
                c.keepProb(), c.initStd(), c.seed(), c.linear(), c.embedding(), c.attention()));
        var e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> warmHarness(dev.afmflink.snapshot.ModelWriter.fullBytes(wide, 1)));
        assertTrue(e.getMessage().contains("k, t"), e.getMessage());
    }

    /**
     * A model keeps its precision: a float64 checkpoint restored into a float32 job stops with the
     * reason (not a NullPointerException in the kernel), and a float32 initial model is refused by a
     * float64 job when it is built.
     */
    @Test
    void stateOfTheOtherPrecisionIsRefusedWithItsReason() throws Exception {
        List<TrainingExample> all = examples(50, dev.afmflink.data.EventKind.EXAMPLE, "p-", 5);
        var h = warmHarness(null);
        h.open();
        for (TrainingExample t : all) {
            h.processElement(t, t.ts);
        }
        h.prepareSnapshotPreBarrier(1);
        var checkpoint = h.snapshot(1, 0);
        h.close();
        AfmConfig f32 = StreamingEndToEndTest.config().withPrecision(dev.afmflink.model.Precision.FLOAT32);
        var restored = new KeyedOneInputStreamOperatorTestHarness<>(new AfmTrainerOperator(
                new AfmTrainer(TrainerSettings.builder(f32).fullEvery(3).windows(1000, DELAY).gate(QualityGate.OPEN)
                        .mode(FeedbackMode.IMMEDIATE).build())),
                new AfmStreamJob.ModelKey(), Types.STRING);
        restored.initializeState(checkpoint);
        restored.open();
        Exception e = org.junit.jupiter.api.Assertions.assertThrows(Exception.class,
                () -> restored.processElement(all.get(0), all.get(0).ts));
        Throwable cause = e;
        while (!(cause instanceof IllegalStateException) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        assertTrue(cause.getMessage().contains("restored state is float64 but the job runs --precision float32"), cause.getMessage());
        restored.close();

        AfmModel m32 = new AfmModel(f32);
        m32.train(example(all.get(0)), 0);
        var refused = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> warmHarness(dev.afmflink.snapshot.ModelWriter.fullBytes(m32, 1)));
        assertTrue(refused.getMessage().contains("precision float32 but the job's is float64"), refused.getMessage());
    }
}
