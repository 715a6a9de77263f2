package dev.afmflink.cli;

import dev.afmflink.bench.LifecycleBench;
import dev.afmflink.lifecycle.FeatureLifecycle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

final class LifecycleBenchCommand implements Command {
    @Override
    public String name() {
        return "lifecycle-bench";
    }

    @Override
    public String summary() {
        return "feature admission and expiry on an open vocabulary: quality against live features per --min-count and "
                + "--feature-ttl (replay), and a soak of the job on RocksDB (docs/operation.md)";
    }

    @Override
    public List<Args.Option> options() {
        List<Args.Option> o = new ArrayList<>(List.of(
                new Args.Option("impressions", "N", "200000", "simulated impressions (open vocabulary: a new user in 4, a new ad in 20)"),
                new Args.Option("impressions-per-second", "N", "20", "impressions per second of event time"),
                new Args.Option("min-counts", "LIST", "1,2,3,4,5", "admission counts to compare"),
                new Args.Option("ttls", "LIST", "0,30m,10m", "feature TTLs to compare (0: none)"),
                new Args.Option("soak", null, null, "also run the streaming job (embedded broker, RocksDB) with --soak-ttl and "
                        + "--soak-min-count and report live features and RocksDB's size over the run"),
                new Args.Option("soak-ttl", "DURATION", "10m", "the soak's feature TTL"),
                new Args.Option("soak-min-count", "N", "1", "the soak's admission count"),
                new Args.Option("no-table", null, null, "skip the replay table"),
                new Args.Option("sim-seed", "N", "7", "the simulator's seed"),
                new Args.Option("work-dir", "DIR", null, "the soak's broker and checkpoints (default: a new temp dir)")));
        o.addAll(ModelOptions.logisticByDefault());
        return o;
    }

    @Override
    public int run(Args a) throws Exception {
        var config = ModelOptions.config(a);
        int rate = a.getInt("impressions-per-second", 20);
        if (rate < 1 || rate > 1000) {
            throw new IllegalArgumentException("--impressions-per-second must be in [1, 1000] (event time is in ms)");
        }
        List<String> raw = LifecycleBench.events(a.getLong("impressions", 200000), rate, a.getLong("sim-seed", 7));
        System.out.printf("%,d events (open vocabulary, %d impressions/s, clicks after exp(5 s), W = 30 s, ordered mode)%n",
                raw.size(), rate);
        if (!a.has("no-table")) {
            List<Integer> counts = Arrays.stream(a.get("min-counts").split(",")).map(String::trim).map(Integer::parseInt).toList();
            List<Long> ttls = new ArrayList<>();
            for (String t : a.get("ttls").split(",")) {
                ttls.add(Args.durationMs(t.trim(), "ttls"));
            }
            LifecycleBench.table(dev.afmflink.bench.FeedbackBench.decode(raw, config), config, counts, ttls, System.out);
        }
        if (a.has("soak")) {
            Path work = a.get("work-dir") != null ? Path.of(a.get("work-dir")) : Files.createTempDirectory("afm-lifecycle-soak-");
            LifecycleBench.soak(raw, config, FeatureLifecycle.of(a.getInt("soak-min-count", 1), a.getDurationMs("soak-ttl", 600_000)),
                    work, System.out);
        }
        return 0;
    }
}
