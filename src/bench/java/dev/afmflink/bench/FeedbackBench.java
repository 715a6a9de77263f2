package dev.afmflink.bench;

import dev.afmflink.data.Event;
import dev.afmflink.data.EventDecoder;
import dev.afmflink.embedded.ClickSimulator;
import dev.afmflink.embedded.KafkaBroker;
import dev.afmflink.feedback.FeedbackMode;
import dev.afmflink.feedback.FeedbackReplay;
import dev.afmflink.feedback.ReplicaReplay;
import dev.afmflink.job.ReplicaSettings;
import dev.afmflink.feedback.Candidate;
import dev.afmflink.feedback.LeaderChoice;
import dev.afmflink.job.AfmStreamJob;
import dev.afmflink.job.FeedbackSettings;
import dev.afmflink.job.StreamSettings;
import dev.afmflink.metrics.Evaluation;
import dev.afmflink.metrics.ProgressiveWindow;
import dev.afmflink.metrics.QualityGate;
import dev.afmflink.model.AfmConfig;
import dev.afmflink.model.AfmModel;
import dev.afmflink.model.Example;
import dev.afmflink.report.MetricsSeries;
import dev.afmflink.serving.FieldPairAttention;
import dev.afmflink.snapshot.SnapshotChain;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * How well the feedback loop learns from delayed labels, against the offline ideal, on the
 * simulator's click-stream (docs/feedback.md). One stream of impressions and delayed clicks;
 * for each feedback mode, the streaming job (embedded Kafka broker, MiniCluster, RocksDB) or its
 * plain-Java replay ({@link FeedbackReplay}, the same model bit for bit, tested) gives
 * <ul>
 *   <li>(a) the delayed progressive logloss over the last quarter of validation windows (each
 *       impression judged by its score at arrival against its final label);</li>
 *   <li>(c) the final published model's logloss and calibration on a held-out sample of the
 *       same generator;</li>
 * </ul>
 * beside (b) the offline trainer's one-pass progressive logloss in event order with the final
 * labels (the no-delay ideal) and the offline model on the same held-out sample. With a drift,
 * also: the windows after the drift against a model started fresh at the drift on the same
 * post-drift events, and the final model's top attention pairs.
 */
public final class FeedbackBench {
    private FeedbackBench() {
    }

    /**
     * The stream: {@code impressions} impressions, one every {@code spacingMs}, clicks after
     * {@code delay}, click-logit constant {@code bias}, a drift half way if {@code drift}; labels by
     * an attribution window of {@code windowMs}, validation windows of {@code validationMs}.
     */
    public record Case(long impressions, long spacingMs, ClickSimulator.ClickDelay delay, double bias, boolean drift,
                       long windowMs, long validationMs, long boundMs, long seed, int heldOut, boolean heavy) {
        /** The simulator's world ({@link ClickSimulator}). */
        public Case(long impressions, long spacingMs, ClickSimulator.ClickDelay delay, double bias, boolean drift,
                    long windowMs, long validationMs, long boundMs, long seed, int heldOut) {
            this(impressions, spacingMs, delay, bias, drift, windowMs, validationMs, boundMs, seed, heldOut, false);
        }

        public Case {
            if (heavy && drift) {
                throw new IllegalArgumentException("the interaction-heavy world has no drift");
            }
        }

        /**
         * The named world with its own times: {@code hard} (1,000 impressions/s, clicks after exp(5 s),
         * CTR about 0.38, W = 30 s, windows of 10 s), {@code drift} (the embedded default's stream: 4/s,
         * log-normal delays, CTR 0.2, W = 10 min, windows of 15 min, the drift half way) or {@code heavy}
         * (the hard case's times on {@link InteractionWorld}); watermarks 200 ms behind.
         */
        public static Case standard(String name, long impressions, long seed, int heldOut) {
            boolean drift = switch (name) {
                case "hard", "heavy" -> false;
                case "drift" -> true;
                default -> throw new IllegalArgumentException("the case is hard, drift or heavy, got '" + name + "'");
            };
            return new Case(impressions, drift ? 250 : 1, drift ? ClickSimulator.DEFAULT_DELAY : ClickSimulator.ClickDelay.exponential(5000),
                    drift ? ClickSimulator.DEFAULT_BIAS : -0.75, drift, drift ? 600_000 : 30_000, drift ? 900_000 : 10_000, 200, seed,
                    heldOut, name.equals("heavy"));
        }
    }

    static final long T0 = 1_767_225_600_000L;

    /** What one run (a mode, or the offline ideal) measured. */
    public record Result(String name, double lastQuarterLoss, double lastQuarterAuc, double firstWindowLoss,
                         double heldOutLoss, double heldOutCalibration, double heldOutAuc, long trained,
                         List<double[]> windows, AfmModel model) {
    }

    public static List<String> events(Case c) {
        if (c.heavy()) {
            return new InteractionWorld(c.seed()).clickStream(c.seed(), (int) c.impressions(), T0, c.spacingMs(), c.delay());
        }
        List<String> out = new ArrayList<>();
        new ClickSimulator(c.seed(), c.bias()).clickStream(c.impressions(), T0, c.spacingMs(), Event.DEFAULT_MODEL, c.delay(),
                c.drift()).forEachRemaining(out::add);
        return out;
    }

    /** The simulator's JSON events, decoded as the job decodes them. */
    public static List<Event> decode(List<String> raw, AfmConfig config) {
        EventDecoder dec = new EventDecoder(config.loss(), 1 << 20);
        List<Event> out = new ArrayList<>(raw.size());
        for (String r : raw) {
            try {
                out.add(dec.decode(r.getBytes(StandardCharsets.UTF_8), "x", 0));
            } catch (EventDecoder.BadEventException e) {
                throw new IllegalStateException("the simulator wrote a bad event: " + r, e);
            }
        }
        return out;
    }

    /** The offline ideal: every impression with its final label, in event-time order (ties by id), one pass, progressive. */
    public static Result offline(Case c, AfmConfig config, List<Event> events, List<Example> heldOut, String name) {
        AfmModel m = new AfmModel(config);
        List<FeedbackReplay.Judged> judged = FeedbackReplay.inEventOrder(m, events, c.windowMs());
        return result(name, windows(judged, c.validationMs()), m, heldOut, m.shared().examples);
    }

    /** A mode through the plain-Java replay of the job. */
    public static Result replay(Case c, AfmConfig config, FeedbackMode mode, List<Event> events, List<Example> heldOut) {
        FeedbackReplay r = new FeedbackReplay(config, mode, c.windowMs(), c.boundMs(), AfmStreamJob.WATERMARK_STEP_MS);
        events.forEach(r::accept);
        r.end();
        return result(mode.id(), windows(r.judged(), c.validationMs()), r.model(), heldOut, r.model().shared().examples);
    }

    /**
     * The ordered mode with one model on {@code replicas} trainers ({@code --trainers-per-model},
     * synchronized as {@code sync} says) through the offline replay of such a run
     * ({@link ReplicaReplay}: the job's merged model and judgements bit for bit, tested); one replica
     * is the job as ever ({@link #replay}).
     */
    public static Result replicated(Case c, AfmConfig config, List<Event> events, List<Example> heldOut, int replicas,
                                    ReplicaSettings sync) {
        if (replicas == 1) {
            Result one = replay(c, config, FeedbackMode.ORDERED, events, heldOut);
            return new Result("R=1", one.lastQuarterLoss(), one.lastQuarterAuc(), one.firstWindowLoss(), one.heldOutLoss(),
                    one.heldOutCalibration(), one.heldOutAuc(), one.trained(), one.windows(), one.model());
        }
        ReplicaReplay rr = replayed(config, c.windowMs(), c.boundMs(), events, replicas, sync);
        return result("R=" + replicas, windows(rr.judged(), c.validationMs()), rr.model(), heldOut, rr.model().shared().examples);
    }

    /**
     * One model on each of {@code trainers} trainers per model, the ordered mode, through the replay
     * of such a run: each row's delayed progressive logloss over the last quarter and its final
     * model's held-out logloss, beside the first row's (R = 1 first: one trainer).
     */
    public static List<Result> replicas(Case c, AfmConfig config, List<Integer> trainers, ReplicaSettings sync, PrintStream out) {
        List<Event> events = decode(events(c), config);
        range = Range.lastQuarter(c, events);
        List<Example> held = heldOut(c, config, c.drift());
        out.printf(Locale.ROOT, "one model on R trainers (ordered mode, the replay of the job's run): %d impressions, attribution "
                        + "window %d ms, sync tick %d ms, lag %d, merge rule %s%n", c.impressions(), c.windowMs(), sync.tickMs(),
                sync.lag(), sync.rule().label());
        List<Result> rows = trainers.parallelStream().map(r -> replicated(c, config, events, held, r, sync)).toList();
        table(rows, out);
        out.printf(Locale.ROOT, "(a) delayed progressive logloss over the last quarter of the complete validation windows "
                + "(impression time %d-%d s); (c) the final merged model on %d held-out examples of the same generator%n",
                (range.from() - T0) / 1000, (range.to() - T0) / 1000, c.heldOut());
        return rows;
    }

    /**
     * A file replayed into the job ({@code bin/afm stream --input FILE}: line i a labelled example
     * at {@link dev.afmflink.embedded.FileReplay#START} + i ms, its id the job's
     * {@code afm-input-0-i}) with one model on R trainers, through the replay of such a run: each
     * row's progressive logloss over the last quarter of the examples (each judged before its
     * step, as the job judges it) and its final model's logloss on {@code test}.
     */
    public static List<Result> replicasOnFile(String name, List<Example> train, List<Example> test, AfmConfig config,
                                              List<Integer> trainers, ReplicaSettings sync, PrintStream out) {
        List<Event> events = new ArrayList<>(train.size());
        for (int i = 0; i < train.size(); i++) {
            Example x = train.get(i);
            events.add(new Event(dev.afmflink.data.EventKind.EXAMPLE, "afm-input-0-" + i,
                    dev.afmflink.embedded.FileReplay.START + i, Event.DEFAULT_MODEL, x.label, x));
        }
        long bound = dev.afmflink.time.EventTime.DEFAULT_OUT_OF_ORDERNESS_MS;
        out.printf(Locale.ROOT, "%s replayed as the job reads a file (%,d examples, 1 ms apart; %,d held out), one model on R "
                + "trainers: sync tick %d ms (%d examples), lag %d, merge rule %s%n", name, train.size(), test.size(), sync.tickMs(),
                sync.tickMs(), sync.lag(), sync.rule().label());
        List<Result> rows = trainers.parallelStream().map(r -> {
            ReplicaReplay rr = replayed(config, 0, bound, events, r, sync);
            List<FeedbackReplay.Judged> judged = rr.judged();
            Evaluation last = new Evaluation(config.loss());
            for (FeedbackReplay.Judged j : judged.subList(judged.size() - judged.size() / 4, judged.size())) {
                last.add(j.raw(), j.label());
            }
            Evaluation ev = new Evaluation(config.loss());
            for (Example x : test) {
                ev.add(rr.model().predictRaw(x), x.label);
            }
            return new Result("R=" + r, last.logloss(), last.auc(), Double.NaN, ev.logloss(), ev.calibration(), ev.auc(),
                    rr.model().shared().examples, List.of(), rr.model());
        }).toList();
        table(rows, out);
        out.println("(a) progressive logloss over the last quarter of the examples; (c) the final merged model on the held-out set");
        return rows;
    }

    /** {@code events} through the replay of a run on {@code replicas} trainers synchronized as {@code sync} says, to the end. */
    private static ReplicaReplay replayed(AfmConfig config, long windowMs, long boundMs, List<Event> events, int replicas,
                                          ReplicaSettings sync) {
        ReplicaSettings r = new ReplicaSettings(replicas, sync.tickMs(), sync.lag(), sync.rule(), sync.topic());
        ReplicaReplay rr = new ReplicaReplay(config, windowMs, boundMs, AfmStreamJob.watermarkStepMs(r), replicas, r.tickMs(), r.lag(),
                r.rule());
        events.forEach(rr::accept);
        rr.end();
        return rr;
    }

    private static void table(List<Result> rows, PrintStream out) {
        Result one = rows.get(0);
        out.printf(Locale.ROOT, "%-10s %10s %9s %8s %12s %9s %8s %9s%n", "trainers", "(a) loss", "vs first", "AUC", "(c) held-out",
                "vs first", "AUC", "trained");
        for (Result r : rows) {
            out.printf(Locale.ROOT, "%-10s %10.5f %9.4f %8.4f %12.5f %9.4f %8.4f %9d%n", r.name(), r.lastQuarterLoss(),
                    r.lastQuarterLoss() / one.lastQuarterLoss(), r.lastQuarterAuc(), r.heldOutLoss(),
                    r.heldOutLoss() / one.heldOutLoss(), r.heldOutAuc(), r.trained());
        }
    }

    /** A mode through the streaming job: real broker, MiniCluster, RocksDB, bounded input. */
    public static Result job(Case c, AfmConfig config, FeedbackMode mode, KafkaBroker broker, String inputTopic, Path work,
                             int run, List<Example> heldOut) throws Exception {
        String p = "fb-" + run + "-";
        Path models = work.resolve("models-" + run);
        StreamSettings s = StreamSettings.builder(broker.bootstrapServers(), config)
                .topics(inputTopic, p + "snap", p + "pred", p + "dead").groupId(p + "group")
                .checkpoints(work.resolve("cp-" + run).toString(), 10_000).publish(0, 0, 10).snapshotDir(models.toString())
                .bounded(true).build()
                .withFeedback(new FeedbackSettings(c.windowMs(), c.boundMs(), 0, c.validationMs(), QualityGate.OPEN,
                        p + "metrics", mode));
        broker.createTopics(List.of(s.snapshotsTopic(), s.predictionsTopic(), s.deadLettersTopic(), s.feedback().metricsTopic()),
                s.snapshotsTopic());
        StreamExecutionEnvironment env = AfmStreamJob.environment(s);
        AfmStreamJob.build(env, s);
        env.executeAsync(p + mode.id()).getJobExecutionResult().get(20, TimeUnit.MINUTES);
        MetricsSeries series = new MetricsSeries(Event.DEFAULT_MODEL);
        for (byte[] r : dev.afmflink.embedded.KafkaClients.readAll(broker.bootstrapServers(), s.feedback().metricsTopic())) {
            series.add(r);
        }
        List<double[]> w = new ArrayList<>();
        for (MetricsSeries.Window x : series.windows()) {
            w.add(new double[] {x.start(), x.n(), x.loss() * x.n(), x.auc()});
        }
        SnapshotChain chain = SnapshotChain.loadFolder(models.resolve(Event.DEFAULT_MODEL));
        if (chain == null) {
            throw new IllegalStateException("the " + mode.id() + " job published no full snapshot");
        }
        return result(mode.id() + " (job)", w, chain.model(), heldOut, chain.model().shared().examples);
    }

    /** Per validation window of impression time, in time order: {start, n, loss sum, AUC}. */
    static List<double[]> windows(List<FeedbackReplay.Judged> judged, long sizeMs) {
        TreeMap<Long, ProgressiveWindow> byStart = new TreeMap<>();
        for (FeedbackReplay.Judged j : judged) {
            long start = ProgressiveWindow.startOf(j.ts(), sizeMs);
            byStart.computeIfAbsent(start, s -> new ProgressiveWindow(s, s + sizeMs)).add(j.prediction(), j.label(), j.loss());
        }
        List<double[]> out = new ArrayList<>();
        byStart.forEach((s, w) -> {
            var sum = w.summary();
            out.add(new double[] {s, sum.n(), sum.loss() * sum.n(), sum.auc()});
        });
        return out;
    }

    /**
     * The windows every run is judged on: the last quarter of the windows whose labels are all in
     * when the input ends (end + W at or before the last watermark), the same for every run.
     */
    record Range(long from, long to) {
        static Range lastQuarter(Case c, List<Event> events) {
            dev.afmflink.time.WatermarkSteps watermarks = new dev.afmflink.time.WatermarkSteps(c.boundMs(),
                    AfmStreamJob.WATERMARK_STEP_MS);
            long wm = Long.MIN_VALUE;
            long minTs = Long.MAX_VALUE;
            long lastImpression = Long.MIN_VALUE;
            for (Event e : events) {
                minTs = Math.min(minTs, e.ts());
                if (e.type() == dev.afmflink.data.EventKind.IMPRESSION) {
                    lastImpression = Math.max(lastImpression, e.ts());
                }
                long w = watermarks.seen(e.ts());
                if (w != Long.MIN_VALUE) {
                    wm = w;
                }
            }
            long first = ProgressiveWindow.startOf(minTs, c.validationMs());
            long complete = Math.min((wm - c.windowMs() - first + 1) / c.validationMs(), // windows whose labels are all in
                    (lastImpression - first) / c.validationMs() + 1); // and that hold impressions
            long quarter = (complete + 3) / 4;
            return new Range(first + (complete - quarter) * c.validationMs(), first + complete * c.validationMs());
        }
    }

    static Range range;

    static Result result(String name, List<double[]> w, AfmModel model, List<Example> heldOut, long trained) {
        double n = 0;
        double loss = 0;
        double auc = 0;
        for (double[] x : w) {
            if (x[0] >= range.from() && x[0] < range.to()) {
                n += x[1];
                loss += x[2];
                auc += x[3] * x[1];
            }
        }
        Evaluation ev = new Evaluation(model.config().loss());
        for (Example x : heldOut) {
            ev.add(model.predictRaw(x), x.label);
        }
        return new Result(name, loss / n, auc / n, w.isEmpty() ? Double.NaN : w.get(0)[2] / w.get(0)[1], ev.logloss(),
                ev.calibration(), ev.auc(), trained, w, model);
    }

    /** Mean loss of the windows starting in [from, to). */
    static double meanLoss(List<double[]> w, long from, long to) {
        double n = 0;
        double loss = 0;
        for (double[] x : w) {
            if (x[0] >= from && x[0] < to) {
                n += x[1];
                loss += x[2];
            }
        }
        return loss / n;
    }

    static List<Example> heldOut(Case c, AfmConfig config, boolean drifted) {
        List<Example> out = new ArrayList<>();
        if (c.heavy()) {
            new InteractionWorld(c.seed()).heldOut(c.seed(), c.heldOut()).forEach(d -> out.add(d.example()));
            return out;
        }
        for (Event e : decode(new ClickSimulator(c.seed(), c.bias()).heldOut(c.heldOut(), drifted, 1, Event.DEFAULT_MODEL), config)) {
            Example x = e.features().copy();
            x.label = e.label();
            out.add(x);
        }
        return out;
    }

    /** Runs the comparison and prints it; {@code useJob}: the real job, else the plain-Java replay. */
    public static List<Result> run(Case c, AfmConfig config, List<FeedbackMode> modes, boolean useJob, Path work, PrintStream out)
            throws Exception {
        List<String> raw = events(c);
        List<Event> events = decode(raw, config);
        long impressions = events.stream().filter(e -> e.type() == dev.afmflink.data.EventKind.IMPRESSION).count();
        long clicks = events.size() - impressions;
        long spanMs = c.impressions() * c.spacingMs();
        out.printf(Locale.ROOT, "feedback bench: %d impressions over %.0f s of event time (%d/s), %d clicks (CTR %.3f), "
                        + "attribution window %d ms (%d impressions), validation windows %d ms, %s, engine %s%n",
                impressions, spanMs / 1000.0, 1000 / Math.max(1, c.spacingMs()), clicks, (double) clicks / impressions,
                c.windowMs(), c.windowMs() / Math.max(1, c.spacingMs()), c.validationMs(), c.drift() ? "drift half way" : "no drift",
                useJob ? "the streaming job (embedded Kafka, MiniCluster, RocksDB)" : "plain-Java replay of the job");
        out.println("config: " + config);
        List<Example> held = heldOut(c, config, c.drift());
        range = Range.lastQuarter(c, events);
        List<Result> results = new ArrayList<>();
        Result ideal = offline(c, config, events, held, "offline ideal");
        results.add(ideal);
        KafkaBroker broker = null;
        try {
            String topic = "fb-input";
            if (useJob) {
                broker = KafkaBroker.start(work.resolve("kafka"), 240);
                broker.createTopics(List.of(topic), "");
                StreamBench.produce(broker.bootstrapServers(), topic, bytes(raw));
            }
            int run = 0;
            for (FeedbackMode m : modes) {
                results.add(useJob ? job(c, config, m, broker, topic, work, run++, held) : replay(c, config, m, events, held));
            }
            out.printf(Locale.ROOT, "%-24s %10s %9s %8s %12s %12s %11s %9s%n", "run", "(a|b) loss", "vs ideal", "AUC",
                    "first window", "(c) held-out", "calibration", "trained");
            for (Result r : results) {
                out.printf(Locale.ROOT, "%-24s %10.4f %9s %8.4f %12.4f %12.4f %11.3f %9d%n", r.name(), r.lastQuarterLoss(),
                        r == ideal ? "-" : String.format(Locale.ROOT, "%.3f", r.lastQuarterLoss() / ideal.lastQuarterLoss()),
                        r.lastQuarterAuc(), r.firstWindowLoss(), r.heldOutLoss(), r.heldOutCalibration(), r.trained());
            }
            out.printf(Locale.ROOT, "(a|b): delayed progressive logloss over the last quarter of the complete validation windows "
                    + "(impression time %d-%d s); (c): the final model on %d held-out examples of the same generator%s%n",
                    (range.from() - T0) / 1000, (range.to() - T0) / 1000, c.heldOut(), c.drift() ? " (after the drift)" : "");
            if (c.drift()) {
                drift(c, config, modes, raw, events, useJob, broker, work, run, results, out);
            }
        } finally {
            if (broker != null) {
                broker.close();
            }
        }
        return results;
    }

    /**
     * After the drift: each mode's windows over the first quarter of the post-drift stream against
     * the same mode started fresh at the drift on the post-drift events only; the final model's
     * attention per field pair on held-out post-drift examples.
     */
    static void drift(Case c, AfmConfig config, List<FeedbackMode> modes, List<String> raw, List<Event> all, boolean useJob,
                      KafkaBroker broker, Path work, int run, List<Result> results, PrintStream out) throws Exception {
        long driftAt = T0 + (c.impressions() / 2) * c.spacingMs();
        long quarter = (c.impressions() - c.impressions() / 2) * c.spacingMs() / 4;
        // the post-drift stream: impressions from the drift on, and the clicks of those impressions
        List<String> post = new ArrayList<>();
        java.util.Set<String> postIds = new java.util.HashSet<>();
        for (Event e : all) {
            if (e.type() == dev.afmflink.data.EventKind.IMPRESSION && e.ts() >= driftAt) {
                postIds.add(e.id());
            }
        }
        List<Event> postEvents = new ArrayList<>();
        for (int i = 0; i < raw.size(); i++) {
            if (postIds.contains(all.get(i).id())) {
                post.add(raw.get(i));
                postEvents.add(all.get(i));
            }
        }
        String topic = "fb-post-input";
        if (useJob) {
            broker.createTopics(List.of(topic), "");
            StreamBench.produce(broker.bootstrapServers(), topic, bytes(post));
        }
        List<Example> held = heldOut(c, config, true);
        out.printf(Locale.ROOT, "drift at %d s: windows from %d s to %d s after it (the second half of the first post-drift "
                + "quarter) against a fresh start at the drift; new important pairs %s%n", (driftAt - T0) / 1000, quarter / 2000,
                quarter / 1000, ClickSimulator.IMPORTANT_AFTER);
        out.printf(Locale.ROOT, "%-24s %10s %10s %9s   %s%n", "mode", "stream", "fresh", "ratio", "top attention pairs (held-out)");
        for (FeedbackMode m : modes) {
            Result streamed = results.stream().filter(r -> r.name().startsWith(m.id())).findFirst().orElseThrow();
            Result fresh = useJob ? job(c, config, m, broker, topic, work, run++, held) : replay(c, config, m, postEvents, held);
            double a = meanLoss(streamed.windows(), driftAt + quarter / 2, driftAt + quarter);
            double b = meanLoss(fresh.windows(), driftAt + quarter / 2, driftAt + quarter);
            FieldPairAttention att = new FieldPairAttention();
            for (String h : new ClickSimulator(c.seed(), c.bias()).heldOut(2000, true, 2, Event.DEFAULT_MODEL)) {
                att.add(streamed.model(), h);
            }
            List<String> top = att.ranked().stream().limit(3)
                    .map(p -> String.format(Locale.ROOT, "%s %.3f", p.name(), p.meanAttention())).toList();
            out.printf(Locale.ROOT, "%-24s %10.4f %10.4f %9.3f   %s%n", m.id(), a, b, a / b, top);
        }
    }


    /**
     * The online choice among candidates (issue 23), through the job's replay in the ordered mode:
     * every candidate trains on the same stream and closes its validation windows when their labels
     * are all in (W after their end); {@link LeaderChoice} sees the closes in event-time order and
     * picks the leader; each window of the stream is served by the leader in effect at its start
     * (what a server following the group's snapshots would have used). Prints each candidate's
     * delayed progressive logloss over the last quarter alone, the stream's under the choice, and the
     * switches. Returns the stream's loss ÷ the best candidate's.
     */
    public static double candidates(Case c, List<Candidate> candidates, LeaderChoice.Rule rule, PrintStream out) {
        List<Event> events = decode(events(c), candidates.get(0).config());
        range = Range.lastQuarter(c, events);
        List<Example> held = heldOut(c, candidates.get(0).config(), c.drift());
        List<Result> runs = candidates.parallelStream().map(k -> replay(c, k.config(), FeedbackMode.ORDERED, events, held)).toList();
        dev.afmflink.feedback.EventTimes times = new dev.afmflink.feedback.EventTimes(c.windowMs(), c.validationMs());
        // every close, in event-time order (a tie: candidates in order; the rule does not depend on it)
        List<long[]> closes = new ArrayList<>();
        for (int k = 0; k < runs.size(); k++) {
            for (int i = 0; i < runs.get(k).windows().size(); i++) {
                closes.add(new long[] {times.close((long) runs.get(k).windows().get(i)[0]), k, i});
            }
        }
        closes.sort(java.util.Comparator.<long[]>comparingLong(x -> x[0]).thenComparingLong(x -> x[1]));
        LeaderChoice choice = new LeaderChoice(candidates.size(), rule);
        TreeMap<Long, Integer> leaderFrom = new TreeMap<>();
        leaderFrom.put(Long.MIN_VALUE, 0);
        List<String> switches = new ArrayList<>();
        for (long[] x : closes) {
            double[] w = runs.get((int) x[1]).windows().get((int) x[2]);
            LeaderChoice.Switch sw = choice.closed((int) x[1], (long) w[0], (long) w[1], w[2]);
            if (sw != null) {
                leaderFrom.put(x[0], sw.to());
                switches.add(String.format(Locale.ROOT, "at %d s (window %d s closed): %s -> %s (%.4f -> %.4f over the last %d windows)",
                        (x[0] - T0) / 1000, (sw.windowStart() - T0) / 1000, candidates.get(sw.from()).name(),
                        candidates.get(sw.to()).name(), sw.fromLoss(), sw.toLoss(), rule.windows()));
            }
        }
        // the stream as served: each window by the leader in effect at its start
        double n = 0;
        double loss = 0;
        for (int i = 0; i < runs.get(0).windows().size(); i++) {
            long start = (long) runs.get(0).windows().get(i)[0];
            if (start < range.from() || start >= range.to()) {
                continue;
            }
            int k = leaderFrom.floorEntry(start).getValue();
            for (double[] w : runs.get(k).windows()) {
                if ((long) w[0] == start) {
                    n += w[1];
                    loss += w[2];
                }
            }
        }
        double served = loss / n;
        double best = runs.stream().mapToDouble(Result::lastQuarterLoss).min().orElseThrow();
        out.printf(Locale.ROOT, "%ncandidates (ordered mode, replay; rule: a lead of more than %.1f %% over the last %d complete "
                + "windows, %d windows between switches):%n", 100 * rule.margin(), rule.windows(), rule.windows());
        out.printf(Locale.ROOT, "%-24s %10s %12s%n", "candidate", "(a) loss", "(c) held-out");
        for (int k = 0; k < runs.size(); k++) {
            out.printf(Locale.ROOT, "%-24s %10.4f %12.4f   %s%n", candidates.get(k).name(), runs.get(k).lastQuarterLoss(),
                    runs.get(k).heldOutLoss(), candidates.get(k).config());
        }
        out.printf(Locale.ROOT, "%-24s %10.4f   (%.4f x the best candidate alone; leader at the end: %s)%n", "with the choice",
                served, served / best, candidates.get(choice.leader()).name());
        switches.forEach(x -> out.println("  switch " + x));
        if (switches.isEmpty()) {
            out.println("  no switch: " + candidates.get(0).name() + " led throughout");
        }
        return served / best;
    }

    public static List<byte[]> bytes(List<String> raw) {
        List<byte[]> out = new ArrayList<>(raw.size());
        for (Iterator<String> it = raw.iterator(); it.hasNext(); ) {
            out.add(it.next().getBytes(StandardCharsets.UTF_8));
        }
        return out;
    }
}
