package dev.afmflink.job;

import dev.afmflink.data.Event;
import dev.afmflink.data.EventDecoder;
import dev.afmflink.model.Loss;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Kafka record → {@link TrainingExample}, or a {@link DeadLetter} with its reason on a side
 * output, counted per reason in the metric group {@code deadLetters.reason.<code>}. Never throws
 * on bad input. Impressions and clicks need the feedback-loop join; until it is enabled they are
 * dead-lettered with reason {@code needs_join}, not dropped silently.
 */
public class DecodeFunction extends ProcessFunction<RawRecord, TrainingExample> {
    public static final OutputTag<DeadLetter> DEAD_LETTERS = new OutputTag<>("dead-letters",
            TypeInformation.of(DeadLetter.class));
    public static final String NEEDS_JOIN = "needs_join";

    private final Loss loss;
    private final int maxRecordBytes;
    private transient EventDecoder decoder;
    private transient Map<String, Counter> deadLetters;
    private transient MetricGroup deadLetterGroup;

    public DecodeFunction(Loss loss, int maxRecordBytes) {
        this.loss = loss;
        this.maxRecordBytes = maxRecordBytes;
    }

    @Override
    public void open(OpenContext openContext) {
        decoder = new EventDecoder(loss, maxRecordBytes);
        deadLetters = new HashMap<>();
        deadLetterGroup = getRuntimeContext().getMetricGroup().addGroup("deadLetters");
    }

    @Override
    public void processElement(RawRecord r, Context ctx, Collector<TrainingExample> out) {
        Event e;
        try {
            e = decoder.decode(r.value, r.topic + "-" + r.partition + "-" + r.offset, r.timestamp);
        } catch (EventDecoder.BadEventException bad) {
            dead(ctx, bad.reason(), bad.getMessage(), r);
            return;
        }
        if (e.type() != Event.Type.EXAMPLE) {
            dead(ctx, NEEDS_JOIN, e.type().name().toLowerCase(java.util.Locale.ROOT)
                    + " events need the impression/click join, which this job does not run", r);
            return;
        }
        int m = e.features().size;
        out.collect(new TrainingExample(e.model(), e.id(), e.ts(), e.label(),
                Arrays.copyOf(e.features().ids, m), Arrays.copyOf(e.features().values, m)));
    }

    private void dead(Context ctx, String reason, String detail, RawRecord r) {
        deadLetters.computeIfAbsent(reason, k -> deadLetterGroup.addGroup("reason", k).counter("count")).inc();
        ctx.output(DEAD_LETTERS, new DeadLetter(reason, detail, r));
    }
}
