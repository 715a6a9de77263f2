package dev.afmflink.job;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/** The predictions topic's records: written straight with a JSON generator, the same bytes as Jackson's map of the fields. */
class KafkaRecordsTest {
    @Test
    void predictionRecordsAreTheJsonOfTheirFields() throws Exception {
        KafkaRecords.Predictions schema = new KafkaRecords.Predictions("preds");
        ObjectMapper json = new ObjectMapper();
        for (Prediction p : new Prediction[] {
                new Prediction("default", "imp-1", 1_767_225_600_000L, 1.0, 0.123456789, 2.0922, 17),
                new Prediction("m\u00e9\"x\\", "id \u2028 \u0001 /", -5, 0.0, 1e-300, Double.MIN_VALUE, Long.MAX_VALUE),
                new Prediction("default", "imp-2", 0, -1.0, 0.5, 0.6931471805599453, 0)}) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("model", p.model);
            m.put("id", p.id);
            m.put("ts", p.ts);
            m.put("label", p.label);
            m.put("prediction", p.prediction);
            m.put("loss", p.loss);
            m.put("examples", p.examples);
            ProducerRecord<byte[], byte[]> r = schema.record(p);
            assertEquals(new String(json.writeValueAsBytes(m), StandardCharsets.UTF_8), new String(r.value(), StandardCharsets.UTF_8));
            assertArrayEquals(p.model.getBytes(StandardCharsets.UTF_8), r.key());
            assertEquals("preds", r.topic());
            assertEquals(null, r.timestamp(), "stamped by the producer's clock, as every output record");
        }
    }
}
