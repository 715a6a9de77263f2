package dev.afmflink.job;

import dev.afmflink.data.EventKind;
import dev.afmflink.sync.ReplicaRoute;
import dev.afmflink.sync.RouteEpochs;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Sends each decoded event its way: labelled examples, impressions and clicks to the trainer (main
 * output; it joins impressions and clicks itself), clicks also to the label join that drains
 * savepoints of jobs from before ({@link #CLICK_STREAM}, see {@link LabelJoin}), undecodable
 * records to the dead letters ({@link DeadLetters}). With several trainers per model it chooses each
 * event's replica ({@link RouteEpochs}: the number of replicas of the event's time, a click's copies
 * where a restore changed that number), and keeps the epochs and the largest event time it has seen in
 * union operator state: a restore at another number starts the next epoch one past the largest time
 * any route subtask had seen.
 */
public class RouteFunction extends ProcessFunction<InputEvent, TrainingExample>
        implements org.apache.flink.streaming.api.checkpoint.CheckpointedFunction {
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
        this(clicksApart, routeField, null, 0);
    }

    /** With several trainers per model ({@code replicas}, null: one) and the label join's attribution window. */
    public RouteFunction(boolean clicksApart, ReplicaSettings replicas, long windowMs) {
        this(clicksApart, replicas == null ? null : replicas.routeField(), replicas, windowMs);
    }

    private RouteFunction(boolean clicksApart, String routeField, ReplicaSettings replicas, long windowMs) {
        this.clicksApart = clicksApart;
        this.routeField = routeField;
        this.replicas = replicas;
        this.windowMs = windowMs;
    }

    /** Copies a click for each further replica it goes to (the edge's copy: every field, the route's too). */
    private static final EdgeTypes.TrainingExampleSerializer COPIES = new EdgeTypes.TrainingExampleSerializer();

    private final ReplicaSettings replicas;
    private final long windowMs;
    private transient DeadLetters deadLetters;
    private transient RouteEpochs epochs;
    /** The largest event time routed here (restored: the largest of every route subtask's). */
    private transient long maxTs;
    private transient org.apache.flink.api.common.state.ListState<byte[]> epochState;

    @Override
    public void initializeState(org.apache.flink.runtime.state.FunctionInitializationContext context) throws Exception {
        maxTs = Long.MIN_VALUE;
        if (replicas == null) {
            return;
        }
        epochState = context.getOperatorStateStore().getUnionListState(new org.apache.flink.api.common.state.ListStateDescriptor<>(
                "route-epochs", org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
        RouteEpochs restored = null;
        for (byte[] b : epochState.get()) {
            java.nio.ByteBuffer buf = java.nio.ByteBuffer.wrap(b);
            maxTs = Math.max(maxTs, buf.getLong());
            byte[] rest = new byte[buf.remaining()];
            buf.get(rest);
            RouteEpochs e = RouteEpochs.decode(rest);
            if (restored != null && !restored.equals(e)) {
                throw new IllegalStateException("the route subtasks restored different epochs: " + restored + " and " + e);
            }
            restored = e;
        }
        int n = replicas.replicas();
        if (restored == null || restored.current() == n) {
            epochs = restored == null ? RouteEpochs.of(n) : restored;
        } else if (maxTs == Long.MIN_VALUE) { // nothing was routed: nothing to keep
            epochs = RouteEpochs.of(n);
        } else {
            if (!replicas.localFields().isEmpty()) {
                throw new IllegalStateException("--trainers-per-model " + n + " from a savepoint of --trainers-per-model "
                        + restored.current() + " with --local-fields: a local row would stay with the replica that held it while "
                        + "its events go to another; restart with --trainers-per-model " + restored.current());
            }
            epochs = restored.then(n, maxTs + 1);
        }
    }

    @Override
    public void snapshotState(org.apache.flink.runtime.state.FunctionSnapshotContext context) throws Exception {
        if (epochState == null) {
            return;
        }
        byte[] e = epochs.encode();
        epochState.update(java.util.List.of(java.nio.ByteBuffer.allocate(8 + e.length).putLong(maxTs).put(e).array()));
    }

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
        if (epochs != null) {
            maxTs = Math.max(maxTs, e.ts);
            if (kind == EventKind.CLICK) {
                RouteEpochs.Routes routes = epochs.clickReplicas(e.id, t.route, e.ts, windowMs);
                for (int k = 1; k < routes.replicas().length; k++) { // copies: a record each
                    TrainingExample c = COPIES.copy(t);
                    c.replica = routes.replicas()[k];
                    c.copy = true;
                    out.collect(c);
                }
                t.replica = routes.replicas()[0];
                t.copy = routes.copies();
            } else {
                t.replica = epochs.replicaOf(e.id, t.route, e.ts);
            }
        }
        out.collect(t);
        if (clicksApart && kind == EventKind.CLICK) {
            ctx.output(CLICK_STREAM, t); // the same record: no function changes a record it was passed
        }
    }
}
