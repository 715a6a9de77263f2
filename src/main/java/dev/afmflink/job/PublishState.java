package dev.afmflink.job;

/** Per model key: the last published version, what happened since, and the feature count, the snapshots held back. A Flink POJO in ValueState. */
public class PublishState {
    public long version;
    public long sinceLastPublish;
    public int deltasSinceFull;
    public long features;
    /** Snapshots the quality gate held back. */
    public long heldBack;

    public PublishState() {
    }
}
