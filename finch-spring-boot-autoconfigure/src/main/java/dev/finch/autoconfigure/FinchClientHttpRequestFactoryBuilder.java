package dev.finch.autoconfigure;

import dev.finch.FinchClient;
import dev.finch.RequestOptions;
import java.time.Duration;
import org.springframework.boot.http.client.ClientHttpRequestFactoryBuilder;
import org.springframework.boot.http.client.HttpClientSettings;
import org.springframework.boot.http.client.HttpCookieHandling;
import org.springframework.boot.http.client.HttpRedirects;

/**
 * Builds {@link FinchClientHttpRequestFactory} instances on the one {@link FinchClient} bean: each call to
 * {@link #build(HttpClientSettings)} (one per RestClient.Builder, RestTemplateBuilder or HTTP service group) shares
 * the client's pools.
 *
 * <p>{@link HttpClientSettings} ({@code spring.http.clients.*}), every part of it:
 *
 * <ul>
 *   <li>{@code read-timeout}: Finch's receive timeout for those requests.
 *   <li>{@code redirects}: followed unless {@code dont-follow}.
 *   <li>{@code connect-timeout} and {@code ssl.bundle}: connect options belong to pools in Finch, so requests whose
 *       origin pool has other ones go to a pool of that origin tagged after the settings, started on first use from
 *       the origin's configuration (see {@link FinchClientHttpRequestFactory}). The bundle applies to https only.
 *   <li>{@code cookie-handling}: Finch keeps no cookies; {@code disable} and {@code enable-when-possible} are
 *       honoured as such, {@code enable} fails.
 *   <li>the inet address filter: Finch resolves and connects inside its pools and cannot filter addresses; a filter
 *       fails.
 * </ul>
 *
 * What cannot be honoured fails fast with an {@link IllegalStateException} naming the setting, rather than being
 * ignored.
 */
public final class FinchClientHttpRequestFactoryBuilder
        implements ClientHttpRequestFactoryBuilder<FinchClientHttpRequestFactory> {
    private static final String ANOTHER_FACTORY =
            "; choose another request factory with spring.http.clients.imperative.factory, or set "
                    + "finch.rest-client.enabled=false";

    private final FinchClient client;

    /** A builder of factories on {@code client}'s pools. */
    public FinchClientHttpRequestFactoryBuilder(FinchClient client) {
        this.client = client;
    }

    /**
     * @throws IllegalStateException for settings Finch cannot honour: cookie handling {@code enable}, an inet address
     *     filter, a connect timeout that is not positive
     */
    @Override
    public FinchClientHttpRequestFactory build(HttpClientSettings settings) {
        HttpClientSettings s = settings == null ? HttpClientSettings.defaults() : settings;
        if (s.cookieHandling() == HttpCookieHandling.ENABLE) {
            throw new IllegalStateException(
                    "spring.http.clients cookie-handling=enable cannot be honoured: Finch keeps no cookies"
                            + ANOTHER_FACTORY);
        }
        if (s.inetAddressFilter() != null) {
            throw new IllegalStateException(
                    "HttpClientSettings.inetAddressFilter cannot be honoured: Finch resolves and connects inside its "
                            + "pools and does not filter addresses" + ANOTHER_FACTORY);
        }
        Duration connect = s.connectTimeout();
        if (connect != null && (connect.isZero() || connect.isNegative())) {
            throw new IllegalStateException(
                    "spring.http.clients connect-timeout must be positive for Finch, got " + connect);
        }
        RequestOptions options = client.defaultRequestOptions();
        Duration read = s.readTimeout();
        if (read != null && !read.isZero() && !read.isNegative()) {
            options = options.toBuilder().receiveTimeout(read).build();
        }
        return new FinchClientHttpRequestFactory(
                client, options, s.redirects() != HttpRedirects.DONT_FOLLOW, SettingsPools.of(connect, s.sslBundle()));
    }
}
