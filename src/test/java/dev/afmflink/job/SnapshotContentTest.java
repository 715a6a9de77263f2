package dev.afmflink.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.afmflink.feedback.FeedbackMode;
import dev.afmflink.feedback.Holdout;
import dev.afmflink.metrics.QualityGate;
import dev.afmflink.model.AfmModel;
import dev.afmflink.model.Example;
import dev.afmflink.model.SplitMix64;
import dev.afmflink.snapshot.ModelReader;
import dev.afmflink.snapshot.SnapshotChain;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/** {@code --snapshot-content weights}: the trainer publishes the same weights without optimizer state, and says so. */
class SnapshotContentTest {
    static KeyedOneInputStreamOperatorTestHarness<String, TrainingExample, Prediction> run(boolean weightsOnly) throws Exception {
        var h = new KeyedOneInputStreamOperatorTestHarness<>(new AfmTrainerOperator(new AfmTrainer(
                TrainerSettings.builder(StreamingEndToEndTest.config()).publishEvery(100).fullEvery(3).windows(60_000, 50)
                        .gate(QualityGate.OPEN).mode(FeedbackMode.IMMEDIATE).holdout(Holdout.NONE).weightsOnly(weightsOnly).build())),
                new AfmStreamJob.ModelKey(), Types.STRING);
        h.open();
        SplitMix64 r = new SplitMix64(2);
        for (int i = 0; i < 1000; i++) {
            long[] ids = {1 + (long) (r.nextDouble() * 30), 31 + (long) (r.nextDouble() * 30), 61 + (long) (r.nextDouble() * 30)};
            h.processElement(new TrainingExample("m", "e-" + i, 1000 + i, ids[0] % 3 == ids[1] % 3 ? 1 : 0, ids,
                    new double[] {1, 1, 1}), 1000 + i);
        }
        h.processWatermark(new Watermark(Long.MAX_VALUE));
        return h;
    }

    static SnapshotChain chain(KeyedOneInputStreamOperatorTestHarness<String, TrainingExample, Prediction> h, long[] bytes)
            throws Exception {
        SnapshotChain c = new SnapshotChain();
        for (var rec : h.getSideOutput(AfmTrainer.SNAPSHOTS)) {
            assertTrue(c.apply(rec.getValue().bytes, "v" + rec.getValue().version));
            bytes[0] += rec.getValue().bytes.length;
            assertEquals(bytes[1] == 1, ModelReader.readHeader(rec.getValue().bytes, "h").weightsOnly());
        }
        return c;
    }

    @Test
    void weightsOnlySnapshotsServeTheSameModel() throws Exception {
        long[] fullBytes = {0, 0};
        long[] weightBytes = {0, 1};
        SnapshotChain full = chain(run(false), fullBytes);
        SnapshotChain weights = chain(run(true), weightBytes);
        assertEquals(full.version(), weights.version());
        assertTrue(weights.weightsOnly());
        assertTrue(weightBytes[0] * 1.5 < fullBytes[0], weightBytes[0] + " bytes against " + fullBytes[0]);
        AfmModel a = full.model();
        AfmModel b = weights.model();
        SplitMix64 probe = new SplitMix64(4);
        for (int i = 0; i < 100; i++) {
            long[] x = {1 + (long) (probe.nextDouble() * 30), 31 + (long) (probe.nextDouble() * 30), 61 + (long) (probe.nextDouble() * 30)};
            Example e = Example.of(0, x, new double[] {1, 1, 1});
            assertEquals(Double.doubleToRawLongBits(a.predict(e)), Double.doubleToRawLongBits(b.predict(e)));
        }
    }
}
