package dev.afmflink.data;

import dev.afmflink.model.Example;
import dev.afmflink.model.Loss;

/**
 * Parses one libfm line, {@code label id:value id:value ...}, into an {@link Example}. Ids are
 * 64-bit integers (signed, or unsigned up to 2^64−1); values must be finite. For the logistic loss
 * a label −1 is read as 0. The result is normalized (sorted by id, repeated ids summed).
 * Shared by the file reader and the stream decoder.
 */
public final class LibfmLine {
    private LibfmLine() {
    }

    /** Fills {@code out}; returns null on success, else the reason the line is bad. */
    public static String parse(String line, Loss loss, Example out) {
        out.clear();
        int n = line.length();
        int pos = skipSpace(line, 0);
        if (pos >= n) {
            return "empty line";
        }
        int end = tokenEnd(line, pos);
        double label;
        try {
            label = number(line, pos, end);
        } catch (NumberFormatException e) {
            return "label '" + line.substring(pos, end) + "' is not a number";
        }
        label = loss.readLabel(label);
        if (!loss.validLabel(label)) {
            return "label " + line.substring(pos, end) + " is outside the " + loss.id() + " loss's range " + loss.labelRange();
        }
        out.label = label;
        pos = skipSpace(line, end);
        while (pos < n) {
            end = tokenEnd(line, pos);
            int colon = line.indexOf(':', pos);
            if (colon < 0 || colon >= end) {
                return "token '" + line.substring(pos, end) + "' is not id:value";
            }
            long id;
            try {
                id = id(line, pos, colon);
            } catch (NumberFormatException e) {
                return "feature id '" + line.substring(pos, colon) + "' is not a 64-bit integer";
            }
            double value;
            try {
                value = number(line, colon + 1, end);
            } catch (NumberFormatException e) {
                return "value '" + line.substring(colon + 1, end) + "' of feature " + line.substring(pos, colon) + " is not a number";
            }
            if (!Double.isFinite(value)) {
                return "value '" + line.substring(colon + 1, end) + "' of feature " + line.substring(pos, colon) + " is not finite";
            }
            out.add(id, value);
            pos = skipSpace(line, end);
        }
        out.normalize();
        return null;
    }

    /**
     * The number chars [from, to) of {@code s} spell, as {@link Double#parseDouble} reads them: a
     * plain integer of up to 15 digits (most labels and values: "1", "-1", "0") without making a
     * string or parsing it, the rest by {@code parseDouble}.
     */
    static double number(String s, int from, int to) {
        double plain = plainInteger(s, from, to);
        return plain == plain ? plain : Double.parseDouble(s.substring(from, to));
    }

    /**
     * Chars [from, to) as an optional '-' and 1 to 15 digits (every such integer is a double
     * exactly), other than a negative zero: its value; anything else: NaN.
     */
    static double plainInteger(String s, int from, int to) {
        int i = from;
        boolean negative = i < to && s.charAt(i) == '-';
        if (negative) {
            i++;
        }
        if (to - i < 1 || to - i > 15) {
            return Double.NaN;
        }
        long v = 0;
        for (; i < to; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return Double.NaN;
            }
            v = v * 10 + (c - '0');
        }
        if (negative && v == 0) {
            return Double.NaN; // "-0" is parseDouble's negative zero
        }
        return negative ? -v : v;
    }

    /** The feature id chars [from, to) spell: up to 18 digits without a string, the rest by {@link #parseId}. */
    static long id(String s, int from, int to) {
        if (to - from < 1 || to - from > 18) {
            return parseId(s.substring(from, to));
        }
        long v = 0;
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return parseId(s.substring(from, to));
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }

    static long parseId(String s) {
        if (s.isEmpty() || s.charAt(0) == '+') {
            throw new NumberFormatException(s);
        }
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            return Long.parseUnsignedLong(s);
        }
    }

    private static int skipSpace(String s, int i) {
        while (i < s.length() && (s.charAt(i) == ' ' || s.charAt(i) == '\t' || s.charAt(i) == '\r')) {
            i++;
        }
        return i;
    }

    private static int tokenEnd(String s, int i) {
        while (i < s.length() && s.charAt(i) != ' ' && s.charAt(i) != '\t' && s.charAt(i) != '\r') {
            i++;
        }
        return i;
    }
}
