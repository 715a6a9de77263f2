package dev.afmflink.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
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

    static String describe(EventFields f) {
        return f == null ? "not an object" : List.of(String.valueOf(f.type), String.valueOf(f.id), String.valueOf(f.ts),
                String.valueOf(f.model), String.valueOf(f.label), String.valueOf(f.features), String.valueOf(f.featuresValue)).toString();
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
        assertTrue(onePass(edges.get(8).getBytes(StandardCharsets.UTF_8)).contains("Entry[name=f2, value=Value[kind=STRING, text=w"));
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
