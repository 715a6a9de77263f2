package dev.afmflink.serving;

import dev.afmflink.data.ScoringReader;
import dev.afmflink.model.PairView;
import dev.afmflink.model.AfmModel;
import dev.afmflink.model.Example;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.Writer;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Explains predictions: per example one JSON line
 * {@code {"prediction": p, "pairs": [{"i": id, "j": id, "attention": a, "contribution": c}, ...]}}
 * with the pairs sorted by attention, descending (ties by pair order); for JSON events each pair
 * also names its fields ({@code "fields": ["ad", "user"]}). The contribution of pair
 * (i, j) is a_ij·pᵀ(v_i x_i ⊙ v_j x_j): the pair terms sum to ŷ minus the linear part.
 */
public final class Explainer {
    private Explainer() {
    }

    public static long explain(AfmModel model, Path input, Writer output, boolean skipBad) throws IOException {
        return explain(model, input, output, skipBad, new java.util.TreeMap<>());
    }

    /** As {@link Scorer#score(AfmModel, Path, Writer, boolean, java.util.Map)}: skipped lines counted by reason. */
    public static long explain(AfmModel model, Path input, Writer output, boolean skipBad, java.util.Map<String, Long> skipped)
            throws IOException {
        long n = 0;
        BufferedWriter out = new BufferedWriter(output, 1 << 16);
        StringBuilder sb = new StringBuilder(4096);
        try (ScoringReader r = Scorer.reader(model, input, skipBad)) {
            for (Example ex = r.next(); ex != null; ex = r.next()) {
                sb.setLength(0);
                line(model, ex, sb);
                out.append(sb).append('\n');
                n++;
            }
            r.skippedByReason().forEach((k, v) -> skipped.merge(k, v, Long::sum));
        }
        out.flush();
        return n;
    }

    /** Appends the JSON explanation of one normalized example. */
    public static void line(AfmModel model, Example ex, StringBuilder sb) {
        double raw = model.predictRaw(ex);
        PairView kernel = model.pairView();
        Integer[] order = byAttention(kernel);
        int pairs = order.length;
        sb.append("{\"prediction\": ").append(json(model.config().loss().prediction(raw))).append(", \"pairs\": [");
        for (int q = 0; q < pairs; q++) {
            int p = order[q];
            if (q > 0) {
                sb.append(", ");
            }
            sb.append("{\"i\": ").append(ex.ids[kernel.pairI(p)])
                    .append(", \"j\": ").append(ex.ids[kernel.pairJ(p)]);
            if (ex.fields != null) {
                sb.append(", \"fields\": [").append(quote(ex.fields[kernel.pairI(p)])).append(", ")
                        .append(quote(ex.fields[kernel.pairJ(p)])).append(']');
            }
            sb.append(", \"attention\": ").append(json(kernel.attention(p)))
                    .append(", \"contribution\": ").append(json(kernel.contribution(p)))
                    .append('}');
        }
        sb.append("]}");
    }

    /**
     * The pairs of the example the kernel last ran forward, by attention descending (ties by pair
     * order): the order every explanation lists them in.
     */
    public static Integer[] byAttention(PairView kernel) {
        Integer[] order = new Integer[kernel.pairs()];
        for (int p = 0; p < order.length; p++) {
            order[p] = p;
        }
        Arrays.sort(order, (a, b) -> {
            int c = Double.compare(kernel.attention(b), kernel.attention(a));
            return c != 0 ? c : Integer.compare(a, b);
        });
        return order;
    }

    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    private static String quote(String s) {
        try {
            return JSON.writeValueAsString(s);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String json(double d) {
        return Double.isFinite(d) ? Double.toString(d) : "null";
    }
}
