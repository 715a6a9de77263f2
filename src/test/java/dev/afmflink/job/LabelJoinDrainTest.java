package dev.afmflink.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.runtime.watermarkstatus.WatermarkStatus;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * The label join that drains savepoints of the jobs before ({@link LabelJoinOperator}): with nothing
 * restored its output is idle at once and carries no watermark (the trainer's event time is its
 * main input's alone); with a restored impression it labels that impression's click, forwards
 * watermarks until event time has passed all it holds, then goes idle; a click it holds nothing
 * for is the trainer's. In line (parallelism 1, one chain with the trainer) every record and watermark
 * passes through in order, a restored impression's label before its click.
 */
class LabelJoinDrainTest {
    static final long W = LabelJoinTest.W;

    static KeyedOneInputStreamOperatorTestHarness<String, TrainingExample, TrainingExample> draining(OperatorSubtaskState restored)
            throws Exception {
        return draining(restored, false);
    }

    static KeyedOneInputStreamOperatorTestHarness<String, TrainingExample, TrainingExample> draining(OperatorSubtaskState restored,
                                                                                                      boolean inLine) throws Exception {
        var h = new KeyedOneInputStreamOperatorTestHarness<>(new LabelJoinOperator(new LabelJoin(W, 0.0, true), inLine),
                new AfmStreamJob.ImpressionId(), Types.STRING);
        if (restored != null) {
            h.initializeState(restored);
        }
        h.open();
        return h;
    }

    static List<Object> watermarksAndStatus(KeyedOneInputStreamOperatorTestHarness<String, TrainingExample, TrainingExample> h) {
        return h.getOutput().stream().filter(o -> o instanceof Watermark || o instanceof WatermarkStatus).toList();
    }

    @Test
    void withNothingRestoredTheOutputIsIdleAndCarriesNoWatermark() throws Exception {
        try (var h = draining(null)) {
            h.processElement(LabelJoinTest.click("x", 1000), 1000);
            h.processWatermark(new Watermark(5000));
            assertEquals(List.of(WatermarkStatus.IDLE), watermarksAndStatus(h));
            assertTrue(h.extractOutputValues().isEmpty(), "a click of an id it holds nothing for is the trainer's");
        }
    }

    /** The state of a job from before: impressions a (at 1000) and b (at 2000) waiting for their labels. */
    static OperatorSubtaskState twoImpressionsWaiting() throws Exception {
        try (var before = new KeyedOneInputStreamOperatorTestHarness<>(new KeyedProcessOperator<>(new LabelJoin(W, 0.0)),
                new AfmStreamJob.ImpressionId(), Types.STRING)) {
            before.open();
            before.processElement(LabelJoinTest.impression("a", 1000), 1000);
            before.processElement(LabelJoinTest.impression("b", 2000), 2000);
            return before.snapshot(1, 1);
        }
    }

    static List<String> records(KeyedOneInputStreamOperatorTestHarness<String, TrainingExample, TrainingExample> h) {
        return h.getOutput().stream().map(o -> o instanceof StreamRecord<?> r
                ? ((TrainingExample) r.getValue()).kind() + " " + ((TrainingExample) r.getValue()).id : o.toString()).toList();
    }

    @Test
    void inLineWithNothingRestoredEveryRecordAndWatermarkPassesThroughInOrder() throws Exception {
        try (var h = draining(null, true)) {
            h.processElement(LabelJoinTest.impression("x", 1000), 1000);
            h.processElement(LabelJoinTest.click("x", 1200), 1200);
            h.processWatermark(new Watermark(5000));
            h.processElement(LabelJoinTest.click("y", 5100), 5100);
            assertEquals(List.of("IMPRESSION x", "CLICK x", new Watermark(5000).toString(), "CLICK y"), records(h));
        }
    }

    @Test
    void inLineARestoredImpressionIsLabelledBeforeItsClickPasses() throws Exception {
        try (var h = draining(twoImpressionsWaiting(), true)) {
            h.processElement(LabelJoinTest.click("a", 1500), 1500);
            h.processElement(LabelJoinTest.impression("c", 1600), 1600);
            h.processWatermark(new Watermark(2000 + W)); // b's window has passed: its negative, then the watermark
            h.processWatermark(new Watermark(2000 + 3 * W));
            assertEquals(List.of("LABELLED a", "CLICK a", "IMPRESSION c", "LABELLED b", new Watermark(2000 + W).toString(),
                    new Watermark(2000 + 3 * W).toString()), records(h));
            assertEquals(List.of(1.0, 0.0), h.extractOutputValues().stream().filter(t -> t.kind() == dev.afmflink.data.EventKind.LABELLED)
                    .map(t -> t.label).toList());
        }
    }

    @Test
    void aRestoredImpressionIsLabelledThenTheOutputGoesIdle() throws Exception {
        OperatorSubtaskState saved = twoImpressionsWaiting();
        try (var h = draining(saved)) {
            h.processElement(LabelJoinTest.click("a", 1500), 1500);
            h.processElement(LabelJoinTest.click("zz", 1600), 1600); // not restored: ignored here
            h.processWatermark(new Watermark(2000 + W)); // b's window has passed: its negative
            List<TrainingExample> out = h.extractOutputValues();
            assertEquals(List.of("a 1.0", "b 0.0"), out.stream().map(t -> t.id + " " + t.label).toList());
            assertEquals(List.of(new Watermark(2000 + W)), watermarksAndStatus(h), "forwarded while it holds something");
            h.processWatermark(new Watermark(2000 + 2 * W + 1)); // the tombstones' time has passed
            h.processWatermark(new Watermark(2000 + 3 * W));
            assertEquals(List.of(new Watermark(2000 + W), new Watermark(2000 + 2 * W + 1), WatermarkStatus.IDLE), watermarksAndStatus(h));
            assertTrue(h.getOutput().stream().noneMatch(o -> o instanceof StreamRecord<?> r && ((TrainingExample) r.getValue()).id.equals("zz")));
        }
    }
}
