package dev.afmflink.data;

import dev.afmflink.model.SplitMix64;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * A seeded generator of hostile records: valid events (examples, impressions, clicks) mutated the
 * way real producers and attackers break them — truncation, type swaps, huge and tiny numbers,
 * NaN, long strings, unicode and control characters, deep nesting, duplicate keys, many features,
 * odd model keys, raw bytes. The same seed gives the same records.
 */
public final class EventFuzzer {
    private final SplitMix64 rng;
    private final long t0;
    private long n;

    /** Records around event time {@code t0} (the base events' times are t0 + i). */
    public EventFuzzer(long seed, long t0) {
        this.rng = new SplitMix64(seed);
        this.t0 = t0;
    }

    private int next(int bound) {
        return (int) (rng.nextDouble() * bound);
    }

    private static final String[] ODD_KEYS = {"", "a/b", "a_b", "../../tmp/evil", ".", "..", " ", "\u0000", "\\u0000", "x".repeat(5000),
        "\u202e\u00e9\ud83d\ude00", "\\ud800", "C:\\\\x", "a\\nb", "%2F", "~", "fuzz"};
    private static final String[] ODD_NUMBERS = {"1e308", "1e400", "-1e400", "1e-320", "-0", "0.0", "123456789012345678901234567890",
        "-9223372036854775809", "9223372036854775807", "NaN", "Infinity", "-Infinity", "1.7976931348623157E309", "4.9e-324", "-5",
        "9999999999999", "1" + "0".repeat(400)};
    private static final String[] ODD_VALUES = {"null", "true", "[]", "{}", "[1,2]", "{\"a\":1}", "\"\"", "\"x\"", "0", "-1",
        "\"\\u0000\"", "\"\\ud800\"", "\"" + "y".repeat(3000) + "\""};

    /** A valid event (before mutation): model "fuzz". */
    public String base() {
        long i = n++;
        long ts = t0 + i;
        int kind = next(3);
        StringBuilder f = new StringBuilder();
        int m = 1 + next(6);
        for (int q = 0; q < m; q++) {
            f.append(q == 0 ? "" : ",").append("\"f").append(q).append("\":");
            if (next(4) == 0) {
                f.append(String.format(Locale.ROOT, "%.3f", rng.nextDouble() * 10));
            } else {
                f.append("\"v").append(next(50)).append('"');
            }
        }
        return switch (kind) {
            case 0 -> "{\"type\":\"example\",\"id\":\"fz-" + i + "\",\"ts\":" + ts + ",\"model\":\"fuzz\",\"label\":" + next(2)
                    + ",\"features\":{" + f + "}}";
            case 1 -> "{\"type\":\"impression\",\"id\":\"fz-" + i + "\",\"ts\":" + ts + ",\"model\":\"fuzz\",\"features\":{" + f + "}}";
            default -> "{\"type\":\"click\",\"id\":\"fz-" + (i - 1) + "\",\"ts\":" + ts + "}";
        };
    }

    /** One hostile record's bytes. */
    public byte[] next() {
        String s = base();
        int how = next(14);
        switch (how) {
            case 0 -> s = s.substring(0, next(s.length())); // truncation
            case 1 -> s = replaceValue(s, ODD_VALUES[next(ODD_VALUES.length)]); // a type swap
            case 2 -> s = replaceValue(s, ODD_NUMBERS[next(ODD_NUMBERS.length)]); // huge, tiny, NaN
            case 3 -> s = s.replace("\"model\":\"fuzz\"", "\"model\":\"" + ODD_KEYS[next(ODD_KEYS.length)] + "\"");
            case 4 -> s = s.replaceFirst("\"v(\\d+)\"", "\"" + "w".repeat(100 + next(3000)) + "\""); // a long string
            case 5 -> s = s.replaceFirst("\"f0\"", "\"" + "n".repeat(100 + next(3000)) + "\""); // a long name
            case 6 -> s = s.replaceFirst("\"id\":\"[^\"]*\"", "\"id\":\"" + "i".repeat(next(2) == 0 ? 300 : 5) + "\\u0001\\u202e\"");
            case 7 -> { // deep nesting
                int d = 10 + next(3000);
                s = s.replaceFirst("\"features\":", "\"features\":" + "[".repeat(d) + "1" + "]".repeat(d) + ",\"x\":");
            }
            case 8 -> s = s.replaceFirst("\\{", "{\"type\":\"bogus\",\"ts\":-1,"); // duplicate keys
            case 9 -> s = manyFeatures(s, next(2) == 0 ? 10_000 : 100 + next(200));
            case 10 -> { // raw bytes, invalid UTF-8
                byte[] b = new byte[1 + next(64)];
                for (int q = 0; q < b.length; q++) {
                    b[q] = (byte) next(256);
                }
                if (next(2) == 0) {
                    b[0] = '{';
                }
                return b;
            }
            case 11 -> s = s.replaceFirst("\"ts\":\\d+", "\"ts\":" + ODD_NUMBERS[next(ODD_NUMBERS.length)]);
            case 12 -> s = s.replaceFirst("\"label\":\\d", "\"label\":" + ODD_NUMBERS[next(ODD_NUMBERS.length)]);
            default -> {
                // unchanged: a valid event among the hostile ones
            }
        }
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Replaces the value after one randomly chosen key with {@code v}. */
    private String replaceValue(String s, String v) {
        String[] keys = {"\"type\":", "\"id\":", "\"ts\":", "\"model\":", "\"label\":", "\"features\":", "\"f0\":"};
        String k = keys[next(keys.length)];
        int at = s.indexOf(k);
        if (at < 0) {
            return s;
        }
        int start = at + k.length();
        int end = valueEnd(s, start);
        return s.substring(0, start) + v + s.substring(end);
    }

    private static int valueEnd(String s, int i) {
        if (s.charAt(i) == '"') {
            int j = s.indexOf('"', i + 1);
            return j < 0 ? s.length() : j + 1;
        }
        if (s.charAt(i) == '{') {
            int depth = 0;
            for (int j = i; j < s.length(); j++) {
                if (s.charAt(j) == '{') {
                    depth++;
                } else if (s.charAt(j) == '}' && --depth == 0) {
                    return j + 1;
                }
            }
            return s.length();
        }
        int j = i;
        while (j < s.length() && s.charAt(j) != ',' && s.charAt(j) != '}') {
            j++;
        }
        return j;
    }

    private static String manyFeatures(String s, int m) {
        int at = s.indexOf("\"features\":{");
        if (at < 0) {
            return s;
        }
        StringBuilder f = new StringBuilder();
        for (int q = 0; q < m; q++) {
            f.append("\"g").append(q).append("\":\"v").append(q).append("\",");
        }
        int open = at + "\"features\":{".length();
        return s.substring(0, open) + f + s.substring(open);
    }
}
