package dev.afmflink.snapshot;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * The folder layout of published snapshots, in one place: {@code ROOT/<model key>/<version, 12
 * digits>-<full|delta>/model.afm}, written atomically (a folder appears complete or not at all;
 * names starting with "." are work in progress). The job's folder sink writes it; the chain
 * loader and the live model read it.
 */
public final class SnapshotFolders {
    private SnapshotFolders() {
    }

    /** One published version's folder. */
    public record Version(long version, ModelFormat.Kind kind, Path dir) {
        public Path file() {
            return dir.resolve(ModelFormat.FILE_NAME);
        }
    }

    /** The folder of one snapshot. */
    public static Path folder(Path root, String model, long version, ModelFormat.Kind kind) {
        return root.resolve(safe(model)).resolve(name(version, kind));
    }

    /** A version folder's name: {@code <version, 12 digits>-<full|delta>}. */
    public static String name(long version, ModelFormat.Kind kind) {
        return String.format(Locale.ROOT, "%012d-%s", version, kind.name().toLowerCase(Locale.ROOT));
    }

    /**
     * A model or snapshot folder given on a command line as a path or a {@code file:} URI (the
     * job's {@code --snapshot-dir file:///…}); other schemes are read where the job wrote them
     * through Flink's file systems, not here.
     */
    public static Path local(String pathOrUri) {
        if (!isLocal(pathOrUri)) {
            throw new IllegalArgumentException(pathOrUri + ": only local paths and file: URIs can be read here");
        }
        return pathOrUri.startsWith("file:") ? Path.of(java.net.URI.create(pathOrUri)) : Path.of(pathOrUri);
    }

    /** True for a local path or a {@code file:} URI (what {@link #local(String)} reads). */
    public static boolean isLocal(String pathOrUri) {
        return pathOrUri.startsWith("file:") || !pathOrUri.matches("[a-zA-Z][a-zA-Z0-9+.-]*://.*");
    }

    /** Model keys as folder names: letters, digits, '.', '_' and '-' kept, anything else '_'. */
    public static String safe(String model) {
        String s = model.replaceAll("[^A-Za-z0-9._-]", "_");
        return s.isEmpty() || s.startsWith(".") ? "_" + s : s;
    }

    /** The index of the latest full snapshot in {@code versions} (in version order), or -1: where a reader starts. */
    public static int latestFull(List<Version> versions) {
        for (int i = versions.size() - 1; i >= 0; i--) {
            if (versions.get(i).kind() == ModelFormat.Kind.FULL) {
                return i;
            }
        }
        return -1;
    }

    /** The complete versions in a model's folder, in version order (empty if the folder does not exist yet). */
    public static List<Version> list(Path modelDir) throws IOException {
        List<Version> out = new ArrayList<>();
        if (!Files.isDirectory(modelDir)) {
            return out;
        }
        try (Stream<Path> s = Files.list(modelDir)) {
            for (Path p : s.sorted().toList()) {
                String name = p.getFileName().toString();
                int dash = name.indexOf('-');
                if (name.startsWith(".") || dash < 1 || !Files.isRegularFile(p.resolve(ModelFormat.FILE_NAME))) {
                    continue;
                }
                try {
                    long v = Long.parseLong(name.substring(0, dash));
                    String kind = name.substring(dash + 1);
                    if (kind.equals("full") || kind.equals("delta")) {
                        out.add(new Version(v, kind.equals("full") ? ModelFormat.Kind.FULL : ModelFormat.Kind.DELTA, p));
                    }
                } catch (NumberFormatException e) {
                    // not a version folder
                }
            }
        }
        out.sort((a, b) -> Long.compare(a.version(), b.version()));
        return out;
    }
}
