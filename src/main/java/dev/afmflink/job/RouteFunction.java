package dev.afmflink.job;

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
 * Sends each decoded event its way: labelled examples straight to training (main output),
 * impressions and clicks to the label join ({@link #CLICK_STREAM}), undecodable records to the
 * dead-letter topic ({@link #DEAD_LETTERS}), counted per reason in the metric group
 * {@code deadLetters.reason.<code>}.
 */
public class RouteFunction extends ProcessFunction<InputEvent, TrainingExample> {
    public static final OutputTag<DeadLetter> DEAD_LETTERS = new OutputTag<>("dead-letters",
            TypeInformation.of(DeadLetter.class));
    public static final OutputTag<InputEvent> CLICK_STREAM = new OutputTag<>("click-stream",
            TypeInformation.of(InputEvent.class));

    private transient DeadLetterCounters deadLetters;

    @Override
    public void open(OpenContext openContext) {
        deadLetters = new DeadLetterCounters(getRuntimeContext().getMetricGroup());
    }

    @Override
    public void processElement(InputEvent e, Context ctx, Collector<TrainingExample> out) {
        switch (e.kind) {
            case InputEvent.EXAMPLE -> out.collect(e.toExample(TrainingExample.EXAMPLE, e.label));
            case InputEvent.IMPRESSION, InputEvent.CLICK -> ctx.output(CLICK_STREAM, e);
            default -> {
                deadLetters.count(e.dead.reason);
                ctx.output(DEAD_LETTERS, e.dead);
            }
        }
    }

    /** Dead letters counted per reason, {@code deadLetters.reason.<code>.count}. */
    static final class DeadLetterCounters {
        private final Map<String, Counter> counters = new HashMap<>();
        private final MetricGroup group;

        DeadLetterCounters(MetricGroup operatorGroup) {
            group = operatorGroup.addGroup("deadLetters");
        }

        void count(String reason) {
            counters.computeIfAbsent(reason, k -> group.addGroup("reason", k).counter("count")).inc();
        }
    }
}
