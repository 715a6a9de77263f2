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
    private final MetricGroup afm;
    private final Map<String, ModelGauges> gauges = new HashMap<>();

    /** What one model key's gauges show. */
    static final class ModelGauges {
        volatile long version;
        volatile long features;
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
    }

    ModelGauges of(String key) {
        return gauges.computeIfAbsent(key, k -> {
            ModelGauges g = new ModelGauges();
            MetricGroup group = afm.addGroup("model", k);
            group.gauge("modelVersion", (Gauge<Long>) () -> g.version);
            group.gauge("features", (Gauge<Long>) () -> g.features);
            group.gauge("progressiveLoss", (Gauge<Double>) () -> g.last == null ? Double.NaN : g.last.loss());
            group.gauge("progressiveAuc", (Gauge<Double>) () -> g.last == null ? Double.NaN : g.last.auc());
            group.gauge("calibration", (Gauge<Double>) () -> g.last == null ? Double.NaN : g.last.calibration());
            return g;
        });
    }
}
