package dev.finch.pool;

import dev.finch.codec.http2.ReceiveWindow;
import dev.finch.conn.ConnectOptions;
import dev.finch.conn.HttpConnection;
import dev.finch.conn.Protocol;
import dev.finch.telemetry.FinchEvent;
import dev.finch.telemetry.PoolInfo;
import dev.finch.telemetry.RequestInfo;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * The shards serving one pool key. The client keeps one per key, started from the key's configuration (or the default
 * one on first use), and picks a shard per request with a {@link PoolStrategy}.
 *
 * <p>Shards are published as an immutable array in a volatile field, so that choosing one takes no lock;
 * {@link #setCount} replaces the array under a lock and stops the shards it drops. Their waiters and later callers
 * get {@link FinchException.Reason#POOL_STOPPED}, on which the client picks a shard again; connections those shards
 * lent out close when they come back, so requests in flight finish undisturbed.
 */
public final class Pool {
    /** Idle sweeps run at most this often, and at least once per second while an idle limit is set. */
    private static final long MIN_SWEEP_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

    private static final long MAX_SWEEP_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final PoolInfo key;
    private final PoolConfig config;
    private final PoolContext context;
    private final boolean fromDefault;
    private final Consumer<Pool> onIdleStop;
    private final long poolMaxIdleNanos;
    private final ConnectOptions connectOptions;
    private final ReentrantLock lock = new ReentrantLock();
    private volatile Shard[] shards;
    private volatile boolean stopped;
    private ScheduledFuture<?> sweep;

    private Pool(PoolInfo key, PoolConfig config, PoolContext context, boolean fromDefault, Consumer<Pool> onIdleStop) {
        this.key = Objects.requireNonNull(key, "key");
        this.config = Objects.requireNonNull(config, "config");
        this.context = Objects.requireNonNull(context, "context");
        this.fromDefault = fromDefault;
        this.onIdleStop = onIdleStop == null ? p -> {} : onIdleStop;
        this.poolMaxIdleNanos =
                config.poolMaxIdleTime().map(TimeUnit.NANOSECONDS::convert).orElse(Long.MAX_VALUE);
        this.connectOptions = connectOptionsFor(config);
    }

    /**
     * Starts a pool: its shards, and an idle sweep on the context's scheduler when the configuration sets an idle
     * limit. HTTP/1 shards open connections lazily.
     *
     * @param fromDefault whether the configuration is the client's default (for pool status)
     * @param onIdleStop called once if {@code poolMaxIdleTime} stops the pool, so that the client forgets it
     */
    public static Pool start(
            PoolInfo key, PoolConfig config, PoolContext context, boolean fromDefault, Consumer<Pool> onIdleStop) {
        Pool pool = new Pool(key, config, context, fromDefault, onIdleStop);
        Shard[] shards = new Shard[config.count()];
        for (int i = 0; i < shards.length; i++) {
            shards[i] = pool.newShard(i + 1);
        }
        pool.shards = shards;
        for (Shard s : shards) {
            startThread(s);
        }
        long limit = Math.min(
                pool.poolMaxIdleNanos,
                config.connMaxIdleTime().map(TimeUnit.NANOSECONDS::convert).orElse(Long.MAX_VALUE));
        if (limit != Long.MAX_VALUE && !config.isHttp2Only()) {
            long period = Math.max(MIN_SWEEP_NANOS, Math.min(MAX_SWEEP_NANOS, limit / 4));
            pool.sweep = context.scheduleAtFixedRate(pool::sweep, period);
        }
        return pool;
    }

    /**
     * HTTP/2 only: an HTTP/2 shard per index, each opening its connection at once (as Finch). Otherwise HTTP/1 shards,
     * which open connections lazily; with HTTP/1 and HTTP/2 over https a shard turns into an HTTP/2 shard when ALPN
     * chooses h2 ({@link #adoptHttp2}).
     */
    private Shard newShard(int index) {
        return config.isHttp2Only() ? new Http2Shard(this, index, null) : new Http1Shard(this, index);
    }

    private static void startThread(Shard s) {
        if (s instanceof Http2Shard h2) {
            h2.start();
        }
    }

    /**
     * The options connections open with: the configuration's, with receive windows credited as the caller consumes
     * data when HTTP/2 may be spoken, so that a slow consumer slows the server down instead of filling memory
     * (finch#282).
     */
    private static ConnectOptions connectOptionsFor(PoolConfig config) {
        ConnectOptions options = config.connectOptions();
        if (!config.protocols().contains(Protocol.HTTP2)) {
            return options;
        }
        return options.toBuilder()
                .http2(options.http2().toBuilder()
                        .receiveWindowRelease(ReceiveWindow.Release.ON_CONSUME)
                        .build())
                .build();
    }

    /** How connections of this pool open. */
    ConnectOptions connectOptions() {
        return connectOptions;
    }

    /**
     * ALPN chose h2 on a connection an HTTP/1 shard opened (protocols HTTP/1 and HTTP/2 over https): the shard is
     * replaced by an HTTP/2 shard that multiplexes requests over this connection (Finch keeps one request per
     * connection and breaks bodies over 64 KiB there: finch#265). The HTTP/1 shard stops; its waiters and the caller
     * pick the new shard.
     *
     * @param connection parked (no owner); closed here if the shard was replaced already
     */
    void adoptHttp2(Http1Shard from, HttpConnection connection) {
        Http2Shard replacement = null;
        lock.lock();
        try {
            Shard[] s = shards;
            int i = from.index - 1;
            if (!stopped && i < s.length && s[i] == from) {
                Shard[] next = s.clone();
                replacement = new Http2Shard(this, from.index, connection);
                next[i] = replacement;
                shards = next;
            }
        } finally {
            lock.unlock();
        }
        if (replacement != null) {
            replacement.start();
        } else {
            connection.close(); // another request's connection won the race
        }
        from.stop(FinchException.Reason.POOL_STOPPED);
    }

    /**
     * Sends a PING on the first HTTP/2 shard's connection and waits for the PONG.
     *
     * @return the round trip in nanoseconds
     * @throws FinchException NOT_HTTP2 if no shard speaks HTTP/2; see {@link Http2Shard#ping} for the rest
     */
    public long ping(long timeoutNanos) throws IOException {
        for (Shard s : shards) {
            if (s instanceof Http2Shard h2) {
                return h2.ping(timeoutNanos);
            }
        }
        throw new FinchException(
                FinchException.Reason.NOT_HTTP2,
                key + " is an HTTP/1 pool (protocols " + config.protocols() + ")"
                        + (config.protocols().contains(Protocol.HTTP2) ? " and the server has not chosen h2 yet" : ""));
    }

    /**
     * After {@link #stop} and {@link #awaitDrained}: ends what is left, closing connections still in use by the
     * HTTP/2 shards and waiting for their threads.
     */
    public void terminate() throws InterruptedException {
        for (Shard s : shards) {
            s.terminate();
        }
    }

    /** The key this pool serves. */
    public PoolInfo key() {
        return key;
    }

    /** The configuration it runs with. */
    public PoolConfig config() {
        return config;
    }

    PoolContext context() {
        return context;
    }

    /** Whether the pool was started from the client's default configuration. */
    public boolean fromDefault() {
        return fromDefault;
    }

    /** Whether the pool was stopped (by stop, by the client closing, or by poolMaxIdleTime). */
    public boolean isStopped() {
        return stopped;
    }

    /** The number of shards now. */
    public int count() {
        return shards.length;
    }

    /**
     * The shard for {@code request}, chosen by {@code strategy} (or the pool's own when null). Takes no lock.
     *
     * @throws IllegalStateException if the strategy answers an index out of range
     */
    public Shard select(RequestInfo request, PoolStrategy strategy) {
        Shard[] s = shards;
        if (s.length == 1) {
            return s[0];
        }
        int i = (strategy != null ? strategy : config.strategy()).select(request, s.length);
        if (i < 0 || i >= s.length) {
            throw new IllegalStateException("pool strategy chose shard " + i + " of " + s.length + " for " + key);
        }
        return s[i];
    }

    /**
     * Grows or shrinks the pool to {@code count} shards. New shards start empty; dropped shards (the last ones) stop:
     * their idle connections close at once, their connections in use when they come back, and their waiters move to
     * the remaining shards. Their metrics disappear with them.
     *
     * @throws IllegalArgumentException if {@code count < 1}
     */
    public void setCount(int count) {
        if (count < 1) {
            throw new IllegalArgumentException("count must be at least 1, got " + count);
        }
        List<Shard> dropped = new ArrayList<>();
        lock.lock();
        try {
            if (stopped) {
                return;
            }
            Shard[] old = shards;
            Shard[] next = Arrays.copyOf(old, count);
            for (int i = old.length; i < count; i++) {
                next[i] = newShard(i + 1);
                startThread(next[i]);
            }
            for (int i = count; i < old.length; i++) {
                dropped.add(old[i]);
            }
            shards = next;
        } finally {
            lock.unlock();
        }
        for (Shard s : dropped) {
            s.stop(FinchException.Reason.POOL_STOPPED);
        }
    }

    /** The metrics of each shard, in index order. */
    public List<PoolMetrics> metrics() {
        Shard[] s = shards;
        List<PoolMetrics> out = new ArrayList<>(s.length);
        for (Shard shard : s) {
            out.add(shard.metrics());
        }
        return List.copyOf(out);
    }

    /**
     * Stops the pool: no new request is taken ({@code reason} is what latecomers get), idle connections close, and
     * connections in use close as they come back. Idempotent.
     */
    public void stop(FinchException.Reason reason) {
        lock.lock();
        try {
            if (stopped) {
                return;
            }
            stopped = true;
            if (sweep != null) {
                sweep.cancel(false);
            }
        } finally {
            lock.unlock();
        }
        for (Shard s : shards) {
            s.stop(reason);
        }
    }

    /**
     * After {@link #stop}: waits until every connection lent out has come back, or the deadline passes.
     *
     * @param deadlineNanos a {@link System#nanoTime()} value
     * @return whether everything came back
     */
    public boolean awaitDrained(long deadlineNanos) throws InterruptedException {
        boolean all = true;
        for (Shard s : shards) {
            all &= s.awaitDrained(deadlineNanos);
        }
        return all;
    }

    /** The idle sweep, on the scheduler thread: connection idle limits, then the pool idle limit. */
    private void sweep() {
        try {
            long now = context.ticker().nanos();
            long last = Long.MIN_VALUE;
            Shard[] s = shards;
            for (Shard shard : s) {
                last = Math.max(last, shard.sweep(now));
            }
            if (poolMaxIdleNanos != Long.MAX_VALUE
                    && last != Long.MAX_VALUE
                    && now - last >= poolMaxIdleNanos
                    && allHttp1(s)) {
                stopIfStillIdle(s, last, now);
            }
        } catch (RuntimeException e) {
            // A failed sweep must not cancel the next ones (the scheduler drops a task that throws).
        }
    }

    private static boolean allHttp1(Shard[] s) {
        for (Shard shard : s) {
            if (!(shard instanceof Http1Shard)) {
                return false; // poolMaxIdleTime is an HTTP/1 option (as in Finch)
            }
        }
        return true;
    }

    /**
     * Stops the pool for idleness (finch#291, #309, #311): only if, with every shard's lock held, nothing is checked
     * out, nobody waits, and nothing happened since {@code last}. A request that picked this pool just before gets
     * POOL_STOPPED from its checkout and the client starts a fresh pool for it.
     */
    private void stopIfStillIdle(Shard[] s, long last, long now) {
        List<PooledConnection> toClose = new ArrayList<>();
        lock.lock();
        try {
            if (stopped || s != shards) {
                return;
            }
            int locked = 0;
            try {
                for (Shard shard : s) {
                    ((Http1Shard) shard).lock().lock();
                    locked++;
                }
                for (Shard shard : s) {
                    if (!((Http1Shard) shard).idleSinceLocked(last)) {
                        return;
                    }
                }
                stopped = true;
                for (Shard shard : s) {
                    toClose.addAll(((Http1Shard) shard).stopLocked(FinchException.Reason.POOL_STOPPED));
                }
            } finally {
                for (int i = locked - 1; i >= 0; i--) {
                    ((Http1Shard) s[i]).lock().unlock();
                }
            }
            if (sweep != null) {
                sweep.cancel(false);
            }
        } finally {
            lock.unlock();
        }
        Http1Shard.closeAll(toClose);
        if (context.telemetry().enabled()) {
            context.telemetry().emit(new FinchEvent.PoolMaxIdleTimeExceeded(key, now - last));
        }
        onIdleStop.accept(this);
    }

    @Override
    public String toString() {
        return "Pool[" + key + ", " + shards.length + " shards, " + config + "]";
    }
}
