package dev.afmflink.job;

/** One published model snapshot (full or delta) in the model format (docs/model-format.md). A Flink POJO. */
public class SnapshotRecord {
    public String model;
    public long version;
    public long baseVersion;
    public String kind;
    public long examples;
    public long records;
    /** Processing time of the publish (ms): for freshness measurements only, never in the math. */
    public long publishedAt;
    public byte[] bytes;

    public SnapshotRecord() {
    }

    public SnapshotRecord(String model, long version, long baseVersion, String kind, long examples, long records,
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
}
