package dev.afmflink.cli;

import dev.afmflink.data.Event;
import dev.afmflink.data.EventDecoder;
import dev.afmflink.embedded.FileReplay;
import dev.afmflink.feedback.FeedbackMode;
import dev.afmflink.feedback.FeedbackReplay;
import dev.afmflink.feedback.ReplicaReplay;
import dev.afmflink.feedback.Replay;
import dev.afmflink.job.AfmStreamJob;
import dev.afmflink.job.FeedbackSettings;
import dev.afmflink.job.ReplicaSettings;
import dev.afmflink.job.StreamSettings;
import dev.afmflink.lifecycle.FeatureLifecycle;
import dev.afmflink.metrics.Evaluation;
import dev.afmflink.model.AfmConfig;
import dev.afmflink.model.AfmModel;
import dev.afmflink.snapshot.ModelWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeMap;

/**
 * The job's training of one model key, offline: a file of events, as {@code bin/afm stream
 * --input} sends it, through the job's schedule in plain Java ({@link FeedbackReplay}, or
 * {@link ReplicaReplay} with several trainers per model). The model it writes is the one the job
 * publishes from that input, bit for bit (tested); what the job would dead-letter is left out and
 * counted.
 */
final class ReplayCommand implements Command {
    /** The stream command's options that say how the job trains: the replay takes them with the same defaults and words. */
    private static final Set<String> JOB_OPTIONS = Set.of("input-topic", "attribution-window-ms", "feedback", "out-of-orderness-ms",
            "min-count", "feature-ttl", "max-record-bytes", "max-features", "max-key-chars", "max-ts-ahead-ms", "trainers-per-model",
            "sync-tick-ms",
            "sync-lag", "merge-rule", "route-field", "local-fields");

    @Override
    public String name() {
        return "replay";
    }

    @Override
    public String summary() {
        return "a model key's training by the streaming job, offline: a file of events as bin/afm stream --input sends it, through "
                + "the job's schedule; --model-out is the model the job publishes from it, bit for bit";
    }

    @Override
    public List<Args.Option> options() {
        List<Args.Option> o = new ArrayList<>();
        o.add(new Args.Option("events", "FILE", null, "JSON events or libfm lines, plain or .gz, in the order the job read them "
                + "(one Kafka partition); repeatable, in order. A libfm line's id is the job's: INPUT-TOPIC-0-N for record N"));
        o.add(new Args.Option("model", "KEY", Event.DEFAULT_MODEL, "the model key to replay (the others' events only move event time)"));
        o.add(new Args.Option("model-out", "DIR", null, "write the model (docs/model-format.md)"));
        for (Args.Option s : new StreamCommand().options()) {
            if (JOB_OPTIONS.contains(s.name()) || ModelOptions.OPTIONS.stream().anyMatch(m -> m.name().equals(s.name()))) {
                o.add(s);
            }
        }
        return o;
    }

    @Override
    public int run(Args a) throws Exception {
        List<Path> files = new ArrayList<>();
        for (String f : a.all("events")) {
            files.add(Args.existing("--events " + f, f));
        }
        if (files.isEmpty()) {
            throw new Args.UsageException("--events FILE is needed");
        }
        AfmConfig config = ModelOptions.config(a);
        FeedbackMode mode = FeedbackMode.parse(a.get("feedback"));
        long window = a.getLong("attribution-window-ms", FeedbackSettings.DEFAULT_WINDOW_MS);
        long bound = a.getLong("out-of-orderness-ms", dev.afmflink.time.EventTime.DEFAULT_OUT_OF_ORDERNESS_MS);
        FeatureLifecycle lifecycle = StreamCommand.lifecycle(a);
        ReplicaSettings replicas = StreamCommand.replicas(a, ReplicaSettings.ONE.topic());
        // what the job refuses, the replay refuses alike (one place: the job's settings)
        StreamSettings.builder("replay", config).checkpoints("unused", 1000).lifecycle(lifecycle).replicas(replicas)
                .feedback(FeedbackSettings.DEFAULTS.withMode(mode)).build();
        String model = a.get("model");
        String topic = a.get("input-topic");
        EventDecoder decoder = new EventDecoder(config.loss(), a.getInt("max-record-bytes", 1 << 20), StreamCommand.limits(a),
                System::currentTimeMillis);
        Replay replay = replicas.synced()
                ? new ReplicaReplay(config, window, bound, AfmStreamJob.watermarkStepMs(replicas), replicas.replicas(),
                        replicas.tickMs(), replicas.lag(), replicas.rule()).routedBy(replicas.routeField())
                        .localFields(replicas.localFields())
                : new FeedbackReplay(config, mode, window, bound, AfmStreamJob.WATERMARK_STEP_MS).withLifecycle(lifecycle);
        TreeMap<String, Long> skipped = new TreeMap<>();
        long[] mine = new long[1];
        long records = FileReplay.records(files, (n, line) -> {
            Event e;
            try {
                e = decoder.decode(line.getBytes(StandardCharsets.UTF_8), topic + "-0-" + n, dev.afmflink.time.EventTime.ofRecord(n));
            } catch (EventDecoder.BadEventException bad) {
                skipped.merge(bad.reason(), 1L, Long::sum);
                return;
            }
            if (!e.model().equals(model)) {
                replay.advanceTo(e.ts());
                return;
            }
            mine[0]++;
            replay.accept(e);
        });
        replay.end();
        if (replay instanceof ReplicaReplay rr && rr.unrouted() > 0) {
            skipped.merge(EventDecoder.MISSING_FIELD, rr.unrouted(), Long::sum);
        }
        AfmModel m = replay.model();
        List<FeedbackReplay.Judged> judged = replay.judged();
        Evaluation progressive = new Evaluation(config.loss());
        judged.forEach(j -> progressive.add(j.raw(), j.label()));
        System.out.printf(Locale.ROOT, "%d records, %d of model %s, %d left out as the job dead-letters them %s%n", records, mine[0],
                model, skipped.values().stream().mapToLong(Long::longValue).sum(), skipped.isEmpty() ? "" : skipped.toString());
        System.out.printf(Locale.ROOT, "%d judged (delayed progressive: logloss %.6f, AUC %.4f), %d trained, %d features%s%n",
                judged.size(), progressive.logloss(), progressive.auc(), m.shared().examples, m.features().size(),
                replay instanceof ReplicaReplay rr
                        ? String.format(Locale.ROOT, " (%d trainers, %d merges)", replicas.replicas(), rr.group().ticks())
                        : "");
        if (a.get("model-out") != null) {
            ModelWriter.writeFull(m, 1, Path.of(a.get("model-out")));
            System.out.println("model: " + a.get("model-out"));
        }
        return 0;
    }
}
