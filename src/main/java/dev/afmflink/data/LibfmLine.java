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
            label = Double.parseDouble(line.substring(pos, end));
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
                id = parseId(line.substring(pos, colon));
            } catch (NumberFormatException e) {
                return "feature id '" + line.substring(pos, colon) + "' is not a 64-bit integer";
            }
            double value;
            String v = line.substring(colon + 1, end);
            try {
                value = Double.parseDouble(v);
            } catch (NumberFormatException e) {
                return "value '" + v + "' of feature " + line.substring(pos, colon) + " is not a number";
            }
            if (!Double.isFinite(value)) {
                return "value '" + v + "' of feature " + line.substring(pos, colon) + " is not finite";
            }
            out.add(id, value);
            pos = skipSpace(line, end);
        }
        out.normalize();
        return null;
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
