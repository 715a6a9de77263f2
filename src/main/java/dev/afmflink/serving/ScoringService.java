package dev.afmflink.serving;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.afmflink.data.EventDecoder;
import dev.afmflink.model.PairView;
import dev.afmflink.model.AfmModel;
import dev.afmflink.model.Example;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * The model server's endpoints, independent of the HTTP library (plain Java): a request is a
 * method, a path, a query and a body; the answer a status, a content type and a body.
 * <ul>
 *   <li>{@code POST /v1/score[?explain=true]}: a JSON array or JSON lines of events (the input
 *       topic's contract; {@code features} required, {@code id}, {@code type}, {@code ts},
 *       {@code label} optional) → {@code [{"id", "prediction", "version"}]} in order (with
 *       {@code explain}: the pairs with field names, attention and contribution). An unusable event
 *       gets {@code {"id", "error"}} in its place and the answer is 400, the other events still
 *       scored; a body that is not JSON is 400; a body over the limit 413 (the transport checks);
 *       503 before a model is loaded.</li>
 *   <li>{@code GET /v1/model}: key, version, published-at, examples, features, lag, reloads.</li>
 *   <li>{@code GET /health}: 200 once a full snapshot is loaded, 503 before.</li>
 *   <li>{@code GET /metrics}: Prometheus text format (requests by endpoint and status, events,
 *       event errors, latency histogram, model version, reloads, lag).</li>
 * </ul>
 * Client input never causes a 500. Scored events with an id can be handed to an
 * {@link ImpressionSink} (closing the loop: the job joins them with their clicks).
 */
public final class ScoringService {
    /** A response: status, content type, body. */
    public record Response(int status, String contentType, byte[] body) {
        static Response json(int status, JsonNode n) {
            try {
                return new Response(status, "application/json", JSON.writeValueAsBytes(n));
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** Where scored events go as impressions (e.g. a Kafka topic); called once per scored event with an id. */
    public interface ImpressionSink {
        void impression(String id, long ts, JsonNode features);
    }

    static final ObjectMapper JSON = new ObjectMapper();
    public static final String JSON_TYPE = "application/json";

    private final String modelKey;
    private final LiveModel live;
    private final ImpressionSink impressions;
    private final LongSupplier clock;
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final Counter requests;
    private final Counter events;
    private final Counter eventErrors;
    private final Histogram latency;
    private final Gauge version;
    private final Gauge reloads;
    private final Gauge lag;
    private final Counter refused;
    private final java.util.Map<dev.afmflink.model.Loss, EventDecoder> decoders = new java.util.EnumMap<>(
            dev.afmflink.model.Loss.class);
    private final int maxEvents;

    /** The default event limits and at most {@link #DEFAULT_MAX_EVENTS} events a request. */
    public ScoringService(String modelKey, LiveModel live, ImpressionSink impressions, LongSupplier clock) {
        this(modelKey, live, impressions, clock, dev.afmflink.data.EventLimits.DEFAULT, DEFAULT_MAX_EVENTS);
    }

    /** Events in one scoring request, by default. */
    public static final int DEFAULT_MAX_EVENTS = 1000;

    /**
     * @param clock     wall-clock ms: impression times, model lag, and the event-time limit of
     *                  {@code limits} (what a request answers otherwise depends on the model and the events alone)
     * @param limits    what one event may hold: the job's own limits ({@link EventDecoder#scoringEvent})
     * @param maxEvents events in one request; more are refused at once with 413
     */
    public ScoringService(String modelKey, LiveModel live, ImpressionSink impressions, LongSupplier clock,
                          dev.afmflink.data.EventLimits limits, int maxEvents) {
        this.modelKey = modelKey;
        this.live = live;
        this.impressions = impressions;
        this.clock = clock;
        this.maxEvents = maxEvents;
        for (dev.afmflink.model.Loss l : dev.afmflink.model.Loss.values()) {
            decoders.put(l, new EventDecoder(l, Integer.MAX_VALUE, limits, clock));
        }
        requests = Counter.builder().name("afm_serve_requests").help("HTTP requests by endpoint and status")
                .labelNames("endpoint", "status").register(registry);
        events = Counter.builder().name("afm_serve_events").help("events scored").register(registry);
        eventErrors = Counter.builder().name("afm_serve_event_errors").help("events that could not be scored")
                .register(registry);
        latency = Histogram.builder().name("afm_serve_request_seconds").help("request handling time (in the server)")
                .labelNames("endpoint").classicOnly()
                .classicUpperBounds(0.0001, 0.00025, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1)
                .register(registry);
        version = Gauge.builder().name("afm_model_version").help("the served model's version").register(registry);
        reloads = Gauge.builder().name("afm_model_reloads").help("reloads from a full snapshot after a broken chain")
                .register(registry);
        lag = Gauge.builder().name("afm_model_lag_seconds").help("seconds since the served version was published")
                .register(registry);
        refused = Counter.builder().name("afm_serve_refused").help("requests and events refused, by reason code")
                .labelNames("reason").register(registry);
    }

    public PrometheusRegistry registry() {
        return registry;
    }

    /** Handles one request; {@code body} may be empty. */
    public Response handle(String method, String path, String query, byte[] body) {
        long t0 = System.nanoTime();
        String endpoint = endpoint(path);
        Response r;
        try {
            boolean get = method.equals("GET") || method.equals("HEAD"); // HEAD: the transport drops the body
            r = switch (endpoint) {
                case "score" -> method.equals("POST") ? score(body, query)
                        : error(405, "POST a JSON array or JSON lines of events");
                case "model" -> get ? model() : error(405, "GET or HEAD only");
                case "health" -> get ? health() : error(405, "GET or HEAD only");
                case "metrics" -> get ? metrics() : error(405, "GET or HEAD only");
                default -> error(404, "no such endpoint: " + path + " (POST /v1/score, GET /v1/model, /health, /metrics)");
            };
        } catch (Exception e) {
            r = error(500, "internal error: " + e);
        }
        requests.labelValues(endpoint, Integer.toString(r.status())).inc();
        latency.labelValues(endpoint).observe((System.nanoTime() - t0) / 1e9);
        return r;
    }

    /** The response to a body over the size limit (the transport decides), counted. */
    public Response tooLarge(long limit) {
        return refuse("score", 413, "body_too_large", "request body over " + limit + " bytes");
    }

    /**
     * The response to a request the transport refused before it reached an endpoint (a slow or
     * short body, headers too large), counted like every other answer.
     */
    public Response refuse(String endpoint, int status, String reason, String detail) {
        requests.labelValues(endpoint, Integer.toString(status)).inc();
        return refusal(status, reason, detail);
    }

    /** An answer refusing a request with its reason code, counted by reason (the request is counted where it is answered). */
    private Response refusal(int status, String reason, String detail) {
        refused.labelValues(reason).inc();
        ObjectNode n = JSON.createObjectNode();
        n.put("error", detail);
        n.put("reason", reason);
        return Response.json(status, n);
    }

    /** The endpoint name a path is counted under. */
    public static String endpoint(String path) {
        return switch (path) {
            case "/v1/score" -> "score";
            case "/v1/model" -> "model";
            case "/health" -> "health";
            case "/metrics" -> "metrics";
            default -> "other";
        };
    }

    static Response error(int status, String reason) {
        ObjectNode n = JSON.createObjectNode();
        n.put("error", reason);
        return Response.json(status, n);
    }

    private Response health() {
        ObjectNode n = JSON.createObjectNode();
        boolean ready = live.ready();
        n.put("status", ready ? "ready" : "waiting for a full snapshot");
        n.put("version", live.info().version());
        return Response.json(ready ? 200 : 503, n);
    }

    private Response model() {
        LiveModel.Info i = live.info();
        ObjectNode n = JSON.createObjectNode();
        n.put("key", modelKey);
        n.put("ready", live.ready());
        n.put("version", i.version());
        n.put("publishedAt", i.publishedAt());
        n.put("examples", i.examples());
        n.put("features", i.features());
        n.put("reloads", i.reloads());
        n.put("lagMs", i.publishedAt() > 0 ? Math.max(0, clock.getAsLong() - i.publishedAt()) : -1);
        return Response.json(200, n);
    }

    private Response metrics() throws IOException {
        LiveModel.Info i = live.info();
        version.set(i.version());
        reloads.set(i.reloads());
        lag.set(i.publishedAt() > 0 ? Math.max(0, clock.getAsLong() - i.publishedAt()) / 1000.0 : 0);
        ByteArrayOutputStream out = new ByteArrayOutputStream(4096);
        new PrometheusTextFormatWriter(false).write(out, registry.scrape());
        return new Response(200, PrometheusTextFormatWriter.CONTENT_TYPE, out.toByteArray());
    }

    /** One parsed event of a request: its JSON, or why it is unusable. */
    private record Parsed(JsonNode node, String error) {
    }

    private static List<Parsed> parse(byte[] body) {
        List<Parsed> out = new ArrayList<>();
        int i = 0;
        while (i < body.length && Character.isWhitespace(body[i])) {
            i++;
        }
        if (i < body.length && body[i] == '[') {
            JsonNode arr;
            try {
                arr = JSON.readTree(body);
            } catch (IOException | RuntimeException e) {
                return null;
            }
            if (arr == null || !arr.isArray()) {
                return null;
            }
            arr.forEach(n -> out.add(new Parsed(n, null)));
            return out;
        }
        for (String line : new String(body, StandardCharsets.UTF_8).split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            try {
                out.add(new Parsed(JSON.readTree(line), null));
            } catch (IOException | RuntimeException e) {
                out.add(new Parsed(null, EventDecoder.UNDECODABLE + ": not JSON"));
            }
        }
        return out;
    }

    /** {@code explain=true|false} (absent: false); null for anything else. */
    static Boolean explain(String query) {
        Boolean explain = Boolean.FALSE;
        if (query == null || query.isEmpty()) {
            return explain;
        }
        for (String kv : query.split("&")) {
            int eq = kv.indexOf('=');
            String k = eq < 0 ? kv : kv.substring(0, eq);
            String v = eq < 0 ? "" : kv.substring(eq + 1);
            if (k.equals("explain")) {
                if (v.equals("true")) {
                    explain = Boolean.TRUE;
                } else if (!v.equals("false")) {
                    return null;
                }
            }
        }
        return explain;
    }

    private Response score(byte[] body, String query) throws Exception {
        Boolean explainArg = explain(query);
        if (explainArg == null) {
            return refusal(400, "bad_parameter", "explain takes true or false");
        }
        boolean explain = explainArg;
        List<Parsed> parsed = parse(body);
        if (parsed == null) {
            return error(400, "the body is neither a JSON array nor JSON lines of events");
        }
        if (parsed.isEmpty()) {
            return error(400, "no event in the body");
        }
        if (parsed.size() > maxEvents) {
            return refusal(413, "too_many_events", parsed.size() + " events in one request > limit " + maxEvents
                    + " (--max-events)");
        }
        if (!live.ready()) {
            return error(503, "no model loaded yet (waiting for a full snapshot of '" + modelKey + "')");
        }
        EventDecoder decoder = decoders.get(live.read((model, info) -> model.config().loss()));
        long now = clock.getAsLong();
        List<Example> examples = new ArrayList<>(parsed.size());
        List<String> errors = new ArrayList<>(parsed.size());
        for (Parsed p : parsed) {
            if (p.error() != null) {
                examples.add(null);
                errors.add(p.error());
                continue;
            }
            try {
                examples.add(decoder.scoringEvent(p.node()).features());
                errors.add(null);
            } catch (EventDecoder.BadEventException e) {
                examples.add(null);
                errors.add(e.getMessage());
                refused.labelValues(e.reason()).inc();
            }
        }
        ArrayNode out = JSON.createArrayNode();
        boolean anyError = live.read((model, info) -> {
            boolean bad = false;
            for (int q = 0; q < parsed.size(); q++) {
                ObjectNode r = out.addObject();
                JsonNode node = parsed.get(q).node();
                JsonNode id = node != null && node.isObject() ? node.get("id") : null;
                if (id != null && id.isTextual()) {
                    r.put("id", id.asText());
                } else {
                    r.putNull("id");
                }
                Example ex = examples.get(q);
                if (ex == null) {
                    r.put("error", errors.get(q));
                    bad = true;
                    continue;
                }
                double raw = model.predictRaw(ex);
                r.put("prediction", model.config().loss().prediction(raw));
                r.put("version", info.version());
                if (explain) {
                    pairs(model, ex, r.putArray("pairs"));
                }
            }
            return bad;
        });
        long scored = examples.stream().filter(e -> e != null).count();
        events.inc(scored);
        eventErrors.inc(parsed.size() - scored);
        if (impressions != null) {
            for (int q = 0; q < parsed.size(); q++) {
                JsonNode node = parsed.get(q).node();
                if (examples.get(q) != null && node.get("id") != null && node.get("id").isTextual()) {
                    impressions.impression(node.get("id").asText(), now, node.get("features"));
                }
            }
        }
        return Response.json(anyError ? 400 : 200, out);
    }

    /** The pairs of the example just scored, in the explainer's order: fields, attention, contribution. */
    private static void pairs(AfmModel model, Example ex, ArrayNode out) {
        PairView k = model.pairView();
        for (int p : Explainer.byAttention(k)) {
            ObjectNode n = out.addObject();
            ArrayNode f = n.putArray("fields");
            f.add(ex.fields[k.pairI(p)]);
            f.add(ex.fields[k.pairJ(p)]);
            n.put("attention", k.attention(p));
            n.put("contribution", k.contribution(p));
        }
    }
}
