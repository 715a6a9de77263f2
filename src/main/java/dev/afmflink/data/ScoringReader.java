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

    private final Path path;
    private final boolean skipBad;
    private final BufferedReader in;
    private long lineNo;
    private long skipped;
    private String id;

    public ScoringReader(Path path, boolean skipBad) throws IOException {
        this.path = path;
        this.skipBad = skipBad;
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
                    skipped++;
                    continue;
                }
                try {
                    return stripped.startsWith("{") ? event(stripped) : libfm(stripped);
                } catch (EventDecoder.BadEventException e) {
                    String where = path + ":" + lineNo + ": " + e.getMessage();
                    if (!skipBad) {
                        throw new DataFormatException(where);
                    }
                    skipped++;
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
        return skipped;
    }

    private Example libfm(String line) throws EventDecoder.BadEventException {
        id = null;
        Example ex = new Example();
        String reason = LibfmLine.parse(line, Loss.SQUARED, ex);
        if (reason != null) {
            throw new EventDecoder.BadEventException(EventDecoder.UNDECODABLE, "libfm line: " + reason);
        }
        return ex;
    }

    /** One JSON event as the scorer reads it; also what a server does with one event of a request. */
    public static Example event(JsonNode root) throws EventDecoder.BadEventException {
        if (root == null || !root.isObject()) {
            throw new EventDecoder.BadEventException(EventDecoder.UNDECODABLE, "not a JSON object");
        }
        JsonNode type = root.get("type");
        if (type != null && type.isTextual() && type.asText().equals("click")) {
            throw new EventDecoder.BadEventException(EventDecoder.WRONG_TYPE, "a click has no features to score");
        }
        return EventDecoder.features(root.get("features"));
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
        return event(root);
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
