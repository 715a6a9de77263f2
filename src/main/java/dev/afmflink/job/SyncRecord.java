package dev.afmflink.job;

/**
 * One replica key's change of one tick on its way to the model's merger through the
 * synchronization topic (key: the model; value: the change, {@link dev.afmflink.sync.ChangeCodec}).
 * A Flink POJO.
 */
public class SyncRecord {
    public String model;
    public byte[] change;

    public SyncRecord() {
    }

    public SyncRecord(String model, byte[] change) {
        this.model = model;
        this.change = change;
    }
}
