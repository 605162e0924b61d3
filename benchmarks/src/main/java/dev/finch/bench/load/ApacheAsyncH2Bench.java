package dev.finch.bench.load;

import java.net.URI;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import org.apache.hc.client5.http.async.methods.AbstractBinResponseConsumer;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.async.CloseableHttpAsyncClient;
import org.apache.hc.client5.http.impl.async.H2AsyncClientBuilder;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.HttpResponse;
import org.apache.hc.core5.http.nio.AsyncRequestProducer;
import org.apache.hc.core5.http.nio.entity.AsyncEntityProducers;
import org.apache.hc.core5.http.nio.support.AsyncRequestBuilder;
import org.apache.hc.core5.http2.config.H2Config;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.reactor.IOReactorConfig;
import org.apache.hc.core5.util.Timeout;

/**
 * Apache HttpClient 5 async for h2c: {@link H2AsyncClientBuilder} speaks HTTP/2 only, with prior knowledge over
 * cleartext, multiplexing every request on one connection per route. Workers wait on the returned future. The I/O
 * reactor has its default thread count (one per core).
 */
final class ApacheAsyncH2Bench implements BenchClient {
    private final CloseableHttpAsyncClient client;
    private final String base;

    ApacheAsyncH2Bench(URI base) {
        this.base = base.toString();
        this.client = H2AsyncClientBuilder.create()
                .setIOReactorConfig(IOReactorConfig.custom()
                        .setSoTimeout(Timeout.of(Timeouts.RESPONSE))
                        .build())
                .setH2Config(H2Config.custom().setPushEnabled(false).build())
                .setDefaultConnectionConfig(ConnectionConfig.custom()
                        .setConnectTimeout(Timeout.of(Timeouts.CONNECT))
                        .setSocketTimeout(Timeout.of(Timeouts.RESPONSE))
                        .build())
                .setDefaultRequestConfig(RequestConfig.custom()
                        .setResponseTimeout(Timeout.of(Timeouts.RESPONSE))
                        .build())
                .build();
        client.start();
    }

    @Override
    public long get(String path) throws Exception {
        return execute(AsyncRequestBuilder.get(base + path).build());
    }

    @Override
    public long post(String path, byte[] body) throws Exception {
        return execute(AsyncRequestBuilder.post(base + path)
                .setEntity(AsyncEntityProducers.create(body, ContentType.APPLICATION_OCTET_STREAM))
                .build());
    }

    private long execute(AsyncRequestProducer request) throws Exception {
        long n = client.execute(request, new Discarding(), null)
                .get(Timeouts.RESPONSE.toSeconds() * 2, TimeUnit.SECONDS);
        return n;
    }

    @Override
    public void close() {
        client.close(CloseMode.GRACEFUL);
    }

    /** Counts body bytes as they arrive and drops them; fails on a status other than 200. */
    private static final class Discarding extends AbstractBinResponseConsumer<Long> {
        private long bytes;
        private int status;

        @Override
        protected void start(HttpResponse response, ContentType contentType) {
            status = response.getCode();
        }

        @Override
        protected int capacityIncrement() {
            return Integer.MAX_VALUE; // as Apache's own streaming examples: never throttle the peer
        }

        @Override
        protected void data(ByteBuffer src, boolean endOfStream) {
            bytes += src.remaining();
            src.position(src.limit());
        }

        @Override
        protected Long buildResult() {
            if (status != 200) {
                throw new IllegalStateException(new BadStatus(status));
            }
            return bytes;
        }

        @Override
        public void releaseResources() {}
    }
}
