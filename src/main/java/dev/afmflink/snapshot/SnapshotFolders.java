package dev.afmflink.snapshot;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The folder layout of published snapshots, in one place: {@code ROOT/<model key>/<version, 12
 * digits>-<full|delta>/model.afm} and, written last, {@code _COMMITTED} (the file's SHA-256 and
 * size). A reader takes a version folder only once its marker is there, so it never sees a
 * half-written version on any storage: where the file system renames atomically (local, HDFS) the
 * folder is also written under a name starting with "." and renamed into place; on an object
 * store (no atomic rename) the marker alone says the folder is complete. The job's snapshot store
 * writes it; the chain loader and the live model read it, on any {@link SnapshotStorage}.
 */
public final class SnapshotFolders {
    private SnapshotFolders() {
    }

    /** Written last into a version folder: the folder is complete. Holds {@code sha256=<hex>} and {@code bytes=<n>}. */
    public static final String MARKER = "_COMMITTED";

    /** One published version's folder (a path or URI). */
    public record Version(long version, ModelFormat.Kind kind, String dir) {
        public String file() {
            return SnapshotStorage.child(dir, ModelFormat.FILE_NAME);
        }
    }

    /** The marker's text for a file of {@code bytes} bytes with SHA-256 {@code sha256}. */
    public static String marker(String sha256, long bytes) {
        return "sha256=" + sha256 + "\nbytes=" + bytes + "\n";
    }

    /** The SHA-256 a marker's text names (null if it names none). */
    public static String markedDigest(String marker) {
        for (String line : marker.split("\n")) {
            if (line.startsWith("sha256=")) {
                return line.substring("sha256=".length()).trim();
            }
        }
        return null;
    }

    /**
     * Writes one complete local version folder (the model file, then the marker) under
     * {@code root}, renamed into place; returns it. For tests and tools; the job writes through
     * Flink's file systems.
     */
    public static Path writeLocal(Path root, String model, long version, ModelFormat.Kind kind, byte[] bytes) throws IOException {
        Path target = folder(root, model, version, kind);
        Path tmp = target.resolveSibling(".tmp-" + target.getFileName());
        Files.createDirectories(tmp);
        Files.write(tmp.resolve(ModelFormat.FILE_NAME), bytes);
        Files.writeString(tmp.resolve(MARKER), marker(ModelFormat.digest(bytes), bytes.length));
        Files.move(tmp, target, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        return target;
    }

    /** The folder of one snapshot. */
    public static Path folder(Path root, String model, long version, ModelFormat.Kind kind) {
        return root.resolve(safe(model)).resolve(name(version, kind));
    }

    /** A version folder's name: {@code <version, 12 digits>-<full|delta>}. */
    public static String name(long version, ModelFormat.Kind kind) {
        return String.format(Locale.ROOT, "%012d-%s", version, kind.id());
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

    /**
     * True for a local path or a {@code file:} URI (what {@link #local(String)} reads); false for a
     * URI of another scheme, with or without an authority ({@code s3://bucket/x}, {@code hdfs:/x}: a
     * file system's own URIs often drop the empty authority).
     */
    public static boolean isLocal(String pathOrUri) {
        return pathOrUri.startsWith("file:") || !pathOrUri.matches("[a-zA-Z][a-zA-Z0-9+.-]+:/.*");
    }

    /** Longest folder name {@link #safe} gives (file systems allow 255 bytes). */
    static final int MAX_NAME = 120;

    /**
     * A model key as its folder name, one folder per key (injective): letters, digits, '.', '_' and
     * '-' are kept (so the folders of such keys keep their names), every other character is
     * {@code ~} and the two hex digits of each of its UTF-8 bytes ({@code a/b} → {@code a~2Fb},
     * {@code a_b} stays), as is a leading '.' (no hidden folder, no {@code ..}). A name longer than
     * {@value #MAX_NAME} characters becomes its first 80 characters, {@code ~~} and 32 hex digits of
     * the key's SHA-256: no escaped name holds {@code ~~}, so a short and a long name never meet.
     * (On a case-insensitive file system {@code A} and {@code a} still share a folder: keys that
     * differ only in case are not supported there; readers refuse such a folder, see {@link #keyMismatch}.)
     */
    public static String safe(String model) {
        StringBuilder sb = new StringBuilder(model.length() + 8);
        byte[] utf8 = model.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        for (int i = 0; i < utf8.length; i++) {
            int b = utf8[i] & 0xff;
            boolean keep = (b >= 'A' && b <= 'Z') || (b >= 'a' && b <= 'z') || (b >= '0' && b <= '9') || b == '_' || b == '-'
                    || (b == '.' && i > 0);
            if (keep) {
                sb.append((char) b);
            } else {
                sb.append('~').append(Character.toUpperCase(Character.forDigit(b >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(b & 15, 16)));
            }
        }
        if (sb.length() == 0) {
            return "~";
        }
        if (sb.length() <= MAX_NAME) {
            return sb.toString();
        }
        String digest = ModelFormat.digest(model.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        return sb.substring(0, 80) + "~~" + digest.substring(0, 32);
    }

    /**
     * Why the snapshots in folder {@code folderName} cannot be those of the model key a header
     * names (null if they can, or if the header names none: files written before keys were
     * recorded, offline models).
     */
    public static String keyMismatch(String folderName, String headerKey) {
        if (headerKey == null || folderName == null || folderName.equals(safe(headerKey))) {
            return null;
        }
        return "folder '" + folderName + "' holds a snapshot of model key '" + abbreviate(headerKey) + "', whose folder is '"
                + safe(headerKey) + "'";
    }

    private static String abbreviate(String s) {
        return s.length() <= 100 ? s : s.substring(0, 100) + "…(" + s.length() + " characters)";
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

    /** The complete versions in a local model folder, in version order (empty if the folder does not exist yet). */
    public static List<Version> list(Path modelDir) throws IOException {
        return list(SnapshotStorage.LOCAL, modelDir.toString());
    }

    /**
     * The complete versions (those with their {@link #MARKER}) in a model's folder on
     * {@code storage}, in version order (empty if the folder does not exist yet).
     */
    public static List<Version> list(SnapshotStorage storage, String modelDir) throws IOException {
        List<Version> out = new ArrayList<>();
        for (String name : storage.list(modelDir)) {
            int dash = name.indexOf('-');
            if (name.startsWith(".") || dash < 1) {
                continue;
            }
            try {
                long v = Long.parseLong(name.substring(0, dash));
                String kind = name.substring(dash + 1);
                String dir = SnapshotStorage.child(modelDir, name);
                if ((kind.equals(ModelFormat.Kind.FULL.id()) || kind.equals(ModelFormat.Kind.DELTA.id()))
                        && storage.exists(SnapshotStorage.child(dir, MARKER))) {
                    out.add(new Version(v, ModelFormat.Kind.of(kind), dir));
                }
            } catch (NumberFormatException e) {
                // not a version folder
            }
        }
        out.sort((a, b) -> Long.compare(a.version(), b.version()));
        return out;
    }
}
