package dev.afmflink.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.afmflink.embedded.KafkaClients;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/**
 * The console progress of {@code bin/afm stream}, read from the job's own output topics:
 * examples/s, the last delayed-progressive validation window (logloss, AUC, calibration), the last
 * published version, held-back snapshots and dead letters by reason. Optionally copies the
 * metrics topic to a JSON-lines file (for {@code bin/afm report}). Runs in its own thread until
 * {@link #stop()}.
 */
final class StreamMonitor implements Runnable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String servers;
    private final String predictions;
    private final String snapshots;
    private final String deadLetters;
    private final String metrics;
    private final Path metricsFile;
    private final boolean fromBeginning;
    private final long everyMs;
    private final PrintStream out;
    private volatile boolean running = true;

    private long predictionCount;
    private final Map<String, Long> deadByReason = new TreeMap<>();
    private long lastVersion;
    private long lastVersionExamples;
    private String lastKind = "-";
    private dev.afmflink.metrics.MetricsLine lastWindow;
    private long heldBack;
    private final List<dev.afmflink.metrics.MetricsLine> windows = new ArrayList<>();
    /** With candidates: the leader (null: the first candidate still leads, or none), and every switch. */
    private String leader;
    private final List<String> switches = new ArrayList<>();
    /** With candidates: each candidate's windows (the key's while it led, its own otherwise). */
    private final Map<String, List<dev.afmflink.metrics.MetricsLine>> byCandidate = new java.util.LinkedHashMap<>();
    private final long start = System.nanoTime();

    private java.util.Properties client = new java.util.Properties();

    StreamMonitor(String servers, String predictions, String snapshots, String deadLetters, String metrics,
                  Path metricsFile, boolean fromBeginning, long everyMs, PrintStream out) {
        this.servers = servers;
        this.predictions = predictions;
        this.snapshots = snapshots;
        this.deadLetters = deadLetters;
        this.metrics = metrics;
        this.metricsFile = metricsFile;
        this.fromBeginning = fromBeginning;
        this.everyMs = everyMs;
        this.out = out;
    }

    /** The share of judged predictions the job sends ({@code --predictions-sample}): the count of labelled examples scales by it. */
    private double predictionSample = 1;

    StreamMonitor withPredictionSample(double share) {
        this.predictionSample = share;
        return this;
    }

    /**
     * Labelled examples so far: the predictions seen, scaled by the sample's share (approximate
     * below 1); with none sent, the examples the last closed validation window's model had trained.
     */
    private long labelled() {
        if (predictionSample >= 1) {
            return predictionCount;
        }
        if (predictionSample > 0) {
            return Math.round(predictionCount / predictionSample);
        }
        return lastWindow == null ? 0 : lastWindow.examples();
    }

    /** Client properties for its consumer (a secured Kafka: the job's own). */
    StreamMonitor withClientProperties(java.util.Properties p) {
        this.client = p;
        return this;
    }

    void stop() {
        running = false;
    }

    @Override
    public void run() {
        BufferedWriter file = null;
        try (KafkaConsumer<byte[], byte[]> c = KafkaClients.consumer(servers, client)) {
            if (metricsFile != null) {
                file = Files.newBufferedWriter(metricsFile, StandardCharsets.UTF_8);
            }
            List<TopicPartition> parts = KafkaClients.assignAll(c, List.of(predictions, snapshots, deadLetters, metrics));
            if (fromBeginning) {
                c.seekToBeginning(parts);
            } else {
                c.seekToEnd(parts);
            }
            long nextPrint = System.currentTimeMillis() + everyMs;
            while (running) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    accept(r, file);
                }
                if (System.currentTimeMillis() >= nextPrint) {
                    out.println(line());
                    nextPrint += everyMs;
                }
            }
            for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(500))) {
                accept(r, file);
            }
        } catch (Exception e) {
            out.println("progress monitor stopped: " + e);
        } finally {
            if (file != null) {
                try {
                    file.close();
                } catch (IOException e) {
                    out.println("could not close " + metricsFile + ": " + e);
                }
            }
        }
    }

    /** With several trainers per model: their windows, combined into the model's. */
    private final dev.afmflink.metrics.ReplicaWindows replicaWindows = new dev.afmflink.metrics.ReplicaWindows();

    private synchronized void accept(ConsumerRecord<byte[], byte[]> r, BufferedWriter file) {
        try {
            if (r.topic().equals(predictions)) {
                predictionCount++;
            } else if (r.topic().equals(metrics)) {
                if (file != null) {
                    file.write(new String(r.value(), StandardCharsets.UTF_8));
                    file.newLine();
                }
                dev.afmflink.metrics.MetricsLine m = dev.afmflink.metrics.MetricsLine.parse(JSON.readTree(r.value()));
                if (m == null) {
                    return;
                }
                if (dev.afmflink.metrics.MetricsLine.REPLICA_WINDOW.equals(m.event())) {
                    for (dev.afmflink.metrics.MetricsLine w : replicaWindows.add(m)) { // the model's windows, once complete
                        lastWindow = w;
                        windows.add(w);
                    }
                }
                if (dev.afmflink.metrics.MetricsLine.WINDOW.equals(m.event())) {
                    lastWindow = m;
                    windows.add(m);
                }
                if ((dev.afmflink.metrics.MetricsLine.WINDOW.equals(m.event())
                        || dev.afmflink.metrics.MetricsLine.CANDIDATE_WINDOW.equals(m.event())) && m.detail() != null) {
                    byCandidate.computeIfAbsent(m.detail(), k -> new ArrayList<>()).add(m);
                }
                if (dev.afmflink.metrics.MetricsLine.LEADER.equals(m.event())) {
                    leader = m.detail();
                    switches.add(String.format(Locale.ROOT, "  window %s: %s leads (loss %s against %s over the last windows)",
                            time(m.windowStart()), m.detail(), num(m.loss()), num(m.meanPrediction())));
                }
                heldBack = Math.max(heldBack, m.heldBack());
            } else if (r.topic().equals(snapshots)) {
                var h = dev.afmflink.job.KafkaRecords.Snapshots.Meta.of(r); // the value may be a pointer: the headers say it all
                lastVersion = Math.max(lastVersion, h.version());
                lastVersionExamples = h.examples();
                lastKind = h.kind();
            } else {
                deadByReason.merge(JSON.readTree(r.value()).path("reason").asText("?"), 1L, Long::sum);
            }
        } catch (Exception e) {
            // a record we cannot read is not the monitor's business to stop on
        }
    }

    private static String num(double v) {
        return Double.isNaN(v) ? "  -   " : String.format(Locale.ROOT, "%.4f", v);
    }

    private static String time(long ms) {
        return java.time.Instant.ofEpochMilli(ms).toString().replace("T", " ").replace("Z", "");
    }

    private long lastLineNanos;
    private long lastLineCount;

    /**
     * One progress line. Speed: labelled examples per wall-clock second since the previous line
     * (the report's chart uses the same definition between window closings) and, in brackets, the
     * average since the job started.
     */
    synchronized String line() {
        long now = System.nanoTime();
        double secs = (now - start) / 1e9;
        double interval = lastLineNanos == 0 ? secs : (now - lastLineNanos) / 1e9;
        long labelled = labelled();
        double rate = interval > 0 ? (labelled - lastLineCount) / interval : 0;
        lastLineNanos = now;
        lastLineCount = labelled;
        String validation = lastWindow == null ? "no validation window yet"
                : String.format(Locale.ROOT, "window %s: logloss %s AUC %s calibration %s", time(lastWindow.windowStart()),
                num(lastWindow.loss()), num(lastWindow.auc()), num(lastWindow.calibration()));
        return String.format(Locale.ROOT,
                "[%6.1f s] labelled %s%9d  %7.0f ex/s (avg %.0f)  %s  model v%d (%s, %d examples)  held back %d  dead letters %s",
                secs, predictionSample >= 1 ? "" : predictionSample > 0 ? "~" : ">=", labelled, rate, labelled / secs, validation, lastVersion, lastKind, lastVersionExamples,
                heldBack, deadByReason.isEmpty() ? "0" : deadByReason.toString()) + (leader == null ? "" : "  leader " + leader);
    }

    /**
     * With candidates: the delayed progressive logloss over the last quarter of the windows, of the
     * stream as served (each window the leader's) and of every candidate (as it would be alone), and
     * the first's ratio to the best of the others; empty without candidates.
     */
    synchronized List<String> candidateSummary() {
        if (byCandidate.isEmpty() || windows.isEmpty()) {
            return List.of();
        }
        long from = windows.get(windows.size() - Math.max(1, windows.size() / 4)).windowStart();
        double served = lastQuarter(windows, from);
        List<String> out = new ArrayList<>();
        double best = Double.POSITIVE_INFINITY;
        StringBuilder each = new StringBuilder();
        for (var e : byCandidate.entrySet()) {
            double l = lastQuarter(e.getValue(), from);
            best = Math.min(best, l);
            each.append(String.format(Locale.ROOT, "%s%s %.4f", each.length() == 0 ? "" : ", ", e.getKey(), l));
        }
        out.add(String.format(Locale.ROOT, "  last quarter of the windows (from %s): the stream as served %.4f (%.4f x the best "
                + "candidate's); each candidate: %s", time(from), served, served / best, each));
        return out;
    }

    /** The n-weighted mean loss of the windows starting at or after {@code from}. */
    private static double lastQuarter(List<dev.afmflink.metrics.MetricsLine> ws, long from) {
        double loss = 0;
        long n = 0;
        for (var w : ws) {
            if (w.windowStart() >= from) {
                loss += w.loss() * w.n();
                n += w.n();
            }
        }
        return n == 0 ? Double.NaN : loss / n;
    }

    /** With candidates: the switches of leader so far. */
    synchronized List<String> switches() {
        return new ArrayList<>(switches);
    }

    /**
     * The mean attention per field pair of the last validation window that has it (from the
     * metrics topic), highest first; empty when the events have no field names.
     */
    synchronized List<Map.Entry<String, Double>> lastAttention() {
        for (int i = windows.size() - 1; i >= 0; i--) {
            var a = windows.get(i).attention();
            if (!a.isEmpty()) {
                List<Map.Entry<String, Double>> out = new ArrayList<>();
                a.forEach((k, v) -> out.add(Map.entry(k, Double.isNaN(v) ? 0.0 : v)));
                out.sort(Map.Entry.<String, Double>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()));
                return out;
            }
        }
        return List.of();
    }

    /** The learning curve: every validation window so far (at most {@code rows} rows, evenly spaced). */
    /** Validation windows seen. */
    synchronized int windowCount() {
        return windows.size();
    }

    synchronized List<String> curve(int rows) {
        List<String> lines = new ArrayList<>();
        lines.add("  window (event time, UTC)   examples   logloss      AUC  calibration  (delayed progressive validation)");
        int step = Math.max(1, (windows.size() + rows - 1) / rows);
        for (int i = 0; i < windows.size(); i = i + step < windows.size() || i == windows.size() - 1 ? i + step : windows.size() - 1) {
            dev.afmflink.metrics.MetricsLine w = windows.get(i);
            lines.add(String.format(Locale.ROOT, "  %-24s %9d   %s   %s   %s", time(w.windowStart()), w.examples(),
                    num(w.loss()), num(w.auc()), num(w.calibration())));
        }
        return lines;
    }
}
