package dev.afmflink.deploy;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.afmflink.embedded.ClickSimulator;
import dev.afmflink.embedded.KafkaBroker;
import dev.afmflink.embedded.KafkaClients;
import dev.afmflink.job.AfmStreamJob;
import dev.afmflink.job.FeedbackSettings;
import dev.afmflink.job.StreamSettings;
import dev.afmflink.metrics.QualityGate;
import dev.afmflink.model.AfmConfig;
import dev.afmflink.model.AfmModel;
import dev.afmflink.serving.HttpModelServer;
import dev.afmflink.serving.LiveModel;
import dev.afmflink.serving.ScoringService;
import dev.afmflink.snapshot.ModelWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every metric the Grafana dashboard ({@code deploy/grafana/dashboards/afm-flink.json}) queries is
 * one the project exports: the job runs on a MiniCluster with Flink's Prometheus reporter (as
 * flink-conf/config.yaml configures it) until a validation window has closed and a snapshot is out,
 * the model server answers a scoring request, and both are scraped; each metric name in the
 * dashboard's queries must be among the scraped names.
 */
class DashboardTest {
    static final HttpClient HTTP = HttpClient.newHttpClient();
    static final AfmConfig CONFIG = new AfmConfig(8, 8, dev.afmflink.model.Loss.LOGISTIC, 0, 0, 0, 1, 0.1, 1,
            dev.afmflink.optim.OptimizerSpec.ftrl(0.1, 1, 0.5, 0), dev.afmflink.optim.OptimizerSpec.adagrad(0.05, 1e-8),
            dev.afmflink.optim.OptimizerSpec.adagrad(0.05, 1e-8));
    static final Path DASHBOARD = Path.of("deploy/grafana/dashboards/afm-flink.json");

    static String get(String url) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString()).body();
        } catch (Exception e) {
            return "";
        }
    }

    /** Metric names of a Prometheus text page (histograms: the base name too). */
    static Set<String> names(String page) {
        Set<String> out = new TreeSet<>();
        for (String line : page.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String n = line.split("[{ ]", 2)[0];
            out.add(n);
            out.add(n.replaceAll("_(bucket|count|sum)$", ""));
        }
        return out;
    }

    /** The metric names the dashboard's queries use. */
    static Set<String> queried() throws Exception {
        JsonNode d = new ObjectMapper().readTree(DASHBOARD.toFile());
        Set<String> out = new TreeSet<>();
        Pattern metric = Pattern.compile("\\b((?:flink|afm)_[A-Za-z0-9_]+)\\b");
        for (JsonNode panel : d.get("panels")) {
            for (JsonNode t : panel.path("targets")) {
                Matcher m = metric.matcher(t.get("expr").asText());
                while (m.find()) {
                    out.add(m.group(1));
                }
            }
        }
        return out;
    }

    @Test
    void everyMetricTheDashboardQueriesIsExported(@TempDir Path dir) throws Exception {
        Set<String> queried = queried();
        assertTrue(queried.size() >= 10, "the dashboard queries " + queried);
        Set<String> exported = new TreeSet<>();
        try (KafkaBroker broker = KafkaBroker.start(dir.resolve("kafka"), 120)) {
            StreamSettings s = StreamSettings.builder(broker.bootstrapServers(), CONFIG)
                    .topics("in", "snapshots", "predictions", "dead").groupId("g").checkpoints(dir.resolve("cp").toString(), 500)
                    .publish(60_000, 0, 3).snapshotDir(dir.resolve("models").toString()).build()
                    .withFeedback(new FeedbackSettings(10_000, 1000, 1000, 60_000, QualityGate.OPEN, "metrics"));
            broker.createTopics(List.of("in", "snapshots", "predictions", "dead", "metrics"), "snapshots");
            try (KafkaProducer<byte[], byte[]> p = KafkaClients.producer(broker.bootstrapServers(), Map.of("acks", "all"))) {
                var it = new ClickSimulator(3).clickStream(2000, 1_767_225_600_000L, 250, "default");
                while (it.hasNext()) {
                    p.send(new ProducerRecord<>("in", it.next().getBytes(StandardCharsets.UTF_8)));
                }
                p.send(new ProducerRecord<>("in", "{not json".getBytes(StandardCharsets.UTF_8)));
            }
            int port = 9250 + (int) (ProcessHandle.current().pid() % 500) * 4;
            Configuration conf = AfmStreamJob.configuration(s);
            conf.setString("metrics.reporter.prom.factory.class", "org.apache.flink.metrics.prometheus.PrometheusReporterFactory");
            conf.setString("metrics.reporter.prom.port", port + "-" + (port + 3));
            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
            AfmStreamJob.build(env, s);
            JobClient job = env.executeAsync("dashboard");
            try {
                long deadline = System.nanoTime() + 120_000_000_000L;
                while (System.nanoTime() < deadline) {
                    Set<String> now = new TreeSet<>();
                    for (int q = port; q <= port + 3; q++) {
                        now.addAll(names(get("http://127.0.0.1:" + q + "/metrics")));
                    }
                    exported = now;
                    if (now.stream().anyMatch(n -> n.endsWith("progressiveLoss")) && now.stream().anyMatch(n -> n.endsWith("modelVersion"))
                            && now.stream().anyMatch(n -> n.contains("deadLetters"))) {
                        break;
                    }
                    Thread.sleep(1000);
                }
            } finally {
                job.cancel().get();
            }
        }
        // the model server's metrics, after one request
        LiveModel live = new LiveModel();
        live.apply(ModelWriter.fullBytes(new AfmModel(CONFIG), 1), 0, "v1");
        try (HttpModelServer server = HttpModelServer.start(new ScoringService("default", live, null, System::currentTimeMillis),
                "127.0.0.1", 0, HttpModelServer.Limits.DEFAULT)) {
            HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/v1/score"))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"features\":{\"a\":\"b\"}}")).build(), HttpResponse.BodyHandlers.ofString());
            HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/v1/score"))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"features\":{\"a\":[]}}")).build(), HttpResponse.BodyHandlers.ofString());
            exported.addAll(names(get("http://127.0.0.1:" + server.port() + "/metrics")));
        }
        Files.writeString(Path.of("target", "exported-metrics.txt"), String.join("\n", exported) + "\n");
        List<String> missing = new ArrayList<>();
        for (String q : queried) {
            if (!exported.contains(q)) {
                missing.add(q);
            }
        }
        assertTrue(missing.isEmpty(), "the dashboard queries metrics nobody exports: " + missing + " (exported: target/exported-metrics.txt)");
    }
}
