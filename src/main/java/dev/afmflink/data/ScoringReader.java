package dev.afmflink.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
import java.util.zip.GZIPInputStream;

/**
 * Lines to score (plain or .gz), each either a libfm line or a JSON event of the input topic's
 * contract (docs/events.md), detected per line as the job does: a JSON event needs
 * {@code "features"} only — {@code type} (not {@code click}), {@code id}, {@code ts} and
 * {@code label} are optional — and is hashed exactly as the job hashes it, with the field names
 * kept ({@link Example#fields}) to name attention pairs. Labels are not used. A bad line is an
 * error naming the file and line, or a counted skip when asked for.
 */
public final class ScoringReader implements Closeable {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What {@link #event(JsonNode)} checks with: the default limits, any finite label. */
    private static final EventDecoder DEFAULT = new EventDecoder(Loss.SQUARED, Integer.MAX_VALUE);

    private final Path path;
    private final boolean skipBad;
    private final EventDecoder decoder;
    private final java.util.Map<String, Long> skippedByReason = new java.util.TreeMap<>();
    private final BufferedReader in;
    private long lineNo;
    private String id;

    public ScoringReader(Path path, boolean skipBad) throws IOException {
        this(path, skipBad, DEFAULT);
    }

    /** Lines checked by {@code decoder} (its limits and its loss's label range), as the job would. */
    public ScoringReader(Path path, boolean skipBad, EventDecoder decoder) throws IOException {
        this.path = path;
        this.skipBad = skipBad;
        this.decoder = decoder;
        InputStream raw = Files.newInputStream(path);
        if (path.getFileName().toString().endsWith(".gz")) {
            raw = new GZIPInputStream(raw, 1 << 16);
        }
        this.in = new BufferedReader(new InputStreamReader(raw, StandardCharsets.UTF_8), 1 << 16);
    }

    /** The next example (normalized; {@code fields} set for JSON events), or null at the end. */
    public Example next() {
        try {
            String line;
            while ((line = in.readLine()) != null) {
                lineNo++;
                String stripped = line.strip();
                if (stripped.isEmpty() && skipBad) {
                    skip(EventDecoder.UNDECODABLE);
                    continue;
                }
                try {
                    return stripped.startsWith("{") ? event(stripped) : libfm(stripped);
                } catch (EventDecoder.BadEventException e) {
                    String where = path + ":" + lineNo + ": " + e.getMessage();
                    if (!skipBad) {
                        throw new DataFormatException(where);
                    }
                    skip(e.reason());
                }
            }
            return null;
        } catch (IOException e) {
            throw new UncheckedIOException(path + ":" + lineNo + ": " + e.getMessage(), e);
        }
    }

    /** The id of the last JSON event read, or null (libfm lines, events without one). */
    public String id() {
        return id;
    }

    public long skipped() {
        return skippedByReason.values().stream().mapToLong(Long::longValue).sum();
    }

    /** Skipped lines by reason code (with {@code skipBad}). */
    public java.util.Map<String, Long> skippedByReason() {
        return skippedByReason;
    }

    private void skip(String reason) {
        skippedByReason.merge(reason, 1L, Long::sum);
    }

    private Example libfm(String line) throws EventDecoder.BadEventException {
        id = null;
        Example ex = new Example();
        String reason = LibfmLine.parse(line, Loss.SQUARED, ex);
        if (reason != null) {
            throw new EventDecoder.BadEventException(EventDecoder.UNDECODABLE, "libfm line: " + reason);
        }
        EventDecoder.checkFeatureCount(ex.size, decoder.limits());
        return ex;
    }

    /** One JSON event as the scorer reads it with the default limits ({@link EventDecoder#scoringEvent}). */
    public static Example event(JsonNode root) throws EventDecoder.BadEventException {
        return DEFAULT.scoringEvent(root).features();
    }

    private Example event(String line) throws EventDecoder.BadEventException {
        JsonNode root;
        try {
            root = JSON.readTree(line);
        } catch (IOException e) {
            throw new EventDecoder.BadEventException(EventDecoder.UNDECODABLE, "not JSON");
        }
        JsonNode idNode = root == null ? null : root.get("id");
        id = idNode != null && idNode.isTextual() ? idNode.asText() : null;
        return decoder.scoringEvent(root).features();
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
