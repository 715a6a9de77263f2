package dev.afmflink.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.afmflink.SharedFiles;
import dev.afmflink.data.LibfmReader;
import dev.afmflink.model.AfmModel;
import dev.afmflink.model.Example;
import dev.afmflink.model.Loss;
import dev.afmflink.snapshot.ModelReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * The acceptance figures of the core, through the same entry point as bin/afm, on the real data
 * beside the project (../shared/data; see its README for the Frappe protocol).
 */
class CommandLineTest {
    static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    Path dir;

    static String frappe(String f) {
        return SharedFiles.file("data/frappe/" + f).toString();
    }

    static String[] args(String... a) {
        return a;
    }

    static int run(String... argv) {
        PrintStream old = System.out;
        try {
            System.setOut(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
            return Main.run(argv);
        } finally {
            System.setOut(old);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"float64", "float32"})
    void frappeReferenceCheckScoreAndExplainAgree(String precision) throws IOException {
        Path metrics = dir.resolve("ref.json");
        Path model = dir.resolve("model");
        assertEquals(0, run("train", "--train", frappe("frappe.validation.libfm.gz"), "--test", frappe("frappe.test.libfm.gz"),
                "--loss", "squared", "--k", "16", "--t", "16", "--optimizer", "adagrad", "--lr", "0.05", "--init-acc", "1e-8",
                "--init-std", "0.1", "--passes", "1", "--seed", "1", "--metrics-out", metrics.toString(),
                "--model-out", model.toString(), "--precision", precision));
        // sums of float32 attention weights and contributions carry float rounding
        double sums = precision.equals("float32") ? 1e-6 : 1e-12;
        JsonNode m = JSON.readTree(metrics.toFile());
        for (String key : List.of("examples", "seconds", "progressive_loss", "test_rmse")) {
            assertTrue(m.has(key), "metrics key " + key);
        }
        assertEquals(57722, m.get("examples").asLong());
        double rmse = m.get("test_rmse").asDouble();
        assertTrue(Math.abs(rmse - 0.576) <= 0.015, "reference check: test RMSE " + rmse + " not in 0.576 ± 0.015");
        assertTrue(m.get("progressive_loss").asDouble() < 0.25);

        // score: one line per test example; the RMSE recomputed from those lines is the trainer's
        Path scores = dir.resolve("scores.txt");
        assertEquals(0, run("score", "--model", model.toString(), "--input", frappe("frappe.test.libfm.gz"),
                "--output", scores.toString()));
        List<String> lines = Files.readAllLines(scores);
        List<Example> test = LibfmReader.readAll(Path.of(frappe("frappe.test.libfm.gz")), Loss.SQUARED, false);
        assertEquals(test.size(), lines.size());
        double se = 0;
        for (int i = 0; i < lines.size(); i++) {
            double p = Math.max(-1, Math.min(1, Double.parseDouble(lines.get(i))));
            se += (p - test.get(i).label) * (p - test.get(i).label);
        }
        assertEquals(rmse, Math.sqrt(se / lines.size()), 1e-12);

        // explain: the same predictions; pairs sorted by attention; contributions add up to the pair term
        Path head = dir.resolve("head.libfm");
        Files.write(head, java.util.Arrays.asList(new String(
                new java.util.zip.GZIPInputStream(Files.newInputStream(Path.of(frappe("frappe.test.libfm.gz")))).readNBytes(20000),
                StandardCharsets.UTF_8).split("\n")).subList(0, 100));
        Path explained = dir.resolve("explain.jsonl");
        assertEquals(0, run("explain", "--model", model.toString(), "--input", head.toString(), "--output", explained.toString()));
        List<String> ex = Files.readAllLines(explained);
        assertEquals(100, ex.size());
        AfmModel loaded = ModelReader.load(model).model();
        assertEquals(precision, loaded.config().precision().id());
        for (int i = 0; i < ex.size(); i++) {
            JsonNode e = JSON.readTree(ex.get(i));
            assertEquals(Double.parseDouble(lines.get(i)), e.get("prediction").asDouble(), 0.0, "line " + i);
            JsonNode pairs = e.get("pairs");
            assertEquals(45, pairs.size());
            double attSum = 0;
            double contrib = 0;
            for (int p = 0; p < pairs.size(); p++) {
                attSum += pairs.get(p).get("attention").asDouble();
                contrib += pairs.get(p).get("contribution").asDouble();
                if (p > 0) {
                    assertTrue(pairs.get(p - 1).get("attention").asDouble() >= pairs.get(p).get("attention").asDouble());
                }
            }
            assertEquals(1.0, attSum, sums);
            Example x = test.get(i);
            loaded.predictRaw(x);
            assertEquals(loaded.pairView().pairTerm(), contrib, sums);
        }
    }

    @Test
    void frappeRecommendedDefaultsReachTheTarget() throws IOException {
        Path metrics = dir.resolve("def.json");
        assertEquals(0, run("train", "--train", frappe("frappe.validation.libfm.gz"), "--test", frappe("frappe.test.libfm.gz"),
                "--loss", "squared", "--metrics-out", metrics.toString()));
        double rmse = JSON.readTree(metrics.toFile()).get("test_rmse").asDouble();
        // 0.5032 with the embeddings at Adagrad 0.05 from 1e-8 (the defaults before the step-size study, docs/benchmarks.md)
        assertTrue(rmse <= 0.49, "defaults: test RMSE " + rmse + " > 0.49");
    }

    /**
     * --candidate: the leader saved at the end is, byte for byte, the model its options train alone;
     * every option of the command applies to each candidate under its own.
     */
    @Test
    void candidatesSaveTheLeaderAsItWouldBeAlone() throws IOException {
        Path metrics = dir.resolve("cand.json");
        Path chosen = dir.resolve("chosen");
        String[] base = {"train", "--train", frappe("frappe.validation.libfm.gz"), "--loss", "squared", "--k", "8", "--t", "8"};
        java.util.Map<String, String> options = new java.util.LinkedHashMap<>();
        options.put("slow", "--lr-embedding 0.02 --init-acc-embedding 1e-8");
        options.put("default", "");
        options.put("fast", "--lr-embedding 0.6");
        List<String> argv = new java.util.ArrayList<>(List.of(base));
        options.forEach((name, o) -> argv.addAll(List.of("--candidate", name + ": " + o)));
        argv.addAll(List.of("--candidate-window-examples", "4000", "--metrics-out", metrics.toString(), "--model-out", chosen.toString()));
        assertEquals(0, run(argv.toArray(new String[0])));
        JsonNode m = JSON.readTree(metrics.toFile());
        String leader = m.get("leader").asText();
        assertEquals(3, m.get("candidates").size());
        assertTrue(m.get("chosen_vs_best_last_quarter").asDouble() >= 1.0);
        List<String> alone = new java.util.ArrayList<>(List.of(base));
        if (!options.get(leader).isEmpty()) {
            alone.addAll(List.of(options.get(leader).split(" ")));
        }
        Path own = dir.resolve("own");
        alone.addAll(List.of("--passes", "1", "--model-out", own.toString()));
        assertEquals(0, run(alone.toArray(new String[0])));
        try (var a = java.nio.file.Files.list(chosen); var b = java.nio.file.Files.list(own)) {
            List<Path> x = a.sorted().toList();
            List<Path> y = b.sorted().toList();
            assertEquals(x.stream().map(Path::getFileName).toList(), y.stream().map(Path::getFileName).toList());
            for (int i = 0; i < x.size(); i++) {
                assertTrue(java.util.Arrays.equals(java.nio.file.Files.readAllBytes(x.get(i)), java.nio.file.Files.readAllBytes(y.get(i))),
                        "leader " + leader + ": " + x.get(i));
            }
        }
        assertEquals(2, run("train", "--train", frappe("frappe.validation.libfm.gz"), "--candidate", "a:", "--candidate", "b:",
                "--passes", "3"));
    }

    @Test
    void criteoLogisticDefaultsInBothPrecisions() throws IOException {
        String raw = SharedFiles.file("data/criteo/criteo_train_examples_10k.txt.gz").toString();
        Path train = dir.resolve("train.libfm.gz");
        Path test = dir.resolve("test.libfm.gz");
        assertEquals(0, run("convert", "--format", "criteo", "--input", raw, "--output", train.toString(), "--limit", "8000"));
        assertEquals(0, run("convert", "--format", "criteo", "--input", raw, "--output", test.toString(), "--skip", "8000"));
        JsonNode[] by = new JsonNode[2];
        for (String precision : List.of("float64", "float32")) {
            Path metrics = dir.resolve("criteo-" + precision + ".json");
            assertEquals(0, run("train", "--train", train.toString(), "--test", test.toString(), "--loss", "logistic",
                    "--precision", precision, "--metrics-out", metrics.toString()));
            JsonNode m = JSON.readTree(metrics.toFile());
            assertEquals(8000, m.get("examples").asLong());
            assertEquals(2000, m.get("test_examples").asLong());
            // a constant CTR predictor scores logloss ≈ 0.52 on this split
            assertTrue(m.get("test_logloss").asDouble() < 0.49, precision + " logloss " + m.get("test_logloss"));
            assertTrue(m.get("test_auc").asDouble() > 0.72, precision + " AUC " + m.get("test_auc"));
            assertTrue(m.has("progressive_auc"));
            by[precision.equals("float64") ? 0 : 1] = m;
        }
        // the same quality in both precisions (issue 12: within ±0.002), on the test split and progressively
        for (String key : List.of("test_logloss", "test_auc", "progressive_loss", "progressive_auc")) {
            double d = Math.abs(by[0].get(key).asDouble() - by[1].get(key).asDouble());
            assertTrue(d <= 0.002, key + ": float64 " + by[0].get(key) + ", float32 " + by[1].get(key));
        }
    }

    @Test
    void optionNamesScriptsRelyOnAreListed() {
        String train = new Args("train", new TrainCommand().options()).usage("");
        for (String o : List.of("--train", "--test", "--loss", "--k", "--t", "--optimizer", "--lr", "--passes",
                "--init-std", "--seed", "--metrics-out", "--model-out")) {
            assertTrue(train.contains(o + " "), o);
        }
        for (Command c : List.of(new ScoreCommand(), new ExplainCommand())) {
            String u = new Args(c.name(), c.options()).usage("");
            for (String o : List.of("--model", "--input", "--output")) {
                assertTrue(u.contains(o + " "), c.name() + " " + o);
            }
        }
    }

    @Test
    void badCommandLinesExitTwoAndBadDataExitsOneNamingTheLine() throws IOException {
        assertEquals(2, run("train", "--nope"));
        assertEquals(2, run("nope"));
        assertEquals(2, run("train", "--train", "x", "--k", "abc"));
        assertEquals(0, run("train", "--help"));
        Path bad = dir.resolve("bad.libfm");
        Files.writeString(bad, "1 1:1 2:1\n1 1:nan\n");
        PrintStream oldErr = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            assertEquals(1, run("train", "--train", bad.toString(), "--k", "4", "--t", "4"));
        } finally {
            System.setErr(oldErr);
        }
        assertTrue(err.toString(StandardCharsets.UTF_8).contains(bad + ":2:"), err.toString(StandardCharsets.UTF_8));
        assertEquals(0, run("train", "--train", bad.toString(), "--k", "4", "--t", "4", "--skip-bad"));
    }
}
