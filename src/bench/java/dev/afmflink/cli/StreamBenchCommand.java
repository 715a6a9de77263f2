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
        return List.of(new Args.Option("input", "FILE", "../shared/data/frappe/frappe.validation.libfm.gz", "libfm file replayed (m = 10)"),
                new Args.Option("k", "N,N", "16,64", "k = t values"),
                new Args.Option("precision", "LIST", "float32,float64", "precisions of the Frappe rows (each with its kernel row "
                        + "and state bytes per feature)"),
                new Args.Option("freshness-rate", "EVENTS/S", "1000", "event rate of the freshness run"),
                new Args.Option("freshness-seconds", "S", "20", "length of the freshness run"),
                new Args.Option("work-dir", "DIR", null, "broker and checkpoints (default: a new temp dir)"));
    }

    @Override
    public int run(Args a) throws Exception {
        Path work = a.get("work-dir") != null ? Path.of(a.get("work-dir")) : Files.createTempDirectory("afm-stream-bench-");
        int[] ks = Arrays.stream(a.get("k").split(",")).mapToInt(s -> Integer.parseInt(s.trim())).toArray();
        List<dev.afmflink.model.Precision> precisions = dev.afmflink.model.Precision.parseList(a.get("precision"));
        StreamBench.run(Path.of(a.get("input")), work, ks, precisions, a.getInt("freshness-rate", 1000),
                a.getInt("freshness-seconds", 20), System.out);
        return 0;
    }
}
