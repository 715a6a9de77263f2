package dev.afmflink.snapshot;

import dev.afmflink.model.AfmModel;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;

/**
 * What a serving system does with a model key's snapshot stream, the one home of the rule: start
 * from a full snapshot, apply a delta only to the exact model it was computed from (its base
 * version, and the digest of the file published as that version), ignore versions already
 * applied (a replay), and after a delta that does not follow — a gap, or a base with the same
 * number but other bytes, as after a producer's restore — apply nothing until the next full
 * snapshot. No Flink needed.
 */
public final class SnapshotChain {
    /** Feature rows kept (null: all): a chain for scoring given ids only. */
    private final java.util.function.LongPredicate keep;
    private AfmModel model;
    private long version;
    private String digest;
    private boolean needsFull;
    private boolean weightsOnly;
    private long reloads;
    private long refused;
    /** The folder the files come from (null: not from a folder of versions); each file's key must be its key. */
    private String folderName;
    /** The model key every file must name, when it names one (null: any). */
    private String modelKey;

    public SnapshotChain() {
        this(null);
    }

    /** A chain that keeps only the feature rows whose id {@code keep} accepts (null: all). */
    public SnapshotChain(java.util.function.LongPredicate keep) {
        this.keep = keep;
    }

    /**
     * Loads a local model folder of versions as the job writes it
     * ({@code <version>-full/model.afm}, {@code <version>-delta/model.afm}): the latest full
     * snapshot, then every later delta in version order that follows it. Null if there is no full snapshot.
     */
    public static SnapshotChain loadFolder(Path modelDir) throws IOException {
        return loadFolder(SnapshotStorage.LOCAL, modelDir.toString(), null);
    }

    /** As {@link #loadFolder(Path)}, on any storage, keeping the rows {@code keep} accepts (null: all). */
    public static SnapshotChain loadFolder(SnapshotStorage storage, String modelDir, java.util.function.LongPredicate keep)
            throws IOException {
        List<SnapshotFolders.Version> versions = SnapshotFolders.list(storage, modelDir);
        int start = SnapshotFolders.latestFull(versions);
        if (start < 0) {
            return null;
        }
        SnapshotChain chain = new SnapshotChain(keep).fromFolder(modelDir);
        for (SnapshotFolders.Version v : versions.subList(start, versions.size())) {
            chain.apply(storage.open(v.file()), null, v.dir());
        }
        return chain;
    }

    /**
     * Files come from the model folder {@code modelDir} (a path or URI): one whose header names a
     * model key whose folder is another is refused with an error ({@link SnapshotFolders#keyMismatch}).
     */
    public SnapshotChain fromFolder(String modelDir) {
        String d = modelDir.replaceAll("[/\\\\]+$", "");
        int slash = Math.max(d.lastIndexOf('/'), d.lastIndexOf('\\'));
        this.folderName = d.substring(slash + 1);
        return this;
    }

    /** Files are those of model key {@code key} (a topic's record key): one whose header names another key is refused. */
    public SnapshotChain forKey(String key) {
        this.modelKey = key;
        return this;
    }

    /** True if a delta with header {@code h} applies to the model published as {@code version} with {@code digest}. */
    public static boolean follows(ModelHeader h, long version, String digest) {
        return h.kind() == ModelFormat.Kind.DELTA && h.baseVersion() == version
                && (h.baseDigest() == null || h.baseDigest().equals(digest));
    }

    /** The current model, or null before the first full snapshot. */
    public AfmModel model() {
        return model;
    }

    public long version() {
        return version;
    }

    /** The digest of the last file applied (null before the first). */
    public String digest() {
        return digest;
    }

    /** The model came (in part) from weights-only files: it can serve, not continue training. */
    public boolean weightsOnly() {
        return weightsOnly;
    }

    /** Full snapshots loaded after a delta did not follow. */
    public long reloads() {
        return reloads;
    }

    /** Deltas that did not follow the model held (and were not applied). */
    public long refused() {
        return refused;
    }

    /** True while waiting for a full snapshot after a delta that did not follow. */
    public boolean waitingForFull() {
        return needsFull;
    }

    /**
     * Applies one snapshot file's bytes. Returns true if it changed the model; false for a version
     * already applied, a delta before any full snapshot, or a delta that does not follow the model
     * held (then nothing but a full snapshot is applied until one comes).
     */
    public boolean apply(byte[] bytes, String name) throws IOException {
        return apply(new ByteArrayInputStream(bytes), null, name);
    }

    /**
     * Applies one record of the snapshots topic: the file's bytes, or a {@link SnapshotPointer}
     * to the file in the snapshot storage (read from there, its SHA-256 checked).
     */
    public boolean applyRecord(byte[] value, String name) throws IOException {
        return run(prepareRecord(value, name));
    }

    /** {@link #prepare} for one record of the snapshots topic (the file's bytes, or a pointer to it). */
    public Step prepareRecord(byte[] value, String name) throws IOException {
        if (!SnapshotPointer.isPointer(value)) {
            return prepare(new ByteArrayInputStream(value), null, name);
        }
        SnapshotPointer p = SnapshotPointer.decode(value, name);
        return prepare(SnapshotStorage.of(p.uri()).open(p.uri()), p.sha256(), name + " -> " + p.uri());
    }

    /**
     * Applies one snapshot file read from {@code in} (closed here) in one pass, never the whole
     * file in memory: the header decides whether it is read on. With {@code expectedDigest}, the
     * file must have that SHA-256. A file that is truncated, corrupted or not the expected one
     * changes nothing and is an error.
     */
    public boolean apply(InputStream in, String expectedDigest, String name) throws IOException {
        return run(prepare(in, expectedDigest, name));
    }

    private static boolean run(Step s) throws IOException {
        if (s == null) {
            return false;
        }
        try (s) {
            s.run();
            return true;
        }
    }

    /**
     * Reads the header of the file in {@code in} and decides: null if it changes nothing (a version
     * already applied, a delta before any full snapshot or one that does not follow: {@code in} is
     * closed), else the step that applies it. A server reads a full snapshot's step outside its
     * lock (it builds a new model and touches nothing readers use) and a delta's under it (it
     * changes the model's feature table in place, at its end, once the file is known to be sound).
     */
    public Step prepare(InputStream in, String expectedDigest, String name) throws IOException {
        ModelReader.Opened o = ModelReader.open(in, name);
        boolean keepOpen = false;
        try {
            ModelHeader h = o.header();
            String mismatch = SnapshotFolders.keyMismatch(folderName, h.modelKey());
            if (mismatch == null && modelKey != null && h.modelKey() != null && !modelKey.equals(h.modelKey())) {
                mismatch = "expected model key '" + modelKey + "', the file is of '" + h.modelKey() + "'";
            }
            if (mismatch != null) {
                throw new IOException(name + ": " + mismatch);
            }
            if (model != null && h.modelVersion() <= version) {
                return null;
            }
            AfmModel base = null;
            if (h.kind() == ModelFormat.Kind.DELTA) {
                if (model == null || needsFull) {
                    return null;
                }
                if (!follows(h, version, digest)) {
                    needsFull = true;
                    refused++;
                    return null;
                }
                base = model;
            }
            keepOpen = true;
            return new Step(o, h, base, expectedDigest);
        } finally {
            if (!keepOpen) {
                o.close();
            }
        }
    }

    /** One file that applies to the chain, its header read; {@link #run()} reads the rest and moves the chain on. */
    public final class Step implements AutoCloseable {
        private final ModelReader.Opened file;
        private final ModelHeader header;
        private final AfmModel base;
        private final String expectedDigest;

        private Step(ModelReader.Opened file, ModelHeader header, AfmModel base, String expectedDigest) {
            this.file = file;
            this.header = header;
            this.base = base;
            this.expectedDigest = expectedDigest;
        }

        /** A full snapshot: builds a new model, changing nothing in the one held until it is done. */
        public boolean full() {
            return base == null;
        }

        public void run() throws IOException {
            AfmModel next = file.read(base, keep, expectedDigest).model();
            model = next;
            if (base == null && needsFull) {
                reloads++;
            }
            needsFull = false;
            version = header.modelVersion();
            digest = file.digest();
            // optimizer state lost until a full-content full snapshot
            weightsOnly = header.weightsOnly() || (base != null && weightsOnly);
        }

        @Override
        public void close() throws IOException {
            file.close();
        }
    }
}
