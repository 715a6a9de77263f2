package dev.afmflink.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.afmflink.data.EventDecoder;
import dev.afmflink.model.AfmModel;
import dev.afmflink.snapshot.ModelWriter;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The server cannot be held by a client (issue 18's table, each row on a live server on 127.0.0.1):
 * a client that sends half a request, a hundred that send headers a byte at a time, a body shorter
 * than its Content-Length, a Content-Length of 100 GB, an event of 10,000 features, an event the job
 * would refuse, {@code explain=yes}, {@code HEAD}. Each gets its answer at once (or its connection
 * cut), and {@code /health} keeps answering meanwhile.
 */
class HostileClientsTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String EVENT = "{\"id\":\"e1\",\"ts\":1000,\"features\":{\"user\":\"u1\",\"ad\":\"a1\",\"hour\":\"7\"}}";

    static HttpModelServer server(LiveModel live, HttpModelServer.Limits limits) throws Exception {
        AfmModel model = new AfmModel(LiveModelTest.CONFIG);
        live.apply(ModelWriter.fullBytes(model, 1), 0, "v1");
        return HttpModelServer.start(new ScoringService("default", live, null, () -> 1_000_000L), "127.0.0.1", 0, limits);
    }

    /** A request whose answer must come within {@code ms}. */
    static HttpResponse<String> within(long ms, int port, String method, String path, String body) throws Exception {
        long t0 = System.nanoTime();
        HttpResponse<String> r = ServingHttpTest.send(port, method, path, body);
        long took = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(took < ms, method + " " + path + " took " + took + " ms");
        return r;
    }

    /** Raw bytes on a fresh connection; returns the socket (left open). */
    static Socket raw(int port, String bytes) throws Exception {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
        s.setSoTimeout(5000);
        OutputStream out = s.getOutputStream();
        out.write(bytes.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        return s;
    }

    static String answer(Socket s) throws Exception {
        InputStream in = s.getInputStream();
        byte[] buf = new byte[4096];
        int n = in.read(buf);
        return n <= 0 ? "" : new String(buf, 0, n, StandardCharsets.ISO_8859_1);
    }

    @Test
    void halfARequestAndSlowClientsDoNotStopOtherRequests() throws Exception {
        LiveModel live = new LiveModel();
        // one worker: the JDK server with one handler thread was stopped by a single such client
        try (HttpModelServer server = server(live, HttpModelServer.Limits.DEFAULT.withThreads(1).withRequestTimeoutMs(3000))) {
            int port = server.port();
            List<Socket> held = new ArrayList<>();
            try {
                held.add(raw(port, "GET /heal")); // and then nothing
                held.add(raw(port, "POST /v1/score HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"id\""));
                for (int i = 0; i < 100; i++) { // 100 clients, headers a byte at a time, never finished
                    held.add(raw(port, "G"));
                }
                for (int round = 0; round < 20; round++) {
                    for (Socket s : held.subList(2, held.size())) {
                        s.getOutputStream().write('E' + (round % 2));
                    }
                    assertEquals(200, within(1000, port, "GET", "/health", null).statusCode());
                    assertEquals(200, within(1000, port, "POST", "/v1/score", EVENT).statusCode());
                }
                // the half request is cut off by the request timeout (3 s here), not answered with a model
                long t0 = System.nanoTime();
                Socket half = held.get(0);
                String a = answer(half);
                assertTrue(!a.contains("200"), a);
                assertTrue((System.nanoTime() - t0) / 1e9 < 5.5, "closed by the request timeout");
                // so is the body that stopped short of its Content-Length
                String b = answer(held.get(1));
                assertTrue(!b.contains("200"), b);
                assertTrue((System.nanoTime() - t0) / 1e9 < 5.5, "a short body closed by the read timeout");
            } finally {
                for (Socket s : held) {
                    s.close();
                }
            }
        }
    }

    @Test
    void limitsAreAnsweredAtOnceWithTheirReasonAndCounted() throws Exception {
        LiveModel live = new LiveModel();
        try (HttpModelServer server = server(live, HttpModelServer.Limits.DEFAULT.withMaxBodyBytes(1 << 20))) {
            int port = server.port();
            // Content-Length of 100 GB with a 2-byte body: 413 at once, the body never read
            try (Socket s = raw(port, "POST /v1/score HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999\r\n\r\n{}")) {
                long t0 = System.nanoTime();
                String a = answer(s);
                assertTrue(a.startsWith("HTTP/1.1 413"), a);
                assertTrue((System.nanoTime() - t0) / 1e6 < 1000);
            }
            // one event of 10,000 features (178 KB): refused with its reason, in well under a second
            StringBuilder many = new StringBuilder("{\"id\":\"big\",\"features\":{");
            for (int i = 0; i < 10_000; i++) {
                many.append(i == 0 ? "" : ",").append("\"f").append(i).append("\":\"v").append(i).append('"');
            }
            many.append("}}");
            HttpResponse<String> big = within(2000, port, "POST", "/v1/score", many.toString());
            assertEquals(400, big.statusCode());
            assertTrue(JSON.readTree(big.body()).get(0).get("error").asText().startsWith(EventDecoder.TOO_MANY_FEATURES),
                    big.body());
            // an event the job dead-letters as wrong_type gets the same reason here
            HttpResponse<String> typed = within(1000, port, "POST", "/v1/score",
                    "{\"id\":\"y\",\"ts\":\"yesterday\",\"label\":\"one\",\"features\":{\"user\":\"u1\"}}");
            assertEquals(400, typed.statusCode());
            String reason = JSON.readTree(typed.body()).get(0).get("error").asText();
            try {
                new EventDecoder(dev.afmflink.model.Loss.LOGISTIC, 1 << 20).decode(
                        "{\"type\":\"impression\",\"id\":\"y\",\"ts\":\"yesterday\",\"label\":\"one\",\"features\":{\"user\":\"u1\"}}"
                                .getBytes(StandardCharsets.UTF_8), "x", 0);
                throw new AssertionError("the job accepts it");
            } catch (EventDecoder.BadEventException e) {
                assertEquals(e.getMessage(), reason, "same verdict and reason as the job's decoder");
            }
            // too many events in one request: 413 with the limit
            String lines = (EVENT + "\n").repeat(ScoringService.DEFAULT_MAX_EVENTS + 1);
            HttpResponse<String> tooMany = within(2000, port, "POST", "/v1/score", lines);
            assertEquals(413, tooMany.statusCode());
            assertEquals("too_many_events", JSON.readTree(tooMany.body()).get("reason").asText());
            // explain takes true or false
            assertEquals(400, within(1000, port, "POST", "/v1/score?explain=yes", EVENT).statusCode());
            JsonNode noPairs = JSON.readTree(within(1000, port, "POST", "/v1/score?explain=false", EVENT).body());
            assertTrue(noPairs.get(0).get("pairs") == null);
            JsonNode pairs = JSON.readTree(within(1000, port, "POST", "/v1/score?explain=true", EVENT).body());
            assertEquals(3, pairs.get(0).get("pairs").size());
            // HEAD works where GET does, without a body
            HttpResponse<String> head = within(1000, port, "HEAD", "/health", null);
            assertEquals(200, head.statusCode());
            assertEquals("", head.body());
            assertEquals(200, within(1000, port, "HEAD", "/v1/model", null).statusCode());
            // every refusal counted
            String metrics = within(1000, port, "GET", "/metrics", null).body();
            assertTrue(metrics.contains("afm_serve_refused_total{reason=\"body_too_large\"} 1.0"), metrics);
            assertTrue(metrics.contains("afm_serve_refused_total{reason=\"too_many_features\"} 1.0"), metrics);
            assertTrue(metrics.contains("afm_serve_refused_total{reason=\"wrong_type\"} 1.0"), metrics);
            assertTrue(metrics.contains("afm_serve_refused_total{reason=\"too_many_events\"} 1.0"), metrics);
            assertTrue(metrics.contains("afm_serve_refused_total{reason=\"bad_parameter\"} 1.0"), metrics);
            assertTrue(metrics.contains("afm_serve_requests_total{endpoint=\"score\",status=\"413\"} 2.0"), metrics);
        }
    }
}
