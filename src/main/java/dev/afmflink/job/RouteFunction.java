package dev.afmflink.job;

import dev.afmflink.data.EventKind;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Sends each decoded event its way: labelled examples straight to training (main output),
 * impressions and clicks to the label join ({@link #CLICK_STREAM}), undecodable records to the
 * dead letters ({@link DeadLetters}).
 */
public class RouteFunction extends ProcessFunction<InputEvent, TrainingExample> {
    public static final OutputTag<InputEvent> CLICK_STREAM = new OutputTag<>("click-stream",
            EdgeTypes.INPUT_EVENT);

    private transient DeadLetters deadLetters;

    @Override
    public void open(OpenContext openContext) {
        deadLetters = new DeadLetters(getRuntimeContext().getMetricGroup());
    }

    @Override
    public void processElement(InputEvent e, Context ctx, Collector<TrainingExample> out) {
        if (e.isBad()) {
            deadLetters.emit(ctx, e.dead);
        } else if (e.kind() == EventKind.EXAMPLE) {
            out.collect(e.toExample(EventKind.EXAMPLE, e.label));
        } else {
            ctx.output(CLICK_STREAM, e); // impressions and clicks
        }
    }
}
