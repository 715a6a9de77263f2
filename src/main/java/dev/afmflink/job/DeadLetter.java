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

    public DeadLetter(String reason, String detail, RawRecord r) {
        this.reason = reason;
        this.detail = detail;
        String text = r.value == null ? "" : new String(r.value, java.nio.charset.StandardCharsets.UTF_8);
        this.raw = text.length() > RAW_LIMIT ? text.substring(0, RAW_LIMIT) : text;
        this.topic = r.topic;
        this.partition = r.partition;
        this.offset = r.offset;
    }
}
