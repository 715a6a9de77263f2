package dev.afmflink.serving;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * {@link ScoringService} over HTTP/1.1 on the JDK's built-in server ({@code com.sun.net.httpserver},
 * no dependency; measured in docs/serving.md), with a fixed pool of handler threads. A request body
 * over {@code maxBodyBytes} is refused with 413 without being read whole.
 */
public final class HttpModelServer implements AutoCloseable {
    private final HttpServer server;
    private final ExecutorService pool;

    private HttpModelServer(HttpServer server, ExecutorService pool) {
        this.server = server;
        this.pool = pool;
    }

    /** Starts serving {@code service} on {@code bind}:{@code port} (0: any free port). */
    public static HttpModelServer start(ScoringService service, String bind, int port, int threads, int maxBodyBytes)
            throws IOException {
        // TCP_NODELAY on accepted connections: without it a small answer waits for the client's
        // delayed ACK (tens of ms a request; docs/benchmarks.md)
        System.setProperty("sun.net.httpserver.nodelay", "true");
        HttpServer server = HttpServer.create(new InetSocketAddress(bind, port), 1024);
        // threads = 0: requests are handled on the server's dispatcher thread (no hand-off)
        ExecutorService pool = threads <= 0 ? null : Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "afm-serve");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(pool);
        server.createContext("/", exchange -> handle(service, exchange, maxBodyBytes));
        server.start();
        return new HttpModelServer(server, pool);
    }

    public int port() {
        return server.getAddress().getPort();
    }

    private static void handle(ScoringService service, HttpExchange ex, int maxBodyBytes) throws IOException {
        try (ex) {
            ScoringService.Response r;
            byte[] body = read(ex.getRequestBody(), maxBodyBytes);
            if (body == null) {
                r = service.tooLarge(maxBodyBytes);
            } else {
                r = service.handle(ex.getRequestMethod(), ex.getRequestURI().getPath(), ex.getRequestURI().getRawQuery(), body);
            }
            ex.getResponseHeaders().set("Content-Type", r.contentType());
            ex.sendResponseHeaders(r.status(), r.body().length == 0 ? -1 : r.body().length);
            if (r.body().length > 0) {
                try (OutputStream out = ex.getResponseBody()) {
                    out.write(r.body());
                }
            }
        }
    }

    /** The body, or null if it is longer than {@code max} bytes. */
    private static byte[] read(InputStream in, int max) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(Math.min(max, 8192));
        byte[] buf = new byte[8192];
        int total = 0;
        for (int n; (n = in.read(buf)) > 0; ) {
            total += n;
            if (total > max) {
                return null;
            }
            out.write(buf, 0, n);
        }
        return out.toByteArray();
    }

    @Override
    public void close() {
        server.stop(0);
        if (pool != null) {
            pool.shutdownNow();
            try {
                pool.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
