package dev.afmflink.job;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.afmflink.data.EventDecoder;
import dev.afmflink.feedback.FeedbackMode;
import dev.afmflink.feedback.Holdout;
import dev.afmflink.metrics.QualityGate;
import dev.afmflink.model.AfmModel;
import dev.afmflink.snapshot.ModelWriter;
import java.util.List;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.junit.jupiter.api.Test;

/**
 * The trainer's last line of defence: an example whose step throws is dead-lettered as
 * {@code train_failed} with its cause, the task goes on, and the model is the one trained without
 * that example, bit for bit (its new feature rows dropped again), in the immediate and the ordered mode.
 */
class TrainFailedTest {

    /** A record no decoder makes: three feature ids, one value (the gather throws after making a new row). */
    static TrainingExample broken(String id, long ts, dev.afmflink.data.EventKind kind) {
        return new TrainingExample(kind, "m", id, ts, 1, new long[] {999_001, 999_002, 999_003}, new double[] {1});
    }

    static AfmModel run(FeedbackMode mode, boolean withBroken, List<DeadLetter> dead) throws Exception {
        var h = TrainerFeedbackTest.harness(0, 1000, QualityGate.OPEN, mode, Holdout.NONE);
        List<TrainingExample> ex = TrainerFeedbackTest.examples(200, dev.afmflink.data.EventKind.EXAMPLE, "ex-", 5);
        for (int i = 0; i < ex.size(); i++) {
            h.processElement(ex.get(i), ex.get(i).ts);
            if (withBroken && i % 50 == 7) {
                TrainingExample b = broken("bad-" + i, ex.get(i).ts, dev.afmflink.data.EventKind.EXAMPLE);
                h.processElement(b, b.ts);
                TrainingExample imp = broken("imp-" + i, ex.get(i).ts, dev.afmflink.data.EventKind.IMPRESSION);
                h.processElement(imp, imp.ts);
            }
            h.processWatermark(new Watermark(ex.get(i).ts));
        }
        h.processWatermark(new Watermark(Long.MAX_VALUE));
        var letters = h.getSideOutput(DeadLetters.TAG);
        if (letters != null) { // null: none came out
            letters.forEach(r -> dead.add(r.getValue()));
        }
        AfmModel m = TrainerFeedbackTest.published(h);
        h.close();
        return m;
    }

    @Test
    void aFailingExampleIsDeadLetteredAndLeavesTheModelAsWithoutIt() throws Exception {
        for (FeedbackMode mode : List.of(FeedbackMode.IMMEDIATE, FeedbackMode.ORDERED)) {
            List<DeadLetter> dead = new java.util.ArrayList<>();
            AfmModel with = run(mode, true, dead);
            AfmModel without = run(mode, false, new java.util.ArrayList<>());
            assertEquals(8, dead.size(), mode + ": 4 examples and 4 impressions");
            for (DeadLetter d : dead) {
                assertEquals(EventDecoder.TRAIN_FAILED, d.reason);
                assertTrue(d.detail.contains("ArrayIndexOutOfBoundsException"), d.detail);
                assertTrue(d.raw.contains("\"id\":\"bad-") || d.raw.contains("\"id\":\"imp-"), d.raw);
            }
            assertEquals(without.features().size(), with.features().size(), mode + ": no row of the failed examples stays");
            assertEquals(200, with.shared().examples);
            assertArrayEquals(ModelWriter.fullBytes(without, 1), ModelWriter.fullBytes(with, 1), mode + ": bit for bit");
        }
    }
}
