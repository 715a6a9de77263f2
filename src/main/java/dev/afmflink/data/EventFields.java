package dev.afmflink.data;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The fields of one JSON event that {@link EventDecoder}'s checks read ({@code type}, {@code id},
 * {@code ts}, {@code model}, {@code label}, {@code features}), taken either from Jackson's parser in
 * one pass (the job's records: no tree, one small object per feature) or from a tree (scoring
 * requests, which arrive as trees). Both give the checks the same view, so an event gets the same
 * verdict, reason and message either way: a repeated name keeps its last value at its first
 * position (as a tree does), JSON null reads as null, other fields are skipped.
 */
final class EventFields {
    /** What kind of JSON value a field holds, as far as the checks care. */
    enum Kind { NULL, STRING, INTEGER, BIG_INTEGER, FLOAT, OTHER }

    /**
     * One value: its kind, its text ({@code JsonNode#asText()}'s: a string's characters, a number's
     * canonical digits), and as a long (integers within range) and as a double (numbers).
     */
    record Value(Kind kind, String text, long longValue, double doubleValue) {
        static final Value NULL = new Value(Kind.NULL, "null", 0, 0);
        static final Value OTHER = new Value(Kind.OTHER, "", 0, 0);

        boolean isNumber() {
            return kind == Kind.INTEGER || kind == Kind.BIG_INTEGER || kind == Kind.FLOAT;
        }
    }

    /** A name and its value (a feature). */
    record Entry(String name, Value value) {
    }

    Value type;
    Value id;
    Value ts;
    Value model;
    Value label;
    /** The features object's entries in order (null: no such field; {@link #featuresValue} when it is not an object). */
    List<Entry> features;
    /** The {@code features} field when it is not an object (null, a string, ...); null when it is one or is absent. */
    Value featuresValue;

    /** Reads one JSON object from {@code p}, positioned before it; stops at its end (what follows is not read, as with a tree). */
    static EventFields read(JsonParser p) throws IOException {
        EventFields f = new EventFields();
        if (p.nextToken() != JsonToken.START_OBJECT) {
            return null; // not a JSON object
        }
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken t = p.nextToken();
            switch (name) {
                case "type" -> f.type = value(p, t);
                case "id" -> f.id = value(p, t);
                case "ts" -> f.ts = value(p, t);
                case "model" -> f.model = value(p, t);
                case "label" -> f.label = value(p, t);
                case "features" -> {
                    if (t == JsonToken.START_OBJECT) {
                        f.features = entries(p);
                        f.featuresValue = null;
                    } else {
                        f.features = null;
                        f.featuresValue = value(p, t);
                    }
                }
                default -> p.skipChildren();
            }
        }
        return f;
    }

    /** The entries of the object {@code p} has just opened, up to its end. */
    private static List<Entry> entries(JsonParser p) throws IOException {
        List<Entry> out = new ArrayList<>();
        java.util.HashMap<String, Integer> at = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            Value v = value(p, p.nextToken());
            if (at == null && out.size() >= 8) { // many features: find a repeated name by hash
                at = new java.util.HashMap<>();
                for (int i = 0; i < out.size(); i++) {
                    at.put(out.get(i).name(), i);
                }
            }
            Integer before = at != null ? at.get(name) : indexOf(out, name);
            if (before != null) {
                out.set(before, new Entry(name, v)); // a repeated name: the last value, at the first position
            } else {
                if (at != null) {
                    at.put(name, out.size());
                }
                out.add(new Entry(name, v));
            }
        }
        return out;
    }

    private static Integer indexOf(List<Entry> es, String name) {
        for (int i = 0; i < es.size(); i++) {
            if (es.get(i).name().equals(name)) {
                return i;
            }
        }
        return null;
    }

    /** The value at token {@code t} (a structure is skipped to its end and read as {@link Kind#OTHER}). */
    private static Value value(JsonParser p, JsonToken t) throws IOException {
        switch (t) {
            case VALUE_STRING:
                return new Value(Kind.STRING, p.getText(), 0, 0);
            case VALUE_NUMBER_INT:
                if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
                    java.math.BigInteger b = p.getBigIntegerValue();
                    return new Value(Kind.BIG_INTEGER, b.toString(), 0, b.doubleValue());
                }
                long l = p.getLongValue();
                return new Value(Kind.INTEGER, Long.toString(l), l, l);
            case VALUE_NUMBER_FLOAT:
                double d = p.getDoubleValue();
                return new Value(Kind.FLOAT, Double.toString(d), 0, d);
            case VALUE_NULL:
                return Value.NULL;
            default:
                p.skipChildren();
                return Value.OTHER;
        }
    }

    /** The same view of a tree (null: {@code root} is not an object). */
    static EventFields of(JsonNode root) {
        if (root == null || !root.isObject()) {
            return null;
        }
        EventFields f = new EventFields();
        f.type = value(root.get("type"));
        f.id = value(root.get("id"));
        f.ts = value(root.get("ts"));
        f.model = value(root.get("model"));
        f.label = value(root.get("label"));
        JsonNode features = root.get("features");
        if (features != null && features.isObject()) {
            f.features = entries(features);
        } else {
            f.featuresValue = value(features);
        }
        return f;
    }

    /** A features object's entries, from a tree. */
    static List<Entry> entries(JsonNode object) {
        List<Entry> out = new ArrayList<>(object.size());
        for (Iterator<Map.Entry<String, JsonNode>> it = object.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            out.add(new Entry(e.getKey(), value(e.getValue())));
        }
        return out;
    }

    private static Value value(JsonNode n) {
        if (n == null) {
            return null;
        }
        if (n.isNull()) {
            return Value.NULL;
        }
        if (n.isTextual()) {
            return new Value(Kind.STRING, n.asText(), 0, 0);
        }
        if (n.isIntegralNumber()) {
            return n.canConvertToLong() ? new Value(Kind.INTEGER, n.asText(), n.asLong(), n.asDouble())
                    : new Value(Kind.BIG_INTEGER, n.asText(), 0, n.asDouble());
        }
        if (n.isNumber()) {
            return new Value(Kind.FLOAT, n.asText(), 0, n.asDouble());
        }
        return Value.OTHER;
    }
}
