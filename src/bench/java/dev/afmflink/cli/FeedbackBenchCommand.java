package dev.afmflink.cli;

import dev.afmflink.bench.FeedbackBench;
import dev.afmflink.embedded.ClickSimulator;
import dev.afmflink.feedback.FeedbackMode;
import dev.afmflink.job.ReplicaSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

final class FeedbackBenchCommand implements Command {
    @Override
    public String name() {
        return "feedback-bench";
    }

    @Override
    public String summary() {
        return "delayed-feedback quality: each --feedback mode through the job (or its replay) vs the offline ideal on the "
                + "simulated click-stream (docs/feedback.md)";
    }

    @Override
    public List<Args.Option> options() {
        List<Args.Option> o = new ArrayList<>(List.of(
                new Args.Option("case", "hard|drift|heavy|criteo|avazu", "hard", "hard: 1,000 impressions/s, clicks after exp(5 s), CTR 0.38, W = 30 s "
                        + "(30,000 impressions), windows of 10 s, no drift; drift: the embedded default's stream (4/s, log-normal "
                        + "delays, CTR 0.2, W = 10 min, windows of 15 min) with the drift half way; heavy: the hard case's times on "
                        + "step-bench's interaction-heavy world (8 fields, ten interacting pairs); criteo, avazu (with --trainers-per-model only): "
                        + "the README's samples (8,000 / 2,000 and 8,087 / 912 from --data) replayed as the job reads a file. The options "
                        + "below override"),
                new Args.Option("impressions", "N", "200000", "simulated impressions"),
                new Args.Option("impressions-per-second", "N", null, "impressions per second of event time (hard 1000, drift 4)"),
                new Args.Option("click-delay", "DIST", null, "click delays: exp:MEAN_MS or lognormal:MEDIAN_MS:SIGMA (hard exp:5000, drift lognormal:20000:1.5)"),
                new Args.Option("ctr-bias", "X", null, "the simulator's click-logit constant (hard -0.75: CTR about 0.38; drift -2.2: 0.2)"),
                new Args.Option("attribution-window-ms", "MS", null, "a click within this time after its impression labels it 1 (hard 30000, drift 600000)"),
                new Args.Option("validation-window-ms", "MS", null, "event time per progressive-validation window (hard 10000, drift 900000)"),
                new Args.Option("out-of-orderness-ms", "MS", "200", "watermark bound"),
                new Args.Option("modes", "LIST", "ordered,immediate,fake-negative", "feedback modes to compare"),
                new Args.Option("engine", "job|replay", "job", "the streaming job (embedded Kafka, MiniCluster, RocksDB) or its plain-Java replay"),
                new Args.Option("held-out", "N", "20000", "held-out examples of the same generator for the final models"),
                new Args.Option("sim-seed", "N", "7", "the simulator's seed"),
                new Args.Option("work-dir", "DIR", null, "broker, checkpoints, snapshots (default: a new temp dir)"),
                new Args.Option("trainers-per-model", "LIST", null, "one model on R trainers (e.g. 1,2,4; the first row is "
                        + "the reference): each R through the replay of the job's run (bit for bit the job's merged model, tested), "
                        + "the ordered mode, instead of the modes' table (--engine and --modes do not apply)"),
                new Args.Option("sync-tick-ms", "MS", Long.toString(ReplicaSettings.ONE.tickMs()), "with --trainers-per-model: "
                        + "event time between merges"),
                new Args.Option("sync-lag", "TICKS", Integer.toString(ReplicaSettings.ONE.lag()), "with --trainers-per-model: "
                        + "a replica takes the merge of tick n in before its first step of tick n + 1 + TICKS"),
                new Args.Option("merge-rule", "sum|mean|mean-shared|mean-steps", ReplicaSettings.ONE.rule().label(),
                        "with --trainers-per-model: how the changes merge"),
                new Args.Option("data", "DIR", "../shared/data", "with --case criteo or avazu: the research data sets"),
                new Args.Option("candidate", "'NAME: OPTIONS'", null, "a candidate configuration: model options on top of this "
                        + "command's (repeatable; two or more: the online choice among them through the replay in the ordered mode, "
                        + "instead of the modes' table)")));
        o.addAll(Candidates.RULE_OPTIONS);
        o.addAll(ModelOptions.logisticByDefault());
        return o;
    }

    @Override
    public int run(Args a) throws Exception {
        if (a.get("trainers-per-model") != null) {
            return replicas(a);
        }
        if (a.get("case").equals("criteo") || a.get("case").equals("avazu")) {
            throw new IllegalArgumentException("--case " + a.get("case") + " takes --trainers-per-model (its labels are not delayed)");
        }
        var c = caseOf(a);
        List<FeedbackMode> modes = Arrays.stream(a.get("modes").split(",")).map(FeedbackMode::parse).toList();
        String engine = a.get("engine");
        if (!engine.equals("job") && !engine.equals("replay")) {
            throw new IllegalArgumentException("--engine is job or replay");
        }
        if (!a.all("candidate").isEmpty()) {
            FeedbackBench.candidates(c, Candidates.configs(a), Candidates.rule(a), System.out);
            return 0;
        }
        Path work = a.get("work-dir") != null ? Path.of(a.get("work-dir")) : Files.createTempDirectory("afm-feedback-bench-");
        FeedbackBench.run(c, ModelOptions.config(a), modes, engine.equals("job"), work, System.out);
        return 0;
    }

    /** The simulated case the options describe. */
    private static FeedbackBench.Case caseOf(Args a) {
        var d = FeedbackBench.Case.standard(a.get("case"), a.getLong("impressions", 200000), a.getLong("sim-seed", 7),
                a.getInt("held-out", 20000));
        int rate = a.getInt("impressions-per-second", (int) (1000 / d.spacingMs()));
        if (rate < 1 || rate > 1000) {
            throw new IllegalArgumentException("--impressions-per-second must be in [1, 1000] (event time is in ms)");
        }
        return new FeedbackBench.Case(d.impressions(), 1000 / rate,
                a.get("click-delay") != null ? ClickSimulator.ClickDelay.parse(a.get("click-delay")) : d.delay(),
                a.getDouble("ctr-bias", d.bias()), d.drift(), a.getLong("attribution-window-ms", d.windowMs()),
                a.getLong("validation-window-ms", d.validationMs()), a.getLong("out-of-orderness-ms", d.boundMs()), d.seed(),
                d.heldOut(), d.heavy());
    }

    private static int replicas(Args a) throws Exception {
        List<Integer> trainers = Arrays.stream(a.get("trainers-per-model").split(",")).map(String::trim).filter(x -> !x.isEmpty())
                .map(Integer::parseInt).toList();
        ReplicaSettings sync = new ReplicaSettings(1, a.getLong("sync-tick-ms", ReplicaSettings.ONE.tickMs()),
                a.getInt("sync-lag", ReplicaSettings.ONE.lag()), dev.afmflink.sync.MergeRule.parse(a.get("merge-rule")),
                ReplicaSettings.ONE.topic());
        String name = a.get("case");
        if (name.equals("criteo") || name.equals("avazu")) {
            var c = dev.afmflink.bench.StepBench.load(name, Path.of(a.get("data")), 1, 0);
            FeedbackBench.replicasOnFile(name, c.train(), c.test(), ModelOptions.config(a), trainers, sync, System.out);
            return 0;
        }
        FeedbackBench.replicas(caseOf(a), ModelOptions.config(a), trainers, sync, System.out);
        return 0;
    }
}
