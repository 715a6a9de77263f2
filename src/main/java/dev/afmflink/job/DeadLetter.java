package dev.afmflink.job;

/** A record the job could not use, with the reason code and detail. A Flink POJO. */
public class DeadLetter {
    /** Longest raw text kept in a dead letter. */
    public static final int RAW_LIMIT = 4096;

    public String reason;
    public String detail;
    public String raw;
    public String topic;
    public int partition;
    public long offset;

    public DeadLetter() {
    }

    public DeadLetter(String reason, String detail, String raw, String topic, int partition, long offset) {
        this.reason = reason;
        this.detail = detail;
        String text = raw == null ? "" : raw;
        this.raw = text.length() > RAW_LIMIT ? text.substring(0, RAW_LIMIT) : text;
        this.topic = topic;
        this.partition = partition;
        this.offset = offset;
    }
}
