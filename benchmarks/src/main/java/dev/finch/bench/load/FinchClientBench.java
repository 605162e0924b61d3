package dev.finch.bench.load;

import dev.finch.Body;
import dev.finch.FinchClient;
import dev.finch.Request;
import dev.finch.RequestOptions;
import dev.finch.StreamPart;
import dev.finch.conn.ConnectOptions;
import dev.finch.pool.PoolConfig;
import java.net.URI;

/**
 * {@link FinchClient}, Finch's public client, the headline entry. HTTP/1.1: one pool for the origin with {@code size}
 * connections = the concurrency (count 1), checked out by the calling thread. h2c: a pool with protocols [HTTP2] over
 * {@code http}, which is prior knowledge, and count 1: one multiplexed connection, Finch's HTTP/2 default. The body is
 * consumed with {@link FinchClient#stream}, counting {@link StreamPart.Data} and keeping nothing.
 */
final class FinchClientBench implements BenchClient {
    private final FinchClient client;
    private final String base;

    FinchClientBench(URI base, Protocol protocol, int concurrency) {
        this.base = base.toString();
        ConnectOptions connect = ConnectOptions.builder()
                .connectTimeout(Timeouts.CONNECT)
                .sendTimeout(Timeouts.RESPONSE)
                .build();
        PoolConfig.Builder pool = PoolConfig.builder().connectOptions(connect).count(1);
        if (protocol == Protocol.H2C) {
            pool.protocols(dev.finch.conn.Protocol.HTTP2);
        } else {
            pool.size(concurrency);
        }
        this.client = FinchClient.builder()
                .pool(this.base, pool.build())
                .defaultRequestOptions(RequestOptions.builder()
                        .poolTimeout(Timeouts.RESPONSE)
                        .receiveTimeout(Timeouts.RESPONSE)
                        .build())
                .build();
    }

    @Override
    public long get(String path) throws Exception {
        return exchange(Request.get(base + path));
    }

    @Override
    public long post(String path, byte[] body) throws Exception {
        return exchange(Request.builder("POST", base + path)
                .header("content-type", "application/octet-stream")
                .body(Body.of(body))
                .build());
    }

    /** [status, body bytes]. */
    private long exchange(Request request) throws Exception {
        long[] seen = client.stream(request, new long[2], (part, acc) -> {
            if (part instanceof StreamPart.Data d) {
                acc[1] += d.bytes().length;
            } else if (part instanceof StreamPart.Status s) {
                acc[0] = s.code();
            }
            return acc;
        });
        if (seen[0] != 200) {
            throw new BadStatus((int) seen[0]);
        }
        return seen[1];
    }

    @Override
    public void close() {
        client.close();
    }
}
