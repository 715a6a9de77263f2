package dev.afmflink.job;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.afmflink.data.EventKind;
import dev.afmflink.feedback.FeedbackMode;
import dev.afmflink.model.AfmModel;
import dev.afmflink.model.SplitMix64;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * The ordered mode holds impressions, clicks, labels and examples in buckets of many event times
 * (each impression its own millisecond here); a key keeps one Flink timer for its earliest due
 * bucket instead of one per bucket, and a restore from a checkpoint with hundreds of buckets held
 * finds their due times again in state: the same model, bit for bit, the same judgements.
 */
class TrainerTimersTest {
    static final long W = 400;

    static TrainerSettings settings() {
        return TrainerSettings.builder(StreamingEndToEndTest.config()).publishEvery(0).publishIntervalMs(1_000).fullEvery(3)
                .windows(500, W).mode(FeedbackMode.ORDERED).joinsClicks(true).build();
    }

    /** 1,500 impressions, one per ms with some out of order; a third clicked 1–300 ms later; a labelled example every tenth ms. */
    static List<TrainingExample> input() {
        List<TrainingExample> imps = TrainerFeedbackTest.examples(1500, EventKind.IMPRESSION, "imp-", 51);
        SplitMix64 r = new SplitMix64(52);
        List<TrainingExample> out = new ArrayList<>();
        List<TrainingExample> clicks = new ArrayList<>();
        for (int i = 0; i < imps.size(); i++) {
            TrainingExample imp = imps.get(i);
            imp.ts = 10_000 + i - (i % 7 == 3 ? 20 : 0); // some a little late, within the bound
            out.add(imp);
            if (r.nextDouble() < 0.33) {
                clicks.add(new TrainingExample(EventKind.CLICK, imp.model, imp.id, imp.ts + 1 + (long) (r.nextDouble() * 300), 1,
                        new long[0], new double[0]));
            }
            if (i % 10 == 0) {
                TrainingExample ex = TrainerFeedbackTest.examples(1, EventKind.EXAMPLE, "ex-" + i + "-", 53 + i).get(0);
                ex.ts = imp.ts + 5;
                out.add(ex);
            }
            for (var it = clicks.iterator(); it.hasNext(); ) {
                TrainingExample c = it.next();
                if (c.ts <= 10_000 + i) {
                    out.add(c);
                    it.remove();
                }
            }
        }
        out.addAll(clicks);
        return out;
    }

    static KeyedOneInputStreamOperatorTestHarness<String, TrainingExample, Prediction> harness(OperatorSubtaskState restore)
            throws Exception {
        return harness(new AfmTrainer(settings()), restore);
    }

    static KeyedOneInputStreamOperatorTestHarness<String, TrainingExample, Prediction> harness(AfmTrainer trainer,
                                                                                             OperatorSubtaskState restore)
            throws Exception {
        var h = new KeyedOneInputStreamOperatorTestHarness<>(new AfmTrainerOperator(trainer),
                new AfmStreamJob.ModelKey(), Types.STRING);
        if (restore != null) {
            h.initializeState(restore);
        }
        h.open();
        return h;
    }

    /** Feeds input [from, to) with a watermark 50 ms behind every 25th event; returns the most timers the key had. */
    static int feed(KeyedOneInputStreamOperatorTestHarness<String, TrainingExample, Prediction> h, List<TrainingExample> input,
                    int from, int to) throws Exception {
        int most = 0;
        for (int i = from; i < to; i++) {
            TrainingExample t = input.get(i);
            h.processElement(t, t.ts);
            most = Math.max(most, h.numEventTimeTimers());
            if (i % 25 == 24) {
                h.processWatermark(new Watermark(t.ts - 50));
            }
        }
        return most;
    }

    static void end(KeyedOneInputStreamOperatorTestHarness<String, TrainingExample, Prediction> h) throws Exception {
        h.processWatermark(new Watermark(Long.MAX_VALUE));
    }

    static List<String> judged(KeyedOneInputStreamOperatorTestHarness<String, TrainingExample, Prediction> h) {
        List<String> out = new ArrayList<>();
        for (Prediction p : h.extractOutputValues()) {
            out.add(p.id + ":" + p.label + ":" + Double.doubleToLongBits(p.prediction));
        }
        return out;
    }

    @Test
    void aKeyHoldingHundredsOfBucketsHasAFewTimers() throws Exception {
        List<TrainingExample> input = input();
        var h = harness(null);
        int most = feed(h, input, 0, input.size());
        // held at once: the impressions of the last W ms (each its own bucket, unscored and then joined), clicks, examples
        assertTrue(most <= 5, "one timer for the earliest bucket, a validation window's, a publish tick's, the end's: " + most);
        end(h);
        assertEquals(0, h.numEventTimeTimers());
        h.close();
    }

    /**
     * A checkpoint barrier writes the join's entries to state; the impressions and clicks after it
     * read state only for the ids it wrote (not for every new id), and the judgements and the model
     * are those of the run without the barrier, bit for bit (an entry removed after the barrier is
     * removed from state too).
     */
    @Test
    void afterABarrierOnlyTheIdsItWroteAreLookedUpInState() throws Exception {
        List<TrainingExample> input = input();
        var whole = harness(null);
        feed(whole, input, 0, input.size());
        end(whole);

        AfmTrainer trainer = new AfmTrainer(settings());
        var h = harness(trainer, null);
        int cut = 150; // early: the barrier writes the entries of a few impressions, then well over a thousand new ids come
        feed(h, input, 0, cut);
        h.prepareSnapshotPreBarrier(1);
        java.util.Set<String> written = new java.util.HashSet<>();
        input.subList(0, cut).forEach(t -> written.add(t.id));
        long newIds = input.subList(cut, input.size()).stream().map(t -> t.id).filter(id -> !written.contains(id)).distinct().count();
        long before = trainer.writeBack().joinStateReads();
        feed(h, input, cut, input.size());
        end(h);
        long reads = trainer.writeBack().joinStateReads() - before;
        assertTrue(reads > 0, "the entries the barrier wrote are read back from state");
        // an id written is read back at most at its click, its deadline and its tombstone's end; a new id never
        assertTrue(reads <= 3L * written.size() && newIds > 1000,
                "reads of the join's state after the barrier: " + reads + " (ids written before it: " + written.size()
                        + ", new ids after it: " + newIds + ")");
        assertEquals(judged(whole), judged(h));
        dev.afmflink.model.SameBits.assertSameBits(TrainerFeedbackTest.published(whole), TrainerFeedbackTest.published(h));
        whole.close();
        h.close();
    }

    @Test
    void aRestoreWithHundredsOfBucketsHeldContinuesBitForBit() throws Exception {
        List<TrainingExample> input = input();
        var whole = harness(null);
        feed(whole, input, 0, input.size());
        end(whole);

        int half = input.size() / 2;
        var first = harness(null);
        feed(first, input, 0, half);
        first.prepareSnapshotPreBarrier(1); // as a checkpoint barrier does: the write-back buffers go to state
        OperatorSubtaskState checkpoint = first.snapshot(1, 1);
        List<String> judgedBefore = judged(first);
        dev.afmflink.snapshot.SnapshotChain chain = new dev.afmflink.snapshot.SnapshotChain();
        for (var r : first.getSideOutput(AfmTrainer.SNAPSHOTS)) {
            chain.apply(r.getValue().bytes, "v" + r.getValue().version);
        }
        first.close();
        var second = harness(checkpoint);
        assertTrue(second.numEventTimeTimers() <= 5, "the checkpoint holds a few timers: " + second.numEventTimeTimers());
        feed(second, input, half, input.size());
        end(second);

        List<String> all = new ArrayList<>(judgedBefore);
        all.addAll(judged(second));
        List<String> expected = judged(whole);
        assertTrue(expected.size() > 1000, "most impressions are judged: " + expected.size());
        assertEquals(expected.size(), all.size(), "judgements with and without the restore");
        for (int i = 0; i < expected.size(); i++) {
            assertEquals(expected.get(i), all.get(i), "judgement " + i);
        }
        AfmModel a = TrainerFeedbackTest.published(whole);
        for (var r : second.getSideOutput(AfmTrainer.SNAPSHOTS)) { // the chain goes on: versions after the checkpoint's
            chain.apply(r.getValue().bytes, "v" + r.getValue().version);
        }
        AfmModel b = chain.model();
        dev.afmflink.model.SameBits.assertSameBits(a, b);
        whole.close();
        second.close();
    }
}
