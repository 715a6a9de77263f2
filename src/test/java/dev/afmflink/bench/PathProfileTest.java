package dev.afmflink.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PathProfileTest {
    /** Compiles summed by root and tier (a root at tier 4 twice was compiled again), deoptimizations by reason and method. */
    @Test
    void theJitsWorkIsSummedByRootTierAndReason() {
        List<PathProfile.Compile> compiles = List.of(
                new PathProfile.Compile("a.Schedule#at", 4, 500.0),
                new PathProfile.Compile("a.Schedule#at", 4, 450.0),
                new PathProfile.Compile("a.Schedule#at", 3, 20.0),
                new PathProfile.Compile("b.Sink#write", 4, 300.0),
                new PathProfile.Compile("c.Small#get", 1, 0.5));
        List<PathProfile.Deopt> deopts = List.of(
                new PathProfile.Deopt("class_check", "a.Learner#step"),
                new PathProfile.Deopt("class_check", "a.Learner#step"),
                new PathProfile.Deopt("unstable_if", "a.Schedule#at"));
        List<String> lines = PathProfile.jitLines(compiles, deopts);
        assertEquals("JIT: 5 compiles, 1,271 ms of the compiler threads (tier 4, C2: 3, 1,250 ms); 3 deoptimizations", lines.get(0));
        assertTrue(lines.get(1).matches("  compiled a\\.Schedule#at \\(tier 4\\) +x2 +950 ms"), lines.get(1));
        assertTrue(lines.get(2).matches("  compiled b\\.Sink#write \\(tier 4\\) +x1 +300 ms"), lines.get(2));
        assertTrue(lines.get(3).matches("  compiled a\\.Schedule#at \\(tier 3\\) +x1 +20 ms"), lines.get(3));
        assertTrue(lines.get(4).matches("  compiled c\\.Small#get \\(tier 1\\) +x1 +1 ms"), lines.get(4));
        assertEquals("  deoptimized by reason: class_check 2 unstable_if 1", lines.get(5));
        assertTrue(lines.get(6).matches("  deoptimized a\\.Learner#step \\(class_check\\) +x2"), lines.get(6));
        assertTrue(lines.get(7).matches("  deoptimized a\\.Schedule#at \\(unstable_if\\) +x1"), lines.get(7));
        assertEquals(8, lines.size());
    }

    /** A real recording of this JVM while new code gets hot holds its compilations, and the print reads them. */
    @Test
    void aRecordingHoldsTheCompilesOfCodeThatGotHot(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("row.jfr");
        long x = 0;
        try (PathProfile p = new PathProfile(file)) {
            for (int i = 0; i < 200_000; i++) {
                x += hot(i);
            }
        }
        assertTrue(Files.size(file) > 0);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PathProfile.print(file, new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String printed = bytes.toString(StandardCharsets.UTF_8);
        Matcher m = Pattern.compile("JIT: ([0-9,]+) compiles").matcher(printed);
        assertTrue(m.find(), printed);
        assertTrue(Long.parseLong(m.group(1).replace(",", "")) > 0, printed + x);
        // the recording took every compile (threshold 0), the few-µs ones of a small method too
        boolean hotCompiled = false;
        try (jdk.jfr.consumer.RecordingFile f = new jdk.jfr.consumer.RecordingFile(file)) {
            while (f.hasMoreEvents()) {
                jdk.jfr.consumer.RecordedEvent e = f.readEvent();
                if (e.getEventType().getName().equals("jdk.Compilation")) {
                    jdk.jfr.consumer.RecordedMethod method = e.getValue("method");
                    hotCompiled |= method.getName().equals("hot") && method.getType().getName().endsWith("PathProfileTest");
                }
            }
        }
        assertTrue(hotCompiled, printed);
    }

    private static long hot(int i) {
        long h = i * 0x9E3779B97F4A7C15L;
        return (h ^ (h >>> 31)) & 7;
    }
}
