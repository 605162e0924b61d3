package dev.finch.autoconfigure;

import dev.finch.FinchClient;
import dev.finch.RequestOptions;
import java.time.Duration;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.boot.http.client.ClientHttpRequestFactoryBuilder;
import org.springframework.boot.http.client.HttpClientSettings;
import org.springframework.boot.http.client.HttpRedirects;

/**
 * Builds {@link FinchClientHttpRequestFactory} instances on the one {@link FinchClient} bean: each call to
 * {@link #build(HttpClientSettings)} (one per RestClient.Builder, RestTemplateBuilder or HTTP service group) shares
 * the client's pools.
 *
 * <p>{@link HttpClientSettings}: {@code read-timeout} becomes Finch's receive timeout for those requests;
 * {@code redirects} is honoured (followed unless {@code dont-follow}). {@code connect-timeout} and {@code ssl.bundle}
 * belong to pools in Finch, so they are taken from {@code finch.*} pool properties instead (a debug message says so
 * when set); cookie handling and the inet address filter are not supported.
 */
public final class FinchClientHttpRequestFactoryBuilder
        implements ClientHttpRequestFactoryBuilder<FinchClientHttpRequestFactory> {
    private static final Log logger = LogFactory.getLog(FinchClientHttpRequestFactoryBuilder.class);

    private final FinchClient client;

    public FinchClientHttpRequestFactoryBuilder(FinchClient client) {
        this.client = client;
    }

    @Override
    public FinchClientHttpRequestFactory build(HttpClientSettings settings) {
        HttpClientSettings s = settings == null ? HttpClientSettings.defaults() : settings;
        RequestOptions options = client.defaultRequestOptions();
        Duration read = s.readTimeout();
        if (read != null && !read.isZero() && !read.isNegative()) {
            options = options.toBuilder().receiveTimeout(read).build();
        }
        if (logger.isDebugEnabled() && (s.connectTimeout() != null || s.sslBundle() != null)) {
            logger.debug("spring.http.clients connect-timeout and ssl.bundle are pool settings in Finch: "
                    + "set them with finch.default-pool.* or finch.pools.<name>.*");
        }
        return new FinchClientHttpRequestFactory(client, options, s.redirects() != HttpRedirects.DONT_FOLLOW);
    }
}
