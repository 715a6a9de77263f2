package dev.afmflink.serving;

import dev.afmflink.model.AfmModel;
import dev.afmflink.snapshot.SnapshotChain;
import dev.afmflink.snapshot.SnapshotFolders;
import dev.afmflink.snapshot.SnapshotStorage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * One model key's latest published model, kept current as snapshots arrive, for serving (plain
 * Java, no Flink): it starts from the latest full snapshot, applies deltas in version order, and
 * reloads from the next full snapshot when a delta does not follow the version it holds (a gap,
 * or a delta based on another version). A request reads under a read lock and a snapshot is
 * applied under the write lock, so a request never sees half a delta; versions only move forward.
 *
 * <p>Scoring threads each get their own view of the model (the kernel's workspace is per thread),
 * rebuilt when the model changes. Feed it with {@link #apply(byte[], long, String)} (a Kafka
 * consumer of the snapshots topic, see {@code cli.ServeCommand}) or {@link #pollFolder(Path)} (the
 * job's versioned folders).
 */
public final class LiveModel {
    /** What a request sees: the model's version, when it was published (epoch ms; 0 if unknown), examples and features. */
    public record Info(long version, long publishedAt, long examples, long features, long reloads, long appliedAt) {
    }

    /** Work done on a consistent model: {@code model} is this thread's view, {@code info} its version. */
    @FunctionalInterface
    public interface Read<T> {
        T apply(AfmModel model, Info info) throws Exception;
    }

    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    /** The chain rule (which delta applies to which model); guarded by the write lock. */
    private final SnapshotChain chain = new SnapshotChain();
    private AfmModel model;
    private long generation;
    private Info info = new Info(0, 0, 0, 0, 0, 0);
    private final ThreadLocal<View> views = new ThreadLocal<>();

    private record View(long generation, AfmModel model) {
    }

    /** True once a full snapshot is loaded. */
    public boolean ready() {
        lock.readLock().lock();
        try {
            return model != null;
        } finally {
            lock.readLock().unlock();
        }
    }

    public Info info() {
        lock.readLock().lock();
        try {
            return info;
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Serves model key {@code key} only: a snapshot whose header names another key is refused with an error. */
    public LiveModel forKey(String key) {
        synchronized (chain) {
            chain.forKey(key);
        }
        return this;
    }

    /** Runs {@code r} on a consistent model (null model before the first full snapshot). */
    public <T> T read(Read<T> r) throws Exception {
        lock.readLock().lock();
        try {
            if (model == null) {
                return r.apply(null, info);
            }
            View v = views.get();
            if (v == null || v.generation != generation) {
                v = new View(generation, new AfmModel(model.config(), model.shared(), model.features()));
                views.set(v);
            }
            return r.apply(v.model, info);
        } finally {
            lock.readLock().unlock();
        }
    }

    /**
     * Applies one snapshot's bytes published at {@code publishedAt} (epoch ms, 0 if unknown).
     * Returns true if the model changed: a full snapshot newer than the model, or the delta that
     * follows it. An older or equal version is ignored; a delta that does not follow the model
     * (a gap, or based on another version) is skipped and the next full snapshot reloads it.
     */
    public boolean apply(byte[] bytes, long publishedAt, String name) throws IOException {
        synchronized (chain) {
            return change(chain.prepareRecord(bytes, name), publishedAt);
        }
    }

    /** Applies one snapshot file read from {@code in} (closed here) in one pass, as {@link #apply(byte[], long, String)}. */
    public boolean apply(java.io.InputStream in, long publishedAt, String name) throws IOException {
        synchronized (chain) {
            return change(chain.prepare(in, null, name), publishedAt);
        }
    }

    /**
     * Runs one chain step (the caller holds the chain): a full snapshot is read while requests go
     * on with the model held (it builds a new one), then swapped in under the write lock; a delta
     * changes the held model's feature table, so it runs under the write lock.
     */
    private boolean change(SnapshotChain.Step step, long publishedAt) throws IOException {
        if (step == null) {
            return false;
        }
        try (step) {
            boolean full = step.full();
            if (full) {
                step.run();
            }
            lock.writeLock().lock();
            try {
                if (!full) {
                    step.run();
                }
                model = chain.model();
                generation++;
                info = new Info(chain.version(), publishedAt, model.shared().examples, model.features().size(), chain.reloads(),
                        System.currentTimeMillis());
                return true;
            } finally {
                lock.writeLock().unlock();
            }
        }
    }

    /**
     * Applies what is new in a model's folder of versions (the job's folder sink): before the first
     * full snapshot, or after a break in the chain, the latest full one and the deltas after it;
     * otherwise the versions after the current one, in order. Returns how many changed the model.
     */
    public int pollFolder(Path modelDir) throws IOException {
        return pollFolder(SnapshotStorage.LOCAL, modelDir.toString());
    }

    /** As {@link #pollFolder(Path)}, for a model folder on any {@link SnapshotStorage}. */
    public int pollFolder(SnapshotStorage storage, String modelDir) throws IOException {
        List<SnapshotFolders.Version> versions = SnapshotFolders.list(storage, modelDir);
        int from = 0;
        boolean reload;
        synchronized (chain) {
            chain.fromFolder(modelDir); // a file of another model key in this folder is refused
            reload = model == null || chain.waitingForFull();
        }
        if (reload) {
            from = SnapshotFolders.latestFull(versions);
            if (from < 0) {
                return 0;
            }
        }
        int changed = 0;
        long current = info().version();
        for (SnapshotFolders.Version v : versions.subList(from, versions.size())) {
            if (!reload && v.version() <= current) {
                continue;
            }
            if (apply(storage.open(v.file()), storage.modifiedAt(v.file()), v.dir())) {
                changed++;
            }
        }
        return changed;
    }
}
