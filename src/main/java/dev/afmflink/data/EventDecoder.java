package dev.afmflink.data;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.afmflink.model.Example;
import dev.afmflink.model.Loss;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.Map;

/**
 * Decodes one Kafka record (UTF-8) into an {@link Event}, or says exactly why it cannot: every
 * failure is a {@link BadEventException} whose {@link BadEventException#reason()} is one of a
 * small set of reason codes (for dead-letter counting) and whose message has the detail.
 *
 * <p>A record starting with '{' is a JSON event; anything else is read as a libfm line
 * ({@code label id:value ...}, an example for the default model, id = its offset string given
 * by the caller, ts = the record timestamp).
 */
public final class EventDecoder {
    /** Dead-letter reason codes. */
    public static final String UNDECODABLE = "undecodable";
    public static final String MISSING_FIELD = "missing_field";
    public static final String WRONG_TYPE = "wrong_type";
    public static final String NON_FINITE = "non_finite";
    public static final String LABEL_OUT_OF_RANGE = "label_out_of_range";
    public static final String EMPTY_FEATURES = "empty_features";
    public static final String OVERSIZE = "oversize";

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(JsonParser.Feature.ALLOW_NON_NUMERIC_NUMBERS); // so NaN/Infinity get a precise reason

    private final Loss loss;
    private final int maxBytes;

    /** {@code maxBytes}: records longer than this are refused as oversize. */
    public EventDecoder(Loss loss, int maxBytes) {
        this.loss = loss;
        this.maxBytes = maxBytes;
    }

    /** A record that cannot be used, with its reason code. */
    public static final class BadEventException extends Exception {
        private final String reason;

        public BadEventException(String reason, String detail) {
            super(reason + ": " + detail);
            this.reason = reason;
        }

        public String reason() {
            return reason;
        }
    }

    public Event decode(byte[] raw, String fallbackId, long fallbackTs) throws BadEventException {
        if (raw == null || raw.length == 0) {
            throw new BadEventException(UNDECODABLE, "empty record");
        }
        if (raw.length > maxBytes) {
            throw new BadEventException(OVERSIZE, raw.length + " bytes > limit " + maxBytes);
        }
        int first = 0;
        while (first < raw.length && Character.isWhitespace(raw[first])) {
            first++;
        }
        if (first < raw.length && raw[first] == '{') {
            return decodeJson(raw);
        }
        Example ex = new Example();
        String line = new String(raw, StandardCharsets.UTF_8).strip();
        String reason = LibfmLine.parse(line, loss, ex);
        if (reason != null) {
            String code = reason.contains("outside") ? LABEL_OUT_OF_RANGE
                    : reason.contains("not finite") ? NON_FINITE : UNDECODABLE;
            throw new BadEventException(code, "libfm line: " + reason);
        }
        if (ex.size == 0) {
            throw new BadEventException(EMPTY_FEATURES, "libfm line has no non-zero feature");
        }
        return new Event(Event.Type.EXAMPLE, fallbackId, fallbackTs, Event.DEFAULT_MODEL, ex.label, ex);
    }

    private Event decodeJson(byte[] raw) throws BadEventException {
        JsonNode root;
        try {
            root = JSON.readTree(raw);
        } catch (JsonProcessingException e) {
            throw new BadEventException(UNDECODABLE, "not JSON: " + e.getOriginalMessage());
        } catch (java.io.IOException e) {
            throw new BadEventException(UNDECODABLE, e.getMessage());
        }
        if (root == null || !root.isObject()) {
            throw new BadEventException(UNDECODABLE, "not a JSON object");
        }
        String typeName = text(root, "type", true);
        Event.Type type = switch (typeName) {
            case "example" -> Event.Type.EXAMPLE;
            case "impression" -> Event.Type.IMPRESSION;
            case "click" -> Event.Type.CLICK;
            default -> throw new BadEventException(WRONG_TYPE, "unknown event type '" + typeName + "'");
        };
        String id = text(root, "id", true);
        JsonNode tsNode = root.get("ts");
        if (tsNode == null || tsNode.isNull()) {
            throw new BadEventException(MISSING_FIELD, "ts");
        }
        if (!tsNode.isIntegralNumber() || !tsNode.canConvertToLong()) {
            throw new BadEventException(WRONG_TYPE, "ts must be an integer (epoch ms)");
        }
        long ts = tsNode.asLong();
        String model = root.has("model") ? text(root, "model", true) : Event.DEFAULT_MODEL;
        if (type == Event.Type.CLICK) {
            return new Event(type, id, ts, model, Double.NaN, null);
        }
        double label = Double.NaN;
        if (type == Event.Type.EXAMPLE) {
            JsonNode l = root.get("label");
            if (l == null || l.isNull()) {
                throw new BadEventException(MISSING_FIELD, "label");
            }
            if (!l.isNumber()) {
                throw new BadEventException(WRONG_TYPE, "label must be a number");
            }
            label = l.asDouble();
            if (!Double.isFinite(label)) {
                throw new BadEventException(NON_FINITE, "label " + l.asText());
            }
            if (loss == Loss.LOGISTIC && label == -1.0) {
                label = 0.0;
            }
            if (!loss.validLabel(label)) {
                throw new BadEventException(LABEL_OUT_OF_RANGE, "label " + l.asText() + " outside " + loss.labelRange());
            }
        }
        Example ex = features(root.get("features"));
        ex.label = label;
        return new Event(type, id, ts, model, label, ex);
    }

    /**
     * An event's {@code "features"} object as a normalized example: {@code "field": "value"} is the
     * categorical feature (field, value) with x = 1, {@code "field": number} the numeric feature of
     * the field with x = the number (docs/events.md). {@link Example#fields} names each feature's field
     * (after a collision, the last field that hashed to the id).
     */
    public static Example features(JsonNode f) throws BadEventException {
        if (f == null || f.isNull()) {
            throw new BadEventException(MISSING_FIELD, "features");
        }
        if (!f.isObject()) {
            throw new BadEventException(WRONG_TYPE, "features must be an object");
        }
        Example ex = new Example(Math.max(1, f.size()));
        Map<Long, String> fieldOf = new java.util.HashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = f.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode v = e.getValue();
            long id;
            if (v.isTextual()) {
                id = FeatureHash.of(e.getKey(), v.asText());
                ex.add(id, 1.0);
            } else if (v.isNumber()) {
                double x = v.asDouble();
                if (!Double.isFinite(x)) {
                    throw new BadEventException(NON_FINITE, "feature '" + e.getKey() + "' = " + v.asText());
                }
                id = FeatureHash.numeric(e.getKey());
                ex.add(id, x);
            } else {
                throw new BadEventException(WRONG_TYPE, "feature '" + e.getKey() + "' must be a string or a number");
            }
            fieldOf.put(id, e.getKey());
        }
        ex.normalize();
        if (ex.size == 0) {
            throw new BadEventException(EMPTY_FEATURES, "no non-zero feature");
        }
        ex.fields = new String[ex.size];
        for (int i = 0; i < ex.size; i++) {
            ex.fields[i] = fieldOf.get(ex.ids[i]);
        }
        return ex;
    }

    private static String text(JsonNode root, String field, boolean required) throws BadEventException {
        JsonNode n = root.get(field);
        if (n == null || n.isNull()) {
            if (required) {
                throw new BadEventException(MISSING_FIELD, field);
            }
            return null;
        }
        if (!n.isTextual()) {
            throw new BadEventException(WRONG_TYPE, field + " must be a string");
        }
        return n.asText();
    }
}
