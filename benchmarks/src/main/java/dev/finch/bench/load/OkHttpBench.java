package dev.finch.bench.load;

import java.net.URI;
import java.util.List;
import java.util.concurrent.TimeUnit;
import okhttp3.ConnectionPool;
import okhttp3.Dispatcher;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okio.Okio;

/**
 * OkHttp 5, synchronous calls on the worker threads. HTTP/1.1 pins the protocol list to HTTP_1_1; h2c uses
 * H2_PRIOR_KNOWLEDGE (one multiplexed connection; OkHttp opens another only when the server's stream limit is
 * reached). The connection pool keeps as many idle connections as there are workers.
 */
final class OkHttpBench implements BenchClient {
    private static final MediaType OCTETS = MediaType.get("application/octet-stream");

    private final OkHttpClient client;
    private final String base;

    OkHttpBench(URI base, Protocol protocol, int concurrency) {
        this.base = base.toString();
        Dispatcher dispatcher = new Dispatcher();
        dispatcher.setMaxRequests(Math.max(64, concurrency));
        dispatcher.setMaxRequestsPerHost(Math.max(5, concurrency));
        this.client = new OkHttpClient.Builder()
                .protocols(
                        protocol == Protocol.H2C
                                ? List.of(okhttp3.Protocol.H2_PRIOR_KNOWLEDGE)
                                : List.of(okhttp3.Protocol.HTTP_1_1))
                .connectionPool(new ConnectionPool(Math.max(5, concurrency), 5, TimeUnit.MINUTES))
                .dispatcher(dispatcher)
                .connectTimeout(Timeouts.CONNECT)
                .readTimeout(Timeouts.RESPONSE)
                .writeTimeout(Timeouts.RESPONSE)
                .build();
    }

    @Override
    public long get(String path) throws Exception {
        return execute(new Request.Builder().url(base + path).build());
    }

    @Override
    public long post(String path, byte[] body) throws Exception {
        return execute(new Request.Builder()
                .url(base + path)
                .post(RequestBody.create(body, OCTETS))
                .build());
    }

    private long execute(Request request) throws Exception {
        try (Response response = client.newCall(request).execute()) {
            long n = response.body().source().readAll(Okio.blackhole());
            if (response.code() != 200) {
                throw new BadStatus(response.code());
            }
            return n;
        }
    }

    @Override
    public void close() {
        client.dispatcher().executorService().shutdown();
        client.connectionPool().evictAll();
    }
}
