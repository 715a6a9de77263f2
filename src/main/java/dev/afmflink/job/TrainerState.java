package dev.afmflink.job;

import dev.afmflink.feedback.ClickJoin;

import dev.afmflink.metrics.ProgressiveWindow;
import dev.afmflink.model.FeatureParams;
import dev.afmflink.model.SharedParams;
import org.apache.flink.api.common.functions.RuntimeContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;

/**
 * The trainer's keyed state, per model key, in one place: every descriptor with its name. The
 * names are a contract with every savepoint and checkpoint taken so far (the savepoint test holds
 * one): never rename one. (The feature lifecycle's counts and sweep buckets are {@link LifecycleState}'s.)
 */
final class TrainerState {
    /** The model's feature rows: w, v, optimizer slots, last update. */
    final MapState<Long, FeatureParams> features;
    /** Ids changed since the last publish (a delta's rows). */
    final MapState<Long, Boolean> dirty;
    /** w0, the attention network and its slots, counters, the dropout stream. */
    final ValueState<SharedParams> shared;
    final ValueState<PublishState> publish;
    /** An impression's score when it was judged, until its label comes. */
    final MapState<String, Double> scores;
    /** Open progressive-validation windows by start. */
    final MapState<Long, ProgressiveWindow> windows;
    /** Ordered mode: labels waiting for their window, impressions to score, examples waiting for their time, by event time. */
    final MapState<Long, PendingLabels> pending;
    final MapState<Long, PendingLabels> unscored;
    final MapState<Long, PendingLabels> heldExamples;
    /** The held-out impressions, by slot. */
    final MapState<Integer, TrainingExample> holdoutSample;
    /** The label join: what it keeps by impression id, and its deadlines (impressions and clicks by event time). */
    final MapState<String, ClickJoin.Joined<TrainingExample>> joins;
    final MapState<Long, PendingLabels> joinDeadlines;

    /** The type of the label join's state (a Flink POJO: no generic Kryo). */
    static final TypeInformation<ClickJoin.Joined<TrainingExample>> JOINED =
            TypeInformation.of(new org.apache.flink.api.common.typeinfo.TypeHint<ClickJoin.Joined<TrainingExample>>() {
            });

    /** The state behind the schedule's {@code which} buckets (names as above: savepoints hold them). */
    MapState<Long, PendingLabels> held(dev.afmflink.feedback.FeedbackSchedule.Hold which) {
        return switch (which) {
            case PENDING -> pending;
            case EXAMPLES -> heldExamples;
            case UNSCORED -> unscored;
            case JOIN -> joinDeadlines;
        };
    }

    TrainerState(RuntimeContext ctx) {
        this(ctx, "");
    }

    /**
     * The state of one configuration among candidates (docs/feedback.md, "Online choice"): every
     * name ends with {@code suffix} ("": the one model of a key, the names of every savepoint so far).
     */
    TrainerState(RuntimeContext ctx, String suffix) {
        features = ctx.getMapState(new MapStateDescriptor<>("features" + suffix, Types.LONG, TypeInformation.of(FeatureParams.class)));
        dirty = ctx.getMapState(new MapStateDescriptor<>("dirty" + suffix, Types.LONG, Types.BOOLEAN));
        shared = ctx.getState(new ValueStateDescriptor<>("shared" + suffix, TypeInformation.of(SharedParams.class)));
        publish = ctx.getState(new ValueStateDescriptor<>("publish" + suffix, TypeInformation.of(PublishState.class)));
        scores = ctx.getMapState(new MapStateDescriptor<>("impression-scores" + suffix, Types.STRING, Types.DOUBLE));
        windows = ctx.getMapState(new MapStateDescriptor<>("validation-windows" + suffix, Types.LONG,
                TypeInformation.of(ProgressiveWindow.class)));
        pending = ctx.getMapState(new MapStateDescriptor<>("pending-labels" + suffix, Types.LONG, TypeInformation.of(PendingLabels.class)));
        unscored = ctx.getMapState(new MapStateDescriptor<>("unscored-impressions" + suffix, Types.LONG,
                TypeInformation.of(PendingLabels.class)));
        heldExamples = ctx.getMapState(new MapStateDescriptor<>("held-examples" + suffix, Types.LONG,
                TypeInformation.of(PendingLabels.class)));
        holdoutSample = ctx.getMapState(new MapStateDescriptor<>("holdout-sample" + suffix, Types.INT,
                TypeInformation.of(TrainingExample.class)));
        joins = ctx.getMapState(new MapStateDescriptor<>("label-join" + suffix, Types.STRING, JOINED));
        joinDeadlines = ctx.getMapState(new MapStateDescriptor<>("join-deadlines" + suffix, Types.LONG,
                TypeInformation.of(PendingLabels.class)));
    }
}
