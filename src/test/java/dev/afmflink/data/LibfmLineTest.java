package dev.afmflink.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.afmflink.model.Example;
import dev.afmflink.model.Loss;
import dev.afmflink.model.SplitMix64;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A libfm line's numbers read without a string where they are plain integers: every token reads as
 * {@link Double#parseDouble} and {@link Long#parseLong} (or {@code parseUnsignedLong}) read it, bit
 * for bit, and a token they refuse is refused with the same reason.
 */
class LibfmLineTest {
    static final String[] EDGES = {"1", "-1", "0", "-0", "00", "007", "+1", "-", "", "1.0", "1e3", "-2.5", "0.5", "NaN",
        "Infinity", "123456789012345", "-123456789012345", "1234567890123456", "999999999999999999", "18446744073709551615",
        "9223372036854775807", "9223372036854775808", "-9223372036854775808", "1_0", "0x10", "١"};

    /** The reference: the number as the JDK parses the token's string, or null if it refuses it. */
    private static Double referenceNumber(String t) {
        try {
            return Double.parseDouble(t);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static boolean refuses(java.util.function.Supplier<?> parse) {
        try {
            parse.get();
            return false;
        } catch (NumberFormatException e) {
            return true;
        }
    }

    @Test
    void plainIntegersTakeTheFastPathAndEveryTokenReadsAsTheJdkReadsIt() {
        assertEquals(1.0, LibfmLine.plainInteger("1", 0, 1)); // the fast path: no string made, no parseDouble
        assertEquals(-1.0, LibfmLine.plainInteger("x:-1", 2, 4));
        assertTrue(Double.isNaN(LibfmLine.plainInteger("-0", 0, 2)), "negative zero is parseDouble's");
        assertTrue(Double.isNaN(LibfmLine.plainInteger("1234567890123456", 0, 16)), "16 digits: parseDouble");
        List<String> tokens = new ArrayList<>(List.of(EDGES));
        SplitMix64 r = new SplitMix64(5);
        String chars = "0123456789-.e+";
        for (int i = 0; i < 20_000; i++) {
            StringBuilder b = new StringBuilder();
            int n = 1 + (int) (r.nextDouble() * 20);
            for (int j = 0; j < n; j++) {
                b.append(r.nextDouble() < 0.85 ? chars.charAt((int) (r.nextDouble() * 10)) : chars.charAt((int) (r.nextDouble() * chars.length())));
            }
            tokens.add(b.toString());
        }
        for (String t : tokens) {
            String line = "a " + t + " b";
            Double ref = referenceNumber(t);
            if (ref == null) {
                assertTrue(refuses(() -> LibfmLine.number(line, 2, 2 + t.length())), "'" + t + "' is refused as parseDouble refuses it");
            } else {
                assertEquals(Double.doubleToRawLongBits(ref), Double.doubleToRawLongBits(LibfmLine.number(line, 2, 2 + t.length())), t);
            }
            Long refId = null;
            try {
                refId = LibfmLine.parseId(t);
            } catch (NumberFormatException e) {
                // refused
            }
            if (refId == null) {
                assertTrue(refuses(() -> LibfmLine.id(line, 2, 2 + t.length())), "id '" + t + "' is refused as before");
            } else {
                assertEquals(refId.longValue(), LibfmLine.id(line, 2, 2 + t.length()), "id " + t);
            }
        }
    }

    @Test
    void wholeLinesReadAsBefore() {
        Example e = new Example();
        assertNull(LibfmLine.parse("-1 7:1 3:0.5 18446744073709551615:2 7:-1 9:1e-3", Loss.LOGISTIC, e));
        assertEquals(0.0, e.label);
        assertEquals(3, e.size); // 7 summed to zero is dropped
        assertEquals(-1L, e.ids[0]); // 2^64 - 1, sorted as a signed long
        assertEquals(3L, e.ids[1]);
        assertEquals(9L, e.ids[2]);
        assertEquals(2.0, e.values[0]);
        assertEquals(0.5, e.values[1]);
        assertEquals(1e-3, e.values[2]);
        assertEquals("value 'x' of feature 4 is not a number", LibfmLine.parse("1 4:x", Loss.SQUARED, e));
        assertEquals("feature id '+4' is not a 64-bit integer", LibfmLine.parse("1 +4:1", Loss.SQUARED, e));
        assertEquals("value 'Infinity' of feature 4 is not finite", LibfmLine.parse("1 4:Infinity", Loss.SQUARED, e));
        assertFalse(LibfmLine.parse("abc 4:1", Loss.SQUARED, e) == null);
    }
}
