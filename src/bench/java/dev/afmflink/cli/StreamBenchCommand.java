package dev.afmflink.cli;

import dev.afmflink.bench.StreamBench;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

final class StreamBenchCommand implements Command {
    @Override
    public String name() {
        return "stream-bench";
    }

    @Override
    public String summary() {
        return "end-to-end benchmark: Kafka -> Flink -> RocksDB/heap examples/s vs a no-op job and the kernel; snapshot freshness";
    }

    @Override
    public List<Args.Option> options() {
        return List.of(new Args.Option("input", "FILE", "../shared/data/frappe/frappe.validation.libfm.gz", "libfm file replayed (m = 10; "
                        + "none: no libfm rows)"),
                new Args.Option("k", "N,N", "16,64", "k = t values"),
                new Args.Option("precision", "LIST", "float32,float64", "precisions of the Frappe rows (each with its kernel row "
                        + "and state bytes per feature)"),
                new Args.Option("backends", "LIST", "rocksdb,hashmap", "state backends of the Frappe rows"),
                new Args.Option("modes", "LIST", "ordered,immediate,fake-negative", "feedback modes of the click-stream rows (none: no row)"),
                new Args.Option("impressions", "N", "100000", "impressions of each click-stream row (more than the attribution "
                        + "window's 7,200, whose labels the end leaves out)"),
                new Args.Option("warm-up-impressions", "N", null, "impressions of an unreported click-stream job run before the "
                        + "click-stream rows, so they measure warm code rather than the JIT compiler (default: 20000 without libfm "
                        + "rows, else none)"),
                new Args.Option("freshness-rate", "EVENTS/S", "1000", "event rate of the freshness run"),
                new Args.Option("freshness-seconds", "S", "20", "length of the freshness run (0: no freshness run)"),
                new Args.Option("profile", "DIR", null, "record every row (libfm and click-stream) with the JDK Flight Recorder into DIR and "
                        + "print where the job's CPU went and what the JIT compiled and deoptimized in it (docs/benchmarks.md)"),
                new Args.Option("predictions-sample", "X", "1", "the click-stream rows' --predictions-sample (in (0, 1]: the bench times "
                        + "the job by its predictions, and counts each as 1/X labelled examples)"),
                new Args.Option("trainers-per-model", "LIST", "1", "the click-stream rows' --trainers-per-model, a row each, in turn "
                        + "(above 1: parallelism R, an unbounded job cancelled once its predictions are in; docs/scaling.md)"),
                new Args.Option("parallelism", "N", null, "with --trainers-per-model above 1: the rows' parallelism, at most N "
                        + "(default: R, a subtask per replica key; fewer puts several replica keys on one subtask)"),
                new Args.Option("sync-tick-ms", "MS", "300000", "with --trainers-per-model above 1: event time between merges "
                        + "(the simulated click-stream has 4 impressions per second of event time)"),
                new Args.Option("sync-lag", "TICKS", "1", "with --trainers-per-model above 1: the lag in ticks"),
                new Args.Option("sync-read-ahead", "TICKS", null, "with --trainers-per-model above 1: the rows' --sync-read-ahead "
                        + "(0: no bound; default: the job's)"),
                new Args.Option("merge-rule", "NAME", dev.afmflink.job.ReplicaSettings.ONE.rule().label(), "with --trainers-per-model above 1: "
                        + "the merge rule"),
                new Args.Option("input-partitions", "N", "1", "partitions of the click-stream rows' input topic (event i to "
                        + "partition i mod N)"),
                new Args.Option("route-field", "FIELD", null, "with --trainers-per-model above 1: route by the simulator's user "
                        + "(user only; its clicks then carry it)"),
                new Args.Option("local-fields", "F1,F2", null, "with --route-field: fields whose rows only their owner holds; the "
                        + "rows each replica key holds are reported"),
                new Args.Option("click-backend", "rocksdb|hashmap", "rocksdb", "the click-stream rows' state backend"),
                new Args.Option("click-k", "N", "16", "the click-stream rows' k = t (the kernel row beside each at the same k)"),
                new Args.Option("open-vocabulary", null, null, "the click-stream rows' simulator with an open vocabulary (a new "
                        + "user with a quarter of the impressions, a new ad with a twentieth)"),
                new Args.Option("floor-rows", "N", "0", "floor rows before the click-stream rows: the same events from Kafka through "
                        + "Flink back to Kafka as bytes, one record per event (no decode, no model): what the path costs before the job "
                        + "does anything"),
                new Args.Option("work-dir", "DIR", null, "broker and checkpoints (default: a new temp dir)"));
    }

    @Override
    public int run(Args a) throws Exception {
        Path work = a.get("work-dir") != null ? Path.of(a.get("work-dir")) : Files.createTempDirectory("afm-stream-bench-");
        int[] ks = Arrays.stream(a.get("k").split(",")).mapToInt(s -> Integer.parseInt(s.trim())).toArray();
        List<dev.afmflink.model.Precision> precisions = dev.afmflink.model.Precision.parseList(a.get("precision"));
        List<String> backends = List.of(a.get("backends").split(","));
        List<dev.afmflink.feedback.FeedbackMode> modes = a.get("modes").equals("none") ? List.of()
                : Arrays.stream(a.get("modes").split(",")).map(dev.afmflink.feedback.FeedbackMode::parse).toList();
        StreamBench.run(new StreamBench.Plan(a.get("input").equals("none") ? null : a.file("input"), work, ks, precisions, backends, modes,
                a.getInt("impressions", 100_000), a.get("warm-up-impressions") == null ? -1 : a.getInt("warm-up-impressions", 0),
                a.getInt("freshness-rate", 1000), a.getInt("freshness-seconds", 20),
                a.get("profile") == null ? null : Path.of(a.get("profile")), a.getDouble("predictions-sample", 1),
                Arrays.stream(a.get("trainers-per-model").split(",")).mapToInt(s -> Integer.parseInt(s.trim())).toArray(),
                syncSettings(a), a.getInt("input-partitions", 1), a.has("open-vocabulary"), a.get("click-backend"),
                a.getInt("floor-rows", 0), a.getInt("parallelism", 0), a.getInt("click-k", 16)), System.out);
        return 0;
    }

    /** The rows' synchronization; a route field only for rows above one trainer (the ReplicaSettings of R = 1 take none). */
    private static dev.afmflink.job.ReplicaSettings syncSettings(Args a) {
        dev.afmflink.job.ReplicaSettings r = new dev.afmflink.job.ReplicaSettings(2, a.getLong("sync-tick-ms", 300_000),
                a.getInt("sync-lag", 1), dev.afmflink.sync.MergeRule.parse(a.get("merge-rule")), "unused", a.get("route-field"),
                a.get("local-fields") == null ? List.of() : List.of(a.get("local-fields").split(",")));
        return StreamCommand.withReadAhead(a, r);
    }
}
