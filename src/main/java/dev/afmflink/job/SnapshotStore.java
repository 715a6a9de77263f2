package dev.afmflink.job;

import dev.afmflink.snapshot.ModelFormat;
import dev.afmflink.snapshot.SnapshotFolders;
import java.io.IOException;
import java.io.OutputStream;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import org.apache.flink.core.fs.FSDataOutputStream;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;

/**
 * Writes version folders ({@link SnapshotFolders}' layout) through Flink's file systems, so the
 * root may be a local path or a {@code file://}, {@code hdfs://}, {@code s3://} … URI (the
 * scheme's plugin on the cluster, as for checkpoints). The trainer streams each snapshot file into
 * it as it reads the model from state, so no snapshot is ever one array.
 *
 * <p>A reader never sees a half-written version: the marker ({@link SnapshotFolders#MARKER},
 * the file's SHA-256 and size) is written last and readers take only folders that have it. Where
 * the file system renames atomically ({@link #ATOMIC_RENAME}) the folder is also written under a
 * name starting with "." and renamed into place; on an object store it is written in place, the
 * marker last (a rename there is a copy). A version folder is never replaced: the same version
 * again (a replay after a restore) is written nowhere, its digest computed on the way and checked
 * against the marker's: the same bytes are a replay; other bytes under a published number are dropped as a conflict
 * (counted and logged by the trainer), the first stays.
 */
final class SnapshotStore implements Serializable {
    /** Schemes whose file systems rename a directory atomically (others: the marker alone commits). */
    static final Set<String> ATOMIC_RENAME = Set.of("file", "hdfs", "viewfs");

    /** What became of a version written. */
    enum Outcome {
        WRITTEN, REPLAY, CONFLICT
    }

    private final String root;
    private transient Path rootPath;
    private transient FileSystem fs;
    private transient boolean atomic;

    SnapshotStore(String root) {
        this.root = root;
    }

    private void open() throws IOException {
        if (fs == null) {
            rootPath = new Path(AfmStreamJob.uri(root));
            fs = rootPath.getFileSystem();
            atomic = ATOMIC_RENAME.contains(rootPath.toUri().getScheme());
        }
    }

    /** Starts writing {@code model}'s version folder; write the file to {@link Pending#stream()}, then commit or abort. */
    Pending begin(String model, long version, ModelFormat.Kind kind) throws IOException {
        open();
        Path dir = new Path(rootPath, SnapshotFolders.safe(model));
        Path target = new Path(dir, SnapshotFolders.name(version, kind));
        Path other = new Path(dir, SnapshotFolders.name(version, kind == ModelFormat.Kind.FULL
                ? ModelFormat.Kind.DELTA : ModelFormat.Kind.FULL));
        Path existing = fs.exists(new Path(target, SnapshotFolders.MARKER)) ? target
                : fs.exists(new Path(other, SnapshotFolders.MARKER)) ? other : null;
        if (existing != null) {
            // published before (a replay after a restore, or a conflict): only its digest is needed, nothing is written
            return new Pending(target, existing, null, null);
        }
        if (fs.exists(target)) {
            fs.delete(target, true); // never committed (a failure while writing it): no reader took it
        }
        // written aside and renamed where renames are atomic; in place on an object store, where a rename is a copy
        Path writeDir = atomic ? new Path(dir, ".tmp-" + target.getName()) : target;
        if (atomic && fs.exists(writeDir)) {
            fs.delete(writeDir, true);
        }
        fs.mkdirs(writeDir);
        FSDataOutputStream out = fs.create(new Path(writeDir, ModelFormat.FILE_NAME), FileSystem.WriteMode.OVERWRITE);
        return new Pending(target, null, writeDir, out);
    }

    /** One version folder being written. */
    final class Pending {
        private final Path target;
        private final Path existing;
        private final Path writeDir;
        private final FSDataOutputStream out;

        private Pending(Path target, Path existing, Path writeDir, FSDataOutputStream out) {
            this.target = target;
            this.existing = existing;
            this.writeDir = writeDir;
            this.out = out;
        }

        /** Where the file goes (closed by the model writer); nowhere for a version published before. */
        OutputStream stream() {
            return out != null ? out : OutputStream.nullOutputStream();
        }

        /** The URI of the file once committed: what a pointer record names. */
        String uri() {
            return new Path(existing != null ? existing : target, ModelFormat.FILE_NAME).toUri().toString();
        }

        /** The folder, already published under this version (a replay or a conflict), or null. */
        String existing() {
            return existing == null ? null : existing.toString();
        }

        /** Makes the version visible (the file is complete and closed, with this digest and size). */
        Outcome commit(String sha256, long bytes) throws IOException {
            if (existing != null) {
                String marked;
                try (var in = fs.open(new Path(existing, SnapshotFolders.MARKER))) {
                    marked = SnapshotFolders.markedDigest(new String(in.readAllBytes(), StandardCharsets.UTF_8));
                }
                return existing.equals(target) && sha256.equals(marked) ? Outcome.REPLAY : Outcome.CONFLICT;
            }
            try (FSDataOutputStream m = fs.create(new Path(writeDir, SnapshotFolders.MARKER), FileSystem.WriteMode.OVERWRITE)) {
                m.write(SnapshotFolders.marker(sha256, bytes).getBytes(StandardCharsets.UTF_8));
            }
            if (atomic && !fs.rename(writeDir, target)) {
                throw new IOException("could not rename " + writeDir + " to " + target);
            }
            return Outcome.WRITTEN;
        }

        /** Drops what was written (nothing becomes visible). */
        void abort() {
            if (out == null) {
                return;
            }
            try {
                out.close();
            } catch (IOException | RuntimeException e) {
                // closing a stream given up on
            }
            try {
                fs.delete(writeDir, true);
            } catch (IOException e) {
                // left for the next attempt at this version, which deletes it first
            }
        }
    }
}
