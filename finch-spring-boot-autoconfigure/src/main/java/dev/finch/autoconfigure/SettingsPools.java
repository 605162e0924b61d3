package dev.finch.autoconfigure;

import dev.finch.FinchClient;
import dev.finch.PoolKey;
import dev.finch.conn.ConnectOptions;
import dev.finch.pool.FinchException;
import dev.finch.pool.PoolConfig;
import dev.finch.transport.TlsOptions;
import java.net.URI;
import java.time.Duration;
import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.springframework.boot.ssl.SslBundle;

/**
 * The pools for the requests of a factory whose {@code HttpClientSettings} carry a connect timeout or an SSL bundle.
 * Connect options belong to pools in Finch, so when they differ from those of the origin's own pool, the requests go
 * to a pool of their own for that origin: tagged after the settings ({@code spring-connect-PT0.5S},
 * {@code spring-ssl-1}, or both), started on first use with the client's run-time pool start, from the origin's
 * configuration with the connect timeout and the bundle's TLS material in place of its own. An SSL bundle matters to
 * {@code https} origins only.
 */
final class SettingsPools {
    static final SettingsPools NONE = new SettingsPools(null, null);

    private static final AtomicLong BUNDLE_IDS = new AtomicLong();
    /** A number per bundle instance, for tags: bundles have no name of their own in the settings. */
    private static final Map<SslBundle, Long> BUNDLES = Collections.synchronizedMap(new WeakHashMap<>());

    private final Duration connectTimeout;
    private final SslBundle sslBundle;
    private final String sslTag;
    private volatile TlsOptions tls;

    private SettingsPools(Duration connectTimeout, SslBundle sslBundle) {
        this.connectTimeout = connectTimeout;
        this.sslBundle = sslBundle;
        this.sslTag = sslBundle == null
                ? null
                : "-ssl-" + BUNDLES.computeIfAbsent(sslBundle, b -> BUNDLE_IDS.incrementAndGet());
    }

    /**
     * @param connectTimeout the settings' connect timeout, or null
     * @param sslBundle the settings' SSL bundle, or null
     */
    static SettingsPools of(Duration connectTimeout, SslBundle sslBundle) {
        return connectTimeout == null && sslBundle == null ? NONE : new SettingsPools(connectTimeout, sslBundle);
    }

    /** The connect timeout requests get, or null for the pools' own. */
    Duration connectTimeout() {
        return connectTimeout;
    }

    /** The SSL bundle https requests get, or null for the pools' own TLS options. */
    SslBundle sslBundle() {
        return sslBundle;
    }

    /**
     * The pool tag for a request to {@code target}, once that pool runs; null when the origin's own pool has the
     * connect options asked for.
     *
     * @throws FinchException CLIENT_CLOSED
     */
    String poolTag(FinchClient client, URI target) throws FinchException {
        if (this == NONE) {
            return null;
        }
        PoolKey origin = PoolKey.of(target.getScheme() + "://" + target.getRawAuthority());
        PoolConfig base = client.poolConfigFor(origin);
        ConnectOptions connect = base.connectOptions();
        boolean timeout = connectTimeout != null && !connectTimeout.equals(connect.connectTimeout());
        boolean ssl = sslBundle != null && "https".equalsIgnoreCase(target.getScheme());
        if (!timeout && !ssl) {
            return null;
        }
        String tag = "spring" + (timeout ? "-connect-" + connectTimeout : "") + (ssl ? sslTag : "");
        PoolKey key = origin.withTag(tag);
        if (client.findPool(key).isEmpty()) {
            ConnectOptions.Builder options = connect.toBuilder();
            if (timeout) {
                options.connectTimeout(connectTimeout);
            }
            if (ssl) {
                options.tls(tls());
            }
            client.startPool(
                    key, base.toBuilder().connectOptions(options.build()).build());
        }
        return tag;
    }

    /** The bundle's TLS options, built once (creating its SSL context reads key material). */
    private TlsOptions tls() {
        TlsOptions t = tls;
        if (t == null) {
            t = FinchPropertiesMapper.sslBundle(TlsOptions.builder(), sslBundle).build();
            tls = t;
        }
        return t;
    }
}
