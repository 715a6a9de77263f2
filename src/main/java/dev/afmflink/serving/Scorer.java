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
        long n = 0;
        BufferedWriter out = new BufferedWriter(output, 1 << 16);
        try (ScoringReader r = new ScoringReader(input, skipBad)) {
            for (Example ex = r.next(); ex != null; ex = r.next()) {
                out.write(Double.toString(model.predict(ex)));
                out.write('\n');
                n++;
            }
        }
        out.flush();
        return n;
    }
}
