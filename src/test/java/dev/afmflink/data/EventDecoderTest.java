package dev.afmflink.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.afmflink.model.Loss;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class EventDecoderTest {
    final EventDecoder logistic = new EventDecoder(Loss.LOGISTIC, 200);

    Event decode(EventDecoder d, String s) throws EventDecoder.BadEventException {
        return d.decode(s.getBytes(StandardCharsets.UTF_8), "t-0-1", 99);
    }

    @Test
    void exampleWithCategoricalAndNumericFeatures() throws Exception {
        Event e = decode(logistic, "{\"type\":\"example\",\"id\":\"e1\",\"ts\":123,\"model\":\"m\",\"label\":1,"
                + "\"features\":{\"user\":\"42\",\"price\":2.5}}");
        assertEquals(dev.afmflink.data.EventKind.EXAMPLE, e.type());
        assertEquals("e1", e.id());
        assertEquals(123, e.ts());
        assertEquals("m", e.model());
        assertEquals(1.0, e.label());
        assertEquals(2, e.features().size);
        long user = FeatureHash.of("user", "42");
        long price = FeatureHash.numeric("price");
        for (int i = 0; i < 2; i++) {
            if (e.features().ids[i] == user) {
                assertEquals(1.0, e.features().values[i]);
            } else {
                assertEquals(price, e.features().ids[i]);
                assertEquals(2.5, e.features().values[i]);
            }
        }
    }

    @Test
    void defaultsAndOtherTypes() throws Exception {
        Event e = decode(logistic, "{\"type\":\"example\",\"id\":\"e\",\"ts\":1,\"label\":-1,\"features\":{\"a\":\"b\"}}");
        assertEquals(Event.DEFAULT_MODEL, e.model());
        assertEquals(0.0, e.label()); // −1 read as 0 for logistic
        Event i = decode(logistic, "{\"type\":\"impression\",\"id\":\"i\",\"ts\":1,\"features\":{\"a\":\"b\"}}");
        assertEquals(dev.afmflink.data.EventKind.IMPRESSION, i.type());
        assertTrue(Double.isNaN(i.label()));
        Event c = decode(logistic, "{\"type\":\"click\",\"id\":\"i\",\"ts\":5}");
        assertEquals(dev.afmflink.data.EventKind.CLICK, c.type());
        assertNull(c.features());
    }

    @Test
    void libfmLine() throws Exception {
        Event e = decode(logistic, "1 5:1 3:2\n");
        assertEquals(dev.afmflink.data.EventKind.EXAMPLE, e.type());
        assertEquals("t-0-1", e.id());
        assertEquals(99, e.ts());
        assertEquals(3L, e.features().ids[0]);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "{oops|undecodable",
        "[1,2]|undecodable",
        "''|undecodable",
        "1 2:x|undecodable",
        "{\"id\":\"e\",\"ts\":1,\"label\":1,\"features\":{\"a\":\"b\"}}|missing_field",
        "{\"type\":\"example\",\"ts\":1,\"label\":1,\"features\":{\"a\":\"b\"}}|missing_field",
        "{\"type\":\"example\",\"id\":\"e\",\"label\":1,\"features\":{\"a\":\"b\"}}|missing_field",
        "{\"type\":\"example\",\"id\":\"e\",\"ts\":1,\"features\":{\"a\":\"b\"}}|missing_field",
        "{\"type\":\"example\",\"id\":\"e\",\"ts\":1,\"label\":1}|missing_field",
        "{\"type\":\"view\",\"id\":\"e\",\"ts\":1}|wrong_type",
        "{\"type\":\"example\",\"id\":7,\"ts\":1,\"label\":1,\"features\":{\"a\":\"b\"}}|wrong_type",
        "{\"type\":\"example\",\"id\":\"e\",\"ts\":1.5,\"label\":1,\"features\":{\"a\":\"b\"}}|wrong_type",
        "{\"type\":\"example\",\"id\":\"e\",\"ts\":1,\"label\":\"1\",\"features\":{\"a\":\"b\"}}|wrong_type",
        "{\"type\":\"example\",\"id\":\"e\",\"ts\":1,\"label\":1,\"features\":[1]}|wrong_type",
        "{\"type\":\"example\",\"id\":\"e\",\"ts\":1,\"label\":1,\"features\":{\"a\":[1]}}|wrong_type",
        "{\"type\":\"example\",\"id\":\"e\",\"ts\":1,\"label\":1,\"features\":{\"a\":NaN}}|non_finite",
        "{\"type\":\"example\",\"id\":\"e\",\"ts\":1,\"label\":NaN,\"features\":{\"a\":\"b\"}}|non_finite",
        "1 2:Infinity|non_finite",
        "{\"type\":\"example\",\"id\":\"e\",\"ts\":1,\"label\":2,\"features\":{\"a\":\"b\"}}|label_out_of_range",
        "3 2:1|label_out_of_range",
        "{\"type\":\"example\",\"id\":\"e\",\"ts\":1,\"label\":1,\"features\":{}}|empty_features",
        "{\"type\":\"example\",\"id\":\"e\",\"ts\":1,\"label\":1,\"features\":{\"p\":0}}|empty_features",
        "{\"type\":\"example\",\"id\":\"e\",\"ts\":1,\"label\":1,\"features\":{\"a\":\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}}|oversize"})
    void badRecordsCarryTheirReason(String raw, String reason) {
        EventDecoder.BadEventException e = assertThrows(EventDecoder.BadEventException.class, () -> decode(logistic, raw));
        assertEquals(reason, e.reason(), e.getMessage());
        assertTrue(e.getMessage().startsWith(reason + ": "), e.getMessage());
    }

    @Test
    void squaredLossAcceptsAnyFiniteLabel() throws Exception {
        EventDecoder squared = new EventDecoder(Loss.SQUARED, 1000);
        assertEquals(4.5, decode(squared, "{\"type\":\"example\",\"id\":\"e\",\"ts\":1,\"label\":4.5,\"features\":{\"a\":\"b\"}}").label());
    }
}
