package dev.afmflink.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.afmflink.data.EventDecoder;
import dev.afmflink.data.EventFuzzer;
import dev.afmflink.data.EventLimits;
import dev.afmflink.model.AfmModel;
import dev.afmflink.model.Loss;
import dev.afmflink.serving.LiveModel;
import dev.afmflink.serving.ScoringService;
import dev.afmflink.snapshot.ModelWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.Test;

/**
 * The fuzzer in the build (issue 18): 100,000 seeded hostile records through the job's decoder
 * (as the Kafka source runs it) and its route, and 5,000 request bodies through the server's
 * scoring path. Passes only if no exception escapes, every record is either usable — within every
 * limit — or dead-lettered with one of the documented reasons, and the server never answers 5xx.
 * The counts go to {@code target/fuzz-report.txt} ({@code .ci/run} prints it); the job's share runs in
 * {@link HostileRecordsTest}.
 */
class FuzzTest {
    static final long T0 = 1_700_000_000_000L;
    static final long NOW = T0 + 3_600_000L;

    @Test
    void hostileRecordsAreUsableOrDeadLetteredWithADocumentedReason() throws Exception {
        EventDecoder decoder = new EventDecoder(Loss.LOGISTIC, 1 << 20, EventLimits.DEFAULT, () -> NOW);
        EventFuzzer fuzz = new EventFuzzer(42, T0);
        Map<String, Long> byReason = new TreeMap<>();
        long usable = 0;
        int records = 100_000;
        try (OneInputStreamOperatorTestHarness<InputEvent, TrainingExample> route =
                     ProcessFunctionTestHarnesses.forProcessFunction(new RouteFunction())) {
            for (int i = 0; i < records; i++) {
                byte[] raw = fuzz.next();
                InputEvent e = KafkaRecords.decode(decoder, raw, "in", 0, i, T0 + i);
                if (e.isBad()) {
                    assertTrue(EventDecoder.REASONS.contains(e.dead.reason), e.dead.reason);
                    assertTrue(e.dead.raw.length() <= DeadLetter.RAW_LIMIT);
                    byReason.merge(e.dead.reason, 1L, Long::sum);
                } else {
                    usable++;
                    assertNull(EventLimits.DEFAULT.badModelKey(e.model), e.model);
                    assertTrue(e.ts >= 0 && e.ts <= NOW + EventLimits.DEFAULT.maxTsAheadMs(), "ts " + e.ts);
                    assertTrue(e.id.length() <= EventLimits.DEFAULT.maxIdChars());
                    if (e.ids != null) {
                        assertTrue(e.ids.length >= 1 && e.ids.length <= EventLimits.DEFAULT.maxFeatures(), e.ids.length + " features");
                        for (double v : e.values) {
                            assertTrue(Double.isFinite(v));
                        }
                    }
                    if (e.kind() == dev.afmflink.data.EventKind.EXAMPLE) {
                        assertTrue(e.label == 0 || e.label == 1 || (e.label > 0 && e.label < 1), "label " + e.label);
                    }
                }
                route.processElement(e, Math.max(0, e.eventTime()));
            }
            var trained = route.extractOutputValues();
            long clicks = trained.stream().filter(t -> t.kind() == dev.afmflink.data.EventKind.CLICK).count();
            long drained = route.getSideOutput(RouteFunction.CLICK_STREAM) == null ? 0 : route.getSideOutput(RouteFunction.CLICK_STREAM).size();
            long deadRouted = route.getSideOutput(DeadLetters.TAG).size();
            assertEquals(usable, trained.size(), "every usable record routed to the trainer (it joins impressions and clicks)");
            assertEquals(clicks, drained, "every click also to the label join that drains savepoints of the jobs before");
            assertEquals(records - usable, deadRouted, "every other one to the dead letters");
        }
        long dead = byReason.values().stream().mapToLong(Long::longValue).sum();
        assertEquals(records, usable + dead);
        assertTrue(byReason.size() >= 9, "the fuzzer reaches most reasons: " + byReason);
        assertTrue(usable > records / 20, "and leaves valid events among them: " + usable);

        // the server's scoring path: single events, JSON lines and arrays of fuzzed events; never a 5xx
        AfmModel model = new AfmModel(StreamingEndToEndTest.config());
        LiveModel live = new LiveModel();
        live.apply(ModelWriter.fullBytes(model, 1), 0, "v1");
        ScoringService service = new ScoringService("default", live, null, () -> NOW);
        Map<Integer, Long> byStatus = new TreeMap<>();
        int bodies = 5000;
        for (int i = 0; i < bodies; i++) {
            String body = switch (i % 3) {
                case 0 -> new String(fuzz.next(), StandardCharsets.UTF_8);
                case 1 -> new String(fuzz.next(), StandardCharsets.UTF_8) + "\n" + new String(fuzz.next(), StandardCharsets.UTF_8);
                default -> "[" + new String(fuzz.next(), StandardCharsets.UTF_8) + "," + new String(fuzz.next(), StandardCharsets.UTF_8) + "]";
            };
            String query = i % 7 == 0 ? "explain=true" : i % 11 == 0 ? "explain=" + (char) ('a' + i % 26) : null;
            ScoringService.Response r = service.handle("POST", "/v1/score", query, body.getBytes(StandardCharsets.UTF_8));
            assertTrue(r.status() < 500, r.status() + " for " + body.substring(0, Math.min(200, body.length())));
            new ObjectMapper().readTree(r.body()); // always a JSON answer
            byStatus.merge(r.status(), 1L, Long::sum);
        }
        String report = "fuzz (decoder + route): records " + records + ", usable " + usable + ", dead-lettered " + dead
                + " by reason " + byReason + ", exceptions 0\n"
                + "fuzz (server scoring path): bodies " + bodies + ", by status " + byStatus + ", 5xx 0\n";
        System.out.print(report);
        Files.createDirectories(Path.of("target"));
        Files.writeString(Path.of("target", "fuzz-report.txt"), report);
    }
}
