package dev.afmflink.job;

import dev.afmflink.metrics.WindowSummary;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.MeterView;
import org.apache.flink.metrics.MetricGroup;

/**
 * The trainer's Flink metrics: counters under {@code afm.*} and, per model key, gauges under
 * {@code afm.model.<key>.*} (views of state, refreshed as it changes; registered on first use).
 */
final class TrainerMetrics {
    final Counter examples;
    final Counter refused;
    /** Rows a model's merger sent as bases to replica keys that joined it (a restore at more trainers per model). */
    final Counter baseRows;
    /** Examples dead-lettered as train_failed. */
    final Counter trainFailed;
    final Counter impressions;
    final Counter heldBack;
    final Counter unlabelledAtEnd;
    final Counter openWindowsAtEnd;
    final Counter admitted;
    final Counter evicted;
    final Counter snapshotReplays;
    final Counter snapshotConflicts;
    final Counter snapshotsTooLarge;
    /** The label join's counts (group "join", as the label join operator of jobs before had them). */
    final java.util.Map<dev.afmflink.feedback.ClickJoin.Count, Counter> join =
            new java.util.EnumMap<>(dev.afmflink.feedback.ClickJoin.Count.class);
    /** The last snapshot's write time (ms, from reading state to its folder committed) and size (bytes). */
    volatile long publishMillis;
    volatile long publishBytes;
    /** Model keys with a write-back buffer on the heap, and buffers the last checkpoint barrier wrote. */
    volatile int bufferedKeys;
    volatile int writtenAtBarrier;
    /** The most impressions, clicks and deadlines held for event time at once by this subtask's keys (as of the last barrier). */
    volatile long heldPeak;
    private final MetricGroup afm;
    private final Map<String, ModelGauges> gauges = new HashMap<>();

    /** What one model key's gauges show. */
    static final class ModelGauges {
        volatile long version;
        volatile long features;
        volatile long pending;
        volatile long admitted;
        volatile long evicted;
        volatile WindowSummary last;
    }

    TrainerMetrics(MetricGroup operator) {
        afm = operator.addGroup("afm");
        joinCounters(operator.addGroup("join"), join);
        examples = afm.counter("examples");
        afm.meter("examplesPerSecond", new MeterView(examples));
        refused = afm.counter("refusedUpdates");
        baseRows = afm.counter("baseRowsSent");
        trainFailed = afm.counter("trainFailed");
        impressions = afm.counter("impressionsScored");
        heldBack = afm.counter("heldBackSnapshots");
        unlabelledAtEnd = afm.counter("unlabelledAtEnd");
        openWindowsAtEnd = afm.counter("validationWindowsOpenAtEnd");
        admitted = afm.counter("featuresAdmitted");
        evicted = afm.counter("featuresEvicted");
        snapshotReplays = afm.counter("snapshotReplays");
        snapshotConflicts = afm.counter("snapshotConflicts");
        snapshotsTooLarge = afm.counter("snapshotsTooLarge");
        afm.gauge("lastPublishMillis", (Gauge<Long>) () -> publishMillis);
        afm.gauge("lastSnapshotBytes", (Gauge<Long>) () -> publishBytes);
        afm.gauge("bufferedKeys", (Gauge<Integer>) () -> bufferedKeys);
        afm.gauge("buffersWrittenAtLastBarrier", (Gauge<Integer>) () -> writtenAtBarrier);
        afm.gauge("heldPeak", (Gauge<Long>) () -> heldPeak);
    }

    /** Refreshes a key's lifecycle gauges from its publish state. */
    void lifecycle(String key, PublishState ps) {
        ModelGauges g = of(key);
        g.features = ps.features;
        g.pending = ps.pending;
        g.admitted = ps.admitted;
        g.evicted = ps.evicted;
    }

    /**
     * Model keys with gauges of their own: the first this many a subtask sees (a metric group per key
     * is fine for tens or hundreds of markets, not for 100,000 advertisers: their gauges would take
     * the heap and every reporter's time). The others' figures are in the snapshots and the metrics topic.
     */
    static final int MAX_KEYS_WITH_GAUGES = 1000;
    /** Where the figures of keys beyond the cap go (not registered). */
    private final ModelGauges unregistered = new ModelGauges();

    /** The last key asked for and its gauges (keys come from the decoder's table: one string per model). */
    private String lastKey;
    private ModelGauges lastGauges;

    ModelGauges of(String key) {
        if (key != lastKey) { // a training step refreshes its key's gauges: no map lookup while the key stays
            lastGauges = lookUp(key);
            lastKey = key;
        }
        return lastGauges;
    }

    private ModelGauges lookUp(String key) {
        ModelGauges known = gauges.get(key);
        if (known != null) {
            return known;
        }
        if (gauges.size() >= MAX_KEYS_WITH_GAUGES) {
            return unregistered;
        }
        return gauges.computeIfAbsent(key, k -> {
            ModelGauges g = new ModelGauges();
            MetricGroup group = afm.addGroup("model", k);
            group.gauge("modelVersion", (Gauge<Long>) () -> g.version);
            group.gauge("features", (Gauge<Long>) () -> g.features);
            group.gauge("pendingFeatures", (Gauge<Long>) () -> g.pending);
            group.gauge("admittedFeatures", (Gauge<Long>) () -> g.admitted);
            group.gauge("evictedFeatures", (Gauge<Long>) () -> g.evicted);
            group.gauge("progressiveLoss", (Gauge<Double>) () -> g.last == null ? Double.NaN : g.last.loss());
            group.gauge("progressiveAuc", (Gauge<Double>) () -> g.last == null ? Double.NaN : g.last.auc());
            group.gauge("calibration", (Gauge<Double>) () -> g.last == null ? Double.NaN : g.last.calibration());
            return g;
        });
    }

    /** The label join's counters in {@code group}: join.labelledClicked, labelledNotClicked, duplicateImpressions, duplicateClicks, unlabelledAtEnd, clickCopiesElsewhere. */
    static void joinCounters(MetricGroup group, java.util.Map<dev.afmflink.feedback.ClickJoin.Count, Counter> into) {
        for (dev.afmflink.feedback.ClickJoin.Count c : dev.afmflink.feedback.ClickJoin.Count.values()) {
            String name = switch (c) {
                case LABELLED_CLICKED -> "labelledClicked";
                case LABELLED_NOT_CLICKED -> "labelledNotClicked";
                case DUPLICATE_IMPRESSION -> "duplicateImpressions";
                case DUPLICATE_CLICK -> "duplicateClicks";
                case UNLABELLED_AT_END -> "unlabelledAtEnd";
                case CLICK_COPY_ELSEWHERE -> "clickCopiesElsewhere";
            };
            into.put(c, group.counter(name));
        }
    }
}
