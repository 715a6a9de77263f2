package dev.afmflink.cli;

import dev.afmflink.embedded.KafkaClients;
import dev.afmflink.report.HtmlReport;
import dev.afmflink.report.MetricsSeries;
import dev.afmflink.serving.FieldPairAttention;
import dev.afmflink.snapshot.ModelReader;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

final class ReportCommand implements Command {
    @Override
    public String name() {
        return "report";
    }

    @Override
    public String summary() {
        return "an HTML page of a model's learning curve (progressive logloss/AUC, CTR vs prediction, examples/s)"
                + " and, with --model and --sample, its attention per field pair";
    }

    @Override
    public List<Args.Option> options() {
        return List.of(
                new Args.Option("metrics", "FILE|TOPIC", null, "the job's metrics: a JSON-lines file, or a topic (with --bootstrap-servers)"),
                new Args.Option("bootstrap-servers", "HOST:PORT", null, "Kafka, when --metrics names a topic"),
                new Args.Option("model-key", "NAME", "default", "which model's records to plot"),
                new Args.Option("model", "DIR", null, "the model (folder of versions, or a version) for the attention section"),
                new Args.Option("sample", "FILE", null, "JSON events (one per line, with features by field) to average attention over"),
                new Args.Option("out", "FILE", "report.html", "the HTML page to write"));
    }

    @Override
    public int run(Args a) throws Exception {
        String source = a.require("metrics");
        String key = a.get("model-key");
        MetricsSeries series;
        if (Files.isRegularFile(Path.of(source))) {
            series = MetricsSeries.read(Path.of(source), key);
        } else if (a.get("bootstrap-servers") != null) {
            series = fromTopic(a.get("bootstrap-servers"), source, key);
        } else {
            throw new IllegalArgumentException("--metrics " + source + " is not a file; to read a topic, give --bootstrap-servers");
        }
        FieldPairAttention attention = null;
        String attentionSource = null;
        if (a.get("model") != null) {
            if (a.get("sample") == null) {
                throw new IllegalArgumentException("--model needs --sample (events with field names: feature ids are hashes)");
            }
            attention = attention(Path.of(a.get("model")), Path.of(a.get("sample")));
            attentionSource = Path.of(a.get("sample")).getFileName().toString();
        }
        Path out = Path.of(a.get("out"));
        if (out.toAbsolutePath().getParent() != null) {
            Files.createDirectories(out.toAbsolutePath().getParent());
        }
        Files.writeString(out, HtmlReport.render(series, attention, attentionSource), StandardCharsets.UTF_8);
        System.out.println("wrote " + out + ": " + series.windows().size() + " validation windows of model '" + key + "', "
                + series.heldBack().size() + " held-back snapshots" + (attention != null ? ", attention over "
                + attention.events() + " sample events" : "") + (series.skipped() > 0 ? " (" + series.skipped()
                + " unreadable records skipped)" : ""));
        return 0;
    }

    /** Mean attention per field pair of the model at {@code model} over the JSON events in {@code sample}. */
    static FieldPairAttention attention(Path model, Path sample) throws IOException {
        var m = ModelReader.load(model).model();
        FieldPairAttention att = new FieldPairAttention();
        try (BufferedReader r = Files.newBufferedReader(sample, StandardCharsets.UTF_8)) {
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                if (!line.isBlank()) {
                    att.add(m, line);
                }
            }
        }
        return att;
    }

    /** Every record of {@code topic} up to its end offsets at the start. */
    private static MetricsSeries fromTopic(String servers, String topic, String key) {
        MetricsSeries s = new MetricsSeries(key);
        try (KafkaConsumer<byte[], byte[]> c = KafkaClients.consumer(servers)) {
            List<TopicPartition> parts = KafkaClients.assignAll(c, List.of(topic));
            c.seekToBeginning(parts);
            Map<TopicPartition, Long> end = c.endOffsets(parts);
            long deadline = System.currentTimeMillis() + 120_000;
            while (System.currentTimeMillis() < deadline && parts.stream().anyMatch(p -> c.position(p) < end.get(p))) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(500))) {
                    s.add(r.value());
                }
            }
        }
        return s;
    }
}
