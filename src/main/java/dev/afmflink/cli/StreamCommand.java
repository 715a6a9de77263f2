package dev.afmflink.cli;

import dev.afmflink.embedded.ClickSimulator;
import dev.afmflink.embedded.KafkaBroker;
import dev.afmflink.embedded.KafkaClients;
import dev.afmflink.job.AfmStreamJob;
import dev.afmflink.job.StreamSettings;
import dev.afmflink.model.AfmConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

final class StreamCommand implements Command {
    @Override
    public String name() {
        return "stream";
    }

    @Override
    public String summary() {
        return "run the streaming job (Kafka -> Flink -> snapshots); with no --bootstrap-servers, the embedded default: "
                + "a local Kafka broker, a simulated click-stream and a MiniCluster on RocksDB";
    }

    @Override
    public List<Args.Option> options() {
        List<Args.Option> o = new ArrayList<>();
        o.add(new Args.Option("bootstrap-servers", "HOST:PORT", null, "Kafka; omitted: the embedded default"));
        o.add(new Args.Option("input-topic", "NAME", "afm-input", "JSON events or libfm lines (docs/events.md)"));
        o.add(new Args.Option("snapshots-topic", "NAME", "afm-snapshots", "published snapshots, key = model key"));
        o.add(new Args.Option("predictions-topic", "NAME", "afm-predictions", "progressive predictions (JSON)"));
        o.add(new Args.Option("dead-letters-topic", "NAME", "afm-dead-letters", "unusable records with reasons (JSON)"));
        o.add(new Args.Option("group-id", "NAME", "afm-flink", "consumer group"));
        for (Args.Option m : ModelOptions.OPTIONS) {
            o.add(m.name().equals("loss") ? new Args.Option("loss", m.value(), "logistic", m.help()) : m);
        }
        o.add(new Args.Option("state-backend", "rocksdb|hashmap", "rocksdb", "Flink state backend"));
        o.add(new Args.Option("checkpoint-dir", "DIR", null, "checkpoints (default: WORK/checkpoints)"));
        o.add(new Args.Option("checkpoint-interval-ms", "MS", "5000", "checkpoint interval"));
        o.add(new Args.Option("publish-interval-ms", "MS", "2000", "publish a snapshot this often (processing time; 0: never by time)"));
        o.add(new Args.Option("publish-every", "N", "20000", "publish a snapshot every N examples of a model (0: never by count)"));
        o.add(new Args.Option("full-every", "N", "10", "a full snapshot after N deltas"));
        o.add(new Args.Option("snapshot-dir", "DIR", null, "also write snapshots to versioned folders (embedded default: WORK/models)"));
        o.add(new Args.Option("parallelism", "N", "1", "job parallelism (model keys train in parallel)"));
        o.add(new Args.Option("bounded", null, null, "stop at the end offsets seen at start (the embedded default always is)"));
        o.add(new Args.Option("max-record-bytes", "N", "1048576", "larger input records are dead-lettered as oversize"));
        o.add(new Args.Option("work-dir", "DIR", null, "where the embedded broker, checkpoints and models go (default: a new temp dir)"));
        o.add(new Args.Option("events", "N", "200000", "embedded default: simulated click events to replay"));
        o.add(new Args.Option("progress-seconds", "S", "3", "print progress every S seconds (0: quiet)"));
        o.add(new Args.Option("detach", null, null, "submit and return (for `flink run -d` on a cluster)"));
        return o;
    }

    @Override
    public int run(Args a) throws Exception {
        AfmConfig config = ModelOptions.config(a);
        boolean embedded = a.get("bootstrap-servers") == null;
        Path work = a.get("work-dir") != null ? Path.of(a.get("work-dir")) : Files.createTempDirectory("afm-stream-");
        Files.createDirectories(work);
        String snapshotDir = a.get("snapshot-dir") != null ? a.get("snapshot-dir")
                : embedded ? work.resolve("models").toString() : null;
        KafkaBroker broker = null;
        try {
            String servers = a.get("bootstrap-servers");
            StreamSettings s;
            if (embedded) {
                System.out.println("embedded default: starting a Kafka broker on 127.0.0.1 (" + work.resolve("kafka") + ") ...");
                broker = KafkaBroker.start(work.resolve("kafka"), 240);
                servers = broker.bootstrapServers();
                System.out.println("Kafka broker up at " + servers);
            }
            s = new StreamSettings(servers, a.get("input-topic"), a.get("snapshots-topic"), a.get("predictions-topic"),
                    a.get("dead-letters-topic"), a.get("group-id"), config, a.get("state-backend"),
                    a.get("checkpoint-dir") != null ? a.get("checkpoint-dir") : work.resolve("checkpoints").toString(),
                    a.getLong("checkpoint-interval-ms", 5000), a.getLong("publish-interval-ms", 2000),
                    a.getLong("publish-every", 20000), a.getInt("full-every", 10), snapshotDir,
                    a.getInt("parallelism", 1), embedded || a.has("bounded"), a.getInt("max-record-bytes", 1 << 20), false);
            if (embedded) {
                broker.createTopics(List.of(s.inputTopic(), s.snapshotsTopic(), s.predictionsTopic(), s.deadLettersTopic()),
                        s.snapshotsTopic());
                long n = a.getLong("events", 200000);
                replaySimulator(servers, s.inputTopic(), n);
                System.out.println("replayed " + n + " simulated click events (+3 malformed records) to " + s.inputTopic());
            }
            System.out.println("config: " + config);
            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(AfmStreamJob.configuration(s));
            AfmStreamJob.build(env, s);
            long every = a.getLong("progress-seconds", 3) * 1000;
            StreamMonitor monitor = every > 0 ? new StreamMonitor(servers, s.predictionsTopic(), s.snapshotsTopic(),
                    s.deadLettersTopic(), embedded, every, System.out) : null;
            Thread t = null;
            if (monitor != null) {
                t = new Thread(monitor, "afm-progress");
                t.setDaemon(true);
                t.start();
            }
            JobClient job = env.executeAsync("afm-flink");
            System.out.println("job " + job.getJobID() + " running (" + s.stateBackend() + " state, checkpoints in " + s.checkpointDir() + ")");
            if (a.has("detach") && !embedded) {
                System.out.println("detached: the job runs on; its progress is in Flink's metrics and in " + s.predictionsTopic());
                return 0;
            }
            job.getJobExecutionResult().get();
            if (monitor != null) {
                Thread.sleep(1500);
                monitor.stop();
                t.join(10_000);
                System.out.println(monitor.line());
            }
            System.out.println("job finished.");
            if (snapshotDir != null) {
                System.out.println("snapshots (one folder per version, model format docs/model-format.md): " + snapshotDir);
                try (Stream<Path> models = Files.list(Path.of(snapshotDir))) {
                    for (Path m : models.sorted().toList()) {
                        try (Stream<Path> versions = Files.list(m)) {
                            List<Path> v = versions.sorted().toList();
                            System.out.println("  " + m.getFileName() + ": " + v.size() + " versions, latest "
                                    + (v.isEmpty() ? "-" : v.get(v.size() - 1)));
                        }
                    }
                }
                System.out.println("score with the latest version (full + deltas): bin/afm score --model "
                        + Path.of(snapshotDir).resolve("<model>") + " --input FILE.libfm --output FILE");
            }
            return 0;
        } finally {
            if (broker != null) {
                broker.close();
            }
        }
    }

    /** The simulator's events, with three malformed records among them to show the dead-letter path. */
    static void replaySimulator(String servers, String topic, long n) {
        ClickSimulator sim = new ClickSimulator(7);
        long t0 = 1_767_225_600_000L; // 2026-01-01T00:00:00Z: fixed, so a replay is the same stream
        try (KafkaProducer<byte[], byte[]> p = KafkaClients.producer(servers,
                Map.of("acks", "all", "linger.ms", "20", "batch.size", Integer.toString(1 << 18)))) {
            for (long i = 0; i < n; i++) {
                if (i == n / 4) {
                    p.send(new ProducerRecord<>(topic, "{\"type\":\"example\",\"id\":".getBytes(StandardCharsets.UTF_8)));
                } else if (i == n / 2) {
                    p.send(new ProducerRecord<>(topic, "{\"type\":\"example\",\"id\":\"x\",\"ts\":1,\"label\":7,\"features\":{\"a\":\"b\"}}"
                            .getBytes(StandardCharsets.UTF_8)));
                } else if (i == 3 * n / 4) {
                    p.send(new ProducerRecord<>(topic, "{\"type\":\"click\",\"id\":\"imp-1\",\"ts\":1}".getBytes(StandardCharsets.UTF_8)));
                }
                p.send(new ProducerRecord<>(topic, sim.nextExampleJson(t0 + i * 10, "default").getBytes(StandardCharsets.UTF_8)));
            }
            p.flush();
        }
    }
}
