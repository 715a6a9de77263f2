package dev.afmflink.cli;

import dev.afmflink.serving.Explainer;
import dev.afmflink.snapshot.ModelReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

final class ExplainCommand implements Command {
    @Override
    public String name() {
        return "explain";
    }

    @Override
    public String summary() {
        return "per example, a JSON line with the prediction and each feature pair's attention and contribution";
    }

    @Override
    public List<Args.Option> options() {
        return List.of(new Args.Option("model", "DIR", null, "model directory, model.afm file, or a streamed model's folder of versions"),
                new Args.Option("input", "FILE", null, "libfm lines or JSON events (pairs then named by field), plain or .gz"),
                new Args.Option("output", "FILE", null, "where the JSON lines go (default: standard output)"),
                new Args.Option("skip-bad", null, null, "skip bad lines"));
    }

    @Override
    public int run(Args a) throws Exception {
        a.require("input");
        Path in = a.file("input");
        // only the rows of the input's features: a model larger than the heap explains the same
        ModelReader.Loaded m = ModelReader.load(a.require("model"), dev.afmflink.serving.Scorer.inputIds(in, a.has("skip-bad")));
        java.util.Map<String, Long> skipped = new java.util.TreeMap<>();
        if (a.get("output") != null) {
            try (Writer w = Files.newBufferedWriter(Path.of(a.get("output")), StandardCharsets.UTF_8)) {
                Explainer.explain(m.model(), in, w, a.has("skip-bad"), skipped);
            }
        } else {
            Writer w = new OutputStreamWriter(System.out, StandardCharsets.UTF_8);
            Explainer.explain(m.model(), in, w, a.has("skip-bad"), skipped);
            w.flush();
        }
        String line = dev.afmflink.serving.Scorer.skippedLine(skipped);
        if (line != null) {
            System.err.println("afm explain: " + line);
        }
        return 0;
    }
}
