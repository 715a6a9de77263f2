package dev.afmflink.serving;

import dev.afmflink.data.ScoringReader;
import dev.afmflink.model.AfmModel;
import dev.afmflink.model.Example;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.Writer;
import java.nio.file.Path;

/**
 * Batch scoring of a file of libfm lines or JSON events (docs/events.md; detected per line, hashed
 * as the job hashes them) with a loaded model: one prediction per line (the probability for a
 * logistic model), printed with {@link Double#toString(double)} so the text is the exact double.
 * Labels are not used.
 */
public final class Scorer {
    private Scorer() {
    }

    /**
     * The feature ids of an input file, as a predicate: loading only these rows of a model
     * ({@code ModelReader.load(location, keep)}) scores the file exactly as the whole model does,
     * with a heap the size of the input's features, not of the model's.
     */
    public static java.util.function.LongPredicate inputIds(Path input, boolean skipBad) throws IOException {
        long[] ids = new long[1024];
        int n = 0;
        try (ScoringReader r = new ScoringReader(input, skipBad)) {
            for (Example ex = r.next(); ex != null; ex = r.next()) {
                for (int i = 0; i < ex.size; i++) {
                    if (n == ids.length) {
                        ids = java.util.Arrays.copyOf(ids, n * 2);
                    }
                    ids[n++] = ex.ids[i];
                }
            }
        }
        long[] sorted = java.util.Arrays.copyOf(ids, n);
        java.util.Arrays.sort(sorted);
        return id -> java.util.Arrays.binarySearch(sorted, id) >= 0;
    }

    /** Returns the number of examples scored. */
    public static long score(AfmModel model, Path input, Writer output, boolean skipBad) throws IOException {
        return score(model, input, output, skipBad, new java.util.TreeMap<>());
    }

    /**
     * Returns the number of examples scored; lines are checked as the job checks events (its limits,
     * the model's label range) and, with {@code skipBad}, those skipped are counted into {@code skipped} by reason.
     */
    public static long score(AfmModel model, Path input, Writer output, boolean skipBad, java.util.Map<String, Long> skipped)
            throws IOException {
        long n = 0;
        BufferedWriter out = new BufferedWriter(output, 1 << 16);
        try (ScoringReader r = reader(model, input, skipBad)) {
            for (Example ex = r.next(); ex != null; ex = r.next()) {
                out.write(Double.toString(model.predict(ex)));
                out.write('\n');
                n++;
            }
            r.skippedByReason().forEach((k, v) -> skipped.merge(k, v, Long::sum));
        }
        out.flush();
        return n;
    }

    /** A reader of {@code input} that checks lines as the job would for {@code model}: its limits and its loss's labels. */
    static ScoringReader reader(AfmModel model, Path input, boolean skipBad) throws IOException {
        return new ScoringReader(input, skipBad, new dev.afmflink.data.EventDecoder(model.config().loss(), Integer.MAX_VALUE,
                dev.afmflink.data.EventLimits.DEFAULT, System::currentTimeMillis));
    }

    /** "12 skipped (too_many_features 2, undecodable 10)", or null if none. */
    public static String skippedLine(java.util.Map<String, Long> skipped) {
        long total = skipped.values().stream().mapToLong(Long::longValue).sum();
        if (total == 0) {
            return null;
        }
        StringBuilder sb = new StringBuilder().append(total).append(" bad lines skipped (");
        skipped.forEach((k, v) -> sb.append(sb.charAt(sb.length() - 1) == '(' ? "" : ", ").append(k).append(' ').append(v));
        return sb.append(')').toString();
    }
}
