package dev.afmflink.job;

import dev.afmflink.snapshot.SnapshotFolders;
import dev.afmflink.snapshot.SnapshotStorage;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;

/**
 * Snapshot folders read through Flink's file systems: what {@code bin/afm} registers
 * ({@link SnapshotStorage#register}) so {@code score}, {@code explain}, {@code inspect} and
 * {@code serve} read every scheme the job writes to. Local paths stay with java.nio.
 */
public final class FlinkSnapshotStorage implements SnapshotStorage {
    private final FileSystem fs;

    private FlinkSnapshotStorage(FileSystem fs) {
        this.fs = fs;
    }

    /** The storage of a non-local location, or null if no Flink file system takes its scheme. */
    public static SnapshotStorage forLocation(String location) {
        if (SnapshotFolders.isLocal(location)) {
            return null;
        }
        try {
            return new FlinkSnapshotStorage(new Path(location).getFileSystem());
        } catch (IOException e) {
            return null; // no file system for the scheme (a missing plugin): said by SnapshotStorage.of
        }
    }

    @Override
    public List<String> list(String dir) throws IOException {
        List<String> out = new ArrayList<>();
        Path p = new Path(dir);
        if (!fs.exists(p)) {
            return out;
        }
        FileStatus[] children = fs.listStatus(p);
        if (children != null) {
            for (FileStatus c : children) {
                out.add(c.getPath().getName());
            }
        }
        return out;
    }

    @Override
    public boolean exists(String file) throws IOException {
        return fs.exists(new Path(file));
    }

    @Override
    public boolean isDirectory(String location) throws IOException {
        Path p = new Path(location);
        return fs.exists(p) && fs.getFileStatus(p).isDir();
    }

    @Override
    public InputStream open(String file) throws IOException {
        return fs.open(new Path(file));
    }

    @Override
    public long modifiedAt(String file) throws IOException {
        return fs.getFileStatus(new Path(file)).getModificationTime();
    }
}
