package dev.finch.autoconfigure;

import dev.finch.FinchClient;
import dev.finch.PoolKey;
import dev.finch.pool.Http1PoolMetrics;
import dev.finch.pool.Http2PoolMetrics;
import dev.finch.pool.PoolMetrics;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.springframework.boot.health.contributor.CompositeHealthContributor;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthContributor;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;

/**
 * Health of each configured pool, under {@code finch} (one entry per pool, named as in the finch endpoint), and of the
 * running settings pools of a configured origin ({@code api-spring-connect-PT1S}: see {@link FinchPoolNames}), which
 * carry that origin's RestClient traffic. Pools the default configuration starts for other origins count only with
 * {@code finch.health.include-default-pools=true}: an application that calls many third-party origins should not go
 * DOWN because one of them does.
 *
 * <ul>
 *   <li>HTTP/2 shards: DOWN while disconnected or connecting after the pool's latest connection attempts failed,
 *       the last one less than a minute ago; UNKNOWN while the first connection is being opened; UP otherwise
 *       (connected, draining, or replacing a connection that aged out or got GOAWAY).
 *   <li>HTTP/1 shards: DOWN when the pool's latest connection attempts failed, the last one less than a minute ago
 *       (details: the failure count and error); UP otherwise, with the connection counters.
 *   <li>A pool with start-pool-metrics off, or a configured pool that stopped (pool-max-idle-time) and starts again
 *       on its next request, reports UNKNOWN.
 * </ul>
 */
public final class FinchHealthContributor implements CompositeHealthContributor {
    /** How long a failed connection attempt keeps an HTTP/1 pool DOWN when nothing succeeded since. */
    static final Duration RECENT = Duration.ofMinutes(1);

    private final FinchClient client;
    private final FinchPoolNames names;
    private final FinchConnectFailures failures;
    private final boolean includeDefaultPools;

    FinchHealthContributor(
            FinchClient client, FinchPoolNames names, FinchConnectFailures failures, boolean includeDefaultPools) {
        this.client = client;
        this.names = names;
        this.failures = failures;
        this.includeDefaultPools = includeDefaultPools;
    }

    private Map<String, PoolKey> pools() {
        return includeDefaultPools ? names.all() : names.configured();
    }

    @Override
    public HealthContributor getContributor(String name) {
        PoolKey key = pools().get(name);
        return key == null ? null : indicator(key);
    }

    @Override
    public Stream<Entry> stream() {
        return pools().entrySet().stream().map(e -> new Entry(e.getKey(), indicator(e.getValue())));
    }

    private HealthIndicator indicator(PoolKey key) {
        return () -> health(key);
    }

    Health health(PoolKey key) {
        if (client.findPool(key).isEmpty()) {
            return Health.unknown()
                    .withDetail("url", key.url())
                    .withDetail("tag", key.tag())
                    .withDetail("state", "stopped")
                    .build();
        }
        List<PoolMetrics> shards = client.poolStatus(key).orElse(null);
        if (shards == null) {
            return Health.unknown()
                    .withDetail("url", key.url())
                    .withDetail("tag", key.tag())
                    .withDetail("reason", "start-pool-metrics is off")
                    .build();
        }
        Health.Builder b =
                new Health.Builder(Status.UP).withDetail("url", key.url()).withDetail("tag", key.tag());
        if (!shards.isEmpty() && shards.get(0) instanceof Http2PoolMetrics) {
            boolean down = false;
            boolean connecting = false;
            for (PoolMetrics m : shards) {
                String state = m instanceof Http2PoolMetrics h2 ? h2.state() : "connected";
                down |= "disconnected".equals(state) || "connecting".equals(state);
                connecting |= "connecting".equals(state);
            }
            b.withDetail("protocol", "h2")
                    .withDetail(
                            "states",
                            shards.stream()
                                    .map(m -> m instanceof Http2PoolMetrics h2 ? h2.state() : "http/1.1")
                                    .toList());
            // A shard is disconnected whenever its connection aged out or the server sent GOAWAY and nothing asked
            // for a new one yet, and connecting while it replaces one: only a failed connect makes either a problem.
            if (down && failures.failingRecently(key, RECENT)) {
                FinchConnectFailures.Outcome o = failures.outcome(key).orElseThrow();
                b.status(Status.DOWN)
                        .withDetail("connectFailures", o.consecutiveFailures())
                        .withDetail("lastConnectError", o.lastError());
            } else if (connecting
                    && failures.outcome(key).map(o -> o.lastSuccess() == null).orElse(true)) {
                b.status(Status.UNKNOWN); // its first connection is being opened
            }
        } else {
            int inUse = 0;
            int idle = 0;
            int pending = 0;
            for (PoolMetrics m : shards) {
                if (m instanceof Http1PoolMetrics h1) {
                    inUse += h1.inUseConnections();
                    idle += h1.idleConnections();
                    pending += h1.waitingRequests();
                }
            }
            b.withDetail("protocol", "http/1.1")
                    .withDetail("inUse", inUse)
                    .withDetail("idle", idle)
                    .withDetail("pending", pending);
            if (failures.failingRecently(key, RECENT)) {
                FinchConnectFailures.Outcome o = failures.outcome(key).orElseThrow();
                b.status(Status.DOWN)
                        .withDetail("connectFailures", o.consecutiveFailures())
                        .withDetail("lastConnectError", o.lastError());
            }
        }
        failures.outcome(key)
                .filter(o ->
                        o.consecutiveFailures() > 0 && !b.build().getStatus().equals(Status.DOWN))
                .ifPresent(o -> b.withDetail("connectFailures", o.consecutiveFailures()));
        return b.build();
    }
}
