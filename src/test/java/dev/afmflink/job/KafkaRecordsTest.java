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

    /**
     * The job's predictions (plain ids, finite numbers) are written straight, and the bytes are the
     * generator's for the same prediction; anything else (escapes, non-ASCII, NaN, infinities) is the
     * generator's. Random and edge values: doubles of every magnitude, negative zero, subnormals, longs
     * at their limits, ids with every printable character.
     */
    @Test
    void predictionsWrittenStraightAreTheGeneratorsBytes() {
        KafkaRecords.Predictions schema = new KafkaRecords.Predictions("preds");
        java.util.Random r = new java.util.Random(11);
        double[] edges = {0.0, -0.0, 1.0, -1.0, 0.5, Double.MIN_VALUE, Double.MIN_NORMAL, Double.MAX_VALUE, 1e-300, 1e22, 1e23,
                9007199254740993.0, 0.1, 2.0 / 3, 123456789.125, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY};
        long[] longs = {0, 1, -1, Long.MAX_VALUE, Long.MIN_VALUE, 1_767_225_600_000L, 999_999_999_999L};
        int direct = 0;
        int generated = 0;
        for (int i = 0; i < 50_000; i++) {
            double[] d = new double[3];
            for (int j = 0; j < 3; j++) {
                d[j] = switch (r.nextInt(4)) {
                    case 0 -> edges[r.nextInt(edges.length)];
                    case 1 -> Double.longBitsToDouble(r.nextLong());
                    case 2 -> r.nextDouble();
                    default -> -Math.log(r.nextDouble());
                };
            }
            StringBuilder id = new StringBuilder("imp-" + r.nextInt(1_000_000));
            if (r.nextInt(4) == 0) {
                for (int k = r.nextInt(6); k > 0; k--) {
                    id.append((char) (r.nextInt(8) == 0 ? r.nextInt(0x3000) : 0x20 + r.nextInt(0x5f)));
                }
            }
            Prediction p = new Prediction(r.nextInt(10) == 0 ? "m/" + r.nextInt(9) : "default", id.toString(),
                    longs[r.nextInt(longs.length)] + r.nextInt(3), d[0], d[1], d[2], r.nextInt(3) == 0 ? longs[r.nextInt(longs.length)] : i);
            byte[] expected = schema.generated(p);
            byte[] fast = schema.direct(p);
            if (fast != null) {
                assertArrayEquals(expected, fast, () -> new String(expected, StandardCharsets.UTF_8));
                direct++;
            } else {
                generated++;
            }
            assertArrayEquals(expected, schema.record(p).value());
        }
        org.junit.jupiter.api.Assertions.assertTrue(direct > 20_000 && generated > 5_000, direct + " written straight, " + generated
                + " by the generator: both paths exercised");
        // the job's own predictions take the straight path
        org.junit.jupiter.api.Assertions.assertNotNull(schema.direct(new Prediction("default", "imp-7", 1_767_225_600_250L, 1.0,
                0.03125, 3.4657359027997265, 12)));
    }
}
