package dev.afmflink.snapshot;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A snapshot too large to travel inside a Kafka record travels as a pointer: the record's value
 * is this JSON — where the file is in the snapshot storage, its SHA-256 and its size — instead of
 * the file's bytes. A consumer tells the two apart by the first byte ('{' here, the format's
 * magic otherwise), reads the file from the storage and checks the digest
 * ({@link SnapshotChain#applyRecord}). The one home of the pointer's encoding.
 */
public record SnapshotPointer(String uri, String sha256, long bytes) {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** True if a snapshot record's value is a pointer (a model file starts with its magic, never '{'). */
    public static boolean isPointer(byte[] value) {
        return value != null && value.length > 0 && value[0] == '{';
    }

    public byte[] encode() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("uri", uri);
        m.put("sha256", sha256);
        m.put("bytes", bytes);
        try {
            return JSON.writeValueAsBytes(m);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public static SnapshotPointer decode(byte[] value, String name) throws IOException {
        JsonNode n;
        try {
            n = JSON.readTree(new String(value, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IOException(name + ": not a snapshot pointer: " + e.getMessage(), e);
        }
        if (n == null || !n.path("uri").isTextual() || !n.path("sha256").isTextual() || !n.path("bytes").canConvertToLong()) {
            throw new IOException(name + ": a snapshot pointer needs uri, sha256 and bytes");
        }
        return new SnapshotPointer(n.get("uri").asText(), n.get("sha256").asText(), n.get("bytes").asLong());
    }
}
