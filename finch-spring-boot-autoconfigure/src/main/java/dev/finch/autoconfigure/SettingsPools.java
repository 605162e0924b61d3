package dev.finch.autoconfigure;

import dev.finch.FinchClient;
import dev.finch.PoolKey;
import dev.finch.RequestOptions;
import dev.finch.conn.ConnectOptions;
import dev.finch.pool.FinchException;
import dev.finch.pool.PoolConfig;
import dev.finch.transport.TlsOptions;
import java.net.URI;
import java.time.Duration;
import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.WeakHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import org.springframework.boot.ssl.SslBundle;

/**
 * The pools for the requests of a factory whose {@code HttpClientSettings} carry a connect timeout or an SSL bundle.
 * Connect options belong to pools in Finch, so when they differ from those of the origin's own pool, the requests go
 * to a pool of their own for that origin: tagged after the settings ({@code spring-connect-PT0.5S},
 * {@code spring-ssl-1}, or both), started on first use with the client's run-time pool start, from the origin's
 * configuration with the connect timeout and the bundle's TLS material in place of its own. An SSL bundle matters to
 * {@code https} origins only.
 *
 * <p>These pools are transient ({@link FinchClient#startTransientPool}): when one stops (pool-max-idle-time), the
 * client keeps nothing of it. Every request routed to one carries its configuration as
 * {@link RequestOptions.Builder#poolConfigIfStarting}, so a request that finds the pool stopped (it stopped between
 * {@link #route} and the request, or just now) starts it again with that configuration, never with the client's
 * default one (the client has no other for a tagged key): the origin's proxy, TLS trust, client certificate and size
 * hold for every request through the settings. A pool running for a settings key that is not one built here from the
 * origin's current configuration and these settings (started by a request sent with that tag by other means, or built
 * before the origin's configuration changed) is replaced by the next request through the settings. A settings pool of
 * a configured origin ({@code finch.pools.*}, default tag) counts as configured in health and meters
 * ({@link #originOf}).
 */
final class SettingsPools {
    static final SettingsPools NONE = new SettingsPools(null, null);

    /** The tags {@link #route} gives: {@code spring-connect-<duration>}, {@code spring-ssl-<n>}, or both. */
    private static final Pattern TAG = Pattern.compile("spring(?:-connect-PT[0-9.HMS]+)?(?:-ssl-[0-9]+)?");

    private static final AtomicLong BUNDLE_IDS = new AtomicLong();
    /** A number per bundle instance, for tags: bundles have no name of their own in the settings. */
    private static final Map<SslBundle, Long> BUNDLES = Collections.synchronizedMap(new WeakHashMap<>());
    /**
     * How each settings pool configuration was built, by identity (PoolConfig has no equals): a running pool is the
     * right one only if its configuration is here with the recipe the settings would use now. Shared by every factory,
     * so that two factories with the same settings keep each other's pool. Weak: a configuration no pool runs with
     * any more goes.
     */
    private static final Map<PoolConfig, Recipe> BUILT = Collections.synchronizedMap(new WeakHashMap<>());

    /**
     * What a settings pool configuration is made of: the origin's configuration (by identity) and the settings put in
     * place of its connect timeout and TLS options (null for those kept).
     */
    private record Recipe(PoolConfig base, Duration connectTimeout, SslBundle sslBundle) {}

    /**
     * Where a request through the settings goes: the pool {@code tag} of its origin, started with {@code config} if it
     * is not running when the request gets there.
     */
    record Route(String tag, PoolConfig config) {
        /** {@code options} with {@link #config} as the configuration of a pool the request has to start. */
        RequestOptions options(RequestOptions options) {
            return options.toBuilder().poolConfigIfStarting(config).build();
        }
    }

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
     * The route of a request to {@code target}, its pool running; null when the origin's own pool has the connect
     * options asked for.
     *
     * @throws FinchException CLIENT_CLOSED
     */
    Route route(FinchClient client, URI target) throws FinchException {
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
        Recipe recipe = new Recipe(base, timeout ? connectTimeout : null, ssl ? sslBundle : null);
        PoolConfig running = client.findPool(key).orElse(null);
        if (running != null && recipe.equals(BUILT.get(running))) {
            return new Route(tag, running);
        }
        PoolConfig config = build(recipe);
        if (running != null) {
            // Not built from the origin's current configuration with these settings. Its whole configuration is what
            // counts (size, TLS trust, client certificate, proxy), not only the settings' own values.
            client.stopPool(key);
        }
        // Started here rather than by the request, so that a configuration that cannot work fails on the caller's
        // thread; if another request started the key in between, this one runs on that pool. Should the pool stop
        // before the request gets there, the request starts it again from the same configuration (Route#options).
        client.startTransientPool(key, config);
        return new Route(tag, config);
    }

    /** The settings pool configuration for {@code recipe}, recorded in {@link #BUILT}. */
    private PoolConfig build(Recipe recipe) {
        ConnectOptions.Builder options = recipe.base().connectOptions().toBuilder();
        if (recipe.connectTimeout() != null) {
            options.connectTimeout(recipe.connectTimeout());
        }
        if (recipe.sslBundle() != null) {
            options.tls(tls());
        }
        PoolConfig config =
                recipe.base().toBuilder().connectOptions(options.build()).build();
        BUILT.put(config, recipe);
        return config;
    }

    /**
     * The key of the origin's own pool (default tag) that {@code key} is a settings pool of, if its tag is one
     * {@link #route} gives.
     */
    static Optional<PoolKey> originOf(PoolKey key) {
        return !key.isDefaultTag() && TAG.matcher(key.tag()).matches() && !"spring".equals(key.tag())
                ? Optional.of(key.withTag(PoolKey.DEFAULT_TAG))
                : Optional.empty();
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
