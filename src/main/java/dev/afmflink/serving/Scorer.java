package dev.afmflink.serving;

import dev.afmflink.data.LibfmReader;
import dev.afmflink.model.AfmModel;
import dev.afmflink.model.Example;
import dev.afmflink.model.Loss;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.Writer;
import java.nio.file.Path;

/**
 * Batch scoring of a libfm file with a loaded model: one prediction per line (the probability for
 * a logistic model), printed with {@link Double#toString(double)} so the text is the exact double.
 * The file's labels are read but not used (any finite label is accepted).
 */
public final class Scorer {
    private Scorer() {
    }

    /** Returns the number of examples scored. */
    public static long score(AfmModel model, Path input, Writer output, boolean skipBad) throws IOException {
        long n = 0;
        BufferedWriter out = new BufferedWriter(output, 1 << 16);
        try (LibfmReader r = new LibfmReader(input, Loss.SQUARED, skipBad)) {
            Example ex = new Example();
            while (r.next(ex)) {
                out.write(Double.toString(model.predict(ex)));
                out.write('\n');
                n++;
            }
        }
        out.flush();
        return n;
    }
}
