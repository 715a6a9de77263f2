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
    final Counter impressions;
    final Counter heldBack;
    final Counter unlabelledAtEnd;
    final Counter openWindowsAtEnd;
    final Counter admitted;
    final Counter evicted;
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
        examples = afm.counter("examples");
        afm.meter("examplesPerSecond", new MeterView(examples));
        refused = afm.counter("refusedUpdates");
        impressions = afm.counter("impressionsScored");
        heldBack = afm.counter("heldBackSnapshots");
        unlabelledAtEnd = afm.counter("unlabelledAtEnd");
        openWindowsAtEnd = afm.counter("validationWindowsOpenAtEnd");
        admitted = afm.counter("featuresAdmitted");
        evicted = afm.counter("featuresEvicted");
    }

    /** Refreshes a key's lifecycle gauges from its publish state. */
    void lifecycle(String key, PublishState ps) {
        ModelGauges g = of(key);
        g.features = ps.features;
        g.pending = ps.pending;
        g.admitted = ps.admitted;
        g.evicted = ps.evicted;
    }

    ModelGauges of(String key) {
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
}
