package dev.finch.autoconfigure;

import dev.finch.FinchClient;
import dev.finch.PoolKey;
import dev.finch.http.HttpProtocolException;
import dev.finch.http.TransportException;
import dev.finch.pool.FinchException;
import dev.finch.pool.Http1PoolMetrics;
import dev.finch.pool.Http2PoolMetrics;
import dev.finch.pool.PoolMetrics;
import dev.finch.telemetry.FinchEvent;
import dev.finch.telemetry.FinchListener;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.core.Ordered;

/**
 * Publishes the FinchClient bean's pools and telemetry to Micrometer.
 *
 * <p>Pool gauges, per shard, tagged {@code pool} (scheme://host:port), {@code tag} and {@code shard}:
 * {@code finch.pool.connections{state=in_use|idle|available}}, {@code finch.pool.size}, {@code finch.pool.pending}
 * (HTTP/1); {@code finch.pool.streams{state=in_flight|available}}, {@code finch.pool.max.concurrent.streams},
 * {@code finch.pool.pending}, {@code finch.pool.connected} (HTTP/2). They are registered when a pool serves its first
 * request (or at binding for pools already running) and removed when the pool stops (pool-max-idle-time, the finch
 * endpoint, {@link #refresh()}), so stopped pools leave no meters behind.
 *
 * <p>Telemetry: {@code finch.queue.duration} and {@code finch.connect.duration} timers
 * ({@code outcome=success|error}), and {@code finch.errors{phase=request|connect, reason}} counters, where the reason
 * is the Finch, transport or protocol reason enum: every tag has a bounded set of values; none carries a URL path.
 *
 * <p>Cardinality: configured pools (those the client was built with, such as {@code finch.pools.*}) and their settings
 * pools (RestClient requests with a connect timeout or SSL bundle of their own, see {@link
 * FinchClientHttpRequestFactory}) always carry their own {@code pool} and {@code tag} values. Pools the default
 * configuration starts for other origins do so up to {@code maxPoolTags} at a time; the timers and counters of further
 * ones are tagged {@code pool=other, tag=other} ({@link #OTHER}) and they get no gauges. When a pool stops, all its
 * meters (gauges, timers, counters) are removed from the registry and its place goes to the next origin; events that
 * come after (of its requests still in flight) count under {@link #OTHER}.
 */
public final class FinchMeters implements MeterBinder, FinchListener, Ordered {
    /** The {@code pool} and {@code tag} value of the meters of unconfigured pools beyond the cap. */
    public static final String OTHER = "other";

    private static final Tags OTHER_TAGS = Tags.of("pool", OTHER, "tag", OTHER);

    private final ObjectProvider<FinchClient> clientProvider;
    private final int maxPoolTags;
    /** Pools whose meters always carry their own tags: the configured ones. */
    private final Set<PoolKey> exempt = ConcurrentHashMap.newKeySet();
    /** The pools whose meters carry their own tags now (exempt ones and admitted unconfigured ones). */
    private final Set<PoolKey> tagged = ConcurrentHashMap.newKeySet();
    /** How many of {@link #tagged} are unconfigured; guarded by {@link #lock}. */
    private int admitted;
    /**
     * Running pools refused a place because the cap was full, with the {@link #placesFreed} count then: until a place
     * frees, their events skip the lock and the pool lookup.
     */
    private final Map<PoolKey, Long> refused = new ConcurrentHashMap<>();
    /** How many times a place was freed; written under {@link #lock}. */
    private volatile long placesFreed;

    private final ReentrantLock lock = new ReentrantLock();
    /** The gauges of each pool, and the shard count they were registered for; guarded by {@link #lock}. */
    private final Map<PoolKey, Registered> gauges = new HashMap<>();

    private volatile MeterRegistry registry;
    private volatile FinchClient client;

    /** Set when a gauge found its shard gone or of the other protocol (ALPN turned it into h2): refresh soon. */
    private volatile boolean stale;

    private record Registered(List<Class<?>> kinds, List<Meter> meters) {
        int shards() {
            return kinds.size();
        }
    }

    /**
     * Meters for the client {@code clientProvider} gives when the registry binds them.
     *
     * @param configuredPools pools whose meters always carry their own tags; the pools running when the meters are
     *     bound (those the client was built with) are added to them
     * @param maxPoolTags how many other pools may carry their own tags at a time (at least 1)
     */
    public FinchMeters(ObjectProvider<FinchClient> clientProvider, Set<PoolKey> configuredPools, int maxPoolTags) {
        if (maxPoolTags < 1) {
            throw new IllegalArgumentException("maxPoolTags must be at least 1, got " + maxPoolTags);
        }
        this.clientProvider = clientProvider;
        this.exempt.addAll(configuredPools);
        this.maxPoolTags = maxPoolTags;
    }

    /** Before the application's own listeners, which then see the meters already up to date. */
    @Override
    public int getOrder() {
        return 0;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        FinchClient c = clientProvider.getIfAvailable();
        if (c != null) {
            // Pools started with the client are configured ones: the default configuration starts pools on demand.
            exempt.addAll(c.poolKeys());
        }
        this.client = c;
        this.registry = registry;
        refresh();
    }

    // ---- telemetry --------------------------------------------------------------------------------------------------

    @Override
    public void onEvent(FinchEvent event) {
        MeterRegistry r = registry;
        if (r == null) {
            return;
        }
        PoolKey key = FinchConnectFailures.key(event.pool());
        if (event instanceof FinchEvent.QueueStart q) {
            // Emitted on the requesting thread before any pool lock is taken: safe to read pool status here.
            if (stale || lacksGauges(key, q.poolIndex())) {
                refresh();
            }
        } else if (event instanceof FinchEvent.QueueStop q) {
            timer(r, "finch.queue.duration", "Time requests waited for a connection or stream slot", key, "success")
                    .record(q.durationNanos(), TimeUnit.NANOSECONDS);
        } else if (event instanceof FinchEvent.QueueException q) {
            timer(r, "finch.queue.duration", "Time requests waited for a connection or stream slot", key, "error")
                    .record(q.durationNanos(), TimeUnit.NANOSECONDS);
        } else if (event instanceof FinchEvent.ConnectStop c) {
            timer(
                            r,
                            "finch.connect.duration",
                            "Time to open a connection (TCP, TLS)",
                            key,
                            c.error() == null ? "success" : "error")
                    .record(c.durationNanos(), TimeUnit.NANOSECONDS);
            if (c.error() != null) {
                errors(r, key, "connect", c.error()).increment();
            }
        } else if (event instanceof FinchEvent.RequestException e) {
            errors(r, key, "request", e.error()).increment();
        } else if (event instanceof FinchEvent.PoolMaxIdleTimeExceeded || event instanceof FinchEvent.PoolStopped) {
            forget(key);
        } else if (event instanceof FinchEvent.PoolCountChanged) {
            refresh();
        }
    }

    private Timer timer(MeterRegistry r, String name, String description, PoolKey key, String outcome) {
        return registered(r, key, tags -> Timer.builder(name)
                .description(description)
                .tags(tags)
                .tag("outcome", outcome)
                .register(r));
    }

    private Counter errors(MeterRegistry r, PoolKey key, String phase, Throwable error) {
        return registered(r, key, tags -> Counter.builder("finch.errors")
                .description("Failed requests and connection attempts, by reason")
                .tags(tags)
                .tag("phase", phase)
                .tag("reason", reason(error))
                .register(r));
    }

    /**
     * The meter {@code register} gives for {@code key}'s tags. The tags are chosen before the meter is registered,
     * outside the lock: if the pool's stop was handled in between ({@link #forget} found nothing of it yet), the meter
     * is removed again and the event counts under {@link #OTHER}, as the events after a stop do, so that no meter of a
     * stopped pool stays behind.
     */
    private <M extends Meter> M registered(MeterRegistry r, PoolKey key, Function<Tags, M> register) {
        Tags tags = tagsOf(key);
        M meter = register.apply(tags);
        if (tags == OTHER_TAGS || tagged.contains(key)) {
            return meter;
        }
        lock.lock();
        try {
            if (!tagged.contains(key)) { // not given a place again meanwhile (admit takes the lock)
                r.remove(meter);
            }
        } finally {
            lock.unlock();
        }
        return register.apply(OTHER_TAGS);
    }

    /** A bounded name for an error: the reason enum of Finch's exceptions, else OTHER. */
    static String reason(Throwable error) {
        if (error instanceof FinchException f) {
            return f.reason().name();
        }
        if (error instanceof TransportException t) {
            return t.reason().name();
        }
        if (error instanceof HttpProtocolException p) {
            return p.reason().name();
        }
        return "OTHER";
    }

    static Tags poolTags(PoolKey key) {
        return Tags.of("pool", key.url(), "tag", key.tag());
    }

    /** The pool's own tags if it has (or now gets) a place, else {@link #OTHER}'s. */
    private Tags tagsOf(PoolKey key) {
        return tagged.contains(key) || admit(key) ? poolTags(key) : OTHER_TAGS;
    }

    /**
     * Gives {@code key} a place among the tagged pools if it is configured, or if its pool runs and the cap leaves
     * room. A stopped pool gets none: the late events of its requests in flight (stopPool lets them finish) go to
     * {@link #OTHER}, so that they neither bring back the meters {@link #forget} removed nor hold a place for good.
     * Runs only for keys without a place, and looks the pool up under {@link #lock}, which {@link #forget} takes too:
     * the stop event comes after the pool is marked stopped, so a place given just before it is taken back by it. A
     * running pool refused for the cap is remembered until a place frees, so that the events of pools over the cap
     * take neither the lock nor a pool lookup each.
     */
    private boolean admit(PoolKey key) {
        if (isExempt(key)) {
            tagged.add(key);
            return true;
        }
        Long refusedWhen = refused.get(key);
        if (refusedWhen != null && refusedWhen == placesFreed) {
            return false; // over the cap, and no place freed since
        }
        lock.lock();
        try {
            if (tagged.contains(key)) {
                return true;
            }
            FinchClient c = client;
            if (c == null || c.findPool(key).isEmpty()) {
                return false;
            }
            if (admitted >= maxPoolTags) {
                refused.put(key, placesFreed);
                return false;
            }
            refused.remove(key);
            admitted++;
            tagged.add(key);
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Whether {@code key} is a configured pool or a settings pool of one ({@link SettingsPools#originOf}). */
    private boolean isExempt(PoolKey key) {
        return exempt.contains(key)
                || SettingsPools.originOf(key).map(exempt::contains).orElse(false);
    }

    /** Removes every meter of a stopped pool (gauges, timers, counters) and frees its place. */
    private void forget(PoolKey key) {
        MeterRegistry r = registry;
        lock.lock();
        try {
            Registered old = gauges.remove(key);
            if (old != null && r != null) {
                old.meters().forEach(r::remove);
            }
            refused.remove(key);
            if (!tagged.remove(key)) {
                return; // its meters, if any, are OTHER's, which stay
            }
            if (!isExempt(key)) {
                admitted--;
                placesFreed++; // the pools refused so far may get this place
            }
            if (r != null) {
                for (Meter m :
                        r.find("finch.queue.duration").tags(poolTags(key)).meters()) {
                    r.remove(m);
                }
                for (Meter m :
                        r.find("finch.connect.duration").tags(poolTags(key)).meters()) {
                    r.remove(m);
                }
                for (Meter m : r.find("finch.errors").tags(poolTags(key)).meters()) {
                    r.remove(m);
                }
            }
        } finally {
            lock.unlock();
        }
    }

    // ---- pool gauges ------------------------------------------------------------------------------------------------

    /**
     * Whether {@code key}'s pool should have gauges for shard {@code shard} but has none: not for a pool over the cap
     * (so that requests to such origins never rescan all pools), nor for one whose metrics are off.
     */
    private boolean lacksGauges(PoolKey key, int shard) {
        if (!tagged.contains(key) && !admit(key)) {
            return false;
        }
        Registered known;
        lock.lock();
        try {
            known = gauges.get(key);
        } finally {
            lock.unlock();
        }
        if (known != null) {
            return known.shards() < shard;
        }
        FinchClient c = client;
        return c != null && c.poolStatus(key).isPresent();
    }

    /**
     * Brings the pool gauges in line with the running pools: registers those of new pools and shards, removes those
     * of pools that stopped. Called on binding, on a pool's first request, and by the finch endpoint after a change.
     */
    public void refresh() {
        MeterRegistry r = registry;
        FinchClient c = client;
        if (r == null || c == null) {
            return;
        }
        lock.lock();
        try {
            stale = false;
            Set<PoolKey> live = new HashSet<>();
            for (PoolKey key : c.poolKeys()) {
                Optional<List<PoolMetrics>> status = c.poolStatus(key);
                if (status.isEmpty()) {
                    continue;
                }
                if (!tagged.contains(key) && !admit(key)) {
                    continue; // over the cap: its timers and counters go to OTHER, and it has no gauges
                }
                live.add(key);
                List<PoolMetrics> shards = status.get();
                List<Class<?>> kinds = new ArrayList<>();
                shards.forEach(m -> kinds.add(m.getClass()));
                Registered old = gauges.get(key);
                if (old != null && old.kinds().equals(kinds)) {
                    continue;
                }
                if (old != null) {
                    old.meters().forEach(r::remove);
                }
                List<Meter> meters = new ArrayList<>();
                for (PoolMetrics shard : shards) {
                    register(r, c, key, shard, meters);
                }
                gauges.put(key, new Registered(kinds, meters));
            }
            gauges.keySet().removeIf(key -> {
                if (live.contains(key)) {
                    return false;
                }
                gauges.get(key).meters().forEach(r::remove);
                return true;
            });
            // A configured pool whose stop event came before a late event of its own is tagged again: drop its
            // meters until it runs again (other pools are not admitted once stopped).
            for (PoolKey key : List.copyOf(tagged)) {
                if (c.findPool(key).isEmpty()) {
                    forget(key);
                }
            }
        } finally {
            lock.unlock();
        }
    }

    private void register(MeterRegistry r, FinchClient c, PoolKey key, PoolMetrics shard, List<Meter> out) {
        Tags tags = poolTags(key).and("shard", Integer.toString(shard.poolIndex()));
        int index = shard.poolIndex();
        if (shard instanceof Http1PoolMetrics) {
            out.add(gauge(
                    Http1PoolMetrics.class,
                    r,
                    "finch.pool.connections",
                    "HTTP/1 connections by state",
                    tags.and("state", "in_use"),
                    c,
                    key,
                    index,
                    m -> m.inUseConnections()));
            out.add(gauge(
                    Http1PoolMetrics.class,
                    r,
                    "finch.pool.connections",
                    "HTTP/1 connections by state",
                    tags.and("state", "idle"),
                    c,
                    key,
                    index,
                    m -> m.idleConnections()));
            out.add(gauge(
                    Http1PoolMetrics.class,
                    r,
                    "finch.pool.connections",
                    "HTTP/1 connections by state",
                    tags.and("state", "available"),
                    c,
                    key,
                    index,
                    m -> m.availableConnections()));
            out.add(gauge(
                    Http1PoolMetrics.class,
                    r,
                    "finch.pool.size",
                    "The most connections this shard opens",
                    tags,
                    c,
                    key,
                    index,
                    m -> m.poolSize()));
            out.add(gauge(
                    Http1PoolMetrics.class,
                    r,
                    "finch.pool.pending",
                    "Requests waiting for a connection",
                    tags,
                    c,
                    key,
                    index,
                    m -> m.waitingRequests()));
        } else {
            out.add(gauge(
                    Http2PoolMetrics.class,
                    r,
                    "finch.pool.streams",
                    "HTTP/2 streams by state",
                    tags.and("state", "in_flight"),
                    c,
                    key,
                    index,
                    m -> m.inFlightRequests()));
            out.add(gauge(
                    Http2PoolMetrics.class,
                    r,
                    "finch.pool.streams",
                    "HTTP/2 streams by state",
                    tags.and("state", "available"),
                    c,
                    key,
                    index,
                    m -> m.availableStreams()));
            out.add(gauge(
                    Http2PoolMetrics.class,
                    r,
                    "finch.pool.max.concurrent.streams",
                    "The server's SETTINGS_MAX_CONCURRENT_STREAMS",
                    tags,
                    c,
                    key,
                    index,
                    m -> m.maxConcurrentStreams()));
            out.add(gauge(
                    Http2PoolMetrics.class,
                    r,
                    "finch.pool.pending",
                    "Requests waiting for a stream slot",
                    tags,
                    c,
                    key,
                    index,
                    m -> m.waitingRequests()));
            out.add(gauge(
                    Http2PoolMetrics.class,
                    r,
                    "finch.pool.connected",
                    "1 when the HTTP/2 connection is up (connected or draining)",
                    tags,
                    c,
                    key,
                    index,
                    m -> {
                        String state = m.state();
                        return "connected".equals(state) || "read_only".equals(state) ? 1 : 0;
                    }));
        }
    }

    private <T extends PoolMetrics> Gauge gauge(
            Class<T> kind,
            MeterRegistry r,
            String name,
            String description,
            Tags tags,
            FinchClient c,
            PoolKey key,
            int index,
            ToDoubleFunction<T> value) {
        return Gauge.builder(name, c, client -> {
                    PoolMetrics m = client.poolStatus(key)
                            .filter(shards -> shards.size() >= index)
                            .map(shards -> shards.get(index - 1))
                            .orElse(null);
                    if (!kind.isInstance(m)) {
                        stale = true;
                        return Double.NaN;
                    }
                    return value.applyAsDouble(kind.cast(m));
                })
                .description(description)
                .tags(tags)
                .strongReference(false)
                .register(r);
    }
}
