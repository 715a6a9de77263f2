package dev.afmflink.job;

import java.io.IOException;
import dev.afmflink.snapshot.ModelFormat;
import dev.afmflink.snapshot.SnapshotFolders;
import org.apache.flink.core.fs.FSDataOutputStream;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;

/**
 * Writes each snapshot to {@code <root>/<model>/<version, 12 digits>-<full|delta>/model.afm}
 * through Flink's file systems, so the root may be a local path or a {@code file://},
 * {@code hdfs://}, {@code s3://} … URI (the scheme's plugin on the cluster, like checkpoints).
 * A version folder appears atomically where the file system renames atomically (local, HDFS): it
 * is written under a temporary name starting with "." and renamed. A version folder is never
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

    private static ModelFormat.Kind kind(String kind) {
        return kind.equals("full") ? ModelFormat.Kind.FULL : ModelFormat.Kind.DELTA;
    }

    @Override
    public SinkWriter<SnapshotRecord> createWriter(WriterInitContext context) throws IOException {
        Path r = new Path(AfmStreamJob.uri(root)); // a path or URI, as the checkpoint directory
        return new Writer(r, r.getFileSystem(), context.metricGroup().counter("snapshotConflicts"),
                context.metricGroup().counter("snapshotReplays"));
    }

    private static final class Writer implements SinkWriter<SnapshotRecord> {
        private final Path root;
        private final FileSystem fs;
        private final org.apache.flink.metrics.Counter conflicts;
        private final org.apache.flink.metrics.Counter replays;

        Writer(Path root, FileSystem fs, org.apache.flink.metrics.Counter conflicts, org.apache.flink.metrics.Counter replays) {
            this.root = root;
            this.fs = fs;
            this.conflicts = conflicts;
            this.replays = replays;
        }

        private Path folder(SnapshotRecord s, ModelFormat.Kind kind) {
            return new Path(new Path(root, SnapshotFolders.safe(s.model)), SnapshotFolders.name(s.version, kind));
        }

        @Override
        public void write(SnapshotRecord s, Context context) throws IOException {
            ModelFormat.Kind kind = kind(s.kind);
            Path target = folder(s, kind);
            Path other = folder(s, kind == ModelFormat.Kind.FULL ? ModelFormat.Kind.DELTA : ModelFormat.Kind.FULL);
            Path existing = fs.exists(target) ? target : fs.exists(other) ? other : null;
            if (existing != null) {
                Path file = new Path(existing, ModelFormat.FILE_NAME);
                if (existing.equals(target) && fs.exists(file) && java.util.Arrays.equals(read(file), s.bytes)) {
                    replays.inc();
                    return;
                }
                conflicts.inc();
                LOG.error("model {} version {}: published again with other bytes; {} stays (a consumer holding it "
                        + "refuses the deltas that follow the new one until the next full snapshot)", s.model, s.version, existing);
                return;
            }
            Path tmp = new Path(target.getParent(), ".tmp-" + target.getName());
            fs.mkdirs(tmp);
            try (FSDataOutputStream out = fs.create(new Path(tmp, ModelFormat.FILE_NAME), FileSystem.WriteMode.OVERWRITE)) {
                out.write(s.bytes);
            }
            if (!fs.rename(tmp, target)) {
                throw new IOException("could not rename " + tmp + " to " + target);
            }
        }

        private byte[] read(Path file) throws IOException {
            try (var in = fs.open(file)) {
                return in.readAllBytes();
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
