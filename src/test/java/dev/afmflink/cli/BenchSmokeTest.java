package dev.afmflink.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
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
    void feedbackBench() {
        String out = ok("feedback-bench", "--case", "drift", "--impressions", "3000", "--engine", "replay", "--held-out", "500",
                "--modes", "ordered,immediate");
        assertTrue(out.contains("ordered") && out.contains("immediate"), out);
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
}
