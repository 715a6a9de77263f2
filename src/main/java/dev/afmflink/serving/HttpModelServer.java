package dev.afmflink.serving;

import io.undertow.Undertow;
import io.undertow.UndertowOptions;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.RequestTooBigException;
import io.undertow.util.Headers;
import io.undertow.util.Methods;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import org.xnio.Options;

/**
 * {@link ScoringService} over HTTP/1.1 on Undertow (non-blocking I/O threads, a pool of worker
 * threads). No client can hold the server: headers and bodies are read without blocking any
 * thread, so a client that sends a byte at a time, stops half way or keeps an idle connection open
 * costs a connection, not a thread, and is cut off by a timeout; only a complete request reaches a
 * worker. Limits, each answered at once and counted ({@code afm_serve_refused_total}): header
 * size ({@link Limits#maxHeaderBytes}; 431), body size (Content-Length or the bytes that came over
 * it; 413, without reading the body), connections ({@link Limits#maxConnections}: further ones
 * wait in the accept queue). The JDK's built-in server read headers on its handler thread, so one
 * client that sent {@code GET /} and nothing more stopped every request (docs/benchmarks.md).
 */
public final class HttpModelServer implements AutoCloseable {

    /**
     * @param workerThreads   threads that score complete requests
     * @param ioThreads       threads that read and write sockets (never blocked)
     * @param maxBodyBytes    larger bodies get 413
     * @param maxHeaderBytes  larger request headers end the connection with 431
     * @param requestTimeoutMs a request's headers and body must arrive within this; else the connection is closed
     * @param idleTimeoutMs   a keep-alive connection with no request for this long is closed
     * @param maxConnections  connections served at once (more wait to be accepted)
     */
    public record Limits(int workerThreads, int ioThreads, int maxBodyBytes, int maxHeaderBytes, int requestTimeoutMs,
                         int idleTimeoutMs, int maxConnections) {
        public static final Limits DEFAULT = new Limits(4, 2, 4 << 20, 16 << 10, 10_000, 60_000, 10_000);

        public Limits withThreads(int workers) {
            return new Limits(workers, ioThreads, maxBodyBytes, maxHeaderBytes, requestTimeoutMs, idleTimeoutMs, maxConnections);
        }

        public Limits withMaxBodyBytes(int bytes) {
            return new Limits(workerThreads, ioThreads, bytes, maxHeaderBytes, requestTimeoutMs, idleTimeoutMs, maxConnections);
        }

        public Limits withRequestTimeoutMs(int ms) {
            return new Limits(workerThreads, ioThreads, maxBodyBytes, maxHeaderBytes, ms, idleTimeoutMs, maxConnections);
        }

        public Limits {
            if (workerThreads < 1 || ioThreads < 1 || maxBodyBytes < 0 || maxHeaderBytes < 1024 || requestTimeoutMs < 1
                    || idleTimeoutMs < 1 || maxConnections < 1) {
                throw new IllegalArgumentException("server limits must be >= 1 (headers >= 1024 bytes)");
            }
        }
    }

    private final Undertow server;

    private HttpModelServer(Undertow server) {
        this.server = server;
    }

    /** Starts serving {@code service} on {@code bind}:{@code port} (0: any free port) with the default limits and {@code threads} workers. */
    public static HttpModelServer start(ScoringService service, String bind, int port, int threads, int maxBodyBytes)
            throws IOException {
        return start(service, bind, port, Limits.DEFAULT.withThreads(Math.max(1, threads)).withMaxBodyBytes(maxBodyBytes));
    }

    /** Starts serving {@code service} on {@code bind}:{@code port} (0: any free port). */
    public static HttpModelServer start(ScoringService service, String bind, int port, Limits limits) throws IOException {
        Undertow server = Undertow.builder()
                .addHttpListener(port, bind)
                .setIoThreads(limits.ioThreads())
                .setWorkerThreads(limits.workerThreads())
                .setServerOption(UndertowOptions.MAX_HEADER_SIZE, limits.maxHeaderBytes())
                .setServerOption(UndertowOptions.MAX_ENTITY_SIZE, (long) limits.maxBodyBytes())
                .setServerOption(UndertowOptions.REQUEST_PARSE_TIMEOUT, limits.requestTimeoutMs())
                .setServerOption(UndertowOptions.NO_REQUEST_TIMEOUT, limits.idleTimeoutMs())
                .setServerOption(UndertowOptions.ALWAYS_SET_DATE, false)
                .setSocketOption(Options.READ_TIMEOUT, limits.requestTimeoutMs())
                .setSocketOption(Options.TCP_NODELAY, true) // a small answer must not wait for a delayed ACK
                .setSocketOption(Options.BACKLOG, 1024)
                .setSocketOption(Options.CONNECTION_HIGH_WATER, limits.maxConnections())
                .setSocketOption(Options.CONNECTION_LOW_WATER, limits.maxConnections())
                .setHandler(ex -> receive(service, ex, limits))
                .build();
        try {
            server.start();
        } catch (RuntimeException e) {
            throw new IOException("cannot listen on " + bind + ":" + port + ": " + e.getMessage(), e);
        }
        return new HttpModelServer(server);
    }

    /** On the I/O thread: reads the body without blocking, then hands the complete request to a worker. */
    private static void receive(ScoringService service, HttpServerExchange ex, Limits limits) {
        String endpoint = ScoringService.endpoint(ex.getRequestPath());
        if (ex.getRequestContentLength() > limits.maxBodyBytes()) { // refused before a byte of the body is read
            send(ex, service.tooLarge(limits.maxBodyBytes()));
            return;
        }
        ex.getRequestReceiver().receiveFullBytes(
                (e, body) -> e.dispatch(() -> answer(service, e, body)),
                (e, error) -> {
                    if (error instanceof RequestTooBigException) {
                        send(e, service.tooLarge(limits.maxBodyBytes()));
                    } else { // the client went away or was too slow: nobody to answer
                        service.refuse(endpoint, 408, "body_incomplete", String.valueOf(error.getMessage()));
                        org.xnio.IoUtils.safeClose(e.getConnection());
                    }
                });
    }

    private static void answer(ScoringService service, HttpServerExchange ex, byte[] body) {
        ScoringService.Response r = service.handle(ex.getRequestMethod().toString(), ex.getRequestPath(),
                ex.getQueryString(), body);
        send(ex, r);
    }

    private static void send(HttpServerExchange ex, ScoringService.Response r) {
        ex.setStatusCode(r.status());
        ex.getResponseHeaders().put(Headers.CONTENT_TYPE, r.contentType());
        if (ex.getRequestMethod().equals(Methods.HEAD)) {
            ex.getResponseHeaders().put(Headers.CONTENT_LENGTH, r.body().length);
            ex.endExchange();
            return;
        }
        ex.getResponseSender().send(ByteBuffer.wrap(r.body()));
    }

    public int port() {
        return ((InetSocketAddress) server.getListenerInfo().get(0).getAddress()).getPort();
    }

    @Override
    public void close() {
        server.stop();
    }
}
