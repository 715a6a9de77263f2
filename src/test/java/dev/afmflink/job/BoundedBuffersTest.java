package dev.afmflink.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.afmflink.feedback.FeedbackMode;
import dev.afmflink.feedback.Holdout;
import dev.afmflink.metrics.QualityGate;
import dev.afmflink.model.AfmModel;
import dev.afmflink.model.SplitMix64;
import dev.afmflink.snapshot.ModelReader;
import java.io.ByteArrayInputStream;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * Many model keys on a bounded heap: a key's write-back buffer untouched through a checkpoint
 * interval is dropped at the next barrier, a barrier writes only the keys touched since the last
 * one, and none of it changes a single bit of any key's model (ordered mode, labels waiting in
 * state across the drops).
 */
class BoundedBuffersTest {
    static final int KEYS = 300;

    static KeyedOneInputStreamOperatorTestHarness<String, TrainingExample, Prediction> harness(AfmTrainer t) throws Exception {
        var h = new KeyedOneInputStreamOperatorTestHarness<>(new AfmTrainerOperator(t), new AfmStreamJob.ModelKey(), Types.STRING);
        h.open();
        return h;
    }

    static AfmTrainer trainer() {
        return trainer(0);
    }

    /** {@code maxKeys}: at most this many buffers on the heap (0: the default). */
    static AfmTrainer trainer(int maxKeys) {
        // W = 20 s of event time (2,000 examples): labels wait in state long after their key went idle and lost its buffer
        return new AfmTrainer(TrainerSettings.builder(StreamingEndToEndTest.config()).publishIntervalMs(5000).fullEvery(0)
                .windows(60_000, 20_000).gate(QualityGate.OPEN).mode(FeedbackMode.ORDERED).holdout(Holdout.NONE)
                .maxBufferedKeys(maxKeys).build());
    }

    @Test
    void idleKeysLeaveTheHeapAndNoModelChanges() throws Exception {
        AfmTrainer withBarriers = trainer();
        var a = harness(withBarriers);
        var b = harness(trainer());
        SplitMix64 r = new SplitMix64(5);
        int maxBuffered = 0;
        for (int i = 0; i < 6000; i++) {
            int phase = i / 1000; // 50 keys active per phase of 1,000 examples, each key in one phase
            String key = "k" + (phase * 50 + (int) (r.nextDouble() * 50));
            both(a, b, r, key, i);
            if (i % 250 == 249) {
                a.prepareSnapshotPreBarrier(i);
                maxBuffered = Math.max(maxBuffered, withBarriers.writeBack().bufferedKeys());
            }
        }
        a.prepareSnapshotPreBarrier(10_000); // the keys touched since the last barrier: written
        a.prepareSnapshotPreBarrier(10_001); // nothing touched since: nothing written, every buffer dropped
        assertEquals(0, withBarriers.writeBack().lastWritten());
        assertEquals(0, withBarriers.writeBack().bufferedKeys());
        TrainingExample one = new TrainingExample(dev.afmflink.data.EventKind.LABELLED, "k7", "one", 60_000, 1, new long[] {1, 21, 41},
                new double[] {1, 1, 1});
        a.processElement(one, one.ts);
        b.processElement(new TrainingExample(one.kind(), one.model, one.id, one.ts, one.label, one.ids.clone(), one.values.clone()),
                one.ts);
        a.prepareSnapshotPreBarrier(10_002); // one key touched: one buffer written
        assertEquals(1, withBarriers.writeBack().lastWritten());
        assertSameModels(a, b);
        // a key is touched again when its labels are released, W (two phases) later: three phases' keys at most
        assertTrue(maxBuffered <= 150, "at most the keys of three of the six phases on the heap: " + maxBuffered);
        a.close();
        b.close();
    }

    @Test
    void aCapOnBuffersBoundsTheHeapBetweenBarriersAndNoModelChanges() throws Exception {
        AfmTrainer capped = trainer(8);
        var a = harness(capped);
        var b = harness(trainer());
        SplitMix64 r = new SplitMix64(9);
        int maxBuffered = 0;
        for (int i = 0; i < 6000; i++) { // every key active all along, no checkpoint barrier at all
            String key = "k" + (int) (r.nextDouble() * KEYS);
            both(a, b, r, key, i);
            maxBuffered = Math.max(maxBuffered, capped.writeBack().bufferedKeys());
        }
        assertSameModels(a, b);
        assertTrue(maxBuffered <= 8, "at most the cap on the heap: " + maxBuffered);
        assertTrue(capped.writeBack().evictedBuffers() > 1000, "buffers written back and dropped: " + capped.writeBack().evictedBuffers());
        a.close();
        b.close();
    }

    /** Example {@code i} of {@code key} to both harnesses (a copy each), and a watermark every 100 examples. */
    static void both(KeyedOneInputStreamOperatorTestHarness<String, TrainingExample, Prediction> a,
                     KeyedOneInputStreamOperatorTestHarness<String, TrainingExample, Prediction> b, SplitMix64 r, String key, int i)
            throws Exception {
        long[] ids = {1 + (long) (r.nextDouble() * 20), 21 + (long) (r.nextDouble() * 20), 41 + (long) (r.nextDouble() * 20)};
        TrainingExample t = new TrainingExample(dev.afmflink.data.EventKind.LABELLED, key, "e-" + i, 10L * i,
                ids[0] % 3 == ids[1] % 3 ? 1 : 0, ids, new double[] {1, 1, 1});
        a.processElement(t, t.ts);
        b.processElement(new TrainingExample(t.kind(), t.model, t.id, t.ts, t.label, t.ids.clone(), t.values.clone()), t.ts);
        if (i % 100 == 99) {
            a.processWatermark(new Watermark(t.ts - 1));
            b.processWatermark(new Watermark(t.ts - 1));
        }
    }

    /** Both harnesses to the end of input; then every key's last model in {@code a} must be {@code b}'s, bit for bit. */
    static void assertSameModels(KeyedOneInputStreamOperatorTestHarness<String, TrainingExample, Prediction> a,
                                 KeyedOneInputStreamOperatorTestHarness<String, TrainingExample, Prediction> b) throws Exception {
        for (var h : java.util.List.of(a, b)) {
            h.processWatermark(new Watermark(60_000 + 20_000 + 1)); // every label's window has passed
            h.processWatermark(new Watermark(Long.MAX_VALUE));
        }
        Map<String, AfmModel> fromA = lastModels(a);
        Map<String, AfmModel> fromB = lastModels(b);
        assertEquals(KEYS, fromB.size());
        assertEquals(fromB.keySet(), fromA.keySet());
        for (String k : fromB.keySet()) {
            StreamingEndToEndTest.assertSameBits(fromB.get(k), fromA.get(k));
        }
    }

    static Map<String, AfmModel> lastModels(KeyedOneInputStreamOperatorTestHarness<String, TrainingExample, Prediction> h)
            throws Exception {
        Map<String, SnapshotRecord> last = new HashMap<>();
        for (var rec : h.getSideOutput(AfmTrainer.SNAPSHOTS)) {
            last.put(rec.getValue().model, rec.getValue());
        }
        Map<String, AfmModel> out = new HashMap<>();
        for (var e : last.entrySet()) {
            out.put(e.getKey(), ModelReader.read(new ByteArrayInputStream(e.getValue().bytes), null, e.getKey()).model());
        }
        return out;
    }
}
