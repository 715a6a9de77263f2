package dev.afmflink.sync;

import dev.afmflink.model.AfmConfig;
import dev.afmflink.model.AfmLearner;
import dev.afmflink.model.AfmModel;
import dev.afmflink.model.Example;
import dev.afmflink.model.ExampleWeight;
import dev.afmflink.model.FeatureParams;
import dev.afmflink.model.ParameterStore;
import dev.afmflink.model.SharedParams;

/**
 * One replica of a model that several trainers train together, in memory: its own copy of the
 * parameters, trained on the examples routed to it, which tells at each tick what it changed since
 * the last one ({@link #emit}) and takes in what the others changed ({@link #apply}), by the rule
 * of {@link Exchange} over its {@link Ledger}. The in-memory {@link ReplicaGroup} drives it; the
 * job's trainer subtasks follow the same rule over keyed state.
 */
public final class Replica implements ParameterStore {
    private final int index;
    private final AfmModel model;
    private final AfmLearner learner;
    private final Exchange exchange;
    private final Ledger ledger;
    private final Exchange.Rows rows;
    /** Blocks a merge would have made non-finite, left as they were. */
    private long refused;
    /** Fields whose rows this replica marks local in its changes ({@code --local-fields}); empty: none. */
    private java.util.Set<String> localFields = java.util.Set.of();
    /** The example of the step being taken. */
    private Example training;

    /** Replica {@code index} of a model of {@code config} ({@link Change#MERGED}: the model the merges make, which trains nothing). */
    public Replica(int index, AfmConfig config) {
        this.index = index;
        this.model = new AfmModel(config);
        this.learner = model.learner();
        this.exchange = new Exchange(config);
        this.ledger = Ledger.open(model.shared());
        this.rows = Exchange.Rows.of(model);
    }

    /** The replica's parameters as they stand (its own steps and the merges it has taken in). */
    public AfmModel model() {
        return model;
    }

    /**
     * Marks the rows of {@code fields} local in this replica's changes, as the job's replica trainers
     * do ({@code --local-fields}): a replica that takes a merge in with {@link Change#isLocalRow} leaves
     * the others' out. Returns this.
     */
    public Replica localFields(java.util.Set<String> fields) {
        this.localFields = java.util.Set.copyOf(fields);
        return this;
    }

    /** One training step on {@code ex} at event time {@code ts}; returns the raw score before it. */
    public double train(Example ex, long ts) {
        stepping(ex);
        return learner.train(this, ex.ids, ex.values, ex.size, ex.label, ts, ExampleWeight.ONE);
    }

    /** The next training step through this store is {@code ex}'s (its fields say which rows are local). */
    public void stepping(Example ex) {
        training = ex;
    }

    /** The raw score of {@code ex}; changes nothing. */
    public double predictRaw(Example ex) {
        return learner.predict(this, ex.ids, ex.values, ex.size, 0);
    }

    @Override
    public SharedParams shared() {
        return model.shared();
    }

    @Override
    public FeatureParams trainingRow(long id, long ts) {
        FeatureParams f = model.features().get(id);
        if (f == null) {
            f = model.trainingRow(id, ts); // a new row starts where it starts in every replica: a function of (seed, id)
        }
        Example ex = training;
        ledger.touch(id, f, ex != null && ReplicaRoute.isOfFields(id, ex.ids, ex.fields, ex.size, localFields));
        return f;
    }

    @Override
    public FeatureParams scoringRow(long id, long ts, int position) {
        return model.scoringRow(id, ts, position);
    }

    /** What this replica did since its last emission, as its change of {@code tick}; starts the next. */
    public Change emit(long tick) {
        return exchange.emit(index, tick, rows, ledger);
    }

    /** {@link Exchange#apply} on this replica, no row local. */
    public void apply(Change merged, Change own) {
        apply(merged, own, id -> false);
    }

    /** {@link Exchange#apply} on this replica. */
    public void apply(Change merged, Change own, java.util.function.LongPredicate local) {
        refused += exchange.apply(merged, own, local, rows, ledger);
    }

    /** The tick its last change closed ({@link Long#MIN_VALUE}: none yet). */
    public long lastTick() {
        return ledger.lastTick();
    }

    /** Blocks a merge would have made non-finite (NaN or ±Inf), left as they were: never a NaN in the parameters. */
    public long refusedMerges() {
        return refused;
    }
}
