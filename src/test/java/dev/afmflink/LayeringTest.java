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
            "report", "lifecycle", "simd", "time", "sync");

    /** The packages from the bottom up: each may use only those before it (docs/architecture.md). */
    static final List<String> LAYERS = List.of("simd", "time", "optim", "model", "sync", "data", "metrics", "snapshot", "lifecycle",
            "feedback", "serving", "offline", "report", "embedded", "job", "cli");

    /**
     * No import runs back up a layer and none goes round in a circle: every reference from one
     * project package to another (an import or a fully-qualified name) goes down {@link #LAYERS}.
     */
    @Test
    void everyReferenceGoesDownTheLayers() throws IOException {
        Path root = Path.of("src/main/java/dev/afmflink");
        List<String> upward = new ArrayList<>();
        java.util.Set<String> seen = new java.util.TreeSet<>();
        java.util.regex.Pattern ref = java.util.regex.Pattern.compile("dev\\.afmflink\\.([a-z]+)\\.");
        try (Stream<Path> s = Files.walk(root)) {
            for (Path f : s.filter(p -> p.toString().endsWith(".java")).toList()) {
                String pkg = root.relativize(f).getName(0).toString();
                seen.add(pkg);
                assertTrue(LAYERS.contains(pkg), "package " + pkg + " has no place in the layers");
                java.util.regex.Matcher m = ref.matcher(Files.readString(f));
                while (m.find()) {
                    String to = m.group(1);
                    if (!to.equals(pkg) && LAYERS.indexOf(to) > LAYERS.indexOf(pkg)) {
                        upward.add(root.relativize(f) + " -> " + to);
                    }
                }
            }
        }
        assertEquals(new java.util.TreeSet<>(LAYERS), seen, "every layer is a package");
        assertEquals(List.of(), upward, "references up a layer");
    }

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

    /** The job's and the trainer's settings are built by name, through their builders, nowhere by position. */
    @Test
    void settingsAreBuiltByName() throws IOException {
        List<String> offenders = new ArrayList<>();
        for (String root : List.of("src/main/java", "src/bench/java", "src/test/java")) {
            try (Stream<Path> s = Files.walk(Path.of(root))) {
                for (Path f : s.filter(p -> p.toString().endsWith(".java") && !p.endsWith("StreamSettings.java")).toList()) {
                    if (Files.readString(f).contains("new " + "StreamSettings(")) { // split: this file names it too
                        offenders.add(f.toString());
                    }
                }
            }
        }
        assertEquals(List.of(), offenders, "StreamSettings built by position");
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
