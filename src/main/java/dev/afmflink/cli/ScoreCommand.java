package dev.afmflink.cli;

import dev.afmflink.serving.Scorer;
import dev.afmflink.snapshot.ModelReader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

final class ScoreCommand implements Command {
    @Override
    public String name() {
        return "score";
    }

    @Override
    public String summary() {
        return "write one prediction per line (the probability for a logistic model) for a file of libfm lines or JSON events";
    }

    @Override
    public List<Args.Option> options() {
        return List.of(new Args.Option("model", "DIR", null, "model directory, model.afm file, or a streamed model's folder of versions"),
                new Args.Option("input", "FILE", null, "libfm lines or JSON events (docs/events.md; detected per line, labels ignored), plain or .gz"),
                new Args.Option("output", "FILE", null, "where the predictions go"),
                new Args.Option("skip-bad", null, null, "skip bad lines (no output line for them)"));
    }

    @Override
    public int run(Args a) throws Exception {
        // only the rows of the input's features: a model larger than the heap scores the same
        a.require("input");
        Path input = a.file("input");
        a.require("output");
        ModelReader.Loaded m = ModelReader.load(a.require("model"), dev.afmflink.serving.Scorer.inputIds(input, a.has("skip-bad")));
        try (Writer w = Files.newBufferedWriter(Path.of(a.require("output")), StandardCharsets.UTF_8)) {
            java.util.Map<String, Long> skipped = new java.util.TreeMap<>();
            long n = Scorer.score(m.model(), input, w, a.has("skip-bad"), skipped);
            System.err.println("scored " + n + " examples with model version " + m.header().modelVersion()
                    + (Scorer.skippedLine(skipped) == null ? "" : "; " + Scorer.skippedLine(skipped)));
        }
        return 0;
    }
}
