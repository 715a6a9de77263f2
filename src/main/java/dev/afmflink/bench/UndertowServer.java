package dev.afmflink.bench;

import dev.afmflink.serving.ScoringService;
import io.undertow.Undertow;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

/**
 * {@link ScoringService} on Undertow, only to measure the JDK's server against a maintained
 * library (docs/benchmarks.md); {@code bin/afm serve} uses the JDK's.
 */
final class UndertowServer implements AutoCloseable {
    private final Undertow server;

    UndertowServer(ScoringService service, int ioThreads, int workerThreads, int maxBody) {
        HttpHandler handler = new HttpHandler() {
            @Override
            public void handleRequest(HttpServerExchange ex) throws Exception {
                if (ex.isInIoThread()) {
                    ex.dispatch(this);
                    return;
                }
                ex.startBlocking();
                ScoringService.Response r;
                try (InputStream in = ex.getInputStream()) {
                    byte[] body = in.readNBytes(maxBody + 1);
                    r = body.length > maxBody ? service.tooLarge(maxBody)
                            : service.handle(ex.getRequestMethod().toString(), ex.getRequestPath(), ex.getQueryString(), body);
                }
                ex.setStatusCode(r.status());
                ex.getResponseHeaders().put(Headers.CONTENT_TYPE, r.contentType());
                ex.getResponseSender().send(ByteBuffer.wrap(r.body()));
            }
        };
        server = Undertow.builder().addHttpListener(0, "127.0.0.1").setIoThreads(ioThreads).setWorkerThreads(workerThreads)
                .setHandler(handler).build();
        server.start();
    }

    int port() {
        return ((InetSocketAddress) server.getListenerInfo().get(0).getAddress()).getPort();
    }

    @Override
    public void close() {
        server.stop();
    }
}
