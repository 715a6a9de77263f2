package dev.afmflink.job;

/**
 * One published model snapshot (full or delta) in the model format (docs/model-format.md): its
 * bytes when small enough to travel inside a Kafka record, else a pointer to its file in the
 * snapshot storage. A Flink POJO.
 */
public class SnapshotRecord {
    public String model;
    public long version;
    public long baseVersion;
    public dev.afmflink.snapshot.ModelFormat.Kind kind;
    public long examples;
    public long records;
    /** Processing time of the publish (ms): for freshness measurements only, never in the math. */
    public long publishedAt;
    /** The model file's bytes when it travels inline; null when it travels as a pointer to {@link #uri}. */
    public byte[] bytes;
    /** Where the file is in the snapshot storage (null without a snapshot folder). */
    public String uri;
    /** The file's SHA-256 (hex) and size. */
    public String sha256;
    public long size;
    /** Processing time the trainer spent writing it (ms): for measurements only, never in the math. */
    public long writeMillis;

    public SnapshotRecord() {
    }

    public SnapshotRecord(String model, long version, long baseVersion, dev.afmflink.snapshot.ModelFormat.Kind kind, long examples, long records,
                          long publishedAt, byte[] bytes) {
        this.model = model;
        this.version = version;
        this.baseVersion = baseVersion;
        this.kind = kind;
        this.examples = examples;
        this.records = records;
        this.publishedAt = publishedAt;
        this.bytes = bytes;
    }

    /** The Kafka record's value: the file's bytes, or a pointer to the file ({@code snapshot.SnapshotPointer}). */
    public byte[] value() {
        return bytes != null ? bytes : new dev.afmflink.snapshot.SnapshotPointer(uri, sha256, size).encode();
    }
}
