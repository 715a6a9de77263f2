package dev.afmflink.job;

import dev.afmflink.data.EventKind;
import dev.afmflink.sync.ReplicaRoute;

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
    /** The field whose feature picks an event's replica ({@code --route-field}), or null: none (by impression id). */
    private final String routeField;

    public RouteFunction() {
        this(true);
    }

    public RouteFunction(boolean clicksApart) {
        this(clicksApart, null);
    }

    public RouteFunction(boolean clicksApart, String routeField) {
        this.clicksApart = clicksApart;
        this.routeField = routeField;
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
            return;
        }
        EventKind kind = e.kind();
        TrainingExample t = e.toExample(kind, kind == EventKind.EXAMPLE ? e.label : Double.NaN);
        if (routeField != null) {
            t.route = ReplicaRoute.featureOf(routeField, e.ids, e.fields, e.ids == null ? 0 : e.ids.length);
            if (t.route == ReplicaRoute.NONE) {
                deadLetters.emit(ctx, DeadLetters.ofJoin(dev.afmflink.data.EventDecoder.MISSING_FIELD, "no feature of the route "
                        + "field '" + routeField + "' (--route-field): every event of a model routed by it needs one, a click "
                        + "too (in its \"features\")", kind, e.id, e.ts, e.topic, e.partition, e.offset));
                return;
            }
        }
        if (kind == EventKind.CLICK) { // a click's features only say where it goes: the impression's are trained
            t.ids = null;
            t.values = null;
            t.fields = null;
        }
        out.collect(t);
        if (clicksApart && kind == EventKind.CLICK) {
            ctx.output(CLICK_STREAM, t); // the same record: no function changes a record it was passed
        }
    }
}
