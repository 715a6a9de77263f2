package dev.afmflink.job;

import dev.afmflink.data.EventKind;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Sends each decoded event its way: labelled examples, impressions and clicks to the trainer (main
 * output; it joins impressions and clicks itself), clicks also to the label join that drains
 * savepoints of jobs from before ({@link #CLICK_STREAM}, see {@link LabelJoin}), undecodable
 * records to the dead letters ({@link DeadLetters}).
 */
public class RouteFunction extends ProcessFunction<InputEvent, TrainingExample> {
    public static final OutputTag<TrainingExample> CLICK_STREAM = new OutputTag<>("click-stream",
            EdgeTypes.TRAINING_EXAMPLE);

    /** Clicks also to {@link #CLICK_STREAM} (the draining join beside the trainer; false: it is in line, before the trainer). */
    private final boolean clicksApart;

    public RouteFunction() {
        this(true);
    }

    public RouteFunction(boolean clicksApart) {
        this.clicksApart = clicksApart;
    }

    private transient DeadLetters deadLetters;

    @Override
    public void open(OpenContext openContext) {
        deadLetters = new DeadLetters(getRuntimeContext().getMetricGroup());
    }

    @Override
    public void processElement(InputEvent e, Context ctx, Collector<TrainingExample> out) {
        if (e.isBad()) {
            deadLetters.emit(ctx, e.dead);
        } else {
            EventKind kind = e.kind();
            TrainingExample t = e.toExample(kind, kind == EventKind.EXAMPLE ? e.label : Double.NaN);
            out.collect(t);
            if (clicksApart && kind == EventKind.CLICK) {
                ctx.output(CLICK_STREAM, t); // the same record: no function changes a record it was passed
            }
        }
    }
}
