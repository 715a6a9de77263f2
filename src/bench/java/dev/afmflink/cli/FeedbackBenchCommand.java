package dev.afmflink.cli;

import dev.afmflink.bench.FeedbackBench;
import dev.afmflink.embedded.ClickSimulator;
import dev.afmflink.feedback.FeedbackMode;
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
                new Args.Option("case", "hard|drift|heavy", "hard", "hard: 1,000 impressions/s, clicks after exp(5 s), CTR 0.38, W = 30 s "
                        + "(30,000 impressions), windows of 10 s, no drift; drift: the embedded default's stream (4/s, log-normal "
                        + "delays, CTR 0.2, W = 10 min, windows of 15 min) with the drift half way; heavy: the hard case's times on "
                        + "step-bench's interaction-heavy world (8 fields, ten interacting pairs). The options below override"),
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
                new Args.Option("candidate", "'NAME: OPTIONS'", null, "a candidate configuration: model options on top of this "
                        + "command's (repeatable; two or more: the online choice among them through the replay in the ordered mode, "
                        + "instead of the modes' table)")));
        o.addAll(Candidates.RULE_OPTIONS);
        o.addAll(ModelOptions.logisticByDefault());
        return o;
    }

    @Override
    public int run(Args a) throws Exception {
        var d = FeedbackBench.Case.standard(a.get("case"), a.getLong("impressions", 200000), a.getLong("sim-seed", 7),
                a.getInt("held-out", 20000));
        int rate = a.getInt("impressions-per-second", (int) (1000 / d.spacingMs()));
        if (rate < 1 || rate > 1000) {
            throw new IllegalArgumentException("--impressions-per-second must be in [1, 1000] (event time is in ms)");
        }
        var c = new FeedbackBench.Case(d.impressions(), 1000 / rate,
                a.get("click-delay") != null ? ClickSimulator.ClickDelay.parse(a.get("click-delay")) : d.delay(),
                a.getDouble("ctr-bias", d.bias()), d.drift(), a.getLong("attribution-window-ms", d.windowMs()),
                a.getLong("validation-window-ms", d.validationMs()), a.getLong("out-of-orderness-ms", d.boundMs()), d.seed(),
                d.heldOut(), d.heavy());
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
}
