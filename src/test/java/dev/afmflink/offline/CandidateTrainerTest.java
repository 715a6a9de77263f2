package dev.afmflink.offline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.afmflink.data.LibfmReader;
import dev.afmflink.feedback.LeaderChoice;
import dev.afmflink.model.AfmConfig;
import dev.afmflink.model.AfmModel;
import dev.afmflink.model.Example;
import dev.afmflink.model.Loss;
import dev.afmflink.model.SplitMix64;
import dev.afmflink.optim.OptimizerSpec;
import dev.afmflink.snapshot.ModelWriter;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The online choice on a file: each candidate is the model it would be alone, bit for bit; the
 * switches are the rule's on windows summed here from each candidate trained alone; the stream as
 * served takes each window from the leader in effect at its start.
 */
class CandidateTrainerTest {
    @TempDir
    Path dir;

    static AfmConfig config(double lrEmbedding, double acc0) {
        return new AfmConfig(8, 8, Loss.LOGISTIC, 0, 0, 0, 1.0, 0.1, 1, OptimizerSpec.ftrl(0.1, 1, 0.5, 0),
                OptimizerSpec.adagrad(lrEmbedding, acc0), OptimizerSpec.adagrad(0.05, 1e-8).withDecay(0.998));
    }

    /** Labelled libfm lines with a pair effect whose strength changes half way (so that step sizes matter). */
    Path stream(int n) throws IOException {
        Path p = dir.resolve("train.libfm");
        SplitMix64 r = new SplitMix64(3);
        try (Writer w = Files.newBufferedWriter(p)) {
            for (int i = 0; i < n; i++) {
                int a = (int) (r.nextDouble() * 20);
                int b = (int) (r.nextDouble() * 20);
                int c = (int) (r.nextDouble() * 5);
                double z = -0.5 + (i < n / 2 ? 1.5 : 3.0) * Math.cos(a * 0.7 + b * 1.3) + 0.2 * c;
                int y = r.nextDouble() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
                w.write(y + " " + (1000 + a) + ":1 " + (2000 + b) + ":1 " + (3000 + c) + ":1\n");
            }
        }
        return p;
    }

    @Test
    void everyCandidateIsItsOwnModelAndTheSwitchesAreTheRulesOnItsWindows() throws Exception {
        Path train = stream(30_000);
        List<dev.afmflink.feedback.Candidate> cs = List.of(new dev.afmflink.feedback.Candidate("slow", config(0.01, 1e-8)),
                new dev.afmflink.feedback.Candidate("default", config(0.2, 0.1)), new dev.afmflink.feedback.Candidate("fast", config(0.8, 0.1)));
        LeaderChoice.Rule rule = new LeaderChoice.Rule(3, 0.01);
        int window = 1000;
        CandidateTrainer.Result r = CandidateTrainer.run(train, null, cs, rule, window, false, new PrintStream(PrintStream.nullOutputStream()));

        // each candidate alone: the same model (its file, byte for byte) and its loss per example
        List<double[]> lossesAlone = new ArrayList<>();
        for (int k = 0; k < cs.size(); k++) {
            AfmModel alone = OfflineTrainer.run(new OfflineTrainer.Settings(train, null, cs.get(k).config(), 1, 1, 1_000_000, false),
                    new PrintStream(PrintStream.nullOutputStream())).model();
            Path a = dir.resolve("alone-" + k);
            Path b = dir.resolve("chosen-" + k);
            ModelWriter.writeFull(alone, 1, a);
            ModelWriter.writeFull(r.models().get(k), 1, b);
            assertArrayEquals(Files.readAllBytes(only(a)), Files.readAllBytes(only(b)), cs.get(k).name());
            AfmModel again = new AfmModel(cs.get(k).config());
            List<Double> l = new ArrayList<>();
            try (LibfmReader in = new LibfmReader(train, Loss.LOGISTIC, false)) {
                Example ex = new Example();
                long seen = 0;
                while (in.next(ex)) {
                    l.add(Loss.LOGISTIC.loss(again.train(ex, ++seen), ex.label));
                }
            }
            lossesAlone.add(l.stream().mapToDouble(Double::doubleValue).toArray());
        }
        // the rule on windows summed here, and the served stream: each window from the leader at its start
        LeaderChoice rule2 = new LeaderChoice(cs.size(), rule);
        List<LeaderChoice.Switch> expected = new ArrayList<>();
        int examples = lossesAlone.get(0).length;
        int leader = 0;
        double served = 0;
        for (int w = 0; w * window < examples; w++) {
            int from = w * window;
            int to = Math.min(examples, from + window);
            for (int i = from; i < to; i++) {
                served += lossesAlone.get(leader)[i];
            }
            for (int k = 0; k < cs.size(); k++) {
                double sum = 0;
                for (int i = from; i < to; i++) {
                    sum += lossesAlone.get(k)[i];
                }
                LeaderChoice.Switch s = rule2.closed(k, w, to - from, sum);
                if (s != null) {
                    expected.add(s);
                }
            }
            leader = rule2.leader();
        }
        assertFalse(expected.isEmpty(), "the stream is made to need a switch");
        assertEquals(expected, r.switches());
        assertEquals(rule2.leader(), r.leader());
        assertEquals(served / examples, (double) r.metrics().get("chosen_progressive_loss"), 1e-12);
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> figures = (List<Map<String, Object>>) r.metrics().get("candidates");
        assertEquals(3, figures.size());
        assertEquals(expected.size(), ((List<?>) r.metrics().get("switches")).size());
    }

    @Test
    void candidatesMustShareTheirLoss() throws Exception {
        Path train = stream(100);
        AfmConfig squared = new AfmConfig(8, 8, Loss.SQUARED, 0, 0, 0, 1.0, 0.1, 1, OptimizerSpec.adagrad(0.05, 1e-8),
                OptimizerSpec.adagrad(0.05, 1e-8), OptimizerSpec.adagrad(0.05, 1e-8));
        assertThrows(IllegalArgumentException.class, () -> CandidateTrainer.run(train, null, List.of(
                new dev.afmflink.feedback.Candidate("a", config(0.2, 0.1)), new dev.afmflink.feedback.Candidate("b", squared)),
                LeaderChoice.Rule.DEFAULT, 10, false, new PrintStream(PrintStream.nullOutputStream())));
        assertThrows(IllegalArgumentException.class, () -> CandidateTrainer.run(train, null, List.of(
                new dev.afmflink.feedback.Candidate("a", config(0.2, 0.1))), LeaderChoice.Rule.DEFAULT, 10, false,
                new PrintStream(PrintStream.nullOutputStream())));
    }

    /** The one file a model folder holds. */
    private static Path only(Path folder) throws IOException {
        try (var s = Files.list(folder)) {
            List<Path> files = s.toList();
            assertEquals(1, files.size(), files.toString());
            return files.get(0);
        }
    }
}
