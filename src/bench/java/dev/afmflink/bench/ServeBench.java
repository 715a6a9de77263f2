package dev.afmflink.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.afmflink.data.Event;
import dev.afmflink.embedded.ClickSimulator;
import dev.afmflink.embedded.KafkaBroker;
import dev.afmflink.job.AfmStreamJob;
import dev.afmflink.job.FeedbackSettings;
import dev.afmflink.job.StreamSettings;
import dev.afmflink.metrics.QualityGate;
import dev.afmflink.model.AfmConfig;
import dev.afmflink.model.AfmModel;
import dev.afmflink.model.Example;
import dev.afmflink.model.Loss;
import dev.afmflink.optim.OptimizerSpec;
import dev.afmflink.serving.HttpModelServer;
import dev.afmflink.serving.KafkaSnapshots;
import dev.afmflink.serving.LiveModel;
import dev.afmflink.serving.ScoringService;
import dev.afmflink.snapshot.ModelFormat;
import dev.afmflink.snapshot.ModelHeader;
import dev.afmflink.snapshot.ModelWriter;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The model server measured from outside, on 127.0.0.1 (docs/benchmarks.md): latency at fixed
 * request rates with an open-loop generator that times each request from its intended send time
 * (so a stall is charged to every request it delays: no coordinated omission); saturated
 * throughput; the same load while 100 deltas are applied (failures, versions going backwards);
 * and freshness through the real job: a labelled event produced to Kafka → the first answer of the
 * server whose model has trained it (publish interval 1 s).
 */
public final class ServeBench {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ServeBench() {
    }

    static AfmConfig config(int k) {
        OptimizerSpec a = OptimizerSpec.adagrad(0.05, 1e-8);
        return new AfmConfig(k, k, Loss.LOGISTIC, 0, 0, 0, 1, 0.1, 1, OptimizerSpec.ftrl(0.1, 1, 0.5, 0), a, a);
    }

    /** A model trained on the simulator's examples, and request bodies of {@code batch} impressions each. */
    static AfmModel model(int k, List<String> impressions) throws Exception {
        AfmModel m = new AfmModel(config(k));
        Iterator<String> s = new ClickSimulator(5).clickStream(20_000, 0, 10, Event.DEFAULT_MODEL);
        while (s.hasNext()) {
            String e = s.next();
            if (e.contains("\"impression\"")) {
                JsonNode n = JSON.readTree(e);
                Example x = dev.afmflink.data.ScoringReader.event(n);
                x.label = (n.get("id").asText().hashCode() & 7) == 0 ? 1 : 0;
                m.train(x, 0);
                impressions.add(e);
            }
        }
        return m;
    }

    /** Latencies (ns, from the intended send time) and counts of one run. */
    record Run(long[] latencies, long failures, long backwards, double seconds) {
        String describe() {
            long[] l = latencies.clone();
            Arrays.sort(l);
            return String.format(Locale.ROOT, "p50 %.3f ms  p99 %.3f ms  p99.9 %.3f ms  max %.3f ms  (%d requests, %d failed)",
                    pct(l, 0.50), pct(l, 0.99), pct(l, 0.999), l[l.length - 1] / 1e6, l.length, failures);
        }
    }

    static double pct(long[] sorted, double q) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1)] / 1e6;
    }

    /**
     * Open loop: request i is due at start + i/rate; {@code workers} threads take the next due
     * request, wait for its time, send it on their keep-alive connection and record
     * (answer time − due time). {@code rate} ≤ 0: closed loop, as fast as the workers go.
     */
    static Run load(int port, List<byte[]> bodies, double rate, int requests, int workers) throws Exception {
        long[] lat = new long[requests];
        AtomicLong next = new AtomicLong();
        AtomicLong failures = new AtomicLong();
        AtomicLong backwards = new AtomicLong();
        long start = System.nanoTime() + 20_000_000L;
        List<Thread> threads = new ArrayList<>();
        for (int w = 0; w < workers; w++) {
            Thread t = new Thread(() -> {
                long lastVersion = 0;
                RawHttp[] conn = new RawHttp[1];
                while (true) {
                    long i = next.getAndIncrement();
                    if (i >= requests) {
                        return;
                    }
                    long due = rate > 0 ? start + (long) (i * 1e9 / rate) : System.nanoTime();
                    // park until shortly before the due time, then spin: the generator's own lateness stays in the µs
                    for (long wait = due - System.nanoTime(); wait > 0; wait = due - System.nanoTime()) {
                        if (wait > 150_000) {
                            java.util.concurrent.locks.LockSupport.parkNanos(wait - 100_000);
                        } else {
                            Thread.onSpinWait();
                        }
                    }
                    try {
                        if (conn[0] == null) {
                            conn[0] = new RawHttp(port);
                        }
                        byte[] body = bodies.get((int) (i % bodies.size()));
                        int status = conn[0].post("/v1/score", body);
                        lat[(int) i] = System.nanoTime() - due;
                        if (status != 200) {
                            failures.incrementAndGet();
                        } else {
                            long v = versionOf(conn[0].body, conn[0].length);
                            if (v < lastVersion) {
                                backwards.incrementAndGet();
                            }
                            lastVersion = v;
                        }
                    } catch (Exception e) {
                        lat[(int) i] = System.nanoTime() - due;
                        failures.incrementAndGet();
                        if (conn[0] != null) {
                            conn[0].close();
                            conn[0] = null;
                        }
                    }
                }
            }, "load-" + w);
            t.start();
            threads.add(t);
        }
        for (Thread t : threads) {
            t.join();
        }
        return new Run(lat, failures.get(), backwards.get(), (System.nanoTime() - start) / 1e9);
    }

    /**
     * A minimal HTTP/1.1 keep-alive client for the load generator: the request goes out in one
     * write with TCP_NODELAY (a client that writes headers and body separately meets Nagle's
     * algorithm and delayed ACKs: 40 ms a request), the answer is read by Content-Length.
     */
    static final class RawHttp {
        final java.net.Socket socket;
        final java.io.BufferedInputStream in;
        final OutputStream out;
        byte[] body = new byte[1 << 16];
        int length;

        RawHttp(int port) throws java.io.IOException {
            socket = new java.net.Socket("127.0.0.1", port);
            socket.setTcpNoDelay(true);
            in = new java.io.BufferedInputStream(socket.getInputStream(), 1 << 16);
            out = socket.getOutputStream();
        }

        int post(String path, byte[] payload) throws java.io.IOException {
            byte[] head = ("POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: "
                    + payload.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
            byte[] req = Arrays.copyOf(head, head.length + payload.length);
            System.arraycopy(payload, 0, req, head.length, payload.length);
            out.write(req);
            out.flush();
            String status = line();
            int code = Integer.parseInt(status.substring(9, 12));
            int len = 0;
            for (String h = line(); !h.isEmpty(); h = line()) {
                if (h.regionMatches(true, 0, "content-length:", 0, 15)) {
                    len = Integer.parseInt(h.substring(15).trim());
                }
            }
            if (body.length < len) {
                body = new byte[len];
            }
            int off = 0;
            while (off < len) {
                int n = in.read(body, off, len - off);
                if (n < 0) {
                    throw new java.io.EOFException("connection closed");
                }
                off += n;
            }
            length = len;
            return code;
        }

        private String line() throws java.io.IOException {
            StringBuilder sb = new StringBuilder(64);
            for (int c = in.read(); c != '\n'; c = in.read()) {
                if (c < 0) {
                    throw new java.io.EOFException("connection closed");
                }
                if (c != '\r') {
                    sb.append((char) c);
                }
            }
            return sb.toString();
        }

        void close() {
            try {
                socket.close();
            } catch (java.io.IOException e) {
                // closing anyway
            }
        }
    }

    /** The version of the first result of a score answer (cheap scan: "version":N). */
    static long versionOf(byte[] body, int length) {
        String s = new String(body, 0, Math.min(length, 256), StandardCharsets.UTF_8);
        int i = s.indexOf("\"version\":");
        if (i < 0) {
            return -1;
        }
        int j = i + 10;
        int k = j;
        while (k < s.length() && Character.isDigit(s.charAt(k))) {
            k++;
        }
        return Long.parseLong(s.substring(j, k));
    }

    static List<byte[]> bodies(List<String> impressions, int batch) {
        List<byte[]> out = new ArrayList<>();
        for (int i = 0; i + batch <= impressions.size() && out.size() < 200; i += batch) {
            out.add(("[" + String.join(",", impressions.subList(i, i + batch)) + "]").getBytes(StandardCharsets.UTF_8));
        }
        return out;
    }

    public static void run(int[] ks, int[] rates, int seconds, int threads, Path work, boolean freshness, PrintStream out)
            throws Exception {
        out.printf(Locale.ROOT, "serve bench: bin/afm serve's service on 127.0.0.1 (Undertow, %d worker threads), load "
                + "generator in the same JVM (%d cores shared), open loop, latency from the intended send time%n", threads,
                Runtime.getRuntime().availableProcessors());
        for (int k : ks) {
            List<String> impressions = new ArrayList<>();
            AfmModel m = model(k, impressions);
            LiveModel live = new LiveModel();
            live.apply(ModelWriter.fullBytes(m, 1), 0, "bench");
            try (HttpModelServer server = HttpModelServer.start(new ScoringService("default", live, null,
                    System::currentTimeMillis), "127.0.0.1", 0, HttpModelServer.Limits.DEFAULT.withThreads(threads)
                    .withMaxBodyBytes(64 << 20))) {
                int port = server.port();
                for (int batch : new int[] {1, 100}) {
                    List<byte[]> bodies = bodies(impressions, batch);
                    load(port, bodies, 0, batch == 1 ? 30_000 : 1_000, 4); // warm-up (JIT)
                    for (int rate : rates) {
                        Run r = load(port, bodies, rate, rate * seconds, 8);
                        out.printf(Locale.ROOT, "k=t=%-3d batch %-3d %5d req/s: %s%n", k, batch, rate, r.describe());
                    }
                    Run sat = load(port, bodies, 0, batch == 1 ? 40_000 : 2_000, 8);
                    double rps = sat.latencies().length / sat.seconds();
                    out.printf(Locale.ROOT, "k=t=%-3d batch %-3d saturated: %.0f req/s = %.0f events/s (%.0f events/s per core, "
                            + "generator included)%n", k, batch, rps, rps * batch, rps * batch / Runtime.getRuntime().availableProcessors());
                }
            }
        }
        slowClients(100, threads, seconds, out);
        deltasUnderLoad(threads, out);
        if (freshness) {
            freshness(work, threads, out);
        }
    }

    /**
     * 1,000 req/s of one event (k = t = 16) with 0 and with {@code slow} clients connected that
     * send their headers a byte at a time (a byte every 100 ms each, never a whole request), and
     * {@code /health} asked once a second meanwhile: no slow client may hold a thread.
     */
    public static void slowClients(int slow, int threads, int seconds, PrintStream out) throws Exception {
        List<String> impressions = new ArrayList<>();
        AfmModel m = model(16, impressions);
        LiveModel live = new LiveModel();
        live.apply(ModelWriter.fullBytes(m, 1), 0, "bench");
        List<byte[]> bodies = bodies(impressions, 1);
        try (HttpModelServer server = HttpModelServer.start(new ScoringService("default", live, null, System::currentTimeMillis),
                "127.0.0.1", 0, HttpModelServer.Limits.DEFAULT.withThreads(threads))) {
            int port = server.port();
            load(port, bodies, 0, 30_000, 4); // warm-up (JIT)
            for (int n : new int[] {0, slow}) {
                List<java.net.Socket> held = new ArrayList<>();
                java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
                for (int i = 0; i < n; i++) {
                    java.net.Socket c = new java.net.Socket("127.0.0.1", port);
                    held.add(c);
                }
                Thread dribble = new Thread(() -> {
                    byte[] req = "GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: ".getBytes(StandardCharsets.ISO_8859_1);
                    for (int b = 0; !stop.get(); b++) {
                        for (java.net.Socket c : held) {
                            try {
                                c.getOutputStream().write(req[b % req.length] == '\n' ? 'x' : req[b % req.length]);
                            } catch (java.io.IOException e) {
                                // cut off by the server's request timeout: that is the point
                            }
                        }
                        try {
                            Thread.sleep(100);
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                }, "slow-clients");
                dribble.setDaemon(true);
                dribble.start();
                long[] health = new long[seconds];
                Thread prober = new Thread(() -> {
                    for (int i = 0; i < health.length; i++) {
                        long t0 = System.nanoTime();
                        try (java.net.Socket c = new java.net.Socket("127.0.0.1", port)) {
                            c.setSoTimeout(5000);
                            c.getOutputStream().write("GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                                    .getBytes(StandardCharsets.ISO_8859_1));
                            String first = new String(c.getInputStream().readNBytes(12), StandardCharsets.ISO_8859_1);
                            health[i] = first.endsWith("200") ? System.nanoTime() - t0 : -1;
                            Thread.sleep(Math.max(0, 1000 - (System.nanoTime() - t0) / 1_000_000));
                        } catch (Exception e) {
                            health[i] = -1;
                        }
                    }
                }, "health-probe");
                prober.start();
                Run r = load(port, bodies, 1000, 1000 * seconds, 8);
                prober.join();
                stop.set(true);
                long answered = Arrays.stream(health).filter(h -> h >= 0).count();
                double worst = Arrays.stream(health).max().orElse(0) / 1e6;
                out.printf(Locale.ROOT, "slow clients %3d: 1000 req/s of one event: %s; /health %d of %d answered (slowest %.1f ms)%n",
                        n, r.describe(), answered, health.length, worst);
                for (java.net.Socket c : held) {
                    c.close();
                }
            }
        }
    }

    /** 1,000 req/s of one event while 100 deltas are applied (one every 50 ms). */
    static void deltasUnderLoad(int threads, PrintStream out) throws Exception {
        List<String> impressions = new ArrayList<>();
        AfmModel m = model(16, impressions);
        List<byte[]> snapshots = new ArrayList<>();
        snapshots.add(ModelWriter.fullBytes(m, 1));
        Iterator<String> more = new ClickSimulator(6).clickStream(20_000, 0, 10, Event.DEFAULT_MODEL);
        for (int v = 2; v <= 101; v++) {
            TreeSet<Long> changed = new TreeSet<>(Long::compareUnsigned); // the format's order: ascending unsigned ids
            for (int i = 0; i < 100 && more.hasNext(); ) {
                String e = more.next();
                if (e.contains("\"impression\"")) {
                    Example x = dev.afmflink.data.ScoringReader.event(JSON.readTree(e));
                    x.label = i % 5 == 0 ? 1 : 0;
                    m.train(x, 0);
                    for (int q = 0; q < x.size; q++) {
                        changed.add(x.ids[q]);
                    }
                    i++;
                }
            }
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            try (ModelWriter w = new ModelWriter(b, new ModelHeader(ModelFormat.Kind.DELTA, v, v - 1, m.shared().examples,
                    m.config()), m.shared(), changed.size())) {
                for (long id : changed) {
                    w.put(id, m.features().get(id));
                }
            }
            snapshots.add(b.toByteArray());
        }
        LiveModel live = new LiveModel();
        live.apply(snapshots.get(0), 0, "v1");
        try (HttpModelServer server = HttpModelServer.start(new ScoringService("default", live, null, System::currentTimeMillis),
                "127.0.0.1", 0, threads, 1 << 20)) {
            Thread applier = new Thread(() -> {
                try {
                    Thread.sleep(500);
                    for (int v = 2; v <= 101; v++) {
                        live.apply(snapshots.get(v - 1), System.currentTimeMillis(), "v" + v);
                        Thread.sleep(50);
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            applier.start();
            Run r = load(server.port(), bodies(impressions, 1), 1000, 7000, 8);
            applier.join();
            out.printf(Locale.ROOT, "1000 req/s while 100 deltas apply: %s, versions going backwards on a connection %d, "
                    + "final version %d%n", r.describe(), r.backwards(), live.info().version());
        }
    }

    /**
     * The job (embedded broker, RocksDB, publish every 1 s) and the server following its snapshots
     * topic: 200 labelled events/s for 20 s; per event, produced → the first time the server's model
     * has trained it (its example counter covers the event).
     */
    static void freshness(Path work, int threads, PrintStream out) throws Exception {
        try (KafkaBroker broker = KafkaBroker.start(work.resolve("kafka"), 240)) {
            String servers = broker.bootstrapServers();
            StreamSettings s = StreamSettings.builder(servers, config(16))
                    .topics("serve-in", "serve-snap", "serve-pred", "serve-dead").groupId("serve-bench")
                    .checkpoints(work.resolve("cp").toString(), 10_000).publish(1000, 0, 10).build()
                    .withFeedback(new FeedbackSettings(60_000, 200, 0, 60_000, QualityGate.OPEN, null));
            broker.createTopics(List.of(s.inputTopic(), s.snapshotsTopic(), s.predictionsTopic(), s.deadLettersTopic()),
                    s.snapshotsTopic());
            StreamExecutionEnvironment env = AfmStreamJob.environment(s);
            AfmStreamJob.build(env, s);
            JobClient job = env.executeAsync("serve-bench-freshness");
            LiveModel live = new LiveModel();
            try (KafkaSnapshots.Follower f = KafkaSnapshots.follow(servers, s.snapshotsTopic(), "default", live);
                 HttpModelServer server = HttpModelServer.start(new ScoringService("default", live, null, System::currentTimeMillis),
                         "127.0.0.1", 0, threads, 1 << 20)) {
                Thread.sleep(5000);
                int rate = 200;
                int total = rate * 20;
                List<long[]> seen = new ArrayList<>(); // (examples, wall ms) as the server reports them
                Thread poller = new Thread(() -> {
                    URI model = URI.create("http://127.0.0.1:" + server.port() + "/v1/model");
                    long last = -1;
                    long until = System.currentTimeMillis() + 60_000;
                    while (System.currentTimeMillis() < until) {
                        try {
                            HttpURLConnection c = (HttpURLConnection) model.toURL().openConnection();
                            JsonNode n = JSON.readTree(c.getInputStream().readAllBytes());
                            long ex = n.get("examples").asLong();
                            if (ex != last) {
                                synchronized (seen) {
                                    seen.add(new long[] {ex, System.currentTimeMillis()});
                                }
                                last = ex;
                            }
                            if (ex >= total) {
                                return;
                            }
                            Thread.sleep(5);
                        } catch (Exception e) {
                            return;
                        }
                    }
                });
                poller.start();
                ClickSimulator sim = new ClickSimulator(8);
                long[] produced = StreamBench.producePaced(servers, s.inputTopic(), total, rate,
                        (i, wallMs) -> sim.nextExampleJson(wallMs, "default").getBytes(StandardCharsets.UTF_8));
                StreamBench.produceLater(servers, s.inputTopic(),
                        sim.nextExampleJson(System.currentTimeMillis() + 3_600_000L, "marker").getBytes(StandardCharsets.UTF_8));
                poller.join(90_000);
                job.cancel().get(60, TimeUnit.SECONDS);
                long[] lat = StreamBench.freshness(produced, seen, "in the server's model");
                out.printf(Locale.ROOT, "freshness (job on RocksDB publishing every 1 s, server following the snapshots topic, "
                        + "%d events/s for 20 s): event produced -> served: p50 %d ms, p99 %d ms, max %d ms%n", rate,
                        lat[total / 2], lat[(int) (total * 0.99)], lat[total - 1]);
            }
        }
    }
}
