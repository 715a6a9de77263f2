package dev.afmflink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Test;

/**
 * The product jars hold the product only: no benchmark class (src/bench/java), no JMH, in the
 * main jar, the job jar and the serving jar; their project packages are listed and checked.
 * (Undertow is the model server's HTTP layer since issue 18: it is in the serving jar on purpose.)
 */
class JarContentsIT {
    static final List<String> PRODUCT = List.of("cli", "data", "embedded", "feedback", "job", "lifecycle", "metrics", "model",
            "offline", "optim", "report", "serving", "simd", "snapshot", "sync", "time");

    static TreeSet<String> entries(Path jar) throws Exception {
        TreeSet<String> out = new TreeSet<>();
        try (JarFile j = new JarFile(jar.toFile())) {
            for (JarEntry e : java.util.Collections.list(j.entries())) {
                out.add(e.getName());
            }
        }
        return out;
    }

    /** The class files of src/bench/java's top-level classes, as "dev/afmflink/…/Name" (their nested classes start with it and "$"). */
    static List<String> benchClasses() throws Exception {
        Path root = Path.of("src/bench/java");
        assertTrue(Files.isDirectory(root), root + " is read from the project's directory");
        try (var files = Files.walk(root)) {
            return files.filter(f -> f.toString().endsWith(".java"))
                    .map(f -> root.relativize(f).toString().replace(java.io.File.separatorChar, '/').replaceAll("\\.java$", ""))
                    .toList();
        }
    }

    @Test
    void productJarsHoldNoBenchmark() throws Exception {
        List<String> benchClasses = benchClasses();
        assertTrue(benchClasses.containsAll(List.of("dev/afmflink/job/NoopTrainer", "dev/afmflink/job/ParamsSerializers")),
                benchClasses.toString());
        for (String prop : List.of("afm.main.jar", "afm.job.jar", "afm.serving.jar")) {
            Path jar = Path.of(System.getProperty(prop));
            assertTrue(Files.isRegularFile(jar), jar + " was built");
            TreeSet<String> names = entries(jar);
            List<String> bad = new ArrayList<>();
            TreeSet<String> packages = new TreeSet<>();
            for (String n : names) {
                if (n.startsWith("dev/afmflink/bench/") || n.startsWith("org/openjdk/jmh/") || n.matches("dev/afmflink/[a-z]+/.*Bench.*")
                        || n.contains("/jmh_generated/")
                        || n.equals("META-INF/BenchmarkList")
                        || benchClasses.stream().anyMatch(c -> n.equals(c + ".class") || n.startsWith(c + "$"))) {
                    bad.add(n);
                }
                if (n.startsWith("dev/afmflink/") && n.endsWith(".class")) {
                    packages.add(n.substring("dev/afmflink/".length(), n.lastIndexOf('/')));
                }
            }
            assertEquals(List.of(), bad, jar.getFileName() + " holds benchmark classes");
            assertTrue(PRODUCT.containsAll(packages), jar.getFileName() + ": " + packages);
            assertTrue(names.contains("dev/afmflink/cli/" + (prop.equals("afm.serving.jar") ? "ServeMain" : "Main") + ".class"));
        }
    }
}
