package dev.afmflink.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.afmflink.data.Event;
import dev.afmflink.embedded.ClickSimulator;
import dev.afmflink.embedded.KafkaBroker;
import dev.afmflink.embedded.KafkaClients;
import dev.afmflink.feedback.FeedbackMode;
import dev.afmflink.feedback.FeedbackReplay;
import dev.afmflink.job.AfmStreamJob;
import dev.afmflink.job.FeedbackSettings;
import dev.afmflink.job.StreamSettings;
import dev.afmflink.lifecycle.FeatureLifecycle;
import dev.afmflink.model.AfmConfig;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * What the feature lifecycle buys on an open vocabulary (docs/operation.md): the simulator's
 * click-stream with new users and ads arriving all the time ({@link ClickSimulator#openVocabulary()}),
 * labels by the ordered feedback mode.
 * <ul>
 *   <li>Quality against size: for each admission count and TTL, through the job's plain-Java
 *       replay (the same model bit for bit, tested), the delayed progressive logloss and AUC over
 *       the second half of the impressions, and the live features (largest and at the end) and
 *       admission counts held.</li>
 *   <li>Soak: the streaming job itself (embedded broker, RocksDB) with a TTL; live features per
 *       validation window (metrics topic) and RocksDB's own figures for the trainer's feature
 *       state (estimated keys and live data size, read from Flink's REST API) sampled while it runs;
 *       their spread over the second half of the run.</li>
 * </ul>
 */
public final class LifecycleBench {
    static final long T0 = 1_767_225_600_000L;
    static final long WINDOW_MS = 30_000;
    static final long BOUND_MS = 200;
    private static final ObjectMapper JSON = new ObjectMapper();

    private LifecycleBench() {
    }

    /** The open-vocabulary click-stream: {@code impressions} at {@code perSecond}, clicks after exp(5 s). */
    public static List<String> events(long impressions, int perSecond, long seed) {
        List<String> out = new ArrayList<>();
        new ClickSimulator(seed).openVocabulary().clickStream(impressions, T0, 1000 / perSecond, Event.DEFAULT_MODEL,
                ClickSimulator.ClickDelay.parse("exp:5000"), false).forEachRemaining(out::add);
        return out;
    }

    /** One row of the quality-against-size table. */
    public record Row(int minCount, long ttlMs, double loss, double auc, long peakFeatures, long endFeatures, long pendingCounts) {
    }

    /** Replays {@code events} with lifecycle {@code l}; judged impressions of the second half are scored. */
    public static Row replay(List<Event> events, AfmConfig config, FeatureLifecycle l) {
        FeedbackReplay r = new FeedbackReplay(config, FeedbackMode.ORDERED, WINDOW_MS, BOUND_MS, AfmStreamJob.WATERMARK_STEP_MS)
                .withLifecycle(l);
        long peak = 0;
        int i = 0;
        for (Event e : events) {
            r.accept(e);
            if (++i % 1000 == 0) {
                peak = Math.max(peak, r.model().features().size());
            }
        }
        long end = r.model().features().size();
        long pending = r.pendingCounts();
        r.end();
        long half = T0 + (events.get(events.size() - 1).ts() - T0) / 2;
        List<FeedbackReplay.Judged> late = r.judged().stream().filter(j -> j.ts() >= half).toList();
        double[] p = new double[late.size()];
        double[] y = new double[late.size()];
        double loss = 0;
        for (int q = 0; q < p.length; q++) {
            p[q] = late.get(q).prediction();
            y[q] = late.get(q).label();
            loss += late.get(q).loss();
        }
        return new Row(l.minCount(), l.ttlMs(), loss / p.length, dev.afmflink.metrics.Auc.of(p, y, p.length),
                Math.max(peak, end), end, pending);
    }

    public static void table(List<Event> events, AfmConfig config, List<Integer> minCounts, List<Long> ttls, PrintStream out) {
        out.println("| min-count | feature TTL | logloss (2nd half) | AUC | live features, peak | at end | counts held |");
        out.println("|---|---|---|---|---|---|---|");
        for (long ttl : ttls) {
            for (int n : minCounts) {
                if (ttl > 0 && ttl <= WINDOW_MS) {
                    continue;
                }
                Row row = replay(events, config, FeatureLifecycle.of(n, ttl));
                out.printf(Locale.ROOT, "| %d | %s | %.4f | %.4f | %,d | %,d | %,d |%n", n, ttl == 0 ? "none" : ttl / 60_000 + " min",
                        row.loss(), row.auc(), row.peakFeatures(), row.endFeatures(), row.pendingCounts());
                out.flush();
            }
        }
    }

    /** The soak: the job on RocksDB with {@code l}; prints the samples and their spread over the second half. */
    public static void soak(List<String> raw, AfmConfig config, FeatureLifecycle l, Path work, PrintStream out) throws Exception {
        try (KafkaBroker broker = KafkaBroker.start(work.resolve("kafka"), 240)) {
            StreamSettings s = StreamSettings.builder(broker.bootstrapServers(), config)
                    .topics("soak-in", "soak-snap", "soak-pred", "soak-dead").groupId("soak-group")
                    .checkpoints(work.resolve("checkpoints").toString(), 2000).publish(60_000, 0, 10).bounded(true).build()
                    .withFeedback(new FeedbackSettings(WINDOW_MS, BOUND_MS, 0, 600_000, dev.afmflink.metrics.QualityGate.OPEN,
                            "soak-metrics", FeedbackMode.ORDERED))
                    .withLifecycle(l);
            broker.createTopics(List.of(s.inputTopic(), s.snapshotsTopic(), s.predictionsTopic(), s.deadLettersTopic(),
                    s.feedback().metricsTopic()), s.snapshotsTopic());
            StreamBench.produce(broker.bootstrapServers(), s.inputTopic(), FeedbackBench.bytes(raw));
            int rest = KafkaBroker.freePort();
            Configuration conf = AfmStreamJob.configuration(s);
            conf.setString("rest.port", Integer.toString(rest));
            conf.setString("rest.address", "127.0.0.1");
            conf.setString("rest.bind-address", "127.0.0.1");
            conf.setString("metrics.fetcher.update-interval", "500");
            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
            AfmStreamJob.build(env, s);
            JobClient job = env.executeAsync("afm-lifecycle-soak");
            var result = job.getJobExecutionResult();
            HttpClient http = HttpClient.newHttpClient();
            List<double[]> samples = new ArrayList<>(); // {seconds, estimated keys, live data bytes}
            long start = System.nanoTime();
            while (!result.isDone()) {
                double[] m = rocksDb(http, rest, job.getJobID().toString());
                if (m != null) {
                    samples.add(new double[] {(System.nanoTime() - start) / 1e9, m[0], m[1]});
                }
                Thread.sleep(1000);
            }
            result.get(10, TimeUnit.MINUTES);
            List<double[]> windows = new ArrayList<>(); // {window end (s of event time), live features}
            for (byte[] r : KafkaClients.readAll(broker.bootstrapServers(), s.feedback().metricsTopic())) {
                JsonNode w = JSON.readTree(r);
                if (w.get("event").asText().equals("window")) {
                    windows.add(new double[] {(w.get("windowEnd").asLong() - T0) / 1000.0, w.get("features").asDouble()});
                }
            }
            out.println("live features per validation window (10 min of event time; metrics topic):");
            for (double[] w : windows) {
                out.printf(Locale.ROOT, "  t = %6.0f s  features %,8.0f%n", w[0], w[1]);
            }
            out.printf(Locale.ROOT, "second half: live features max/min %.3f (%d windows)%n", spread(windows, 1), (windows.size() + 1) / 2);
            out.println("RocksDB, the trainer's feature state, sampled every second of the run (Flink's RocksDB native metrics):");
            for (double[] x : samples) {
                out.printf(Locale.ROOT, "  %5.1f s  estimated keys %,10.0f  live data %,12.0f bytes%n", x[0], x[1], x[2]);
            }
            out.printf(Locale.ROOT, "second half: estimated keys max/min %.3f, live data max/min %.3f (%d samples)%n",
                    spread(samples, 1), spread(samples, 2), (samples.size() + 1) / 2);
        }
    }

    /** max/min of column {@code c} over the second half of {@code rows} (ignoring zeros: nothing flushed yet). */
    static double spread(List<double[]> rows, int c) {
        double max = 0;
        double min = Double.MAX_VALUE;
        for (double[] r : rows.subList(rows.size() / 2, rows.size())) {
            if (r[c] > 0) {
                max = Math.max(max, r[c]);
                min = Math.min(min, r[c]);
            }
        }
        return min == Double.MAX_VALUE ? Double.NaN : max / min;
    }

    /** The trainer's "features" state in RocksDB: {estimated keys, estimated live data bytes}, or null if not reported yet. */
    static double[] rocksDb(HttpClient http, int port, String job) {
        try {
            JsonNode j = get(http, port, "/jobs/" + job);
            for (JsonNode v : j.get("vertices")) {
                if (!v.get("name").asText().startsWith("train AFM")) {
                    continue;
                }
                String base = "/jobs/" + job + "/vertices/" + v.get("id").asText() + "/subtasks/metrics";
                String keys = null;
                String live = null;
                for (JsonNode m : get(http, port, base)) {
                    String id = m.get("id").asText();
                    if (id.contains(".features.") || id.startsWith("features.")) {
                        if (id.endsWith("estimate-num-keys")) {
                            keys = id;
                        } else if (id.endsWith("estimate-live-data-size")) {
                            live = id;
                        }
                    }
                }
                if (keys == null || live == null) {
                    if (System.getenv("AFM_DEBUG") != null) {
                        System.err.println(get(http, port, base));
                    }
                    return null;
                }
                double[] out = new double[2];
                for (JsonNode m : get(http, port, base + "?get=" + keys + "," + live + "&agg=sum")) {
                    out[m.get("id").asText().equals(keys) ? 0 : 1] = m.get("sum").asDouble();
                }
                return out;
            }
        } catch (Exception e) {
            if (System.getenv("AFM_DEBUG") != null) {
                e.printStackTrace();
            }
            return null;
        }
        return null;
    }

    static JsonNode get(HttpClient http, int port, String path) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        return JSON.readTree(r.body());
    }
}
