package dev.finch.autoconfigure;

import dev.finch.FinchClient;
import dev.finch.PoolKey;
import dev.finch.RequestOptions;
import dev.finch.conn.ConnectOptions;
import dev.finch.conn.Proxy;
import dev.finch.conn.ProxyConfig;
import dev.finch.pool.PoolConfig;
import dev.finch.pool.PoolStrategy;
import dev.finch.transport.TlsOptions;
import java.time.Duration;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.ssl.NoSuchSslBundleException;
import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.boot.ssl.SslOptions;
import org.springframework.boot.ssl.SslStoreBundle;

/**
 * Turns {@link FinchProperties} into pool configurations and request options. Each value is handed to Finch's own
 * builders, which check it; a refused value becomes an {@link InvalidConfigurationPropertyValueException} naming the
 * property, which Spring Boot's failure analyzer reports at start-up.
 */
final class FinchPropertiesMapper {
    private static final Log logger = LogFactory.getLog(FinchPropertiesMapper.class);

    private final SslBundles sslBundles;

    FinchPropertiesMapper(SslBundles sslBundles) {
        this.sslBundles = sslBundles;
    }

    /** Configures {@code builder} with every pool, the default request options and the shutdown timeout. */
    void configure(FinchProperties properties, FinchClient.Builder builder) {
        builder.defaultPool(poolConfig("finch.default-pool", properties.getDefaultPool()));
        poolKeys(properties).forEach((name, key) -> {
            String prefix = "finch.pools." + name;
            FinchProperties.NamedPool pool = properties.getPools().get(name);
            PoolConfig config = poolConfig(prefix, pool);
            // Each field was checked on its own above; what is left to refuse is a combination for this origin: an
            // HTTP/2-only pool (prior knowledge) for an http origin that its proxy would reach as a forward proxy.
            check(prefix + ".protocols", pool.getProtocols(), () -> builder.pool(key, config));
        });
        builder.defaultRequestOptions(requestOptions(properties.getRequest()));
        check("finch.shutdown-timeout", properties.getShutdownTimeout(), () -> {
            builder.closeTimeout(properties.getShutdownTimeout());
            return null;
        });
    }

    /** The key of each named pool, by name. */
    static Map<String, PoolKey> poolKeys(FinchProperties properties) {
        Map<String, PoolKey> keys = new LinkedHashMap<>();
        properties.getPools().forEach((name, pool) -> {
            PoolKey key = poolKey("finch.pools." + name, pool);
            keys.forEach((other, otherKey) -> {
                if (otherKey.equals(key)) {
                    throw new InvalidConfigurationPropertyValueException(
                            "finch.pools." + name + ".url",
                            pool.getUrl() != null ? pool.getUrl() : pool.getUnixSocket(),
                            "finch.pools." + other + " already configures " + key + "; give one of them another tag");
                }
            });
            keys.put(name, key);
        });
        return keys;
    }

    static PoolKey poolKey(String prefix, FinchProperties.NamedPool pool) {
        String tag = check(prefix + ".tag", pool.getTag(), () -> PoolKey.of("http://localhost", pool.getTag()))
                .tag();
        if (pool.getUnixSocket() != null) {
            if (pool.getUrl() != null) {
                throw new InvalidConfigurationPropertyValueException(
                        prefix + ".unix-socket", pool.getUnixSocket(), "set either url or unix-socket, not both");
            }
            return PoolKey.unix(pool.isUnixSocketTls() ? "https" : "http", pool.getUnixSocket())
                    .withTag(tag);
        }
        if (pool.getUrl() == null || pool.getUrl().isBlank()) {
            throw new InvalidConfigurationPropertyValueException(
                    prefix + ".url", pool.getUrl(), "a pool needs a url (or a unix-socket)");
        }
        return check(prefix + ".url", pool.getUrl(), () -> PoolKey.of(pool.getUrl(), tag));
    }

    PoolConfig poolConfig(String prefix, FinchProperties.Pool pool) {
        PoolConfig.Builder b = PoolConfig.builder();
        check(prefix + ".size", pool.getSize(), () -> b.size(pool.getSize()));
        check(prefix + ".count", pool.getCount(), () -> b.count(pool.getCount()));
        check(
                prefix + ".protocols",
                pool.getProtocols(),
                () -> b.protocols(
                        pool.getProtocols() == null || pool.getProtocols().isEmpty()
                                ? EnumSet.noneOf(dev.finch.conn.Protocol.class)
                                : EnumSet.copyOf(pool.getProtocols())));
        b.strategy(
                pool.getStrategy() == FinchProperties.Strategy.ROUND_ROBIN
                        ? new NamedStrategy("round-robin", PoolStrategy.roundRobin())
                        : PoolStrategy.random());
        check(
                prefix + ".pool-max-idle-time",
                pool.getPoolMaxIdleTime(),
                () -> b.poolMaxIdleTime(pool.getPoolMaxIdleTime()));
        check(
                prefix + ".conn-max-idle-time",
                pool.getConnMaxIdleTime(),
                () -> b.connMaxIdleTime(pool.getConnMaxIdleTime()));
        b.startPoolMetrics(pool.isStartPoolMetrics());
        ConnectOptions.Builder connect = ConnectOptions.builder();
        check(
                prefix + ".connect-timeout",
                pool.getConnectTimeout(),
                () -> connect.connectTimeout(pool.getConnectTimeout()));
        TlsOptions tls = tls(prefix + ".tls", pool.getTls());
        connect.tls(tls);
        FinchConnectionOptions.configure(prefix, pool, connect);
        connect.proxy(proxy(prefix + ".proxy", pool.getProxy(), pool.getTls(), tls.keyLogFile() != null));
        b.connectOptions(connect.build());
        b.http2(http2(prefix + ".http2", pool.getHttp2()));
        return b.build();
    }

    private PoolConfig.Http2Config http2(String prefix, FinchProperties.Http2 http2) {
        PoolConfig.Http2Config.Builder b = PoolConfig.Http2Config.builder();
        b.waitForServerSettings(http2.isWaitForServerSettings());
        check(prefix + ".ping-interval", http2.getPingInterval(), () -> b.pingInterval(http2.getPingInterval()));
        check(prefix + ".ping-timeout", http2.getPingTimeout(), () -> b.pingTimeout(http2.getPingTimeout()));
        check(
                prefix + ".max-connection-age",
                http2.getMaxConnectionAge(),
                () -> b.maxConnectionAge(http2.getMaxConnectionAge()));
        check(prefix + ".max-connection-age-jitter", http2.getMaxConnectionAgeJitter(), () -> {
            if (http2.getMaxConnectionAgeJitter() != null
                    && http2.getMaxConnectionAgeJitter().compareTo(Duration.ZERO) > 0
                    && http2.getMaxConnectionAge() == null) {
                throw new IllegalArgumentException("needs " + prefix + ".max-connection-age");
            }
            return b.maxConnectionAgeJitter(http2.getMaxConnectionAgeJitter());
        });
        return b.build();
    }

    private TlsOptions tls(String prefix, FinchProperties.Tls tls) {
        TlsOptions.Builder b = TlsOptions.builder();
        if (tls.getSslBundle() != null) {
            SslBundle bundle = bundle(prefix + ".ssl-bundle", tls.getSslBundle());
            if (tls.getKeyLogFile() == null) {
                sslBundle(b, bundle);
            } else {
                sslBundleStores(b, bundle);
            }
        }
        if (tls.isIgnoreSslKeyLogFile()) {
            b.ignoreSslKeyLogFile();
        }
        if (!tls.isVerify()) {
            logger.warn(prefix + ".verify is false: TLS certificates and host names of this pool are NOT verified; "
                    + "anyone on the network path can impersonate its servers. Never use this in production.");
            b.insecureSkipVerify();
        }
        if (tls.getKeyLogFile() == null) {
            return b.build();
        }
        try {
            return b.keyLogFile(tls.getKeyLogFile()).build();
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new InvalidConfigurationPropertyValueException(
                    prefix + ".key-log-file", tls.getKeyLogFile(), e.getMessage());
        }
    }

    /**
     * Puts the trust store, the client key store, protocols and ciphers of {@code bundle} on {@code b}, for key
     * logging: a context made by the bundle comes from the JDK's provider, which exposes no secrets, so key logging
     * builds its own from the bundle's stores.
     */
    private static TlsOptions.Builder sslBundleStores(TlsOptions.Builder b, SslBundle bundle) {
        SslStoreBundle stores = bundle.getStores();
        if (stores.getTrustStore() != null) {
            b.trustStore(stores.getTrustStore());
        }
        if (stores.getKeyStore() != null) {
            String password = bundle.getKey().getPassword() != null
                    ? bundle.getKey().getPassword()
                    : stores.getKeyStorePassword();
            b.clientCertificate(stores.getKeyStore(), password == null ? null : password.toCharArray());
        }
        return sslOptions(b, bundle.getOptions());
    }

    /** The SSL bundle named by {@code property}; a missing one fails naming the property. */
    private SslBundle bundle(String property, String name) {
        try {
            if (sslBundles == null) {
                throw new NoSuchSslBundleException(name, "no SslBundles bean in the context");
            }
            return sslBundles.getBundle(name);
        } catch (NoSuchSslBundleException e) {
            throw new InvalidConfigurationPropertyValueException(property, name, e.getMessage());
        }
    }

    /** Puts the SSL context (trust and key material), protocols and ciphers of {@code bundle} on {@code b}. */
    static TlsOptions.Builder sslBundle(TlsOptions.Builder b, SslBundle bundle) {
        b.sslContext(bundle.createSslContext());
        return sslOptions(b, bundle.getOptions());
    }

    private static TlsOptions.Builder sslOptions(TlsOptions.Builder b, SslOptions options) {
        if (options.getEnabledProtocols() != null) {
            b.protocols(options.getEnabledProtocols());
        }
        if (options.getCiphers() != null) {
            b.cipherSuites(options.getCiphers());
        }
        return b;
    }

    /**
     * The pool's proxy: from {@code url} (with Basic credentials, headers, tunnel timeout and an SSL bundle for an
     * https proxy), or from the JDK's system properties when asked; none otherwise.
     */
    private ProxyConfig proxy(String prefix, FinchProperties.Proxy p, FinchProperties.Tls poolTls, boolean keyLogging) {
        boolean hasUrl = p.getUrl() != null && !p.getUrl().isBlank();
        ProxyConfig config;
        if (hasUrl && p.isUseSystemProperties()) {
            throw new InvalidConfigurationPropertyValueException(
                    prefix + ".use-system-properties", true, "set either " + prefix + ".url or this, not both");
        }
        if (hasUrl) {
            String shown = Proxy.redact(p.getUrl());
            Proxy.Builder b = check(prefix + ".url", shown, () -> Proxy.parse(p.getUrl()));
            if (p.getUsername() != null) {
                check(
                        prefix + ".username",
                        p.getUsername(),
                        () -> b.basicAuth(p.getUsername(), p.getPassword() == null ? "" : p.getPassword()));
            } else if (p.getPassword() != null) {
                throw new InvalidConfigurationPropertyValueException(
                        prefix + ".password", "******", "needs " + prefix + ".username");
            }
            // A header's value may be a credential (Proxy-Authorization): a refusal names the header, never its value.
            p.getHeaders()
                    .forEach(
                            (name, value) -> check(prefix + ".headers." + name, "******", () -> b.header(name, value)));
            check(prefix + ".tunnel-timeout", p.getTunnelTimeout(), () -> b.tunnelTimeout(p.getTunnelTimeout()));
            TlsOptions.Builder tls = TlsOptions.builder();
            if (poolTls.isIgnoreSslKeyLogFile()) {
                tls.ignoreSslKeyLogFile();
            }
            if (p.getSslBundle() != null) {
                SslBundle bundle = bundle(prefix + ".ssl-bundle", p.getSslBundle());
                if (keyLogging) {
                    // The pool's key log file covers the proxy hop too (TLS inside TLS: a capture decrypts only with
                    // both), which needs the bundle's stores rather than its context.
                    sslBundleStores(tls, bundle);
                } else {
                    sslBundle(tls, bundle);
                }
            }
            if (p.getSslBundle() != null || poolTls.isIgnoreSslKeyLogFile()) {
                b.tls(tls.build());
            }
            config = ProxyConfig.all(b.build());
        } else {
            // Credentials, headers and TLS belong to a proxy named by url; the system properties name none of them.
            String stray = p.getUsername() != null
                    ? "username"
                    : p.getPassword() != null
                            ? "password"
                            : !p.getHeaders().isEmpty() ? "headers" : p.getSslBundle() != null ? "ssl-bundle" : null;
            if (stray != null) {
                throw new InvalidConfigurationPropertyValueException(
                        prefix + "." + stray, "(set)", "applies only with " + prefix + ".url");
            }
            if (!p.isUseSystemProperties()) {
                if (!p.getNonProxyHosts().isEmpty()) {
                    throw new InvalidConfigurationPropertyValueException(
                            prefix + ".non-proxy-hosts", "(set)", "needs " + prefix + ".url or use-system-properties");
                }
                return ProxyConfig.none();
            }
            config = check(prefix + ".use-system-properties", true, ProxyConfig::fromSystemProperties);
        }
        if (!p.getNonProxyHosts().isEmpty()) {
            for (String host : p.getNonProxyHosts()) {
                if (host == null || host.isBlank() || host.indexOf('|') >= 0) {
                    throw new InvalidConfigurationPropertyValueException(
                            prefix + ".non-proxy-hosts", host, "list one host pattern per entry, without '|'");
                }
            }
            config = config.withNonProxyHosts(String.join("|", p.getNonProxyHosts()));
        }
        return config;
    }

    static RequestOptions requestOptions(FinchProperties.RequestDefaults request) {
        RequestOptions.Builder b = RequestOptions.builder();
        check("finch.request.pool-timeout", request.getPoolTimeout(), () -> b.poolTimeout(request.getPoolTimeout()));
        check(
                "finch.request.receive-timeout",
                request.getReceiveTimeout(),
                () -> b.receiveTimeout(request.getReceiveTimeout()));
        check(
                "finch.request.request-timeout",
                request.getRequestTimeout(),
                () -> b.requestTimeout(request.getRequestTimeout()));
        return b.build();
    }

    /** Runs a Finch setter; what it refuses is reported against {@code property}. */
    static <T> T check(String property, Object value, Supplier<T> setter) {
        try {
            return setter.get();
        } catch (IllegalArgumentException | NullPointerException e) {
            String reason = e.getMessage() == null ? "must be set" : e.getMessage();
            throw new InvalidConfigurationPropertyValueException(property, value, reason);
        }
    }
}
