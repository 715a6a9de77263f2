package dev.afmflink.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.afmflink.embedded.ClickSimulator;
import dev.afmflink.model.AfmModel;
import dev.afmflink.snapshot.ModelWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The model server over real HTTP on 127.0.0.1: scores equal the batch scorer's, explain equals score, every client error its 4xx. */
class ServingHttpTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newHttpClient();

    static HttpResponse<String> send(int port, String method, String path, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path));
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void scoresLikeTheBatchScorerAndAnswersEveryClientErrorWithItsReason(@TempDir Path dir) throws Exception {
        AfmModel model = new AfmModel(LiveModelTest.CONFIG);
        List<String> events = new ArrayList<>();
        Iterator<String> stream = new ClickSimulator(9).clickStream(300, 0, 10, "default");
        while (stream.hasNext()) {
            String e = stream.next();
            if (e.contains("\"impression\"")) {
                events.add(e);
                var x = dev.afmflink.data.ScoringReader.event(JSON.readTree(e));
                x.label = e.hashCode() % 4 == 0 ? 1 : 0;
                model.train(x, 0);
            }
        }
        LiveModel live = new LiveModel();
        ScoringService service = new ScoringService("default", live, null, () -> 1_000_000L);
        try (HttpModelServer server = HttpModelServer.start(service, "127.0.0.1", 0, 2, 64 * 1024)) {
            int port = server.port();
            assertEquals(503, send(port, "GET", "/health", null).statusCode(), "not ready before a full snapshot");
            assertEquals(503, send(port, "POST", "/v1/score", events.get(0)).statusCode());
            live.apply(ModelWriter.fullBytes(model, 3), 999_000L, "v3");
            assertEquals(200, send(port, "GET", "/health", null).statusCode());

            // JSON lines and a JSON array: the batch scorer's predictions, the version, the ids
            Path file = dir.resolve("events.jsonl");
            Files.write(file, events);
            StringWriter batch = new StringWriter();
            Scorer.score(model, file, batch, false);
            List<String> expected = batch.toString().lines().toList();
            HttpResponse<String> lines = send(port, "POST", "/v1/score", String.join("\n", events));
            assertEquals(200, lines.statusCode(), lines.body());
            JsonNode out = JSON.readTree(lines.body());
            assertEquals(events.size(), out.size());
            for (int i = 0; i < events.size(); i++) {
                assertEquals(Double.parseDouble(expected.get(i)), out.get(i).get("prediction").asDouble(), 1e-12);
                assertEquals(3, out.get(i).get("version").asLong());
                assertEquals(JSON.readTree(events.get(i)).get("id").asText(), out.get(i).get("id").asText());
            }
            HttpResponse<String> array = send(port, "POST", "/v1/score?explain=true", "[" + String.join(",", events.subList(0, 5)) + "]");
            JsonNode explained = JSON.readTree(array.body());
            for (int i = 0; i < 5; i++) {
                assertEquals(out.get(i).get("prediction").asDouble(), explained.get(i).get("prediction").asDouble(), 0.0,
                        "explain equals score");
                assertEquals(10, explained.get(i).get("pairs").size());
                double sum = 0;
                for (JsonNode p : explained.get(i).get("pairs")) {
                    sum += p.get("attention").asDouble();
                    assertEquals(2, p.get("fields").size());
                }
                assertEquals(1.0, sum, 1e-9, "attention is a softmax over the pairs");
            }
            JsonNode m = JSON.readTree(send(port, "GET", "/v1/model", null).body());
            assertEquals(3, m.get("version").asLong());
            assertEquals(1000, m.get("lagMs").asLong());

            // client errors: each its status and reason; an unusable event does not fail the others
            HttpResponse<String> mixed = send(port, "POST", "/v1/score",
                    events.get(0) + "\n{\"id\":\"b1\",\"features\":{\"a\":[1]}}\nnot json\n{\"id\":\"b2\",\"type\":\"click\"}");
            assertEquals(400, mixed.statusCode());
            JsonNode mix = JSON.readTree(mixed.body());
            assertEquals(Double.parseDouble(expected.get(0)), mix.get(0).get("prediction").asDouble(), 1e-12);
            assertTrue(mix.get(1).get("error").asText().startsWith("wrong_type"), mix.toString());
            assertEquals("undecodable: not JSON", mix.get(2).get("error").asText());
            assertTrue(mix.get(3).get("error").asText().contains("click"), mix.toString());
            assertEquals(400, send(port, "POST", "/v1/score", "[1, 2").statusCode(), "not JSON at all");
            assertEquals(400, send(port, "POST", "/v1/score", "").statusCode(), "no event");
            assertEquals(400, send(port, "POST", "/v1/score", "{\"id\":\"x\"}").statusCode(), "no features");
            assertEquals(404, send(port, "GET", "/v2/nothing", null).statusCode());
            assertEquals(405, send(port, "GET", "/v1/score", null).statusCode());
            HttpResponse<String> big = send(port, "POST", "/v1/score", "[" + ",".repeat(70 * 1024) + "]");
            assertEquals(413, big.statusCode());
            assertTrue(JSON.readTree(big.body()).get("error").asText().contains("65536"));

            String metrics = send(port, "GET", "/metrics", null).body();
            assertTrue(metrics.contains("afm_serve_requests_total{endpoint=\"score\",status=\"400\"} 4.0"), metrics);
            assertTrue(metrics.contains("afm_serve_requests_total{endpoint=\"score\",status=\"413\"} 1.0"), metrics);
            assertTrue(metrics.contains("afm_model_version 3.0"), metrics);
            assertTrue(metrics.contains("afm_serve_request_seconds_bucket{endpoint=\"score\",le=\"0.001\"}"), metrics);
        }
    }
}
