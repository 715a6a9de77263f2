package dev.afmflink.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The metrics records of one model key (the job's metrics topic, docs/events.md), in order:
 * validation windows and held-back snapshots. Lines that are not metrics records are skipped and
 * counted.
 */
public final class MetricsSeries {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One completed validation window; {@code attention}: mean attention per field pair ("a × b"), empty if unknown. */
    public record Window(long start, long end, long examples, int n, double loss, double auc, double meanPrediction,
                         double meanLabel, double calibration, long wallMs, long version, java.util.SortedMap<String, Double> attention) {
    }

    /** One snapshot held back by the quality gate. */
    /** A published version and the candidate's figures on the held-out sample ({@code n} = 0: no holdout). */
    public record Published(long version, long examples, int n, double loss, double auc, double calibration) {
    }

    private final List<Published> published = new ArrayList<>();

    /** The published versions with their held-out figures, in order. */
    public List<Published> published() {
        return published;
    }

    public record HeldBack(long examples, long wallMs, String reason) {
    }

    /** With candidates: a change of leader when window {@code windowStart} completed, the two losses over the rule's windows. */
    public record Switch(long windowStart, String leader, double loss, double formerLoss) {
    }

    /** With candidates: each candidate's windows (the key's window while it led, its candidate window otherwise). */
    private final java.util.Map<String, List<Window>> byCandidate = new java.util.LinkedHashMap<>();
    private final List<Switch> switches = new ArrayList<>();

    public java.util.Map<String, List<Window>> candidateWindows() {
        return byCandidate;
    }

    public List<Switch> switches() {
        return switches;
    }

    private final String model;
    private final List<Window> windows = new ArrayList<>();
    /** With several trainers per model: their windows, combined into the model's (docs/events.md). */
    private final dev.afmflink.metrics.ReplicaWindows replicaWindows = new dev.afmflink.metrics.ReplicaWindows();
    private final List<HeldBack> heldBack = new ArrayList<>();
    private long skipped;

    public MetricsSeries(String model) {
        this.model = model;
    }

    /** Reads a JSON-lines file of metrics records for {@code model}. */
    public static MetricsSeries read(Path file, String model) throws IOException {
        MetricsSeries s = new MetricsSeries(model);
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                if (!line.isBlank()) {
                    s.add(line.getBytes(StandardCharsets.UTF_8));
                }
            }
        }
        return s;
    }

    /** Adds one metrics record (JSON bytes) if it belongs to this series' model. */
    public void add(byte[] json) {
        JsonNode m;
        try {
            m = JSON.readTree(json);
        } catch (IOException e) {
            skipped++;
            return;
        }
        dev.afmflink.metrics.MetricsLine l = dev.afmflink.metrics.MetricsLine.parse(m);
        if (l == null) {
            skipped++;
            return;
        }
        if (!model.equals(l.model())) {
            return;
        }
        if ((l.event().equals(dev.afmflink.metrics.MetricsLine.WINDOW)
                || l.event().equals(dev.afmflink.metrics.MetricsLine.CANDIDATE_WINDOW)) && l.detail() != null) {
            byCandidate.computeIfAbsent(l.detail(), k -> new ArrayList<>()).add(window(l));
        }
        switch (l.event()) {
            case dev.afmflink.metrics.MetricsLine.WINDOW -> windows.add(window(l));
            case dev.afmflink.metrics.MetricsLine.REPLICA_WINDOW -> replicaWindows.add(l).forEach(w -> windows.add(window(w)));
            case dev.afmflink.metrics.MetricsLine.CANDIDATE_WINDOW -> {
                // in candidateWindows() above
            }
            case dev.afmflink.metrics.MetricsLine.LEADER -> switches.add(new Switch(l.windowStart(), l.detail(), l.loss(),
                    l.meanPrediction()));
            case dev.afmflink.metrics.MetricsLine.HELD_BACK -> heldBack.add(new HeldBack(l.examples(), l.wallMs(),
                    l.detail() == null ? "" : l.detail()));
            case dev.afmflink.metrics.MetricsLine.SNAPSHOT -> published.add(new Published(l.version(), l.examples(), l.n(), l.loss(),
                    l.auc(), l.calibration()));
            default -> skipped++;
        }
    }

    private static Window window(dev.afmflink.metrics.MetricsLine l) {
        return new Window(l.windowStart(), l.windowEnd(), l.examples(), l.n(), l.loss(), l.auc(), l.meanPrediction(), l.meanLabel(),
                l.calibration(), l.wallMs(), l.version(), l.attention());
    }

    public String model() {
        return model;
    }

    public List<Window> windows() {
        List<dev.afmflink.metrics.MetricsLine> rest = replicaWindows.flush(); // what the input's end left waiting
        if (!rest.isEmpty()) {
            rest.forEach(w -> windows.add(window(w)));
            windows.sort(java.util.Comparator.comparingLong(Window::start));
        }
        return windows;
    }

    public List<HeldBack> heldBack() {
        return heldBack;
    }

    public long skipped() {
        return skipped;
    }

    /** Examples/s between consecutive windows (processing time), NaN for the first. */
    public double[] examplesPerSecond() {
        double[] r = new double[windows.size()];
        for (int i = 0; i < r.length; i++) {
            if (i == 0) {
                r[i] = Double.NaN;
            } else {
                long dt = windows.get(i).wallMs() - windows.get(i - 1).wallMs();
                long dn = windows.get(i).examples() - windows.get(i - 1).examples();
                r[i] = dt > 0 ? dn * 1000.0 / dt : Double.NaN;
            }
        }
        return r;
    }
}
