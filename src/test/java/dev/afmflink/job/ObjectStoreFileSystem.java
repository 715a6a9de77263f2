package dev.afmflink.job;

import java.io.IOException;
import java.net.URI;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.FileSystemFactory;
import org.apache.flink.core.fs.Path;
import org.apache.flink.core.fs.local.LocalFileSystem;

/**
 * A file system for tests under the scheme {@code objtest://}, reached through Flink's file system
 * loading as a remote scheme is (a {@link FileSystemFactory} service, like an s3 plugin): local
 * files underneath, but like an object store it cannot rename (a rename there is a copy, never
 * atomic): every rename fails, and is counted.
 */
public class ObjectStoreFileSystem extends LocalFileSystem {
    public static final String SCHEME = "objtest";
    /** Renames attempted (each refused). */
    public static final AtomicInteger RENAMES = new AtomicInteger();

    @Override
    public URI getUri() {
        return URI.create(SCHEME + ":///");
    }

    @Override
    public boolean rename(Path src, Path dst) throws IOException {
        RENAMES.incrementAndGet();
        throw new IOException("objtest: an object store has no rename (" + src + " -> " + dst + ")");
    }

    @Override
    public boolean isDistributedFS() {
        return true;
    }

    /** The service Flink's {@code FileSystem} loads for the scheme. */
    public static final class Factory implements FileSystemFactory {
        @Override
        public String getScheme() {
            return SCHEME;
        }

        @Override
        public FileSystem create(URI uri) {
            return new ObjectStoreFileSystem();
        }
    }
}
