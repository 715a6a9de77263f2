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

        /** An integer within a long's range; its text is made only if a message asks for it. */
        static Value integer(long l) {
            return new Value(Kind.INTEGER, null, l, l);
        }

        @Override
        public String text() {
            return text != null ? text : Long.toString(longValue);
        }

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
            if (name.equals("features") && t == JsonToken.START_OBJECT) {
                Entries es = new Entries();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String feature = p.currentName();
                    es.add(feature, value(p, p.nextToken()));
                }
                f.features = es.list;
                f.featuresValue = null;
            } else if (isRead(name)) {
                f.set(name, value(p, t));
            } else {
                p.skipChildren();
            }
        }
        return f;
    }

    /** Whether {@code name} is a field the checks read (every other field is skipped). */
    static boolean isRead(String name) {
        return switch (name) {
            case "type", "id", "ts", "model", "label", "features" -> true;
            default -> false;
        };
    }

    /** Sets field {@code name} (one {@link #isRead} names) to {@code v}; {@code features} given a value that is not an object. */
    void set(String name, Value v) {
        switch (name) {
            case "type" -> type = v;
            case "id" -> id = v;
            case "ts" -> ts = v;
            case "model" -> model = v;
            case "label" -> label = v;
            case "features" -> {
                features = null;
                featuresValue = v;
            }
            default -> throw new IllegalArgumentException(name);
        }
    }

    /** A features object's entries as they are read: a repeated name keeps its last value at its first position (as a tree does). */
    static final class Entries {
        final List<Entry> list = new ArrayList<>(8);
        java.util.HashMap<String, Integer> at;
        /** A bit per name's hash (mod 64) added so far: a name whose bit is clear is new without a scan. */
        private long seen;

        void add(String name, Value v) {
            long bit = 1L << name.hashCode(); // a shift takes the low six bits
            if ((seen & bit) == 0 && at == null) {
                seen |= bit;
                list.add(new Entry(name, v));
                return;
            }
            seen |= bit;
            if (at == null && list.size() >= 8) { // many features: find a repeated name by hash
                at = new java.util.HashMap<>();
                for (int i = 0; i < list.size(); i++) {
                    at.put(list.get(i).name(), i);
                }
            }
            Integer before = at != null ? at.get(name) : indexOf(list, name);
            if (before != null) {
                list.set(before, new Entry(name, v));
            } else {
                if (at != null) {
                    at.put(name, list.size());
                }
                list.add(new Entry(name, v));
            }
        }
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
                return Value.integer(p.getLongValue());
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
