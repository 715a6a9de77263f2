package dev.afmflink.job;

import java.io.IOException;
import java.nio.file.Files;
import dev.afmflink.snapshot.ModelFormat;
import dev.afmflink.snapshot.SnapshotFolders;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;

/**
 * Writes each snapshot to {@code <root>/<model>/<version, 12 digits>-<full|delta>/model.afm}.
 * A version folder appears atomically: it is written under a temporary name and renamed, so a
 * serving system that lists the folders never sees half a snapshot. Writing the same version
 * again (a replay after a restore) replaces it with identical bytes.
 */
public class ModelDirectorySink implements Sink<SnapshotRecord> {
    private final String root;

    public ModelDirectorySink(String root) {
        this.root = root;
    }

    /** The folder of one snapshot ({@link SnapshotFolders}, the layout's one home). */
    public static Path folder(Path root, String model, long version, String kind) {
        return SnapshotFolders.folder(root, model, version, kind.equals("full") ? ModelFormat.Kind.FULL : ModelFormat.Kind.DELTA);
    }

    @Override
    public SinkWriter<SnapshotRecord> createWriter(WriterInitContext context) {
        return new Writer(Path.of(root));
    }

    private static final class Writer implements SinkWriter<SnapshotRecord> {
        private final Path root;

        Writer(Path root) {
            this.root = root;
        }

        @Override
        public void write(SnapshotRecord s, Context context) throws IOException {
            Path target = folder(root, s.model, s.version, s.kind);
            Path tmp = target.resolveSibling(".tmp-" + target.getFileName());
            Files.createDirectories(tmp);
            Files.write(tmp.resolve(ModelFormat.FILE_NAME), s.bytes);
            if (Files.exists(target)) {
                Files.write(target.resolve(ModelFormat.FILE_NAME + ".tmp"), s.bytes);
                Files.move(target.resolve(ModelFormat.FILE_NAME + ".tmp"), target.resolve(ModelFormat.FILE_NAME), StandardCopyOption.ATOMIC_MOVE,
                        StandardCopyOption.REPLACE_EXISTING);
                Files.delete(tmp.resolve(ModelFormat.FILE_NAME));
                Files.delete(tmp);
            } else {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            }
        }

        @Override
        public void flush(boolean endOfInput) {
        }

        @Override
        public void close() {
        }
    }
}
