package dev.afmflink;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assertions;

/** Where the research data and reference vectors beside the project are ({@code ../shared}). */
public final class SharedFiles {
    private SharedFiles() {
    }

    public static Path dir() {
        String prop = System.getProperty("afm.shared.dir");
        Path p = prop != null ? Path.of(prop) : Path.of("..", "shared");
        return p.toAbsolutePath().normalize();
    }

    /** A file under ../shared; fails the test (never skips) when it is missing. */
    public static Path file(String relative) {
        Path p = dir().resolve(relative);
        Assertions.assertTrue(Files.isRegularFile(p), "missing shared file " + p + " (../shared must be beside the project)");
        return p;
    }
}
