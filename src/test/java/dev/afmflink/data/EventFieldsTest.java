package dev.afmflink.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The job reads a JSON event in one pass of the parser; scoring requests arrive as trees. Both must
 * give the decoder's checks the same fields ({@link EventFields}), so an event gets the same
 * verdict, reason and message either way: the hostile fuzzer's records and hand-picked edges
 * (repeated names, null, big and fractional numbers, NaN, nested values, text after the object).
 */
class EventFieldsTest {
    static final ObjectMapper JSON = new ObjectMapper().enable(JsonParser.Feature.ALLOW_NON_NUMERIC_NUMBERS);

    /** "error: message" when the record is not JSON, else the fields as the checks see them. */
    static String onePass(byte[] raw) {
        try (JsonParser p = JSON.getFactory().createParser(raw)) {
            return describe(EventFields.read(p));
        } catch (Exception e) {
            return "error: " + (e instanceof com.fasterxml.jackson.core.JsonProcessingException j ? j.getOriginalMessage() : e.getMessage());
        }
    }

    static String fromTree(byte[] raw) {
        try {
            return describe(EventFields.of(JSON.readTree(raw)));
        } catch (Exception e) {
            return "error: " + (e instanceof com.fasterxml.jackson.core.JsonProcessingException j ? j.getOriginalMessage() : e.getMessage());
        }
    }

    /** The fields through the values' accessors (an integer's text is made when asked for). */
    static String describe(EventFields f) {
        if (f == null) {
            return "not an object";
        }
        StringBuilder s = new StringBuilder();
        for (EventFields.Value v : new EventFields.Value[] {f.type, f.id, f.ts, f.model, f.label, f.featuresValue}) {
            s.append(describe(v)).append("; ");
        }
        if (f.features == null) {
            return s.append("features null").toString();
        }
        for (EventFields.Entry e : f.features) {
            s.append(e.name()).append('=').append(describe(e.value())).append(", ");
        }
        return s.toString();
    }

    static String describe(EventFields.Value v) {
        return v == null ? "absent" : v.kind() + "(" + v.text() + ", " + v.longValue() + ", " + v.doubleValue() + ")";
    }

    /** The bytes read without Jackson, or null where that reader leaves the record to Jackson. */
    static String simple(byte[] raw) {
        EventFields f = EventBytes.read(raw);
        return f == null ? null : describe(f);
    }

    /** Either the simple reader leaves {@code raw} to Jackson, or it reads what Jackson's one pass reads; true if it read it. */
    static boolean simpleAgrees(byte[] raw) {
        String s = simple(raw);
        if (s != null) {
            assertEquals(onePass(raw), s, new String(raw, StandardCharsets.ISO_8859_1));
        }
        return s != null;
    }

    @Test
    void edgesReadTheSameInOnePassAsFromATree() {
        List<String> edges = List.of(
                "{\"type\":\"impression\",\"id\":\"a\",\"ts\":5,\"features\":{\"u\":\"1\",\"x\":2.50,\"u\":\"2\",\"y\":-0,\"z\":1e400}}",
                "{\"type\":\"example\",\"label\":NaN,\"ts\":9223372036854775808,\"features\":{\"a\":[1,{\"b\":2}],\"c\":null,\"d\":true}}",
                "{\"ts\":1.0,\"id\":7,\"model\":null,\"label\":\"1\",\"features\":\"x\",\"features\":{\"a\":\"b\"}}",
                "{\"features\":{\"a\":\"b\"},\"features\":null,\"extra\":{\"deep\":[[[]]]},\"type\":\"click\"} trailing {",
                "{\"a\":1,}", "{\"a\":", "{\"type\":\"impression\"", "{\"label\":-Infinity,\"ts\":-12,\"label\":0.1e1}",
                "{\"features\":{\"f0\":\"v\",\"f1\":\"v\",\"f2\":\"v\",\"f3\":\"v\",\"f4\":\"v\",\"f5\":\"v\",\"f6\":\"v\",\"f7\":\"v\","
                        + "\"f8\":\"v\",\"f2\":\"w\",\"f9\":3,\"f8\":4}}");
        for (String e : edges) {
            byte[] raw = e.getBytes(StandardCharsets.UTF_8);
            assertEquals(fromTree(raw), onePass(raw), e);
        }
        // the repeated names: the last value at the first position
        assertTrue(onePass(edges.get(8).getBytes(StandardCharsets.UTF_8)).contains("f1=STRING(v, 0, 0.0), f2=STRING(w, 0, 0.0), f3="));
    }

    @Test
    void theSimpleReaderReadsEventsAsJacksonDoesAndLeavesItTheRest() {
        List<String> simple = List.of(
                "{\"type\":\"impression\",\"id\":\"a\",\"ts\":5,\"features\":{\"u\":\"1\",\"u\":\"2\",\"y\":-0,\"z\":null}}",
                " \t\r\n{ \"ts\" : -12 , \"label\":true,\"x\":false,\"features\":\"x\",\"features\":{ }, \"model\" : null } trailing {",
                "{}", "{\"ts\":999999999999999999,\"id\":\"\u007f~ \",\"features\":{\"f0\":\"v\",\"f1\":\"v\",\"f2\":\"v\",\"f3\":\"v\","
                        + "\"f4\":\"v\",\"f5\":\"v\",\"f6\":\"v\",\"f7\":\"v\",\"f8\":\"v\",\"f2\":\"w\",\"f9\":3,\"f8\":4},\"features\":7}");
        for (String e : simple) {
            assertTrue(simpleAgrees(e.getBytes(StandardCharsets.ISO_8859_1)), e);
        }
        // Jackson's: escapes, non-ASCII, fractions, exponents, 19 digits, leading zeros, nesting, NaN, syntax errors, long strings
        List<String> left = List.of("{\"id\":\"a\\nb\"}", "{\"id\":\"\u00e9\"}", "{\"ts\":1.0}", "{\"ts\":1e3}",
                "{\"ts\":1234567890123456789}", "{\"ts\":01}", "{\"ts\":-}", "{\"x\":[1]}", "{\"x\":{}}", "{\"features\":{\"a\":{}}}",
                "{\"label\":NaN}", "{\"a\":1,}", "{\"a\":1", "{\"a\" 1}", "{\"a\":tru}", "{\"a\":truex}", "{\"a\":1 2}", "{\"a\":\"\t\"}",
                "{\"id\":\"" + "x".repeat(EventBytes.MAX_CHARS + 1) + "\"}", "\u000b{}", "[1]");
        for (String e : left) {
            assertEquals(null, simple(e.getBytes(StandardCharsets.UTF_8)), e);
        }
        assertTrue(simpleAgrees(("{\"id\":\"" + "x".repeat(EventBytes.MAX_CHARS) + "\"}").getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void theSimulatorsEventsAreReadSimplyAndEveryMutationOfThemAsJacksonReadsIt() {
        java.util.Iterator<String> events = new dev.afmflink.embedded.ClickSimulator(3).clickStream(2_000, 1_767_225_600_000L, 250, "m");
        dev.afmflink.model.SplitMix64 rng = new dev.afmflink.model.SplitMix64(11);
        byte[] odd = "\"\\,:{}[] \t0-.eEntfaluNI9\u007f".getBytes(StandardCharsets.ISO_8859_1);
        int read = 0;
        int mutants = 0;
        int mutantsRead = 0;
        while (events.hasNext()) {
            byte[] raw = events.next().getBytes(StandardCharsets.UTF_8);
            assertTrue(simpleAgrees(raw), new String(raw, StandardCharsets.UTF_8)); // the fast path is the one events take
            read++;
            for (int k = 0; k < 5; k++) { // one byte deleted, replaced or inserted
                int at = (int) (rng.nextDouble() * raw.length);
                int what = (int) (rng.nextDouble() * 3);
                byte b = rng.nextDouble() < 0.1 ? (byte) 0xC3 : odd[(int) (rng.nextDouble() * odd.length)];
                byte[] m = what == 0 ? new byte[raw.length - 1] : what == 1 ? raw.clone() : new byte[raw.length + 1];
                if (what == 0) {
                    System.arraycopy(raw, 0, m, 0, at);
                    System.arraycopy(raw, at + 1, m, at, raw.length - at - 1);
                } else if (what == 1) {
                    m[at] = b;
                } else {
                    System.arraycopy(raw, 0, m, 0, at);
                    m[at] = b;
                    System.arraycopy(raw, at, m, at + 1, raw.length - at);
                }
                mutants++;
                mutantsRead += simpleAgrees(m) ? 1 : 0;
            }
        }
        assertTrue(read > 2_000, read + " events");
        // both sides of the line are exercised: many mutants still simple (a changed letter), many left to Jackson
        assertTrue(mutantsRead > mutants / 5 && mutantsRead < mutants * 4 / 5, mutantsRead + " of " + mutants + " mutants read simply");
    }

    @Test
    void oneDecodersNamesTypesAndModelsAreOneStringFromRecordToRecord() {
        EventBytes.Names names = new EventBytes.Names();
        EventFields a = EventBytes.read("{\"type\":\"impression\",\"model\":\"m1\",\"features\":{\"user\":\"u1\"}}"
                .getBytes(StandardCharsets.US_ASCII), names);
        EventFields b = EventBytes.read("{\"model\":\"m1\",\"type\":\"impression\",\"features\":{\"user\":\"u1\"}}"
                .getBytes(StandardCharsets.US_ASCII), names);
        assertSame(a.features.get(0).name(), b.features.get(0).name());
        assertSame(a.type.text(), b.type.text());
        assertSame(a.model.text(), b.model.text());
        assertNotSame(a.features.get(0).value().text(), b.features.get(0).value().text()); // a feature's value: not kept
        EventFields c = EventBytes.read("{\"model\":\"m2\"}".getBytes(StandardCharsets.US_ASCII), names);
        assertEquals("m2", c.model.text());
    }

    @Test
    void theFuzzersRecordsReadSimplyAsJacksonReadsThem() {
        EventFuzzer fuzz = new EventFuzzer(13, 1_700_000_000_000L);
        int read = 0;
        for (int i = 0; i < 4_000; i++) {
            read += simpleAgrees(fuzz.next()) ? 1 : 0;
        }
        assertTrue(read > 500, read + " fuzzed records read simply");
    }

    @Test
    void theFuzzersRecordsReadTheSameInOnePassAsFromATree() {
        EventFuzzer fuzz = new EventFuzzer(7, 1_700_000_000_000L);
        int json = 0;
        for (int i = 0; i < 4_000; i++) {
            byte[] raw = fuzz.next();
            int first = 0;
            while (first < raw.length && Character.isWhitespace(raw[first])) {
                first++;
            }
            if (first < raw.length && raw[first] == '{') { // what the decoder reads as JSON
                json++;
                assertEquals(fromTree(raw), onePass(raw), new String(raw, StandardCharsets.UTF_8));
            }
        }
        assertTrue(json > 1_500, json + " JSON records");
    }
}
