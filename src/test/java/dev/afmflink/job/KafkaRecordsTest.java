package dev.afmflink.job;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/** The predictions topic's records: written straight with a JSON generator, the JSON of the fields in order, each number read back as the same value. */
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
            // the same fields in the same order, every number read back as the same double or long
            assertEquals(new java.util.ArrayList<>(m.entrySet()).toString(),
                    new java.util.ArrayList<>(json.readValue(r.value(), LinkedHashMap.class).entrySet()).toString());
            assertArrayEquals(p.model.getBytes(StandardCharsets.UTF_8), r.key());
            assertEquals("preds", r.topic());
            assertEquals(null, r.timestamp(), "stamped by the producer's clock, as every output record");
        }
    }

    /** Doubles written by the fast writer read back as the same bits (the topic's contract: a reader gets the judged score). */
    @Test
    void predictionsReadBackAsTheSameDoubles() throws Exception {
        KafkaRecords.Predictions schema = new KafkaRecords.Predictions("preds");
        ObjectMapper json = new ObjectMapper();
        java.util.Random r = new java.util.Random(9);
        for (int i = 0; i < 20_000; i++) {
            double prediction = i % 2 == 0 ? r.nextDouble() : Double.longBitsToDouble(r.nextLong() & 0x3FFFFFFFFFFFFFFFL);
            double loss = -Math.log(r.nextDouble());
            var back = json.readTree(schema.record(new Prediction("m", "i" + i, i, 1.0, prediction, loss, i)).value());
            assertEquals(Double.doubleToLongBits(prediction), Double.doubleToLongBits(back.get("prediction").doubleValue()));
            assertEquals(Double.doubleToLongBits(loss), Double.doubleToLongBits(back.get("loss").doubleValue()));
        }
    }
}
