package dev.afmflink.data;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * JSON events read straight from their bytes where they have the shape events have, into the
 * {@link EventFields} the decoder's checks read; every other record is left to Jackson's parser
 * ({@link EventFields#read}), so verdicts and messages stay Jackson's.
 */
final class EventBytes {
    /** The longest string or name {@link #read} reads (a longer one: Jackson reads the record, with its limits). */
    static final int MAX_CHARS = 1_000;

    private EventBytes() {
    }

    /**
     * Reads a record in the shape events have (one object of ASCII strings without escapes, integers
     * of up to 18 digits, null, true and false, and a flat {@code features} object of the same) straight
     * from its bytes, and gives what {@link EventFields#read} would; returns null for anything else — escapes,
     * non-ASCII text, fractions and exponents, nested structures, syntax errors — which Jackson then
     * reads, so every verdict and message stays Jackson's. {@code EventFieldsTest} holds the two to one
     * another on events and on mutations of them.
     */
    static EventFields read(byte[] raw) {
        return read(raw, new Names());
    }

    /** {@code names}: where the strings of names, types and models come from (one per decoder). */
    static EventFields read(byte[] raw, Names names) {
        return new Reader(raw, names).object();
    }

    /**
     * The strings of names (and of the {@code type} and {@code model} values) a reader has made, by their
     * bytes: the same name is the same {@code String} from record to record, its hash computed once, as
     * Jackson's symbol table gives its names (the maps keyed by field and model then compare by
     * identity). A slot holds the last string of its hash; writes are racy and harmless (a lost write
     * is a miss: strings are immutable).
     */
    static final class Names {
        private static final int SLOTS = 512;
        /** A slot's string and its bytes, in one object so a reader never sees one without the other. */
        private record Slot(String string, byte[] bytes) {
        }

        private final Slot[] slots = new Slot[SLOTS];

        /** {@code hash}: {@code String.hashCode} of the bytes' Latin-1 text. */
        String of(byte[] b, int from, int length, int hash) {
            int slot = (hash ^ (hash >>> 9) ^ (hash >>> 18)) & (SLOTS - 1);
            Slot s = slots[slot];
            if (s != null && Arrays.equals(s.bytes, 0, s.bytes.length, b, from, from + length)) {
                return s.string;
            }
            byte[] bytes = Arrays.copyOfRange(b, from, from + length);
            String string = new String(bytes, StandardCharsets.ISO_8859_1);
            slots[slot] = new Slot(string, bytes);
            return string;
        }
    }

    /** A record's reader: a position in the bytes; every method returns null where the shape ends. */
    private static final class Reader {
        private final byte[] b;
        private final Names names;
        private int i;

        Reader(byte[] b, Names names) {
            this.b = b;
            this.names = names;
        }

        /** The next byte after JSON whitespace (space, tab, CR, LF), or -1 at the end. */
        private int next() {
            while (i < b.length) {
                byte c = b[i];
                if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
                    return c;
                }
                i++;
            }
            return -1;
        }

        EventFields object() {
            if (next() != '{') {
                return null;
            }
            i++;
            EventFields f = new EventFields();
            if (next() == '}') {
                return f;
            }
            while (true) {
                String name = name();
                if (name == null) {
                    return null;
                }
                if (name.equals("features") && next() == '{') {
                    i++;
                    List<EventFields.Entry> es = entries();
                    if (es == null) {
                        return null;
                    }
                    f.features = es;
                    f.featuresValue = null;
                } else {
                    EventFields.Value v = value(name.equals("type") || name.equals("model"));
                    if (v == null) {
                        return null;
                    }
                    if (EventFields.isRead(name)) {
                        f.set(name, v);
                    }
                }
                int c = next();
                i++;
                if (c == '}') {
                    return f;
                }
                if (c != ',') {
                    return null;
                }
            }
        }

        /** A flat object's entries after its '{', through its '}'. */
        private List<EventFields.Entry> entries() {
            EventFields.Entries es = new EventFields.Entries();
            if (next() == '}') {
                i++;
                return es.list;
            }
            while (true) {
                String name = name();
                EventFields.Value v = name == null ? null : value(false);
                if (v == null) {
                    return null;
                }
                es.add(name, v);
                int c = next();
                i++;
                if (c == '}') {
                    return es.list;
                }
                if (c != ',') {
                    return null;
                }
            }
        }

        /** A member's name and its ':'. */
        private String name() {
            if (next() != '"') {
                return null;
            }
            String name = string(true);
            if (name == null || next() != ':') {
                return null;
            }
            i++;
            return name;
        }

        /** {@code named}: a string is taken from {@link #names} (a type or a model: few values, each in many records). */
        private EventFields.Value value(boolean named) {
            int c = next();
            if (c == '"') {
                String t = string(named);
                return t == null ? null : new EventFields.Value(EventFields.Kind.STRING, t, 0, 0);
            }
            if (c == '-' || (c >= '0' && c <= '9')) {
                return integer();
            }
            if (literal("null")) {
                return EventFields.Value.NULL;
            }
            return literal("true") || literal("false") ? EventFields.Value.OTHER : null;
        }

        /** The string at the opening quote: printable ASCII without escapes (a control char, a backslash or a non-ASCII byte: null). */
        private String string(boolean named) {
            int from = ++i;
            int end = Math.min(b.length, from + MAX_CHARS + 1);
            int hash = 0;
            for (; i < end; i++) {
                byte c = b[i];
                if (c == '"') {
                    i++;
                    return named ? names.of(b, from, i - 1 - from, hash)
                            : new String(b, from, i - 1 - from, StandardCharsets.ISO_8859_1);
                }
                if (named) {
                    hash = 31 * hash + c;
                }
                if (c < 0x20 || c == '\\') { // bytes are signed: non-ASCII is negative
                    return null;
                }
            }
            return null;
        }

        /** -?(0|[1-9][0-9]*) of at most 18 digits, followed by a delimiter (a fraction or an exponent: null). */
        private EventFields.Value integer() {
            boolean negative = b[i] == '-';
            if (negative) {
                i++;
            }
            int from = i;
            long v = 0;
            while (i < b.length && b[i] >= '0' && b[i] <= '9') {
                v = v * 10 + (b[i] - '0');
                i++;
            }
            int digits = i - from;
            if (digits == 0 || digits > 18 || (digits > 1 && b[from] == '0') || !delimited()) {
                return null;
            }
            return EventFields.Value.integer(negative ? -v : v);
        }

        private boolean literal(String word) {
            int n = word.length();
            if (i + n > b.length) {
                return false;
            }
            for (int j = 0; j < n; j++) {
                if (b[i + j] != word.charAt(j)) {
                    return false;
                }
            }
            i += n;
            if (delimited()) {
                return true;
            }
            i -= n;
            return false;
        }

        /** Whether a value may end here: whitespace, ',' or '}' follows. */
        private boolean delimited() {
            if (i >= b.length) {
                return false;
            }
            byte c = b[i];
            return c == ',' || c == '}' || c == ' ' || c == '\n' || c == '\r' || c == '\t';
        }
    }
}
