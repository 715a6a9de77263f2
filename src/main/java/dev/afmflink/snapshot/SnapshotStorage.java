package dev.afmflink.snapshot;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * Where a reader finds snapshot folders: a local path, a {@code file:} URI, or — where a file
 * system for the scheme is registered ({@link #register}) — any other URI. Plain Java: the serving
 * jar reads local storage; {@code bin/afm} registers Flink's file systems, so {@code score},
 * {@code explain}, {@code inspect} and {@code serve} read every scheme the job writes to
 * ({@code hdfs://}, {@code s3://}, … with the scheme's plugin, as for checkpoints).
 * Locations are strings (a path or a URI); {@link #child} joins them.
 */
public interface SnapshotStorage {
    /** The names directly under {@code dir} (empty if it does not exist). */
    List<String> list(String dir) throws IOException;

    boolean exists(String file) throws IOException;

    boolean isDirectory(String location) throws IOException;

    InputStream open(String file) throws IOException;

    /** When {@code file} was last written (epoch ms; 0 if the storage does not say). */
    long modifiedAt(String file) throws IOException;

    /** {@code dir/name}. */
    static String child(String dir, String name) {
        return dir.endsWith("/") ? dir + name : dir + "/" + name;
    }

    /** The storage of {@code location}: local, or the first registered one that takes its scheme. */
    static SnapshotStorage of(String location) {
        if (SnapshotFolders.isLocal(location)) {
            return LOCAL;
        }
        for (Function<String, SnapshotStorage> r : Registry.REMOTE) {
            SnapshotStorage s = r.apply(location);
            if (s != null) {
                return s;
            }
        }
        throw new IllegalArgumentException(location + ": only local paths and file: URIs can be read here "
                + "(bin/afm reads every scheme Flink's file systems have; the serving jar reads local storage: mount it)");
    }

    /** Adds a storage for other schemes: {@code remote} returns one for a location it takes, or null. */
    static void register(Function<String, SnapshotStorage> remote) {
        Registry.REMOTE.add(remote);
    }

    /** Local files through java.nio (paths and {@code file:} URIs). */
    SnapshotStorage LOCAL = new SnapshotStorage() {
        @Override
        public List<String> list(String dir) throws IOException {
            Path p = SnapshotFolders.local(dir);
            List<String> out = new ArrayList<>();
            if (Files.isDirectory(p)) {
                try (Stream<Path> s = Files.list(p)) {
                    s.forEach(c -> out.add(c.getFileName().toString()));
                }
            }
            return out;
        }

        @Override
        public boolean exists(String file) {
            return Files.exists(SnapshotFolders.local(file));
        }

        @Override
        public boolean isDirectory(String location) {
            return Files.isDirectory(SnapshotFolders.local(location));
        }

        @Override
        public InputStream open(String file) throws IOException {
            return Files.newInputStream(SnapshotFolders.local(file));
        }

        @Override
        public long modifiedAt(String file) throws IOException {
            return Files.getLastModifiedTime(SnapshotFolders.local(file)).toMillis();
        }
    };

    /** The registered storages (a holder: interfaces have no private static fields). */
    final class Registry {
        private static final List<Function<String, SnapshotStorage>> REMOTE = new CopyOnWriteArrayList<>();

        private Registry() {
        }
    }
}
