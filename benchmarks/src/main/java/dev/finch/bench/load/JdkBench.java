package dev.finch.bench.load;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.Flow;

/**
 * The JDK's {@code java.net.http.HttpClient}, HTTP/1.1 only, synchronous {@code send} on the workers. Its HTTP/1.1
 * pool is unbounded, so it holds the concurrency. It has no h2c with prior knowledge (only the Upgrade dance, which
 * nginx does not offer), so it has no h2c rows.
 */
final class JdkBench implements BenchClient {
    private final HttpClient client;
    private final String base;

    JdkBench(URI base) {
        this.base = base.toString();
        this.client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Timeouts.CONNECT)
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    @Override
    public long get(String path) throws Exception {
        return send(HttpRequest.newBuilder(URI.create(base + path))
                .timeout(Timeouts.RESPONSE)
                .GET()
                .build());
    }

    @Override
    public long post(String path, byte[] body) throws Exception {
        return send(HttpRequest.newBuilder(URI.create(base + path))
                .timeout(Timeouts.RESPONSE)
                .header("content-type", "application/octet-stream")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build());
    }

    private long send(HttpRequest request) throws Exception {
        HttpResponse<Long> response =
                client.send(request, info -> HttpResponse.BodySubscribers.fromSubscriber(new Counting(), c -> c.bytes));
        if (response.statusCode() != 200) {
            throw new BadStatus(response.statusCode());
        }
        return response.body();
    }

    @Override
    public void close() throws Exception {
        if (client instanceof AutoCloseable closeable) { // JDK 21+; on 17 its threads end once it is unreachable
            closeable.close();
        }
    }

    /** Counts body bytes and drops them. */
    private static final class Counting implements Flow.Subscriber<List<ByteBuffer>> {
        long bytes;

        @Override
        public void onSubscribe(Flow.Subscription subscription) {
            subscription.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(List<ByteBuffer> item) {
            for (ByteBuffer b : item) {
                bytes += b.remaining();
            }
        }

        @Override
        public void onError(Throwable throwable) {}

        @Override
        public void onComplete() {}
    }
}
