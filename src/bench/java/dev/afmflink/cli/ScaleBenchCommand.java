package dev.afmflink.cli;

import dev.afmflink.bench.ScaleBench;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

final class ScaleBenchCommand implements Command {
    @Override
    public String name() {
        return "scale-bench";
    }

    @Override
    public String summary() {
        return "the job at scale in its own small-heap JVM: a model of 10 million features published and checked against the "
                + "replay, and 100,000 model keys at k = t = 64 with checkpoint sizes after a quiet period (docs/benchmarks.md; "
                + "give this JVM room for the replay: AFM_JAVA_OPTS=-Xmx12g)";
    }

    @Override
    public List<Args.Option> options() {
        return List.of(
                new Args.Option("case", "features|keys|both|sync", "both", "which case to run (sync: the cost model of one "
                        + "model on R trainers, in memory; not part of both)"),
                new Args.Option("features", "N", "10000000", "features case: distinct features of the model"),
                new Args.Option("feature-k", "K", "16", "features case: k (t the same)"),
                new Args.Option("publish-every", "N", "250000", "features case: a snapshot every N examples (every second one full)"),
                new Args.Option("trainers-per-model", "R", "1", "features case: R > 1 trains the model on R replica keys on a "
                        + "real cluster of processes (a JobManager and R TaskManagers of one slot and --tm-heap each, flink run "
                        + "at parallelism R), routed by its own feature f0, the 8 own fields local; checked against ReplicaReplay"),
                new Args.Option("state-backend", "rocksdb|forst", "rocksdb", "features case: the job's state backend"),
                new Args.Option("tm-heap", "MIB", "1024", "features case with R > 1: each TaskManager's JVM heap (framework + task heap)"),
                new Args.Option("sync-tick-ms", "MS", "10000", "features case with R > 1: event time between merges (an example "
                        + "a millisecond)"),
                new Args.Option("keys", "N", "100000", "keys case: model keys"),
                new Args.Option("rounds", "N", "2", "keys case: examples per key before the quiet period"),
                new Args.Option("key-k", "K", "64", "keys case: k (t the same)"),
                new Args.Option("checkpoint-interval-ms", "MS", "10000", "keys case: the job's checkpoint interval"),
                new Args.Option("quiet-checkpoints", "N", "30", "keys case: a quiet period lasts until two checkpoints in a row add "
                        + "under 1 % of the state, at most N checkpoints"),
                new Args.Option("sync-examples", "N", "200000", "sync case: examples of the simulator's open vocabulary"),
                new Args.Option("sync-k", "K", "16", "sync case: k (t the same)"),
                new Args.Option("sync-tick-examples", "N", "1200", "sync case: examples per tick (stream-bench's tick: 300 s at 4/s)"),
                new Args.Option("sync-replicas", "LIST", "1,2,4,8,16,32,64", "sync case: R measured (the fit takes 2 and 4)"),
                new Args.Option("job-us", "C1,C2", null, "sync case: the job's CPU per labelled example at R = 1 and 2 (stream-bench "
                        + "--trainers-per-model 1,2): the model then predicts the job's at every R"),
                new Args.Option("job-rate", "EX/S", null, "sync case: the job's labelled examples/s at R = 1 (the cores it keeps busy "
                        + "here = rate × CPU per example)"),
                new Args.Option("job-heap", "SIZE", "1g", "the job's JVM heap (-Xmx; MiniCluster, TaskManager and all)"),
                new Args.Option("work-dir", "DIR", null, "broker, checkpoints and snapshots (default: a new temp dir, deleted after)"));
    }

    @Override
    public int run(Args a) throws Exception {
        String which = a.get("case");
        if (!List.of("features", "keys", "both", "sync").contains(which)) {
            throw new Args.UsageException("--case is features, keys, both or sync, got " + which);
        }
        if (which.equals("sync")) {
            double[] job = a.get("job-us") == null ? new double[] {Double.NaN, Double.NaN}
                    : java.util.Arrays.stream(a.get("job-us").split(",")).mapToDouble(Double::parseDouble).toArray();
            if (job.length != 2) {
                throw new Args.UsageException("--job-us takes the CPU per example at R = 1 and 2: C1,C2");
            }
            dev.afmflink.bench.SyncCostBench.run(a.getInt("sync-examples", 200_000), a.getInt("sync-k", 16),
                    a.getInt("sync-tick-examples", 1200), java.util.Arrays.stream(a.get("sync-replicas").split(","))
                            .mapToInt(x -> Integer.parseInt(x.trim())).toArray(), job[0], job[1],
                    a.get("job-rate") == null ? Double.NaN : a.getDouble("job-rate", 0), System.out);
            return 0;
        }
        boolean temp = a.get("work-dir") == null;
        Path work = temp ? Files.createTempDirectory("afm-scale-") : Path.of(a.get("work-dir"));
        boolean ok = true;
        try {
            if (!which.equals("keys")) {
                int k = a.getInt("feature-k", 16);
                Path w = Files.createDirectories(work.resolve("features"));
                int replicas = a.getInt("trainers-per-model", 1);
                if (replicas > 1) { // an example a millisecond: --publish-every's examples are its event time
                    ok &= dev.afmflink.bench.ScaleReplicasBench.run(a.getLong("features", 10_000_000), k, replicas, a.get("tm-heap"),
                            a.getLong("publish-every", 250_000), a.getLong("sync-tick-ms", 10_000), a.get("state-backend"), w, System.out);
                } else {
                    ok &= ScaleBench.features(a.getLong("features", 10_000_000), k, k, a.get("job-heap"),
                            a.getLong("publish-every", 250_000), a.get("state-backend"), w, System.out);
                }
                if (temp) {
                    ScaleBench.deleteTree(w);
                }
            }
            if (!which.equals("features")) {
                int k = a.getInt("key-k", 64);
                Path w = Files.createDirectories(work.resolve("keys"));
                ok &= ScaleBench.keys(a.getInt("keys", 100_000), a.getInt("rounds", 2), k, k, a.get("job-heap"), w, System.out,
                        a.getLong("checkpoint-interval-ms", 10_000), a.getInt("quiet-checkpoints", 30));
                if (temp) {
                    ScaleBench.deleteTree(w);
                }
            }
        } finally {
            if (temp) {
                ScaleBench.deleteTree(work);
            }
        }
        System.out.println(ok ? "scale-bench: every check held" : "scale-bench: A CHECK FAILED");
        return ok ? 0 : 1;
    }
}
