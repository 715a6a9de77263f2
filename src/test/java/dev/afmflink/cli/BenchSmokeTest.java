package dev.afmflink.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each benchmark command runs to its end on a tiny input and prints its table (a smoke test, not a
 * timing: speed is measured by the benches themselves). The benchmarks live in src/bench/java; this
 * is what keeps them working as the product changes.
 */
class BenchSmokeTest {
    @TempDir
    Path dir;

    static String ok(String... argv) {
        String[] r = FirstHourTest.run(argv);
        assertEquals("0", r[0], String.join(" ", argv) + "\n" + r[1] + r[2]);
        return r[1];
    }

    @Test
    void kernelBench() {
        String out = ok("bench", "--shapes", "4:8:8", "--precision", "float32,float64", "--forks", "0", "--warmup", "0.2",
                "--iterations", "1", "--iteration-seconds", "0.2");
        for (String precision : new String[] {"float32", "float64"}) {
            assertTrue(out.lines().anyMatch(l -> l.matches("\\s*4\\s+8\\s+8\\s+" + precision + "\\s+\\d+.*")), precision + ":\n" + out);
        }
    }

    @Test
    void feedbackBench() {
        String out = ok("feedback-bench", "--case", "drift", "--impressions", "3000", "--engine", "replay", "--held-out", "500",
                "--modes", "ordered,immediate");
        assertTrue(out.contains("ordered") && out.contains("immediate"), out);
    }

    @Test
    void feedbackBenchReplicas() {
        String out = ok("feedback-bench", "--case", "hard", "--impressions", "5000", "--held-out", "500", "--trainers-per-model",
                "1,2", "--sync-tick-ms", "100", "--attribution-window-ms", "2000", "--validation-window-ms", "1000");
        // R = 1 is the reference (ratio 1), R = 2 a row of its own, the same impressions trained in both
        List<String[]> rows = out.lines().filter(l -> l.startsWith("R=")).map(l -> l.trim().split("\\s+")).toList();
        assertEquals(2, rows.size(), out);
        assertEquals("1.0000", rows.get(0)[2], out);
        assertTrue(Double.isFinite(Double.parseDouble(rows.get(1)[1])), out);
        assertEquals(rows.get(0)[7], rows.get(1)[7], out);
        String file = ok("feedback-bench", "--case", "avazu", "--trainers-per-model", "1,2", "--sync-tick-ms", "500");
        assertTrue(file.contains("avazu replayed as the job reads a file") && file.lines().anyMatch(l -> l.startsWith("R=2 ")), file);
    }

    @Test
    void stepBench() {
        String out = ok("step-bench", "--cases", "hard,heavy", "--sim-examples", "3000", "--grid", "0.05,0.1",
                "--variant", "small: --lr-embedding 0.02", "--seeds", "1,2");
        // per case: the variant and the two fixed rates, each ÷ the best fixed one; simulated cases ÷ their Bayes loss
        assertEquals(6, out.lines().filter(l -> l.contains("÷ best fixed") && l.contains("÷ Bayes")).count(), out);
        assertTrue(out.lines().anyMatch(l -> l.matches("\\s+fixed lr 0\\.1 .*÷ best fixed 1\\.0000.*"))
                || out.lines().anyMatch(l -> l.matches("\\s+fixed lr 0\\.05 .*÷ best fixed 1\\.0000.*")), out);
    }

    @Test
    void feedbackBenchCandidates() {
        String out = ok("feedback-bench", "--case", "heavy", "--impressions", "5000", "--engine", "replay", "--held-out", "500",
                "--candidate", "a:", "--candidate", "b: --lr-embedding 0.05 --init-acc-embedding 1e-8", "--candidate-windows", "2");
        assertTrue(out.contains("with the choice") && out.lines().anyMatch(l -> l.startsWith("b ")), out);
    }

    @Test
    void lifecycleBench() {
        String out = ok("lifecycle-bench", "--impressions", "3000", "--min-counts", "1,2", "--ttls", "0,10m");
        assertTrue(out.lines().count() > 4, out);
    }

    @Test
    void serveBench() {
        String out = ok("serve-bench", "--k", "16", "--rates", "200", "--seconds", "1", "--no-freshness");
        assertTrue(out.contains("slow clients") && out.contains("req/s"), out);
    }

    @Test
    void serializerBench() {
        String out = ok("serializer-bench", "--forks", "0", "--warmup-iterations", "0", "--iterations", "1",
                "--iteration-seconds", "0.1");
        assertTrue(out.contains("bytes"), out);
    }

    @Test
    void decodeBench() {
        String out = ok("decode-bench", "--forks", "0", "--warmup-iterations", "0", "--iterations", "1",
                "--iteration-seconds", "0.1");
        assertTrue(out.contains("click-stream   simple") && out.contains("click-stream   jackson") && out.contains("ns per record"), out);
    }

    @Test
    void dueBench() {
        String out = ok("due-bench", "--forks", "0", "--warmup-iterations", "0", "--iterations", "1",
                "--iteration-seconds", "0.1");
        assertTrue(out.contains("runs") && out.contains("heap") && out.contains("ns per impression"), out);
    }

    @Test
    void streamBench() throws Exception {
        Path input = dir.resolve("tiny.libfm.gz");
        try (var w = new java.io.PrintWriter(new java.util.zip.GZIPOutputStream(java.nio.file.Files.newOutputStream(input)), false,
                java.nio.charset.StandardCharsets.UTF_8)) {
            for (int i = 0; i < 2000; i++) {
                StringBuilder line = new StringBuilder(i % 3 == 0 ? "1" : "-1");
                for (int f = 0; f < 10; f++) {
                    line.append(' ').append(f * 50 + (i * 7 + f * 13) % 50).append(":1");
                }
                w.println(line);
            }
        }
        String out = ok("stream-bench", "--input", input.toString(), "--k", "8", "--precision", "float32", "--backends", "rocksdb",
                "--modes", "ordered", "--impressions", "9000", "--freshness-seconds", "2", "--work-dir", dir.resolve("w").toString(),
                "--profile", dir.resolve("profile").toString(), "--floor-rows", "1");
        assertTrue(out.lines().anyMatch(l -> l.startsWith("floor (Kafka -> Flink -> Kafka") && l.contains("(9000 impressions)")
                && l.contains("µs per event") && l.contains("x the kernel's")), out);
        assertTrue(out.contains("noop") && out.contains("afm") && out.contains("CPU µs/ex"), out);
        assertTrue(out.contains("--feedback ordered") && out.contains("x the kernel's"), out);
        // every row's CPU split by thread; the click-stream's task threads did work
        assertTrue(out.lines().anyMatch(l -> l.startsWith("  job CPU by thread, µs per labelled example: task threads ")
                && Double.parseDouble(l.replaceAll(".*task threads ([0-9.]+),.*", "$1")) > 0), out);
        assertTrue(out.lines().anyMatch(l -> l.startsWith("  job CPU by thread, µs per example: task threads ")), out);
        assertTrue(out.lines().anyMatch(l -> l.contains("fresh")), out);
        assertTrue(out.contains("samples of the job's threads") && out.contains("training (kernel, optimizers)"), out);
        assertTrue(java.nio.file.Files.size(dir.resolve("profile").resolve("click-stream-ordered.jfr")) > 0);
    }

    @Test
    void scaleBench() {
        String features = ok("scale-bench", "--case", "features", "--features", "20000", "--publish-every", "5000", "--work-dir",
                dir.resolve("f").toString());
        assertTrue(features.contains("= the replay: yes") && features.contains("every check held"), features);
        String keys = ok("scale-bench", "--case", "keys", "--keys", "300", "--rounds", "2", "--checkpoint-interval-ms", "500",
                "--quiet-checkpoints", "3", "--work-dir", dir.resolve("k").toString());
        assertTrue(keys.contains("quiet again") && keys.contains("every check held"), keys);
    }
}
