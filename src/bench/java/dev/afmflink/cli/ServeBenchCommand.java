package dev.afmflink.cli;

import dev.afmflink.bench.ServeBench;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

final class ServeBenchCommand implements Command {
    @Override
    public String name() {
        return "serve-bench";
    }

    @Override
    public String summary() {
        return "model server: latency at fixed rates (open loop), saturated throughput, 100 deltas under load, freshness through the job";
    }

    @Override
    public List<Args.Option> options() {
        return List.of(new Args.Option("k", "N,N", "16,64", "k = t values"),
                new Args.Option("rates", "R,R", "1000,5000", "request rates (req/s) of the latency runs"),
                new Args.Option("seconds", "S", "10", "length of each latency run"),
                new Args.Option("threads", "N", "4", "server worker threads (as bin/afm serve by default)"),
                new Args.Option("slow-clients", "N", null, "only the slow-clients run: 1,000 req/s with 0 and with N clients sending headers a byte at a time"),
                new Args.Option("no-freshness", null, null, "skip the freshness run (it starts a Kafka broker and the job)"),
                new Args.Option("work-dir", "DIR", null, "broker and checkpoints of the freshness run (default: a new temp dir)"));
    }

    @Override
    public int run(Args a) throws Exception {
        Path work = a.get("work-dir") != null ? Path.of(a.get("work-dir")) : Files.createTempDirectory("afm-serve-bench-");
        int[] ks = Arrays.stream(a.get("k").split(",")).mapToInt(s -> Integer.parseInt(s.trim())).toArray();
        int[] rates = Arrays.stream(a.get("rates").split(",")).mapToInt(s -> Integer.parseInt(s.trim())).toArray();
        if (a.get("slow-clients") != null) {
            dev.afmflink.bench.ServeBench.slowClients(a.getInt("slow-clients", 100), a.getInt("threads", 4), a.getInt("seconds", 10), System.out);
            return 0;
        }
        ServeBench.run(ks, rates, a.getInt("seconds", 10), a.getInt("threads", 4), work, !a.has("no-freshness"), System.out);
        return 0;
    }
}
