package dev.afmflink.feedback;

import dev.afmflink.data.Event;
import dev.afmflink.model.AfmConfig;
import dev.afmflink.model.AfmModel;
import dev.afmflink.sync.MergeRule;
import dev.afmflink.sync.Replica;
import dev.afmflink.sync.ReplicaGroup;
import dev.afmflink.sync.ReplicaRoute;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The job's feedback loop for one model trained by {@code R} trainer subtasks
 * ({@code --trainers-per-model R}, docs/scaling.md), in plain Java: the offline replay of such a run.
 * Each event goes to the replica its impression id picks ({@link ReplicaRoute}); each replica runs
 * the job's schedule ({@link FeedbackReplay}: the label join, the holds, scoring and training at
 * event-time timers) on its own parameters, a {@link Replica} of a {@link ReplicaGroup}; the timers
 * of all replicas fire in event-time order, and before each the group closes the ticks it leaves
 * and hands every replica the merges due by its tick ({@link ReplicaGroup#advanceTo}), as the
 * subtasks' synchronization schedules do in the job. The merged model is what the job publishes;
 * with one replica this is {@link FeedbackReplay}, bit for bit.
 *
 * <p>The watermark is the stream's (largest time − bound − 1, moved in steps), as each replica's
 * trainer sees it when an event arrives; the job's replica trainers see it only as far as their
 * schedule has worked, which judges an event as late later, never sooner: the two agree wherever no
 * event is later than the bound. Feature admission and expiry, holdouts and candidates are not
 * part of a replicated run (the job refuses them).
 */
public final class ReplicaReplay implements Replay {
    private static final Comparator<FeedbackReplay.Judged> ORDER =
            Comparator.comparingLong(FeedbackReplay.Judged::ts).thenComparing(FeedbackReplay.Judged::id);

    private final ReplicaGroup group;
    private final FeedbackReplay[] replays;
    /** The job's watermarks ({@link dev.afmflink.time.WatermarkSteps}). */
    private final dev.afmflink.time.WatermarkSteps watermarks;
    /** The field whose feature picks an event's replica, or null: the impression id ({@link ReplicaRoute}). */
    private String routeField;
    /** Events left out for want of a feature of the route field (the job's dead letters {@code missing_field}). */
    private long unrouted;

    /**
     * @param windowMs the attribution window (0: labelled examples only)
     * @param boundMs  the watermark's bound
     * @param stepMs   how far the watermark moves before it is emitted again
     * @param replicas trainers per model
     * @param tickMs   event time between merges
     * @param lag      ticks a replica may run ahead of the others' changes
     * @param rule     how the changes merge
     */
    public ReplicaReplay(AfmConfig config, long windowMs, long boundMs, long stepMs, int replicas, long tickMs, int lag,
                         MergeRule rule) {
        this.group = new ReplicaGroup(config, replicas, tickMs, lag, rule);
        this.replays = new FeedbackReplay[replicas];
        for (int r = 0; r < replicas; r++) {
            Replica replica = group.replica(r);
            replays[r] = new FeedbackReplay(replica.model(), replica, FeedbackMode.ORDERED, windowMs, boundMs, stepMs);
        }
        this.watermarks = new dev.afmflink.time.WatermarkSteps(boundMs, stepMs);
    }

    /** Routes the events by their feature of {@code field} ({@code --route-field}; null: by impression id); returns this. */
    public ReplicaReplay routedBy(String field) {
        this.routeField = field;
        return this;
    }

    /** The replicas hold rows of {@code fields} only where they own them ({@code --local-fields}, {@link ReplicaGroup#localFields}); returns this. */
    public ReplicaReplay localFields(java.util.List<String> fields) {
        group.localFields(java.util.Set.copyOf(fields));
        return this;
    }

    /** One decoded event of the model, as the job would see it next. */
    @Override
    public void accept(Event e) {
        var x = e.features();
        long route = routeField == null || x == null ? ReplicaRoute.NONE : ReplicaRoute.featureOf(routeField, x.ids, x.fields, x.size);
        if (routeField != null && route == ReplicaRoute.NONE) { // the job's route dead-letters it: it neither trains nor moves event time
            unrouted++;
            return;
        }
        replays[ReplicaRoute.of(e.id(), route, replays.length)].arrive(e);
        advanceTo(e.ts());
    }

    /** Events left out for want of a feature of the route field (the job dead-letters them, {@code missing_field}). */
    public long unrouted() {
        return unrouted;
    }

    /** Event time {@code ts} seen on the input (by this model's event or another key's): the watermark may move. */
    @Override
    public void advanceTo(long ts) {
        long wm = watermarks.seen(ts);
        if (wm != Long.MIN_VALUE) {
            fire(wm, false);
        }
    }

    /** The input ends: every timer runs as at the end of a bounded input, the last tick closes and every merge is taken in. */
    @Override
    public void end() {
        fire(Long.MAX_VALUE, true);
        group.finish();
    }

    /** The merged model: what the job publishes. */
    @Override
    public AfmModel model() {
        return group.model();
    }

    /** The group of replicas (ticks merged, bytes of the changes). */
    public ReplicaGroup group() {
        return group;
    }

    /** Every replica's judged impressions and examples, in event-time order (ties by id). */
    @Override
    public List<FeedbackReplay.Judged> judged() {
        List<FeedbackReplay.Judged> all = new ArrayList<>();
        for (FeedbackReplay r : replays) {
            all.addAll(r.judged());
        }
        all.sort(ORDER);
        return all;
    }

    /** Every replica's timers up to {@code wm}, earliest first across replicas; the group moves to each timer's time first. */
    private void fire(long wm, boolean inputEnded) {
        for (FeedbackReplay r : replays) {
            r.watermark(wm);
        }
        while (true) {
            int next = -1;
            long at = Long.MAX_VALUE;
            for (int r = 0; r < replays.length; r++) {
                long t = replays[r].nextTimer();
                if (replays[r].hasTimers() && (next < 0 || t < at)) {
                    at = t;
                    next = r;
                }
            }
            if (next < 0 || at > wm) {
                return;
            }
            group.advanceTo(at);
            replays[next].fireNext(inputEnded);
        }
    }
}
