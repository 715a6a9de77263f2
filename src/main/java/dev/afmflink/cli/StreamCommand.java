package dev.afmflink.cli;

import dev.afmflink.embedded.ClickSimulator;
import dev.afmflink.embedded.KafkaBroker;
import dev.afmflink.embedded.KafkaClients;
import dev.afmflink.data.Event;
import dev.afmflink.feedback.FeedbackMode;
import dev.afmflink.feedback.Holdout;
import dev.afmflink.job.KafkaConnection;
import dev.afmflink.snapshot.SnapshotFolders;
import dev.afmflink.lifecycle.FeatureLifecycle;
import dev.afmflink.job.AfmStreamJob;
import dev.afmflink.job.FeedbackSettings;
import dev.afmflink.metrics.QualityGate;
import dev.afmflink.job.ReplicaSettings;
import dev.afmflink.job.StreamSettings;
import dev.afmflink.model.AfmConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

final class StreamCommand implements Command {
    static boolean snapshotContent(String v) {
        return switch (v) {
            case "weights" -> true;
            case "full" -> false;
            default -> throw new IllegalArgumentException("--snapshot-content is weights or full, got " + v);
        };
    }

    /** The embedded default's publish ticks: every 15 min of the simulator's event time (one per validation window). */
    static final long EMBEDDED_PUBLISH_INTERVAL_MS = 900_000;
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
        o.add(new Args.Option("candidate", "'NAME: OPTIONS'", null, "a candidate configuration: model options on top of this "
                + "command's (repeatable; two or more: every model key trains each candidate on its events, exactly as it would "
                + "alone, judges them by the same delayed progressive validation, and publishes the leader's snapshots under the "
                + "key, switching on a clear lead (--candidate-windows, --candidate-margin); the switches and every candidate's "
                + "windows go to the metrics topic; docs/feedback.md, 'Online choice')"));
        o.addAll(Candidates.RULE_OPTIONS);
        o.add(new Args.Option("predictions-sample", "X", "1", "share of the judged predictions sent to the predictions topic, "
                + "chosen by impression id (the same ids on every replay); 0: none, and the job spends nothing on them. Training, "
                + "the validation windows and the metrics topic see every example either way"));
        o.add(new Args.Option("dead-letters-topic", "NAME", "afm-dead-letters", "unusable records with reasons (JSON)"));
        o.add(new Args.Option("metrics-topic", "NAME", "afm-metrics", "progressive-validation windows and held-back snapshots (JSON)"));
        o.add(new Args.Option("group-id", "NAME", "afm-flink", "consumer group"));
        for (Args.Option m : ModelOptions.OPTIONS) {
            o.add(m.name().equals("loss") ? new Args.Option("loss", m.value(), "logistic", m.help()) : m);
        }
        o.add(new Args.Option("state-backend", "rocksdb|hashmap|forst", "rocksdb", "Flink state backend (forst: experimental in "
                + "Flink 2.x, served from local disk here; docs/scaling.md)"));
        o.add(new Args.Option("checkpoint-dir", "DIR", null, "checkpoints (default: WORK/checkpoints)"));
        o.add(new Args.Option("checkpoint-interval-ms", "MS", "5000", "checkpoint interval"));
        o.add(new Args.Option("publish-interval-ms", "MS", null, "publish a snapshot at each multiple of this much event time "
                + "after a change (0: never by time; default 2000, and 900000 for the embedded default, whose simulated 14 h of "
                + "event time replay in minutes)"));
        o.add(new Args.Option("publish-every", "N", "20000", "publish a snapshot every N examples of a model (0: never by count)"));
        o.add(new Args.Option("full-every", "N", "10", "a full snapshot after N deltas (0: every snapshot full)"));
        o.add(new Args.Option("snapshot-dir", "DIR", null, "write every snapshot to a version folder here: a path or a URI of any "
                + "Flink file system (file://, hdfs://, s3:// with its plugin); snapshots larger than --snapshot-inline-bytes then travel "
                + "to Kafka as pointers to their files (embedded default: WORK/models)"));
        o.add(new Args.Option("parallelism", "N", "1", "job parallelism (model keys train in parallel)"));
        o.add(new Args.Option("trainers-per-model", "R", "1", "replica keys per model, each trained by whichever subtask owns it, "
                + "their changes merged at event-time ticks through --sync-topic (docs/scaling.md; experimental: ordered feedback, "
                + "an unbounded input, --min-count 1 --feature-ttl 0, no --candidate, --holdout-every or quality gate; 1: one "
                + "trainer per model, as ever; a savepoint restores at its R or, both powers of two, a larger R, at any parallelism)"));
        o.add(new Args.Option("sync-topic", "NAME", ReplicaSettings.ONE.topic(), "with --trainers-per-model > 1: the replica keys' "
                + "changes, written and read back by the job"));
        o.add(new Args.Option("sync-tick-ms", "MS", Long.toString(ReplicaSettings.ONE.tickMs()), "with --trainers-per-model > 1: "
                + "event time between merges"));
        o.add(new Args.Option("sync-lag", "TICKS", Integer.toString(ReplicaSettings.ONE.lag()), "with --trainers-per-model > 1: a "
                + "replica takes the merge of tick n in before its first step of tick n + 1 + TICKS"));
        o.add(new Args.Option("sync-read-ahead", "TICKS", null, "with --trainers-per-model > 1: read the input at most TICKS "
                + "ticks of event time ahead of the trainers' last change, so a backlog waits in Kafka, not in the trainers' "
                + "state (0: no bound; default " + ReplicaSettings.DEFAULT_READ_AHEAD_TICKS + ", at least --sync-lag + 2)"));
        o.add(new Args.Option("merge-rule", "sum|mean|mean-shared|mean-steps", ReplicaSettings.ONE.rule().label(), "with "
                + "--trainers-per-model > 1: how changes merge (docs/scaling.md)"));
        o.add(new Args.Option("route-field", "FIELD", null, "with --trainers-per-model > 1: route each event to the replica of "
                + "its feature of FIELD (e.g. user), not of its impression id; a click then carries it in its \"features\" "
                + "(docs/events.md); an event without it is a dead letter (missing_field)"));
        o.add(new Args.Option("local-fields", "F1,F2", null, "with --route-field: rows of these fields (the route field's, or "
                + "fields whose every value comes with one value of it) live only in the replica that owns their value: no other "
                + "replica takes them in, so each holds its share (the published model holds them all)"));
        o.add(new Args.Option("bounded", null, null, "stop at the end offsets seen at start (the embedded default always is)"));
        o.add(new Args.Option("max-record-bytes", "N", "1048576", "larger input records are dead-lettered as oversize"));
        o.add(new Args.Option("max-features", "N", Integer.toString(dev.afmflink.data.EventLimits.DEFAULT.maxFeatures()),
                "events with more features are dead-lettered as too_many_features (a step costs m(m-1)/2 pairs; docs/events.md)"));
        o.add(new Args.Option("max-key-chars", "N", Integer.toString(dev.afmflink.data.EventLimits.DEFAULT.maxKeyChars()),
                "longer model keys are dead-lettered as bad_model_key"));
        o.add(new Args.Option("max-ts-ahead-ms", "MS", Long.toString(dev.afmflink.data.EventLimits.DEFAULT.maxTsAheadMs()),
                "events further ahead of this machine's clock are dead-lettered as ts_out_of_range (0: no check)"));
        o.add(new Args.Option("attribution-window-ms", "MS", "600000", "a click within this (event) time after its impression labels it 1"));
        o.add(new Args.Option("feedback", "MODE", FeedbackMode.DEFAULT.id(), "when impressions and their delayed labels train: ordered (each final "
                + "label when its window closes, in event-time order: the offline model, W later), immediate (clicks at once, "
                + "non-clicks at W), fake-negative (every impression at once as a weighted negative, clicks again; logistic only); "
                + "docs/feedback.md"));
        o.add(new Args.Option("out-of-orderness-ms", "MS", Long.toString(dev.afmflink.time.EventTime.DEFAULT_OUT_OF_ORDERNESS_MS), "watermarks trail the largest event time per Kafka partition by this much"));
        o.add(new Args.Option("idleness-ms", "MS", "30000", "a partition quiet this long stops holding event time back (0: never)"));
        o.add(new Args.Option("validation-window-ms", "MS", "900000", "event time per progressive-validation window"));
        o.add(new Args.Option("gate-min-auc", "X", null, "quality gate: publish only if the last window's AUC >= X"));
        o.add(new Args.Option("gate-max-loss", "X", null, "quality gate: publish only if the last window's mean loss <= X"));
        o.add(new Args.Option("gate-max-calibration-error", "X", null, "quality gate: publish only if |calibration - 1| <= X"));
        o.add(new Args.Option("init-model", "DIR", null, "warm start: a model key without state starts from this model (a `bin/afm train "
                + "--model-out` folder, a model.afm, or a snapshot folder); restores from checkpoints or savepoints ignore it"));
        o.add(new Args.Option("holdout-every", "N", "0", "hold one in N labelled impressions out of training (by id hash); each candidate "
                + "snapshot is scored on the latest of them, the gate judges those figures too, and every published version's "
                + "figures go to the metrics topic (0: no holdout)"));
        o.add(new Args.Option("snapshot-content", "weights|full", "full", "what a published snapshot holds: full (weights and "
                + "optimizer state: a server can serve it, a job can continue from it) or weights (the weights only: half to a "
                + "third of the bytes, serving only); checkpoints always hold everything"));
        o.add(new Args.Option("snapshot-inline-bytes", "N", Long.toString(StreamSettings.SnapshotOptions.DEFAULT.inlineBytes()),
                "with --snapshot-dir, a snapshot up to N bytes travels inside its Kafka record and a larger one as a pointer to "
                + "its file (uri, sha256, bytes); without a folder every snapshot travels inline, up to 64 MiB"));
        o.add(new Args.Option("kafka-property", "KEY=VALUE", null, "a Kafka client property for the source and every sink "
                + "(security.protocol, sasl.*, ssl.*, ...); repeatable; values are never printed"));
        o.add(new Args.Option("kafka-properties", "FILE", null, "Kafka client properties from a Java properties file "
                + "(--kafka-property wins on the same key)"));
        o.add(new Args.Option("starting-offsets", "WHERE", "earliest", "where the source starts without a checkpoint: earliest, "
                + "latest, committed (the group's; earliest where none) or timestamp:MS (a restore continues from its checkpoint)"));
        o.add(new Args.Option("open-vocabulary", null, null, "embedded default: new users and ads keep arriving (a new user in 4 "
                + "impressions, a new ad in 20), so the feature lifecycle has work to do (docs/operation.md)"));
        o.add(new Args.Option("min-count", "N", Integer.toString(FeatureLifecycle.DEFAULT_MIN_COUNT), "feature admission: a feature gets parameters at its N-th training example "
                + "of its model key (until then it counts, and takes no part in predictions; a count not seen for 1 d, or the TTL if shorter, goes; 1: at once)"));
        o.add(new Args.Option("feature-ttl", "DURATION", "30d", "feature expiry in event time: a feature not updated for this long "
                + "(e.g. 7d, 12h, 30m) is removed from state, deleted by the next delta and left out of full snapshots (0: never; "
                + "must exceed the attribution window)"));
        o.add(new Args.Option("holdout-size", "N", "5000", "held-out impressions kept per model key (the latest)"));
        o.add(new Args.Option("metrics-file", "FILE", null, "copy the metrics topic to this JSON-lines file (embedded default: WORK/metrics.jsonl)"));
        o.add(new Args.Option("work-dir", "DIR", null, "where the embedded broker, checkpoints and models go (default: a new temp dir "
                + "whose broker data and checkpoints are removed at the end; the models and metrics stay)"));
        o.add(new Args.Option("keep", null, null, "embedded default: keep all of the temp dir (broker data and checkpoints too)"));
        o.add(new Args.Option("input", "FILE", null, "embedded default: replay this file of events (JSON events or libfm lines, plain "
                + "or .gz; docs/events.md) through the embedded broker instead of the simulator; repeatable, in order"));
        o.add(new Args.Option("rate", "N", "0", "with --input: records per second (0: as fast as the broker takes them)"));
        o.add(new Args.Option("events", "N", "200000", "embedded default: simulated impressions to replay (with their clicks; drift half way)"));
        o.add(new Args.Option("impressions-per-second", "N", "4", "embedded default: simulated impressions per second of event time (1 to 1000)"));
        o.add(new Args.Option("click-delay", "DIST", "lognormal:20000:1.5", "embedded default: click delays, exp:MEAN_MS or lognormal:MEDIAN_MS:SIGMA"));
        o.add(new Args.Option("ctr-bias", "X", Double.toString(ClickSimulator.DEFAULT_BIAS), "embedded default: the simulator's click-logit constant (-2.2: CTR about 0.2; -0.75: 0.38)"));
        o.add(new Args.Option("no-drift", null, null, "embedded default: keep the important field pairs all along"));
        o.add(new Args.Option("progress-seconds", "S", "3", "print progress every S seconds (0: quiet)"));
        o.add(new Args.Option("rest-port", "PORT", null, "a local run (not flink run) serves Flink's REST API and web UI on "
                + "127.0.0.1:PORT (checkpoints, metrics, back pressure)"));
        o.add(new Args.Option("detach", null, null, "submit and return (for `flink run -d` on a cluster)"));
        return o;
    }

    @Override
    public int run(Args a) throws Exception {
        AfmConfig config = ModelOptions.config(a);
        boolean embedded = a.get("bootstrap-servers") == null;
        List<Path> inputs = new ArrayList<>();
        for (String f : a.all("input")) {
            inputs.add(Args.existing("--input " + f, f));
        }
        if (!inputs.isEmpty() && !embedded) {
            throw new Args.UsageException("--input replays a file on the embedded broker; for your own Kafka use bin/afm produce "
                    + "--bootstrap-servers " + a.get("bootstrap-servers") + " --topic " + a.get("input-topic") + " FILE");
        }
        boolean temporary = a.get("work-dir") == null && !a.has("keep");
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
            s = StreamSettings.builder(servers, config)
                    .topics(a.get("input-topic"), a.get("snapshots-topic"), a.get("predictions-topic"), a.get("dead-letters-topic"))
                    .groupId(a.get("group-id")).stateBackend(a.get("state-backend"))
                    .checkpoints(a.get("checkpoint-dir") != null ? a.get("checkpoint-dir") : work.resolve("checkpoints").toString(),
                            a.getLong("checkpoint-interval-ms", 5000))
                    .publish(a.getLong("publish-interval-ms", embedded ? EMBEDDED_PUBLISH_INTERVAL_MS : 2000),
                            a.getLong("publish-every", 20000), a.getInt("full-every", 10))
                    .snapshotDir(snapshotDir).parallelism(a.getInt("parallelism", 1)).bounded(embedded || a.has("bounded"))
                    .maxRecordBytes(a.getInt("max-record-bytes", 1 << 20))
                    .feedback(new FeedbackSettings(a.getLong("attribution-window-ms", FeedbackSettings.DEFAULT_WINDOW_MS),
                            a.getLong("out-of-orderness-ms", dev.afmflink.time.EventTime.DEFAULT_OUT_OF_ORDERNESS_MS), a.getLong("idleness-ms", 30000),
                            a.getLong("validation-window-ms", FeedbackSettings.DEFAULT_VALIDATION_WINDOW_MS),
                            new QualityGate(a.getDouble("gate-min-auc", Double.NaN), a.getDouble("gate-max-loss", Double.NaN),
                                    a.getDouble("gate-max-calibration-error", Double.NaN)),
                            a.get("metrics-topic"), FeedbackMode.parse(a.get("feedback")),
                            new Holdout(a.getInt("holdout-every", 0), a.getInt("holdout-size", 5000)),
                            new dev.afmflink.feedback.PredictionSample(a.getDouble("predictions-sample", 1)),
                            choice(a)))
                    .lifecycle(lifecycle(a))
                    .kafka(KafkaConnection.of(a.get("kafka-properties"), a.all("kafka-property"), a.get("starting-offsets")))
                    .snapshots(new StreamSettings.SnapshotOptions(snapshotContent(a.get("snapshot-content")),
                            a.getLong("snapshot-inline-bytes", StreamSettings.SnapshotOptions.DEFAULT.inlineBytes())))
                    .limits(limits(a))
                    .replicas(replicasOfTheJob(a, a.get("sync-topic")))
                    .build();
            if (embedded) {
                broker.createTopics(List.of(s.inputTopic(), s.snapshotsTopic(), s.predictionsTopic(), s.deadLettersTopic(),
                        s.feedback().metricsTopic()), s.snapshotsTopic());
            }
            if (embedded && !inputs.isEmpty()) {
                var sent = dev.afmflink.embedded.FileReplay.send(servers, new java.util.Properties(), s.inputTopic(), inputs,
                        a.getDouble("rate", 0), work.resolve(SAMPLE_FILE), SAMPLE_SIZE, System.out);
                System.out.println("replayed " + (sent.records() - sent.failed()) + " records of " + inputs + " to " + s.inputTopic()
                        + (sent.failed() > 0 ? " (" + sent.failed() + " refused by the broker)" : ""));
            } else if (embedded) {
                long n = a.getLong("events", 200000);
                int rate = a.getInt("impressions-per-second", 4);
                if (rate < 1 || rate > 1000) {
                    throw new IllegalArgumentException("--impressions-per-second must be in [1, 1000] (event time is in ms)");
                }
                ClickSimulator simulator = new ClickSimulator(7, a.getDouble("ctr-bias", ClickSimulator.DEFAULT_BIAS));
                if (a.has("open-vocabulary")) {
                    simulator.openVocabulary();
                }
                Iterator<String> stream = simulator.clickStream(n,
                        SIMULATION_START, 1000 / rate, Event.DEFAULT_MODEL, ClickSimulator.ClickDelay.parse(a.get("click-delay")),
                        !a.has("no-drift"));
                long sent = replaySimulator(servers, s.inputTopic(), stream, n, work.resolve(SAMPLE_FILE), SAMPLE_SIZE);
                System.out.println("replayed " + n + " simulated impressions and their clicks (" + sent + " events, +3 malformed"
                        + " records; " + (a.has("no-drift") ? "no drift" : "the important field pairs drift half way") + ") to "
                        + s.inputTopic());
            }
            System.out.println("config: " + config);
            for (var c : s.feedback().choice().candidates()) {
                System.out.println("candidate " + c.name() + ": " + c.config());
            }
            java.util.Map<String, String> local = new java.util.HashMap<>();
            if (a.get("rest-port") != null) { // the local run's REST API and web UI, on loopback
                local.put("rest.port", Integer.toString(a.getInt("rest-port", 0)));
                local.put("rest.address", "127.0.0.1");
                local.put("rest.bind-address", "127.0.0.1");
            }
            StreamExecutionEnvironment env = AfmStreamJob.environment(s, local);
            byte[] initModel = null;
            if (a.get("init-model") != null) {
                var loaded = dev.afmflink.snapshot.ModelReader.load(Path.of(a.get("init-model")));
                if (loaded.header().weightsOnly()) {
                    throw new IllegalArgumentException("--init-model " + a.get("init-model") + " holds weights only (published "
                            + "with --snapshot-content weights): it can serve but not continue training; start from a full-content one");
                }
                initModel = dev.afmflink.snapshot.ModelWriter.fullBytes(loaded.model(), loaded.header().modelVersion());
                System.out.println("warm start: new model keys start from " + a.get("init-model") + " (" + loaded.model().shared().examples
                        + " examples, " + loaded.model().features().size() + " features)");
            }
            AfmStreamJob.build(env, s, initModel);
            long every = a.getLong("progress-seconds", 3) * 1000;
            Path metricsFile = a.get("metrics-file") != null ? Path.of(a.get("metrics-file"))
                    : embedded ? work.resolve("metrics.jsonl") : null;
            StreamMonitor monitor = every > 0 ? new StreamMonitor(servers, s.predictionsTopic(), s.snapshotsTopic(),
                    s.deadLettersTopic(), s.feedback().metricsTopic(), metricsFile, embedded, every, System.out)
                    .withClientProperties(s.kafka().asProperties()).withPredictionSample(s.feedback().predictions().rate()) : null;
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
            Thread watch = JobStatusPrinter.start(job, System.out);
            try {
                job.getJobExecutionResult().get();
            } catch (java.util.concurrent.ExecutionException e) {
                Throwable root = e;
                while (root.getCause() != null && root.getCause() != root) {
                    root = root.getCause();
                }
                System.out.println("job FAILED: " + root + " (more in target/afm.log; a local run restarts at most "
                        + AfmStreamJob.LOCAL_MAX_FAILURES + " times in 10 minutes)");
                return 1;
            } finally {
                watch.interrupt();
            }
            if (monitor != null) {
                Thread.sleep(1500);
                monitor.stop();
                t.join(10_000);
                System.out.println(monitor.line());
                List<String> curve = monitor.curve(CURVE_ROWS);
                if (curve.size() <= 1) {
                    System.out.println("learning curve: none: no validation window closed (a window is --validation-window-ms "
                            + s.feedback().validationWindowMs() + " ms of event time and closes when event time passes its end and "
                            + "the labels' attribution window after it; a bounded input drops windows still open at its end)");
                } else {
                    System.out.println("learning curve (" + monitor.windowCount() + " validation windows"
                            + (monitor.windowCount() > CURVE_ROWS ? "; " + (curve.size() - 1) + " of them, evenly spaced, here; all in the report" : "")
                            + "):");
                    curve.forEach(System.out::println);
                }
                if (!s.feedback().choice().candidates().isEmpty()) {
                    List<String> sw = monitor.switches();
                    System.out.println("candidates: " + (sw.isEmpty() ? "no switch, " + s.feedback().choice().candidates().get(0).name()
                            + " led throughout (the curve above is the leader's; every candidate's windows are on the metrics topic)"
                            : sw.size() + " switch(es) of leader (the curve above is the leader's of each window):"));
                    sw.forEach(System.out::println);
                    monitor.candidateSummary().forEach(System.out::println);
                }
            }
            System.out.println("job finished.");
            boolean localSnapshots = snapshotDir != null && SnapshotFolders.isLocal(snapshotDir);
            if (snapshotDir != null && !localSnapshots) {
                System.out.println("snapshots (one folder per version, model format docs/model-format.md): " + snapshotDir);
            } else if (snapshotDir != null && !Files.isDirectory(SnapshotFolders.local(snapshotDir))) {
                System.out.println("no snapshot was published to " + snapshotDir
                        + " (see \"held back\" above: the quality gate, or no example trained)");
            } else if (snapshotDir != null) {
                System.out.println("snapshots (one folder per version, model format docs/model-format.md): " + snapshotDir);
                try (Stream<Path> models = Files.list(SnapshotFolders.local(snapshotDir))) {
                    for (Path m : models.sorted().toList()) {
                        try (Stream<Path> versions = Files.list(m)) {
                            List<Path> v = versions.sorted().toList();
                            System.out.println("  " + m.getFileName() + ": " + v.size() + " versions, latest "
                                    + (v.isEmpty() ? "-" : v.get(v.size() - 1)));
                        }
                    }
                }
                System.out.println("score with the latest version (full + deltas): bin/afm score --model "
                        + SnapshotFolders.local(snapshotDir).resolve("<model>") + " --input FILE --output FILE   (libfm lines or JSON events)");
            }
            if (monitor != null) {
                List<Map.Entry<String, Double>> attention = monitor.lastAttention();
                if (!attention.isEmpty()) {
                    System.out.println("attention per field pair in the last validation window (mean over its trained examples"
                            + (embedded ? "; the simulator's important pairs after the drift: " + ClickSimulator.IMPORTANT_AFTER
                            + ", before: " + ClickSimulator.IMPORTANT_BEFORE : "") + "):");
                    for (Map.Entry<String, Double> p : attention) {
                        System.out.printf(java.util.Locale.ROOT, "  %-24s %.4f%n", p.getKey(), p.getValue());
                    }
                }
                if (metricsFile != null) {
                    Path model = !localSnapshots ? null : SnapshotFolders.local(snapshotDir).resolve(Event.DEFAULT_MODEL);
                    boolean withModel = embedded && model != null && Files.isDirectory(model);
                    System.out.println("report: bin/afm report --metrics " + metricsFile + (withModel ? " --model "
                            + model + " --sample " + work.resolve(SAMPLE_FILE) : "") + " --out " + work.resolve("report.html"));
                }
            }
            return 0;
        } finally {
            if (broker != null) {
                broker.close();
            }
            if (temporary && embedded) {
                long freed = 0;
                for (String bulky : List.of("kafka", "checkpoints")) {
                    freed += removeTree(work.resolve(bulky));
                }
                System.out.printf(java.util.Locale.ROOT, "work dir %s: models and metrics kept; the broker's data and checkpoints "
                        + "removed (%.0f MB; --keep or --work-dir DIR keeps everything)%n", work, freed / 1e6);
            } else if (embedded) {
                System.out.println("work dir kept: " + work);
            }
        }
    }

    /** Rows of the learning curve on the console. */
    static final int CURVE_ROWS = 25;

    /** Deletes {@code dir} and everything in it; returns the bytes freed. */
    static long removeTree(Path dir) {
        if (!Files.exists(dir)) {
            return 0;
        }
        long bytes = 0;
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(java.util.Comparator.reverseOrder()).toList()) {
                try {
                    long size = Files.isRegularFile(p) ? Files.size(p) : 0;
                    Files.delete(p);
                    bytes += size;
                } catch (IOException e) {
                    // a file still held: left behind
                }
            }
        } catch (IOException e) {
            // the walk failed part way: what was freed so far
        }
        return bytes;
    }

    static final long SIMULATION_START = 1_767_225_600_000L; // 2026-01-01T00:00:00Z: fixed, so a replay is the same stream

    /** Where the embedded default keeps the last impressions it replayed (field names for the attention figures). */
    static final String SAMPLE_FILE = "sample-events.jsonl";
    static final int SAMPLE_SIZE = 2000;

    /**
     * The simulator's click-stream (impressions, delayed clicks), with three malformed records
     * among them to show the dead-letter path; the last {@code keep} impressions also go to
     * {@code sample}. Returns the number of events sent.
     */
    static long replaySimulator(String servers, String topic, Iterator<String> stream, long impressions, Path sample, int keep)
            throws IOException {
        long i = 0;
        java.util.ArrayDeque<String> last = new java.util.ArrayDeque<>();
        try (KafkaProducer<byte[], byte[]> p = KafkaClients.producer(servers,
                Map.of("acks", "all", "linger.ms", "20", "batch.size", Integer.toString(1 << 18)))) {
            while (stream.hasNext()) {
                if (i == impressions / 4) {
                    p.send(new ProducerRecord<>(topic, "{\"type\":\"impression\",\"id\":".getBytes(StandardCharsets.UTF_8)));
                } else if (i == impressions / 2) {
                    p.send(new ProducerRecord<>(topic, "{\"type\":\"example\",\"id\":\"x\",\"ts\":1,\"label\":7,\"features\":{\"a\":\"b\"}}"
                            .getBytes(StandardCharsets.UTF_8)));
                } else if (i == 3 * impressions / 4) {
                    p.send(new ProducerRecord<>(topic, "{\"type\":\"click\",\"id\":\"no-such-impression\",\"ts\":1}"
                            .getBytes(StandardCharsets.UTF_8)));
                }
                String e = stream.next();
                p.send(new ProducerRecord<>(topic, e.getBytes(StandardCharsets.UTF_8)));
                if (e.startsWith("{\"type\":\"impression\"")) {
                    last.addLast(e);
                    if (last.size() > keep) {
                        last.removeFirst();
                    }
                }
                i++;
            }
            p.flush();
        }
        Files.write(sample, last, StandardCharsets.UTF_8);
        return i;
    }

    /** --candidate: the online choice among configurations (none: one model per key). */
    /** Feature admission and expiry as the options say ({@code --min-count}, {@code --feature-ttl}). */
    static FeatureLifecycle lifecycle(Args a) {
        return FeatureLifecycle.of(a.getInt("min-count", FeatureLifecycle.DEFAULT_MIN_COUNT),
                a.getDurationMs("feature-ttl", FeatureLifecycle.DEFAULT_TTL_MS));
    }

    /** The decoder's limits as the options say ({@code --max-features}, {@code --max-key-chars}, {@code --max-ts-ahead-ms}). */
    static dev.afmflink.data.EventLimits limits(Args a) {
        return dev.afmflink.data.EventLimits.DEFAULT.withMaxFeatures(a.getInt("max-features", 0))
                .withMaxKeyChars(a.getInt("max-key-chars", 0)).withMaxTsAheadMs(a.getLong("max-ts-ahead-ms", 0));
    }

    /** Trainers per model and their synchronization as the options say ({@code --trainers-per-model}, {@code --sync-...}). */
    static ReplicaSettings replicas(Args a, String topic) {
        String local = a.get("local-fields");
        return new ReplicaSettings(a.getInt("trainers-per-model", 1), a.getLong("sync-tick-ms", ReplicaSettings.ONE.tickMs()),
                a.getInt("sync-lag", ReplicaSettings.ONE.lag()), dev.afmflink.sync.MergeRule.parse(a.get("merge-rule")), topic,
                a.get("route-field"), local == null ? List.of() : List.of(local.split(",")));
    }

    /** As {@link #replicas(Args, String)}, with the job's read-ahead bound ({@code --sync-read-ahead}: how fast it reads, nothing a replay has). */
    static ReplicaSettings replicasOfTheJob(Args a, String topic) {
        return withReadAhead(a, replicas(a, topic));
    }

    /** {@code r} with the read-ahead bound {@code --sync-read-ahead} gives, or its default where the option is not given. */
    static ReplicaSettings withReadAhead(Args a, ReplicaSettings r) {
        return a.get("sync-read-ahead") == null ? r : r.withReadAhead(a.getInt("sync-read-ahead", 0));
    }

    private static FeedbackSettings.Choice choice(Args a) {
        if (a.all("candidate").isEmpty()) {
            return FeedbackSettings.Choice.NONE;
        }
        return new FeedbackSettings.Choice(Candidates.configs(a), Candidates.rule(a));
    }
}
