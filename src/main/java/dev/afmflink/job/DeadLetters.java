package dev.afmflink.job;

import java.util.HashMap;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.OutputTag;

/**
 * The one way a record leaves the job as a dead letter, for every operator that refuses one (the
 * route for what the decoder refused, the label join, the trainer's {@code train_failed}): the side
 * output {@link #TAG}, which the job sends to the dead-letter topic, and a count per reason in the
 * operator's metric group {@code deadLetters.reason.<reason>.count}. The reasons are listed in
 * {@link dev.afmflink.data.EventDecoder#REASONS} and docs/events.md.
 */
public final class DeadLetters {
    public static final OutputTag<DeadLetter> TAG = new OutputTag<>("dead-letters", TypeInformation.of(DeadLetter.class));

    private final Map<String, Counter> counters = new HashMap<>();
    private final MetricGroup group;

    /** Counters in {@code operatorGroup}. */
    public DeadLetters(MetricGroup operatorGroup) {
        group = operatorGroup.addGroup("deadLetters");
    }

    /** Sends {@code letter} out of a process function and counts it. */
    public void emit(ProcessFunction<?, ?>.Context ctx, DeadLetter letter) {
        count(letter.reason);
        ctx.output(TAG, letter);
    }

    /** Sends {@code letter} out of a keyed process function and counts it. */
    public void emit(KeyedProcessFunction<?, ?, ?>.Context ctx, DeadLetter letter) {
        count(letter.reason);
        ctx.output(TAG, letter);
    }

    private void count(String reason) {
        counters.computeIfAbsent(reason, k -> group.addGroup("reason", k).counter("count")).inc();
    }

    /** The dead letter of an example whose training or scoring threw ({@code train_failed}): its coordinates, not its features. */
    static DeadLetter trainFailed(TrainingExample ex, RuntimeException e) {
        String raw = "{\"kind\":" + ex.kind + ",\"id\":" + KafkaRecords.jsonString(ex.id) + ",\"ts\":" + ex.ts
                + ",\"model\":" + KafkaRecords.jsonString(ex.model) + ",\"features\":" + (ex.ids == null ? 0 : ex.ids.length) + "}";
        return new DeadLetter(dev.afmflink.data.EventDecoder.TRAIN_FAILED, e.toString(), raw, null, -1, -1);
    }

    /** The dead letter of an impression or click the label join refused: {@code reason}, why, the event's coordinates. */
    static DeadLetter ofJoin(String reason, String detail, dev.afmflink.data.EventKind kind, String id, long ts, String topic,
                             int partition, long offset) {
        String raw = "{\"type\":\"" + kind.wireName() + "\",\"id\":" + KafkaRecords.jsonString(id) + ",\"ts\":" + ts + "}";
        return new DeadLetter(reason, detail, raw, topic, partition, offset);
    }

    /**
     * A failure of the system rather than of one example: Flink's own, or the state backend's (it
     * surfaces as a runtime exception too). That one fails the task; an example's becomes a dead letter.
     */
    static boolean isSystemFailure(RuntimeException e) {
        if (e instanceof org.apache.flink.util.FlinkRuntimeException) {
            return true;
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            String n = t.getClass().getName();
            if (n.startsWith("org.rocksdb.") || n.startsWith("org.apache.flink.runtime.state.") || t instanceof java.io.IOException) {
                return true;
            }
        }
        return false;
    }
}
