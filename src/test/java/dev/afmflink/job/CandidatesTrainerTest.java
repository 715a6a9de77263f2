package dev.afmflink.job;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.afmflink.feedback.FeedbackMode;
import dev.afmflink.feedback.LeaderChoice;
import dev.afmflink.model.AfmConfig;
import dev.afmflink.model.AfmModel;
import dev.afmflink.optim.OptimizerSpec;
import dev.afmflink.snapshot.ModelFormat;
import dev.afmflink.snapshot.ModelWriter;
import dev.afmflink.snapshot.SnapshotChain;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Candidates in the trainer (docs/feedback.md, "Online choice"), in Flink's operator harness: every
 * candidate trains as it would alone, the key publishes the leader's model (bit for bit the model
 * its configuration trains alone), the switches are the rule's on the candidates' windows, and
 * one judged prediction per example goes out.
 */
class CandidatesTrainerTest {
    @TempDir
    Path dir;

    static final long WINDOW_MS = 200;
    static final LeaderChoice.Rule RULE = new LeaderChoice.Rule(2, 0.01);

    static AfmConfig config(double lrEmbedding, double lrAttention) {
        AfmConfig c = StreamingEndToEndTest.config();
        return new AfmConfig(c.k(), c.t(), c.loss(), c.l2Attention(), 0, 0, 1.0, 0.1, c.seed(), c.linear(),
                OptimizerSpec.adagrad(lrEmbedding, 1e-8), OptimizerSpec.adagrad(lrAttention, 1e-8));
    }

    static TrainerSettings.Builder settings(AfmConfig c) {
        return TrainerSettings.builder(c).publishEvery(150).fullEvery(3).windows(WINDOW_MS, TrainerFeedbackTest.DELAY)
                .mode(FeedbackMode.IMMEDIATE);
    }

    static KeyedOneInputStreamOperatorTestHarness<String, TrainingExample, Prediction> run(TrainerSettings s,
                                                                                        List<TrainingExample> input) throws Exception {
        var h = harness(s, null);
        feed(h, input, 0, input.size());
        end(h, input);
        return h;
    }

    static KeyedOneInputStreamOperatorTestHarness<String, TrainingExample, Prediction> harness(
            TrainerSettings s, org.apache.flink.runtime.checkpoint.OperatorSubtaskState restore) throws Exception {
        var h = new KeyedOneInputStreamOperatorTestHarness<>(new AfmTrainerOperator(new AfmTrainer(s)),
                new AfmStreamJob.ModelKey(), Types.STRING);
        if (restore != null) {
            h.initializeState(restore);
        }
        h.open();
        return h;
    }

    static void feed(KeyedOneInputStreamOperatorTestHarness<String, TrainingExample, Prediction> h, List<TrainingExample> input,
                     int from, int to) throws Exception {
        for (int i = from; i < to; i++) {
            TrainingExample t = input.get(i);
            h.processElement(t, t.ts);
            if (i % 50 == 49) {
                h.processWatermark(new Watermark(t.ts - 1));
            }
        }
    }

    static void end(KeyedOneInputStreamOperatorTestHarness<String, TrainingExample, Prediction> h, List<TrainingExample> input)
            throws Exception {
        h.processWatermark(new Watermark(input.get(input.size() - 1).ts + 1000));
        h.processWatermark(new Watermark(Long.MAX_VALUE));
    }

    /** The LEADER records of a harness, as "NEW (was OLD)@windowStart". */
    static List<String> switches(KeyedOneInputStreamOperatorTestHarness<String, TrainingExample, Prediction> h) {
        List<String> out = new ArrayList<>();
        for (var r : h.getSideOutput(AfmTrainer.METRICS)) {
            if (r.getValue().event.equals(MetricsRecord.LEADER)) {
                out.add(r.getValue().detail + "@" + r.getValue().windowStart);
            }
        }
        return out;
    }

    /**
     * A restart from a checkpoint taken in the middle (the candidates' state, the choice and the
     * key's chain in keyed state) continues as if nothing happened: the same switches, the same
     * published model.
     */
    @Test
    void aRestoreContinuesTheChoiceAndTheChain() throws Exception {
        List<TrainingExample> input = TrainerFeedbackTest.examples(3000, dev.afmflink.data.EventKind.EXAMPLE, "ex-", 41);
        TrainerSettings s = settings(StreamingEndToEndTest.config()).candidates(List.of(
                new dev.afmflink.feedback.Candidate("slow", config(0.001, 0.001)), new dev.afmflink.feedback.Candidate("fast", config(0.1, 0.05))),
                RULE).build();
        var whole = run(s, input);
        var first = harness(s, null);
        feed(first, input, 0, 1000);
        first.prepareSnapshotPreBarrier(1); // as a checkpoint barrier does: the write-back buffers go to state
        var state = first.snapshot(1, 1);
        List<String> before = switches(first);
        first.close();
        var second = harness(s, state);
        feed(second, input, 1000, input.size());
        end(second, input);
        List<String> all = new ArrayList<>(before);
        all.addAll(switches(second));
        assertEquals(switches(whole), all);
        assertArrayEquals(bytes(published(whole, new ArrayList<>()), "whole"), bytes(lastModel(first, second), "restored"));
        whole.close();
        second.close();
    }

    /** A restore with a third candidate: the choice starts again, the key's chain goes on (the next version, full). */
    @Test
    void aRestoreWithAnotherCandidateContinuesTheChainFromAFullSnapshot() throws Exception {
        List<TrainingExample> input = TrainerFeedbackTest.examples(2000, dev.afmflink.data.EventKind.EXAMPLE, "ex-", 43);
        var two = List.of(new dev.afmflink.feedback.Candidate("slow", config(0.001, 0.001)),
                new dev.afmflink.feedback.Candidate("fast", config(0.1, 0.05)));
        var first = harness(settings(StreamingEndToEndTest.config()).candidates(two, RULE).build(), null);
        feed(first, input, 0, 1000);
        first.prepareSnapshotPreBarrier(1);
        var state = first.snapshot(1, 1);
        long last = 0;
        for (var r : first.getSideOutput(AfmTrainer.SNAPSHOTS)) {
            last = r.getValue().version;
        }
        first.close();
        assertTrue(last > 0);
        var three = new ArrayList<>(two);
        three.add(new dev.afmflink.feedback.Candidate("third", config(0.05, 0.05)));
        var second = harness(settings(StreamingEndToEndTest.config()).candidates(three, RULE).build(), state);
        feed(second, input, 1000, input.size());
        end(second, input);
        var after = new ArrayList<>(second.getSideOutput(AfmTrainer.SNAPSHOTS));
        assertFalse(after.isEmpty());
        assertEquals(last + 1, after.get(0).getValue().version, "the chain goes on");
        assertEquals(ModelFormat.Kind.FULL, after.get(0).getValue().kind, "from a full snapshot");
        second.close();
    }

    /** The model of the snapshots of a run in two parts (the second continuing the first's chain). */
    static AfmModel lastModel(KeyedOneInputStreamOperatorTestHarness<String, TrainingExample, Prediction> first,
                              KeyedOneInputStreamOperatorTestHarness<String, TrainingExample, Prediction> second) throws Exception {
        SnapshotChain chain = new SnapshotChain();
        for (var h : List.of(first, second)) {
            for (var r : h.getSideOutput(AfmTrainer.SNAPSHOTS)) {
                chain.apply(r.getValue().bytes, "v" + r.getValue().version);
            }
        }
        return chain.model();
    }

    /** The model the key's snapshots make (full + deltas, in order), and their kinds by version. */
    static AfmModel published(KeyedOneInputStreamOperatorTestHarness<String, TrainingExample, Prediction> h, List<ModelFormat.Kind> kinds)
            throws Exception {
        SnapshotChain chain = new SnapshotChain();
        long last = 0;
        for (var r : h.getSideOutput(AfmTrainer.SNAPSHOTS)) {
            assertEquals(last + 1, r.getValue().version, "versions are consecutive");
            last = r.getValue().version;
            kinds.add(r.getValue().kind);
            chain.apply(r.getValue().bytes, "v" + r.getValue().version);
        }
        return chain.model();
    }

    byte[] bytes(AfmModel m, String name) throws Exception {
        Path d = dir.resolve(name);
        ModelWriter.writeFull(m, 1, d);
        try (var files = Files.list(d)) {
            return Files.readAllBytes(files.findFirst().orElseThrow());
        }
    }

    @Test
    void theKeyPublishesTheLeaderAsItWouldBeAloneAndSwitchesByTheRule() throws Exception {
        List<TrainingExample> input = TrainerFeedbackTest.examples(3000, dev.afmflink.data.EventKind.EXAMPLE, "ex-", 41);
        List<dev.afmflink.feedback.Candidate> cs = List.of(new dev.afmflink.feedback.Candidate("slow", config(0.001, 0.001)),
                new dev.afmflink.feedback.Candidate("fast", config(0.1, 0.05)));
        var h = run(settings(StreamingEndToEndTest.config()).candidates(cs, RULE).build(), input);

        // the switches: the rule on the candidates' windows as they came out
        LeaderChoice rule = new LeaderChoice(2, RULE);
        List<String> expected = new ArrayList<>();
        List<String> switches = new ArrayList<>();
        int windows = 0;
        for (var r : h.getSideOutput(AfmTrainer.METRICS)) {
            MetricsRecord m = r.getValue();
            if (m.event.equals(MetricsRecord.WINDOW) || m.event.equals(MetricsRecord.CANDIDATE_WINDOW)) {
                int k = m.detail.equals("slow") ? 0 : 1;
                assertEquals(m.event.equals(MetricsRecord.WINDOW), k == rule.leader(), "the leader's window is the key's");
                windows++;
                LeaderChoice.Switch s = rule.closed(k, m.windowStart, m.n, m.loss * m.n);
                if (s != null) {
                    expected.add(cs.get(s.to()).name() + " (was " + cs.get(s.from()).name() + ")@" + m.windowStart);
                }
            } else if (m.event.equals(MetricsRecord.LEADER)) {
                switches.add(m.detail + "@" + m.windowStart);
            }
        }
        assertTrue(windows > 20, "windows: " + windows);
        assertFalse(expected.isEmpty(), "the slow candidate loses the lead");
        assertEquals(expected, switches);
        assertEquals(1, rule.leader(), "fast leads at the end");

        // one judged prediction per example, whoever leads
        assertEquals(input.size(), h.extractOutputValues().size());

        // the key's snapshots: the leader's model, as its configuration trains it alone; a full one after each switch
        List<ModelFormat.Kind> kinds = new ArrayList<>();
        AfmModel chosen = published(h, kinds);
        assertEquals(ModelFormat.Kind.FULL, kinds.get(0));
        // full every 3 deltas, but the new leader's first snapshot is full whatever the count
        int deltas = 0;
        boolean early = false;
        for (ModelFormat.Kind k : kinds.subList(1, kinds.size())) {
            if (k == ModelFormat.Kind.FULL) {
                early |= deltas < 3;
                deltas = 0;
            } else {
                deltas++;
            }
        }
        assertTrue(early, "a full snapshot where the new leader took over: " + kinds);
        var alone = run(settings(cs.get(1).config()).build(), input);
        AfmModel own = published(alone, new ArrayList<>());
        assertArrayEquals(bytes(own, "own"), bytes(chosen, "chosen"));
        h.close();
        alone.close();
    }

    @Test
    void candidatesAreCheckedWhenTheTrainerIsBuilt() {
        AfmConfig c = StreamingEndToEndTest.config();
        assertThrows(IllegalArgumentException.class, () -> settings(c).candidates(List.of(new dev.afmflink.feedback.Candidate("a", c)),
                RULE).build(), "one candidate");
        assertThrows(IllegalArgumentException.class, () -> settings(c).candidates(List.of(new dev.afmflink.feedback.Candidate("a", c),
                new dev.afmflink.feedback.Candidate("a", c)), RULE).build(), "the same name twice");
        assertThrows(IllegalArgumentException.class, () -> settings(c).candidates(List.of(new dev.afmflink.feedback.Candidate("a", c),
                new dev.afmflink.feedback.Candidate("b b", c)), RULE).build(), "a name with a space");
    }
}
