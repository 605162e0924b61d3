package dev.finch.bench.load;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelOption;
import java.net.URI;
import java.time.Duration;
import reactor.core.publisher.Mono;
import reactor.netty.http.HttpProtocol;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;
import reactor.netty.resources.LoopResources;

/**
 * Reactor Netty's HttpClient with its defaults (epoll transport when available, max(cores, 4) event loops). The
 * connection provider allows as many connections as workers and queues without bound; h2c is {@link
 * HttpProtocol#H2C} alone, which means prior knowledge. Workers block on the response {@link Mono}; body buffers
 * are released as they are counted.
 */
final class ReactorNettyBench implements BenchClient {
    private final HttpClient client;
    private final HttpClient postClient;
    private final ConnectionProvider provider;
    private final LoopResources loops;
    private static final Duration BLOCK = Timeouts.RESPONSE.multipliedBy(2);

    ReactorNettyBench(URI base, Protocol protocol, int concurrency) {
        this.provider = ConnectionProvider.builder("bench")
                .maxConnections(concurrency)
                .pendingAcquireMaxCount(-1)
                .pendingAcquireTimeout(Timeouts.RESPONSE)
                .maxIdleTime(Duration.ofMinutes(5))
                .build();
        // Its own event loops (default count and native transport, as the global ones), so that close() ends every
        // connection: disposing the provider alone left h2c connections open.
        this.loops = LoopResources.create("bench-reactor");
        this.client = HttpClient.create(provider)
                .runOn(loops)
                .baseUrl(base.toString())
                .protocol(protocol == Protocol.H2C ? HttpProtocol.H2C : HttpProtocol.HTTP11)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Timeouts.CONNECT.toMillis())
                .responseTimeout(Timeouts.RESPONSE);
        this.postClient = client.headers(h -> h.set("content-type", "application/octet-stream"));
    }

    @Override
    public long get(String path) {
        return client.get()
                .uri(path)
                .response((response, body) -> {
                    if (response.status().code() != 200) {
                        return Mono.error(new BadStatus(response.status().code()));
                    }
                    return body.map(b -> (long) b.readableBytes()).reduce(0L, Long::sum);
                })
                .reduce(0L, Long::sum)
                .block(BLOCK);
    }

    @Override
    public long post(String path, byte[] bytes) {
        return postClient
                .post()
                .uri(path)
                .send(Mono.fromSupplier(() -> Unpooled.wrappedBuffer(bytes)))
                .response((response, body) -> {
                    if (response.status().code() != 200) {
                        return Mono.error(new BadStatus(response.status().code()));
                    }
                    return body.map(b -> (long) b.readableBytes()).reduce(0L, Long::sum);
                })
                .reduce(0L, Long::sum)
                .block(BLOCK);
    }

    @Override
    public void close() {
        provider.disposeLater().block(Duration.ofSeconds(10));
        loops.disposeLater(Duration.ZERO, Duration.ofSeconds(5)).block(Duration.ofSeconds(10));
    }
}
