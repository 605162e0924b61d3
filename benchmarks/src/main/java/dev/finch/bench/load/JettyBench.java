package dev.finch.bench.load;

import java.net.URI;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.client.BytesRequestContent;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.http2.client.HTTP2Client;
import org.eclipse.jetty.http2.client.transport.HttpClientTransportOverHTTP2;

/**
 * Jetty 12 HttpClient. HTTP/1.1 uses the default transport; h2c uses {@link HttpClientTransportOverHTTP2}, which
 * speaks HTTP/2 with prior knowledge to an {@code http} URL. The body is counted and dropped in a content listener
 * (Jetty's blocking {@code send()} would buffer it, which no other client here does); workers wait on a future.
 */
final class JettyBench implements BenchClient {
    private final HttpClient client;
    private final String base;

    JettyBench(URI base, Protocol protocol, int concurrency) throws Exception {
        this.base = base.toString();
        this.client = protocol == Protocol.H2C
                ? new HttpClient(new HttpClientTransportOverHTTP2(new HTTP2Client()))
                : new HttpClient();
        client.setMaxConnectionsPerDestination(concurrency);
        client.setMaxRequestsQueuedPerDestination(Math.max(1024, 2 * concurrency));
        client.setConnectTimeout(Timeouts.CONNECT.toMillis());
        client.setIdleTimeout(5 * 60_000L);
        client.setFollowRedirects(false);
        client.start();
    }

    @Override
    public long get(String path) throws Exception {
        return send(client.newRequest(base + path));
    }

    @Override
    public long post(String path, byte[] body) throws Exception {
        return send(client.newRequest(base + path)
                .method("POST")
                .body(new BytesRequestContent("application/octet-stream", body)));
    }

    private long send(Request request) throws Exception {
        long[] bytes = new long[1];
        CompletableFuture<Long> done = new CompletableFuture<>();
        request.timeout(Timeouts.RESPONSE.toMillis(), TimeUnit.MILLISECONDS)
                .onResponseContent((response, content) -> bytes[0] += content.remaining())
                .send(result -> {
                    if (result.isFailed()) {
                        done.completeExceptionally(result.getFailure());
                    } else if (result.getResponse().getStatus() != 200) {
                        done.completeExceptionally(
                                new BadStatus(result.getResponse().getStatus()));
                    } else {
                        done.complete(bytes[0]);
                    }
                });
        return done.get(Timeouts.RESPONSE.toSeconds() * 2, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws Exception {
        client.stop();
    }
}
