package dev.afmflink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The model math, its format, serving and the feedback policies are plain Java: no source file of
 * those packages names Flink, so they run and are tested without it (and a serving jar needs no
 * Flink). Fails as soon as one does.
 */
class LayeringTest {
    static final List<String> PLAIN = List.of("model", "optim", "metrics", "snapshot", "serving", "data", "feedback", "offline",
            "report", "lifecycle");

    @Test
    void plainPackagesImportNothingOfFlink() throws IOException {
        Path root = Path.of("src/main/java/dev/afmflink");
        List<String> offenders = new ArrayList<>();
        int files = 0;
        for (String pkg : PLAIN) {
            try (Stream<Path> s = Files.walk(root.resolve(pkg))) {
                for (Path f : s.filter(p -> p.toString().endsWith(".java")).toList()) {
                    files++;
                    if (Files.readString(f).contains("org.apache.flink")) {
                        offenders.add(root.relativize(f).toString());
                    }
                }
            }
        }
        assertTrue(files > 40, "the packages were found: " + files + " files");
        assertEquals(List.of(), offenders, "Flink named in a plain package");
    }

    /** The product never reaches into the benchmarks (src/bench/java): they leave the jars without breaking it. */
    @Test
    void theProductNamesNoBenchmark() throws IOException {
        List<String> offenders = new ArrayList<>();
        try (Stream<Path> s = Files.walk(Path.of("src/main/java"))) {
            for (Path f : s.filter(p -> p.toString().endsWith(".java")).toList()) {
                String text = Files.readString(f);
                if (text.contains("dev.afmflink.bench") || text.contains("ParamsSerializers")
                        || text.matches("(?s).*new [A-Za-z]*Bench[A-Za-z]*Command\\(.*")) {
                    offenders.add(f.toString());
                }
            }
        }
        assertEquals(List.of(), offenders, "the product names a benchmark class");
        assertTrue(Files.isDirectory(Path.of("src/bench/java/dev/afmflink/bench")), "the benchmarks' own source root");
    }
}
