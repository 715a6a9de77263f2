package dev.afmflink.serving;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.afmflink.data.EventDecoder;
import dev.afmflink.model.PairView;
import dev.afmflink.model.AfmModel;
import dev.afmflink.model.Example;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Where a model's attention goes, per pair of fields: over sample events (JSON with
 * {@code "features": {"field": "value" | number}}, as in docs/events.md), the mean attention weight
 * a_ij of the pairs whose features come from fields (A, B). Feature ids are hashes, so the field
 * names come from the sample events, not from the model. Uniform attention would give every pair
 * 1 / (number of pairs in an example).
 */
public final class FieldPairAttention {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Map<String, double[]> sums = new HashMap<>();
    private long events;

    /** Mean attention of one field pair (fields in name order). */
    public record Pair(String fieldA, String fieldB, double meanAttention, long count) {
        public String name() {
            return fieldA + " × " + fieldB;
        }
    }

    /**
     * Adds one event's pairs; returns false (and adds nothing) if its features cannot be used (the
     * decoder's rules: missing, wrong type, not finite, none non-zero).
     */
    public boolean add(AfmModel model, String json) throws IOException {
        Example ex;
        try {
            ex = EventDecoder.features(JSON.readTree(json).get("features"), dev.afmflink.data.EventLimits.DEFAULT);
        } catch (EventDecoder.BadEventException e) {
            return false;
        }
        model.predictRaw(ex);
        PairView kernel = model.pairView();
        for (int p = 0; p < kernel.pairs(); p++) {
            String a = ex.fields[kernel.pairI(p)];
            String b = ex.fields[kernel.pairJ(p)];
            String key = a.compareTo(b) <= 0 ? a + "\u0000" + b : b + "\u0000" + a;
            double[] s = sums.computeIfAbsent(key, k -> new double[2]);
            s[0] += kernel.attention(p);
            s[1]++;
        }
        events++;
        return true;
    }

    public long events() {
        return events;
    }

    /** The field pairs, highest mean attention first. */
    public List<Pair> ranked() {
        List<Pair> out = new ArrayList<>();
        for (Map.Entry<String, double[]> e : sums.entrySet()) {
            String[] ab = e.getKey().split("\u0000", 2);
            out.add(new Pair(ab[0], ab[1], e.getValue()[0] / e.getValue()[1], (long) e.getValue()[1]));
        }
        out.sort(Comparator.comparingDouble(Pair::meanAttention).reversed().thenComparing(Pair::name));
        return out;
    }
}
