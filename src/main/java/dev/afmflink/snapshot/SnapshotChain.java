package dev.afmflink.snapshot;

import dev.afmflink.model.AfmModel;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * What a serving system does with a model key's snapshot stream: start from a full snapshot,
 * apply each delta whose base is the current version, ignore versions already applied (a replay),
 * and refuse a gap. No Flink needed.
 */
public final class SnapshotChain {
    private AfmModel model;
    private long version;

    /**
     * Loads a model's folder of versions as the job's folder sink writes it
     * ({@code <version>-full/model.afm}, {@code <version>-delta/model.afm}): the latest full
     * snapshot, then every later delta in version order. Null if there is no full snapshot.
     */
    public static SnapshotChain loadFolder(Path modelDir) throws IOException {
        List<SnapshotFolders.Version> versions = SnapshotFolders.list(modelDir);
        int start = -1;
        for (int i = 0; i < versions.size(); i++) {
            if (versions.get(i).kind() == ModelFormat.Kind.FULL) {
                start = i;
            }
        }
        if (start < 0) {
            return null;
        }
        SnapshotChain chain = new SnapshotChain();
        for (SnapshotFolders.Version v : versions.subList(start, versions.size())) {
            chain.apply(Files.readAllBytes(v.file()), v.dir().toString());
        }
        return chain;
    }

    /** The current model, or null before the first full snapshot. */
    public AfmModel model() {
        return model;
    }

    public long version() {
        return version;
    }

    /**
     * Applies one snapshot file's bytes. Returns true if it changed the model, false for a version
     * already applied or a delta seen before any full snapshot (waiting for one).
     */
    public boolean apply(byte[] bytes, String name) throws IOException {
        ModelHeader h = ModelReader.readHeader(bytes, name);
        if (h.modelVersion() <= version) {
            return false;
        }
        AfmModel base = null;
        if (h.kind() == ModelFormat.Kind.DELTA) {
            if (model == null) {
                return false;
            }
            if (h.baseVersion() != version) {
                throw new IOException(name + ": delta " + h.modelVersion() + " is based on " + h.baseVersion()
                        + " but the current version is " + version + " (a snapshot is missing)");
            }
            base = model;
        }
        model = ModelReader.read(new ByteArrayInputStream(bytes), base, name).model();
        version = h.modelVersion();
        return true;
    }
}
