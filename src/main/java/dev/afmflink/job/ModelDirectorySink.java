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
 * serving system that lists the folders never sees half a snapshot. A version folder is never
 * replaced: the same version again (a replay after a restore, or an at-least-once retry) is
 * checked to carry the same bytes and skipped; other bytes under a published number are refused,
 * logged and counted ({@code snapshotConflicts}), and the first stays.
 */
public class ModelDirectorySink implements Sink<SnapshotRecord> {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ModelDirectorySink.class);
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
        return new Writer(Path.of(root), context.metricGroup().counter("snapshotConflicts"),
                context.metricGroup().counter("snapshotReplays"));
    }

    private static final class Writer implements SinkWriter<SnapshotRecord> {
        private final Path root;
        private final org.apache.flink.metrics.Counter conflicts;
        private final org.apache.flink.metrics.Counter replays;

        Writer(Path root, org.apache.flink.metrics.Counter conflicts, org.apache.flink.metrics.Counter replays) {
            this.root = root;
            this.conflicts = conflicts;
            this.replays = replays;
        }

        @Override
        public void write(SnapshotRecord s, Context context) throws IOException {
            Path target = folder(root, s.model, s.version, s.kind);
            Path other = folder(root, s.model, s.version, s.kind.equals("full") ? "delta" : "full");
            Path existing = Files.exists(target) ? target : Files.exists(other) ? other : null;
            if (existing != null) {
                Path file = existing.resolve(ModelFormat.FILE_NAME);
                if (existing.equals(target) && Files.exists(file) && java.util.Arrays.equals(Files.readAllBytes(file), s.bytes)) {
                    replays.inc();
                    return;
                }
                conflicts.inc();
                LOG.error("model {} version {}: published again with other bytes; {} stays (a consumer holding it "
                        + "refuses the deltas that follow the new one until the next full snapshot)", s.model, s.version, existing);
                return;
            }
            Path tmp = target.resolveSibling(".tmp-" + target.getFileName());
            Files.createDirectories(tmp);
            Files.write(tmp.resolve(ModelFormat.FILE_NAME), s.bytes);
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        }

        @Override
        public void flush(boolean endOfInput) {
        }

        @Override
        public void close() {
        }
    }
}
