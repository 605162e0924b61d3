package dev.finch.bench.load;

import java.io.InputStream;
import java.net.URI;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.classic.methods.HttpPost;
import org.apache.hc.client5.http.classic.methods.HttpUriRequestBase;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManager;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;
import org.apache.hc.core5.util.Timeout;

/** Apache HttpClient 5 classic (blocking I/O) for HTTP/1.1: a pooling connection manager sized to the workers. */
final class ApacheClassicBench implements BenchClient {
    private static final ThreadLocal<byte[]> SCRATCH = ThreadLocal.withInitial(() -> new byte[16 * 1024]);

    private final CloseableHttpClient client;
    private final String base;

    ApacheClassicBench(URI base, int concurrency) {
        this.base = base.toString();
        PoolingHttpClientConnectionManager pool = PoolingHttpClientConnectionManagerBuilder.create()
                .setMaxConnTotal(concurrency)
                .setMaxConnPerRoute(concurrency)
                .setDefaultConnectionConfig(ConnectionConfig.custom()
                        .setConnectTimeout(Timeout.of(Timeouts.CONNECT))
                        .setSocketTimeout(Timeout.of(Timeouts.RESPONSE))
                        .build())
                .build();
        this.client = HttpClients.custom()
                .setConnectionManager(pool)
                .setDefaultRequestConfig(RequestConfig.custom()
                        .setResponseTimeout(Timeout.of(Timeouts.RESPONSE))
                        .setConnectionRequestTimeout(Timeout.of(Timeouts.RESPONSE))
                        .build())
                .evictIdleConnections(Timeout.ofMinutes(5))
                .build();
    }

    @Override
    public long get(String path) throws Exception {
        return execute(new HttpGet(base + path));
    }

    @Override
    public long post(String path, byte[] body) throws Exception {
        HttpPost post = new HttpPost(base + path);
        post.setEntity(new ByteArrayEntity(body, ContentType.APPLICATION_OCTET_STREAM));
        return execute(post);
    }

    private long execute(HttpUriRequestBase request) throws Exception {
        return client.execute(request, response -> {
            long n = 0;
            HttpEntity entity = response.getEntity();
            if (entity != null) {
                byte[] scratch = SCRATCH.get();
                try (InputStream in = entity.getContent()) {
                    for (int r; (r = in.read(scratch)) >= 0; ) {
                        n += r;
                    }
                }
            }
            if (response.getCode() != 200) {
                throw new java.io.IOException(new BadStatus(response.getCode()));
            }
            return n;
        });
    }

    @Override
    public void close() throws Exception {
        client.close();
    }
}
