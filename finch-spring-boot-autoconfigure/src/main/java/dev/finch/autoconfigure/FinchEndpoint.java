package dev.finch.autoconfigure;

import dev.finch.FinchClient;
import dev.finch.PoolKey;
import dev.finch.conn.Protocol;
import dev.finch.pool.Http1PoolMetrics;
import dev.finch.pool.Http2PoolMetrics;
import dev.finch.pool.PoolConfig;
import dev.finch.pool.PoolMetrics;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.boot.actuate.endpoint.Access;
import org.springframework.boot.actuate.endpoint.InvalidEndpointRequestException;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;
import org.springframework.lang.Nullable;

/**
 * The {@code finch} actuator endpoint: every pool of the FinchClient bean with its configuration and live shard
 * metrics ({@code GET /actuator/finch}) — the configured ones even while stopped, the others while they run — one
 * pool by name ({@code GET /actuator/finch/{pool}}), and a change of a running pool's shard count
 * ({@code POST /actuator/finch/{pool}} with {@code {"count": 3}}).
 *
 * <p>Read-only unless the application allows more: the write operation exists only with
 * {@code management.endpoint.finch.access=unrestricted}.
 */
@Endpoint(id = "finch", defaultAccess = Access.READ_ONLY)
public class FinchEndpoint {
    /** The state of a pool that runs. */
    public static final String RUNNING = "running";

    /** The state of a configured pool that stopped (pool-max-idle-time): the next request starts it again. */
    public static final String STOPPED = "stopped";

    private final FinchClient client;
    private final FinchPoolNames names;
    private final Runnable onChange;
    /** The latest configuration seen of each configured pool, to describe it while it is stopped. */
    private final Map<PoolKey, PoolConfig> configs = new ConcurrentHashMap<>();

    FinchEndpoint(FinchClient client, FinchPoolNames names, Runnable onChange) {
        this.client = client;
        this.names = names;
        this.onChange = onChange;
        names.configured().values().forEach(key -> client.findPool(key).ifPresent(c -> configs.put(key, c)));
    }

    /** Every configured pool, running or stopped, and every other running pool, by name. */
    @ReadOperation
    public PoolsDescriptor pools() {
        Map<String, PoolDescriptor> pools = new LinkedHashMap<>();
        names.all().forEach((name, key) -> {
            PoolDescriptor d = describe(key);
            if (d != null) {
                pools.put(name, d);
            }
        });
        return new PoolsDescriptor(pools);
    }

    /** One pool, or 404 when there is none of that name. */
    @ReadOperation
    @Nullable
    public PoolDescriptor pool(@Selector String name) {
        return names.find(name).map(this::describe).orElse(null);
    }

    /**
     * Sets a running pool's shard count (until the pool restarts); {@code null} when there is no pool of that name
     * (404 over HTTP, through {@link FinchEndpointWebExtension}), 400 for a count below 1 or a stopped pool.
     */
    @WriteOperation
    @Nullable
    public PoolDescriptor count(@Selector String name, int count) {
        if (count < 1) {
            throw new InvalidEndpointRequestException(
                    "count must be at least 1, got " + count, "count must be at least 1");
        }
        PoolKey key = names.find(name).orElse(null);
        if (key == null) {
            return null;
        }
        if (!client.setPoolCount(key, count)) {
            if (!names.isConfigured(key)) {
                return null; // stopped between the lookup and now: gone like any unconfigured pool
            }
            String message = "pool " + name + " is stopped; its next request starts it with its configured count";
            throw new InvalidEndpointRequestException(message, message);
        }
        onChange.run();
        return describe(key);
    }

    @Nullable
    private PoolDescriptor describe(PoolKey key) {
        PoolConfig running = client.findPool(key).orElse(null);
        if (running != null) {
            if (names.isConfigured(key)) {
                configs.put(key, running); // a configured pool can be restarted with another configuration
            }
            List<Map<String, Object>> shards = client.poolStatus(key)
                    .map(list -> list.stream().map(FinchEndpoint::shard).toList())
                    .orElse(List.of());
            return new PoolDescriptor(
                    key.url(),
                    key.tag(),
                    RUNNING,
                    client.poolCount(key).orElse(running.count()),
                    configuration(running),
                    shards);
        }
        if (!names.isConfigured(key)) {
            return null;
        }
        PoolConfig last = configs.get(key);
        return new PoolDescriptor(
                key.url(), key.tag(), STOPPED, 0, last == null ? null : configuration(last), List.of());
    }

    private static ConfigurationDescriptor configuration(PoolConfig c) {
        return new ConfigurationDescriptor(
                c.size(),
                c.count(),
                c.protocols().stream().map(Protocol::alpnId).sorted().toList(),
                NamedStrategy.nameOf(c.strategy()),
                c.poolMaxIdleTime().orElse(null),
                c.connMaxIdleTime().orElse(null),
                c.startPoolMetrics(),
                c.connectOptions().connectTimeout(),
                new Http2Descriptor(
                        c.http2().waitForServerSettings(),
                        c.http2().pingInterval().orElse(null),
                        c.http2().maxConnectionAge().orElse(null),
                        c.http2().maxConnectionAgeJitter()));
    }

    private static Map<String, Object> shard(PoolMetrics m) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("shard", m.poolIndex());
        if (m instanceof Http1PoolMetrics h1) {
            out.put("protocol", "http/1.1");
            out.put("size", h1.poolSize());
            out.put("inUse", h1.inUseConnections());
            out.put("idle", h1.idleConnections());
            out.put("available", h1.availableConnections());
            out.put("pending", h1.waitingRequests());
        } else if (m instanceof Http2PoolMetrics h2) {
            out.put("protocol", "h2");
            out.put("state", h2.state());
            out.put("inFlight", h2.inFlightRequests());
            out.put("available", h2.availableStreams());
            out.put("maxConcurrentStreams", h2.maxConcurrentStreams());
            out.put("pending", h2.waitingRequests());
        }
        return out;
    }

    /** All running pools, by name. */
    public record PoolsDescriptor(Map<String, PoolDescriptor> pools) {}

    /**
     * One pool: its origin and tag, {@link #RUNNING} or {@link #STOPPED}, the shard count now (0 while stopped), its
     * configuration and each shard's counters (none while stopped).
     */
    public record PoolDescriptor(
            String url,
            String tag,
            String state,
            int count,
            ConfigurationDescriptor configuration,
            List<Map<String, Object>> shards) {}

    /** A pool's configuration. */
    public record ConfigurationDescriptor(
            int size,
            int count,
            List<String> protocols,
            String strategy,
            Duration poolMaxIdleTime,
            Duration connMaxIdleTime,
            boolean startPoolMetrics,
            Duration connectTimeout,
            Http2Descriptor http2) {}

    /** A pool's HTTP/2 options. */
    public record Http2Descriptor(
            boolean waitForServerSettings,
            Duration pingInterval,
            Duration maxConnectionAge,
            Duration maxConnectionAgeJitter) {}
}
