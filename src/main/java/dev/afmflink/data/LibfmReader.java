package dev.afmflink.data;

import dev.afmflink.model.Example;
import dev.afmflink.model.Loss;
import java.io.BufferedReader;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * Reads a libfm file (plain, or gzip when the name ends in .gz) one example at a time, in file
 * order. A bad line is an error naming the file and line, or, when the user asked for skipping,
 * a counted skip (see {@link #skipped()}); never a silently wrong number.
 */
public final class LibfmReader implements Closeable {
    private final Path path;
    private final Loss loss;
    private final boolean skipBad;
    private final BufferedReader in;
    private long lineNo;
    private long records;
    private long skipped;
    private String firstSkip;

    public LibfmReader(Path path, Loss loss, boolean skipBad) throws IOException {
        this.path = path;
        this.loss = loss;
        this.skipBad = skipBad;
        InputStream raw = Files.newInputStream(path);
        if (path.getFileName().toString().endsWith(".gz")) {
            raw = new GZIPInputStream(raw, 1 << 16);
        }
        this.in = new BufferedReader(new InputStreamReader(raw, StandardCharsets.UTF_8), 1 << 16);
    }

    /** Fills {@code out} with the next example; false at the end of the file. */
    public boolean next(Example out) {
        try {
            String line;
            while ((line = in.readLine()) != null) {
                lineNo++;
                if (!line.isBlank()) {
                    records++; // a file replayed into Kafka has no record for a blank line (a bad line here)
                }
                String reason = LibfmLine.parse(line, loss, out);
                if (reason == null) {
                    return true;
                }
                String where = path + ":" + lineNo + ": " + reason;
                if (!skipBad) {
                    throw new DataFormatException(where);
                }
                if (firstSkip == null) {
                    firstSkip = where;
                }
                skipped++;
            }
            return false;
        } catch (IOException e) {
            throw new UncheckedIOException(path + ":" + lineNo + ": " + e.getMessage(), e);
        }
    }

    /** Non-blank lines read so far, the last one returned (or skipped) included: a file replayed gives them records 0, 1, … */
    public long records() {
        return records;
    }

    /** Lines skipped as bad (only when skipping was asked for). */
    public long skipped() {
        return skipped;
    }

    /** The first skipped line's location and reason, or null. */
    public String firstSkip() {
        return firstSkip;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }

    /** Reads a whole file into memory (for multi-pass training and test sets). */
    public static List<Example> readAll(Path path, Loss loss, boolean skipBad) throws IOException {
        List<Example> out = new ArrayList<>();
        try (LibfmReader r = new LibfmReader(path, loss, skipBad)) {
            Example ex = new Example();
            while (r.next(ex)) {
                out.add(ex.copy());
            }
        }
        return out;
    }
}
