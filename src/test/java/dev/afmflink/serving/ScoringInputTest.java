package dev.afmflink.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.afmflink.data.DataFormatException;
import dev.afmflink.data.FeatureHash;
import dev.afmflink.embedded.ClickSimulator;
import dev.afmflink.model.AfmConfig;
import dev.afmflink.model.AfmModel;
import dev.afmflink.model.Example;
import dev.afmflink.model.Loss;
import dev.afmflink.optim.OptimizerSpec;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Scoring and explaining read the input topic's JSON events as the job does: the same ids as libfm lines written by hand. */
class ScoringInputTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void jsonEventsScoreLikeTheirLibfmLinesAndExplainNamesFields(@TempDir Path dir) throws Exception {
        OptimizerSpec a = OptimizerSpec.adagrad(0.05, 1e-8);
        AfmModel model = new AfmModel(new AfmConfig(8, 8, Loss.LOGISTIC, 0, 0, 0, 1, 0.1, 1, OptimizerSpec.ftrl(0.1, 1, 0.5, 0), a, a));
        List<String> events = new ArrayList<>();
        List<String> libfm = new ArrayList<>();
        Iterator<String> stream = new ClickSimulator(3).clickStream(400, 0, 10, "default");
        while (stream.hasNext()) {
            String e = stream.next();
            JsonNode n = JSON.readTree(e);
            if (!n.get("type").asText().equals("impression")) {
                continue;
            }
            StringBuilder line = new StringBuilder("0");
            Example x = new Example();
            for (Iterator<Map.Entry<String, JsonNode>> f = n.get("features").fields(); f.hasNext(); ) {
                Map.Entry<String, JsonNode> kv = f.next();
                long id = FeatureHash.of(kv.getKey(), kv.getValue().asText()); // docs/events.md: (field, value)
                line.append(' ').append(id).append(":1");
                x.add(id, 1.0);
            }
            x.label = n.get("id").asText().hashCode() % 3 == 0 ? 1 : 0;
            model.train(x.normalize(), 0);
            events.add(e);
            libfm.add(line.toString());
        }
        Path jsonFile = dir.resolve("events.jsonl");
        Path libfmFile = dir.resolve("events.libfm");
        Files.write(jsonFile, events);
        Files.write(libfmFile, libfm);
        StringWriter fromJson = new StringWriter();
        StringWriter fromLibfm = new StringWriter();
        assertEquals(400, Scorer.score(model, jsonFile, fromJson, false));
        assertEquals(400, Scorer.score(model, libfmFile, fromLibfm, false));
        assertEquals(fromLibfm.toString(), fromJson.toString(), "bit for bit the same predictions");

        StringWriter explained = new StringWriter();
        Explainer.explain(model, jsonFile, explained, false);
        JsonNode first = JSON.readTree(explained.toString().lines().findFirst().orElseThrow());
        assertEquals(Double.parseDouble(fromJson.toString().lines().findFirst().orElseThrow()), first.get("prediction").asDouble());
        assertEquals(10, first.get("pairs").size(), "5 fields, 10 pairs");
        for (JsonNode p : first.get("pairs")) {
            String fi = p.get("fields").get(0).asText();
            String fj = p.get("fields").get(1).asText();
            assertTrue(List.of("user", "ad", "site", "hour", "device").containsAll(List.of(fi, fj)), p.toString());
        }

        // bad lines: file:line and the reason, or skipped and counted
        Path bad = dir.resolve("bad.jsonl");
        Files.write(bad, List.of(events.get(0), "{\"type\":\"click\",\"id\":\"imp-1\",\"ts\":5}", "{\"features\":{\"a\":true}}"));
        var e = assertThrows(DataFormatException.class, () -> Scorer.score(model, bad, new StringWriter(), false));
        assertTrue(e.getMessage().startsWith(bad + ":2: wrong_type: a click has no features"), e.getMessage());
        StringWriter some = new StringWriter();
        assertEquals(1, Scorer.score(model, bad, some, true));
        assertEquals(fromJson.toString().lines().findFirst().orElseThrow(), some.toString().strip());
        // skipped lines counted by reason, with the job's limits (an event of 200 features is over them)
        StringBuilder many = new StringBuilder("{\"features\":{");
        for (int i = 0; i < 200; i++) {
            many.append(i == 0 ? "" : ",").append("\"f").append(i).append("\":\"v\"");
        }
        Files.write(bad, List.of(events.get(0), "{\"type\":\"click\",\"id\":\"imp-1\",\"ts\":5}", "{\"features\":{\"a\":true}}",
                many + "}}", "not json"));
        java.util.Map<String, Long> skipped = new java.util.TreeMap<>();
        assertEquals(1, Scorer.score(model, bad, new StringWriter(), true, skipped));
        assertEquals(java.util.Map.of("wrong_type", 2L, "too_many_features", 1L, "undecodable", 1L), skipped);
        assertEquals("4 bad lines skipped (too_many_features 1, undecodable 1, wrong_type 2)", Scorer.skippedLine(skipped));
    }
}
