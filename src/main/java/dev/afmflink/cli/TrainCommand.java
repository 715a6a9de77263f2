package dev.afmflink.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.afmflink.lifecycle.FeatureLifecycle;
import dev.afmflink.model.AfmConfig;
import dev.afmflink.offline.OfflineTrainer;
import dev.afmflink.snapshot.ModelWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

final class TrainCommand implements Command {
    @Override
    public String name() {
        return "train";
    }

    @Override
    public String summary() {
        return "train an AFM offline on libfm files, one example at a time (progressive validation), test it, save it";
    }

    @Override
    public List<Args.Option> options() {
        List<Args.Option> o = new ArrayList<>();
        o.add(new Args.Option("train", "FILE", null, "training libfm file (plain or .gz), read in file order"));
        o.add(new Args.Option("test", "FILE", null, "test libfm file: RMSE, or logloss and AUC, at the end"));
        o.addAll(ModelOptions.OPTIONS);
        o.add(new Args.Option("passes", "N", null, "passes over the training file; passes after the first are shuffled (default: squared "
                + ModelOptions.SQUARED.passes() + ", logistic " + ModelOptions.LOGISTIC.passes() + ")"));
        o.add(new Args.Option("progress-every", "N", "10000", "print progressive validation every N examples"));
        o.add(new Args.Option("skip-bad", null, null, "skip (and count) bad input lines instead of stopping"));
        o.add(new Args.Option("min-count", "N", "1", "feature admission as the streaming job does it: a feature gets parameters at "
                + "its N-th example (1: at once). With it or --feature-ttl, one pass runs as the job trains the same file replayed "
                + "(bin/afm stream --input FILE: line i at event time 2026-01-01 + i ms, the ordered mode): give the job's "
                + "--min-count " + FeatureLifecycle.DEFAULT_MIN_COUNT + " --feature-ttl 30d and --loss logistic (its defaults) and the "
                + "job's model options, "
                + "and --model-out is the model the job published at the end, bit for bit"));
        o.add(new Args.Option("feature-ttl", "DURATION", "0", "feature expiry in event time as the streaming job does it (e.g. 30d; "
                + "0: never)"));
        o.add(new Args.Option("out-of-orderness-ms", "MS", Long.toString(dev.afmflink.time.EventTime.DEFAULT_OUT_OF_ORDERNESS_MS),
                "with --min-count or --feature-ttl: the job's watermark bound (its sweeps follow its watermark)"));
        o.add(new Args.Option("metrics-out", "FILE", null, "write the figures as JSON"));
        o.add(new Args.Option("model-out", "DIR", null, "write the trained model (docs/model-format.md)"));
        o.add(new Args.Option("model-version", "N", "1", "model version written in the header"));
        o.add(new Args.Option("candidate", "'NAME: OPTIONS'", null, "a candidate configuration: model options on top of this "
                + "command's (repeatable; two or more: every candidate trains on the same examples, one pass, each exactly as it would "
                + "alone; progressive validation in windows of --candidate-window-examples picks the leader online, switching only "
                + "on a clear lead; --model-out is the leader at the end, bit for bit its own model)"));
        o.add(new Args.Option("candidate-window-examples", "N", "5000", "examples per validation window of the choice"));
        o.addAll(Candidates.RULE_OPTIONS);
        return o;
    }

    @Override
    public int run(Args a) throws Exception {
        AfmConfig config = ModelOptions.config(a);
        int passes = ModelOptions.passes(a);
        if (passes < 1) {
            throw new Args.UsageException("--passes must be >= 1");
        }
        long every = a.getLong("progress-every", 10000);
        if (every < 1) {
            throw new Args.UsageException("--progress-every must be >= 1");
        }
        a.require("train");
        Path train = a.file("train");
        Path test = a.file("test");
        System.out.println("config: " + config);
        FeatureLifecycle lifecycle = FeatureLifecycle.of(a.getInt("min-count", 1), a.getDurationMs("feature-ttl", 0));
        if (lifecycle.enabled() && a.get("passes") != null && passes != 1) {
            throw new Args.UsageException("--min-count and --feature-ttl train one pass, as the stream does (--passes 1)");
        }
        if (!a.all("candidate").isEmpty()) {
            return candidates(a, train, test);
        }
        OfflineTrainer.Result r = OfflineTrainer.run(new OfflineTrainer.Settings(train, test, config,
                lifecycle.enabled() ? 1 : passes, config.seed(), every, a.has("skip-bad"), lifecycle,
                a.getLong("out-of-orderness-ms", dev.afmflink.time.EventTime.DEFAULT_OUT_OF_ORDERNESS_MS)), System.out);
        write(a, r.metrics(), r.model());
        return 0;
    }

    /** --metrics-out and --model-out. */
    private static void write(Args a, java.util.Map<String, Object> metrics, dev.afmflink.model.AfmModel model) throws Exception {
        if (a.get("metrics-out") != null) {
            Path out = Path.of(a.get("metrics-out"));
            if (out.getParent() != null) {
                java.nio.file.Files.createDirectories(out.getParent());
            }
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(out.toFile(), metrics);
            System.out.println("metrics: " + out);
        }
        if (a.get("model-out") != null) {
            ModelWriter.writeFull(model, a.getLong("model-version", 1), Path.of(a.get("model-out")));
            System.out.println("model: " + a.get("model-out"));
        }
    }

    /** The online choice among --candidate configurations (dev.afmflink.offline.CandidateTrainer). */
    private static int candidates(Args a, Path train, Path test) throws Exception {
        List<Candidates.Named> named = Candidates.candidates(a);
        if (a.get("passes") != null && ModelOptions.passes(a) != 1 || a.getInt("min-count", 1) != 1
                || a.getDurationMs("feature-ttl", 0) != 0) {
            throw new Args.UsageException("--candidate trains one pass, every feature at once (no --passes, --min-count, --feature-ttl)");
        }
        List<dev.afmflink.feedback.Candidate> cs = Candidates.configs(a, named);
        cs.forEach(c -> System.out.println("candidate " + c.name() + ": " + c.config()));
        var r = dev.afmflink.offline.CandidateTrainer.run(train, test, cs, Candidates.rule(a), a.getInt("candidate-window-examples", 5000),
                a.has("skip-bad"), System.out);
        write(a, r.metrics(), r.models().get(r.leader()));
        return 0;
    }
}
