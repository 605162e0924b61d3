package dev.finch;

import dev.finch.conn.Protocol;
import dev.finch.conn.Scheme;
import dev.finch.pool.FinchException;
import dev.finch.pool.Http1Shard;
import dev.finch.pool.Http2Shard;
import dev.finch.pool.Pool;
import dev.finch.pool.PoolConfig;
import dev.finch.pool.PoolContext;
import dev.finch.pool.PoolMetrics;
import dev.finch.pool.Shard;
import dev.finch.pool.Ticker;
import dev.finch.telemetry.FinchEvent;
import dev.finch.telemetry.FinchListener;
import dev.finch.telemetry.Telemetry;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * An HTTP client with connection pools per origin, after Elixir's Finch. Build one per application, share it between
 * threads, and close it at shutdown.
 *
 * <pre>{@code
 * try (FinchClient client = FinchClient.builder()
 *         .pool("https://api.example.com", PoolConfig.builder().size(20).count(2).build())
 *         .build()) {
 *     Response r = client.request(Request.get("https://api.example.com/users/1"));
 * }
 * }</pre>
 *
 * <h2>Errors</h2>
 *
 * Every call throws a checked {@link IOException} subclass: {@link FinchException} for pool-level failures (pool
 * timeout, request timeout, stopped pool, cancellation), {@link dev.finch.http.TransportException} for the socket and
 * TLS (and the receive timeout), {@link dev.finch.http.HttpProtocolException} for responses that break HTTP or
 * requests that are not valid HTTP. An HTTP error status is not an exception: it is the response. A configuration that
 * cannot work is an {@link IllegalArgumentException} when the client or the call is built.
 *
 * <h2>Threads</h2>
 *
 * HTTP/1 requests run entirely on the calling thread: it checks a connection out and does the I/O itself. The client
 * owns a scheduler thread for idle sweeps ({@code finch-scheduler}, only while a pool has an idle limit) and the
 * threads of its async executor ({@code finch-async-*}, virtual where the runtime has them) unless you give it one.
 * {@link #close()} ends them all.
 */
public final class FinchClient implements AutoCloseable {
    /** Platform threads for async requests on runtimes without virtual threads. */
    private static final int ASYNC_PLATFORM_THREADS = 256;

    /** Attempts to find a live pool when pools stop under a request (idle limit, stopPool, resizing). */
    private static final int POOL_STOPPED_RETRIES = 3;

    private final Map<PoolKey, PoolConfig> configs;
    private final PoolConfig defaultConfig;
    private final RequestOptions defaultOptions;
    private final Telemetry telemetry;
    private final RequestInterceptor[] interceptors;
    private final PoolContext context;
    private final Duration closeTimeout;
    private final Executor userExecutor;
    private final ConcurrentHashMap<PoolKey, Pool> pools = new ConcurrentHashMap<>();
    /**
     * Pools removed by {@link #stopPool} that may still have requests in flight: close() waits for them and ends what
     * is left, like the running ones. Pruned as they drain.
     */
    private final Set<Pool> stoppedPools = ConcurrentHashMap.newKeySet();

    private final Set<AsyncTask> runningAsync = ConcurrentHashMap.newKeySet();
    /** Read: starting a pool; write: closing. Keeps a pool from starting after close() stopped the others. */
    private final ReentrantReadWriteLock state = new ReentrantReadWriteLock();

    private final ReentrantLock executorLock = new ReentrantLock();
    private final Condition asyncEnded = executorLock.newCondition();
    private ExecutorService ownExecutor;
    private volatile boolean closed;

    private FinchClient(Builder b) {
        this.configs = new ConcurrentHashMap<>(b.configs);
        this.defaultConfig = b.defaultConfig;
        this.defaultOptions = b.defaultOptions;
        this.telemetry = Telemetry.of(b.listener);
        this.interceptors = b.interceptors.toArray(RequestInterceptor[]::new);
        this.context = new PoolContext(telemetry, b.ticker);
        this.closeTimeout = b.closeTimeout;
        this.userExecutor = b.executor;
        // Finch starts the configured pools with the instance; HTTP/1 shards still connect lazily.
        for (Map.Entry<PoolKey, PoolConfig> e : configs.entrySet()) {
            pools.put(e.getKey(), startPool(e.getKey(), e.getValue(), false));
        }
    }

    /** A builder with Finch's defaults: a default pool of size 50 and count 1, no listener. */
    public static Builder builder() {
        return new Builder();
    }

    // ---- requests ---------------------------------------------------------------------------------------------------

    /** Sends {@code request} with the client's default options and returns the whole response. */
    public Response request(Request request) throws IOException {
        return request(request, defaultOptions);
    }

    /**
     * Sends {@code request} and returns the whole response (Finch's {@code request/3}). The body is collected in
     * memory; use {@link #stream} for large bodies.
     *
     * @throws FinchException POOL_TIMEOUT, REQUEST_TIMEOUT, POOL_STOPPED, CLIENT_CLOSED, CANCELLED (interrupted)
     * @throws dev.finch.http.TransportException connect, TLS, socket failures, and TIMEOUT for the receive timeout
     * @throws dev.finch.http.HttpProtocolException an invalid request or a response that breaks HTTP
     */
    public Response request(Request request, RequestOptions options) throws IOException {
        Receiver.Collect collect = new Receiver.Collect();
        call(request, options, collect);
        return collect.response();
    }

    /** Streams the response into {@code fn} with the default options; see {@link #stream(Request, Object, StreamFunction, RequestOptions)}. */
    public <A> A stream(Request request, A acc, StreamFunction<A> fn) throws IOException {
        return stream(request, acc, fn, defaultOptions);
    }

    /**
     * Streams the response through {@code fn} on the calling thread, part by part as it arrives, and returns the
     * final accumulator (Finch's {@code stream/5}). What {@code fn} throws ends the request (the HTTP/1 connection
     * is closed) and is rethrown. Errors are thrown as for {@link #request(Request, RequestOptions)}; to keep what
     * was gathered before an error, accumulate into a mutable object.
     */
    public <A> A stream(Request request, A acc, StreamFunction<A> fn, RequestOptions options) throws IOException {
        Receiver.Fold<A> fold = new Receiver.Fold<>(Objects.requireNonNull(fn, "fn"), acc);
        call(request, options, fold);
        return fold.acc;
    }

    /** Streams until {@code fn} halts, with the default options; see {@link #streamWhile(Request, Object, StreamWhileFunction, RequestOptions)}. */
    public <A> A streamWhile(Request request, A acc, StreamWhileFunction<A> fn) throws IOException {
        return streamWhile(request, acc, fn, defaultOptions);
    }

    /**
     * Streams the response through {@code fn} until it ends or {@code fn} answers {@link Step#halt} (Finch's
     * {@code stream_while/5}), and returns the accumulator. Halting cancels the rest: on HTTP/1 the connection is
     * closed (the rest of the response would otherwise arrive on it). A {@link Body#ofProducer} body is fed the same
     * accumulator before the response starts.
     */
    public <A> A streamWhile(Request request, A acc, StreamWhileFunction<A> fn, RequestOptions options)
            throws IOException {
        Receiver.FoldWhile<A> fold = new Receiver.FoldWhile<>(Objects.requireNonNull(fn, "fn"), acc);
        call(request, options, fold);
        return fold.acc;
    }

    /** Sends {@code request} asynchronously with the default options; see {@link #asyncRequest(Request, AsyncHandler, RequestOptions)}. */
    public AsyncRef asyncRequest(Request request, AsyncHandler handler) {
        return asyncRequest(request, handler, defaultOptions);
    }

    /**
     * Sends {@code request} on a thread of the async executor and delivers its parts to {@code handler} (Finch's
     * {@code async_request/3}); returns at once. The request timeout counts from this call. Unlike Finch, nothing is
     * bound to the calling thread: the request runs until it ends or {@link #cancel(AsyncRef)}.
     */
    public AsyncRef asyncRequest(Request request, AsyncHandler handler, RequestOptions options) {
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(handler, "handler");
        AsyncTask task = new AsyncTask.ToHandler(this, intercept(request), options, handler);
        submit(task);
        return task.ref;
    }

    /** {@link #requestAsync(Request, RequestOptions)} with the default options. */
    public CompletableFuture<Response> requestAsync(Request request) {
        return requestAsync(request, defaultOptions);
    }

    /**
     * Sends {@code request} on a thread of the async executor; the future completes with the response or fails with
     * the exception {@link #request(Request, RequestOptions)} would throw. Cancelling the future cancels the request.
     */
    public CompletableFuture<Response> requestAsync(Request request, RequestOptions options) {
        Objects.requireNonNull(options, "options");
        AsyncTask.ToFuture task = new AsyncTask.ToFuture(this, intercept(request), options);
        submit(task);
        return task.future;
    }

    /**
     * Cancels an asynchronous request (Finch's {@code cancel_async_request/1}): a wait for a connection ends, an
     * HTTP/1 connection in use is closed, and the handler gets {@code onError} with
     * {@link FinchException.Reason#CANCELLED}. Returns false if the request had already ended.
     */
    public boolean cancel(AsyncRef ref) {
        return ref.task().cancel();
    }

    private void submit(AsyncTask task) {
        runningAsync.add(task);
        try {
            executor().execute(task);
        } catch (RejectedExecutionException e) {
            asyncEnded(task);
            task.ref.cancel();
            task.fail(
                    closed
                            ? clientClosed()
                            : new FinchException(
                                    FinchException.Reason.CANCELLED, "the async executor refused the request", e));
        }
    }

    void asyncEnded(AsyncTask task) {
        runningAsync.remove(task);
        if (closed) {
            executorLock.lock();
            try {
                asyncEnded.signalAll();
            } finally {
                executorLock.unlock();
            }
        }
    }

    /** Waits until no async request runs, or the deadline; returns whether none runs. */
    private boolean awaitAsync(long deadline) throws InterruptedException {
        executorLock.lock();
        try {
            while (!runningAsync.isEmpty()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                asyncEnded.awaitNanos(left);
            }
            return true;
        } finally {
            executorLock.unlock();
        }
    }

    private Executor executor() throws RejectedExecutionException {
        if (userExecutor != null) {
            return userExecutor;
        }
        executorLock.lock();
        try {
            if (closed) {
                throw new RejectedExecutionException("closed");
            }
            if (ownExecutor == null) {
                ownExecutor = context.newOwnAsyncExecutor("finch-async-", ASYNC_PLATFORM_THREADS);
            }
            return ownExecutor;
        } finally {
            executorLock.unlock();
        }
    }

    /** Runs the interceptors on the calling thread; see {@link RequestInterceptor}. */
    private Interception intercept(Request request) {
        Objects.requireNonNull(request, "request");
        return Interception.start(interceptors, request);
    }

    /** Runs one request on the calling thread, with the interceptors around it. */
    private void call(Request request, RequestOptions options, Receiver receiver) throws IOException {
        long start = System.nanoTime();
        Interception interception = intercept(request);
        try {
            execute(interception.request, options, receiver, start);
        } catch (IOException | RuntimeException | Error e) {
            interception.complete(receiver.status, e);
            throw e;
        }
        interception.complete(receiver.status, null);
    }

    /** Runs one request on the calling thread, with its request events around it. */
    void execute(Request request, RequestOptions options, Receiver receiver, long start) throws IOException {
        Call call = new Call(request, options, receiver, telemetry, start);
        if (telemetry.enabled()) {
            telemetry.emit(new FinchEvent.RequestStart(call.pool, request));
        }
        try {
            run(call);
        } catch (IOException | RuntimeException | Error e) {
            if (telemetry.enabled()) {
                telemetry.emit(new FinchEvent.RequestException(call.pool, request, System.nanoTime() - start, e));
            }
            throw e;
        }
        if (telemetry.enabled()) {
            telemetry.emit(new FinchEvent.RequestStop(call.pool, request, System.nanoTime() - start, receiver.status));
        }
    }

    private void run(Call call) throws IOException {
        PoolKey key = call.request.poolKey();
        for (int tries = 0; ; tries++) {
            Pool pool = resolve(key, call.options.poolConfigIfStartingOrNull());
            Shard shard = pool.select(call.request, call.options.strategyOrNull());
            try {
                if (shard instanceof Http1Shard h1) {
                    Http1Exchange.run(call, h1);
                } else {
                    Http2Exchange.run(call, (Http2Shard) shard);
                }
                return;
            } catch (FinchException e) {
                // The pool or shard stopped before the request got a connection (idle limit, stopPool, a smaller
                // count): nothing was sent, so pick again; the client starts a new pool if needed (finch#309).
                if (e.reason() != FinchException.Reason.POOL_STOPPED || tries >= POOL_STOPPED_RETRIES || closed) {
                    throw e;
                }
            }
        }
    }

    // ---- pools ------------------------------------------------------------------------------------------------------

    /**
     * The running pool for {@code key}, else one started from the key's configuration, else from {@code ifStarting}
     * (a request's {@link RequestOptions.Builder#poolConfigIfStarting}; not remembered), else from the default.
     */
    private Pool resolve(PoolKey key, PoolConfig ifStarting) throws FinchException {
        Pool p = pools.get(key);
        if (p != null && !p.isStopped()) {
            return p;
        }
        state.readLock().lock();
        try {
            if (closed) {
                throw clientClosed();
            }
            return pools.compute(key, (k, old) -> {
                if (old != null && !old.isStopped()) {
                    return old;
                }
                if (ifStarting != null && !configs.containsKey(k)) {
                    // Checked only here, when it is used: a request on a running pool costs nothing more. What this
                    // throws leaves the map as it was.
                    Builder.check(k.toString(), ifStarting);
                    Builder.checkProxy(k, ifStarting);
                    return startPool(k, ifStarting, false);
                }
                return startPool(k, null, true);
            });
        } finally {
            state.readLock().unlock();
        }
    }

    /** Starts a pool from {@code config}, or from the key's configuration (or the default) when null. */
    private Pool startPool(PoolKey key, PoolConfig config, boolean maybeDefault) {
        PoolConfig c = config;
        boolean fromDefault = false;
        if (c == null) {
            c = configs.get(key);
            if (c == null) {
                c = defaultConfig;
                fromDefault = maybeDefault;
            }
        }
        return Pool.start(key, c, context, fromDefault, this::forget);
    }

    /** Called when poolMaxIdleTime stopped a pool: the next request starts a new one. */
    private void forget(Pool pool) {
        pools.remove((PoolKey) pool.key(), pool);
    }

    /**
     * Starts a pool for {@code key} with {@code config} (Finch's {@code start_pool/3}), unless one is running.
     * The configuration is remembered: if the pool stops, the next request starts it again with it.
     *
     * @return true if a pool was started, false if one was already running (it keeps its configuration)
     * @throws FinchException CLIENT_CLOSED
     * @throws IllegalArgumentException if the configuration cannot work (the message names the field)
     */
    public boolean startPool(PoolKey key, PoolConfig config) throws FinchException {
        return start(key, config, true);
    }

    /**
     * Starts a pool for {@code key} with {@code config}, unless one is running, without remembering the configuration
     * (a pool for one use, such as per-origin pools an application derives at run time): once this pool stops
     * (pool-max-idle-time, {@link #stopPool}), nothing of it stays in the client, and the next request for
     * {@code key} starts a pool from the key's own configuration (the one it was built or last started with
     * {@link #startPool(PoolKey, PoolConfig)}), else from its {@link RequestOptions.Builder#poolConfigIfStarting},
     * else the default one. Call this again to run it with {@code config}, or send the requests with
     * {@code poolConfigIfStarting(config)} so that whichever of them finds the pool stopped starts it with
     * {@code config}.
     *
     * @return true if a pool was started, false if one was already running (it keeps its configuration)
     * @throws FinchException CLIENT_CLOSED
     * @throws IllegalArgumentException if the configuration cannot work (the message names the field)
     */
    public boolean startTransientPool(PoolKey key, PoolConfig config) throws FinchException {
        return start(key, config, false);
    }

    private boolean start(PoolKey key, PoolConfig config, boolean remember) throws FinchException {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(config, "config");
        Builder.check(key.toString(), config);
        Builder.checkProxy(key, config);
        state.readLock().lock();
        try {
            if (closed) {
                throw clientClosed();
            }
            boolean[] started = {false};
            pools.compute(key, (k, old) -> {
                if (old != null && !old.isStopped()) {
                    return old;
                }
                started[0] = true;
                if (remember) {
                    // Replaces the one of a stopped pool: an idle restart must not bring it back.
                    configs.put(k, config);
                }
                return startPool(k, config, false);
            });
            return started[0];
        } finally {
            state.readLock().unlock();
        }
    }

    /**
     * Stops the pool for {@code key} (Finch's {@code stop_pool/2}): idle connections close at once; requests in flight
     * finish and their connections close when they are done; requests waiting for a connection move to a new pool,
     * which the next request starts from the key's configuration (or its
     * {@link RequestOptions.Builder#poolConfigIfStarting}, or the default; see {@link #poolConfigFor}).
     *
     * @return whether a pool was running
     */
    public boolean stopPool(PoolKey key) {
        state.readLock().lock();
        try {
            if (closed) {
                return false; // close() stops (or stopped) every pool
            }
            Pool p = pools.remove(key);
            if (p == null) {
                return false;
            }
            p.stop(FinchException.Reason.POOL_STOPPED);
            stoppedPools.removeIf(Pool::isDrained);
            stoppedPools.add(p);
            if (telemetry.enabled()) {
                telemetry.emit(new FinchEvent.PoolStopped(key));
            }
            return true;
        } finally {
            state.readLock().unlock();
        }
    }

    /**
     * Sends an HTTP/2 PING on the pool's connection and returns the round-trip time (Finch's {@code ping/2}).
     *
     * @throws FinchException POOL_NOT_FOUND if no pool runs for {@code key}; NOT_HTTP2 for an HTTP/1 pool (HTTP/1
     *     has no ping); PING_TIMEOUT if no PONG came within {@code http2.pingTimeout}; DISCONNECTED or
     *     CONNECTION_NOT_READY if the connection is not up
     */
    public Duration ping(PoolKey key) throws IOException {
        Pool p = pools.get(key);
        if (p == null || p.isStopped()) {
            throw new FinchException(FinchException.Reason.POOL_NOT_FOUND, key.toString());
        }
        return Duration.ofNanos(p.ping(p.config().http2().pingTimeout().toNanos()));
    }

    /** The configuration of the running pool for {@code key}, if any (Finch's {@code find_pool/2}). */
    public Optional<PoolConfig> findPool(PoolKey key) {
        Pool p = pools.get(key);
        return p == null || p.isStopped() ? Optional.empty() : Optional.of(p.config());
    }

    /**
     * The configuration a request for {@code key} runs with: the running pool's; else the one configured or last
     * started for {@code key} (a stopped pool restarts with it); else the default configuration, for a request
     * without {@link RequestOptions.Builder#poolConfigIfStarting} (one with it starts the pool from that).
     */
    public PoolConfig poolConfigFor(PoolKey key) {
        Objects.requireNonNull(key, "key");
        Pool p = pools.get(key);
        if (p != null && !p.isStopped()) {
            return p.config();
        }
        return configs.getOrDefault(key, defaultConfig);
    }

    /** The shard count of the running pool for {@code key} (Finch's {@code get_pool_count/2}). */
    public OptionalInt poolCount(PoolKey key) {
        Pool p = pools.get(key);
        return p == null || p.isStopped() ? OptionalInt.empty() : OptionalInt.of(p.count());
    }

    /**
     * Grows or shrinks the running pool for {@code key} to {@code count} shards (Finch's {@code set_pool_count/3}).
     * Requests in flight on dropped shards finish; waiters move to the remaining ones.
     *
     * @return whether a pool was running
     * @throws IllegalArgumentException if {@code count < 1}
     */
    public boolean setPoolCount(PoolKey key, int count) {
        if (count < 1) {
            throw new IllegalArgumentException("count must be at least 1, got " + count);
        }
        Pool p = pools.get(key);
        if (p == null || p.isStopped()) {
            return false;
        }
        p.setCount(count);
        if (telemetry.enabled()) {
            telemetry.emit(new FinchEvent.PoolCountChanged(key, count));
        }
        return true;
    }

    /**
     * The metrics of each shard of the pool for {@code key} (Finch's {@code get_pool_status/2}); empty when no such
     * pool runs or its configuration has {@code startPoolMetrics} false, as in Finch.
     */
    public Optional<List<PoolMetrics>> poolStatus(PoolKey key) {
        Pool p = pools.get(key);
        if (p == null || p.isStopped() || !p.config().startPoolMetrics()) {
            return Optional.empty();
        }
        return Optional.of(p.metrics());
    }

    /** The metrics of every running pool started from the default configuration with metrics on (Finch's {@code :default}). */
    public Map<PoolKey, List<PoolMetrics>> defaultPoolStatus() {
        return status(true);
    }

    /** The metrics of every running pool with metrics on, configured or not. */
    public Map<PoolKey, List<PoolMetrics>> allPoolStatus() {
        return status(false);
    }

    private Map<PoolKey, List<PoolMetrics>> status(boolean defaultOnly) {
        Map<PoolKey, List<PoolMetrics>> out = new LinkedHashMap<>();
        pools.forEach((key, p) -> {
            if (!p.isStopped() && p.config().startPoolMetrics() && (!defaultOnly || p.fromDefault())) {
                out.put(key, p.metrics());
            }
        });
        return out;
    }

    /** The keys of the running pools. */
    public Set<PoolKey> poolKeys() {
        return Set.copyOf(pools.keySet());
    }

    /** The configuration pools get when their key has none of its own. */
    public PoolConfig defaultPoolConfig() {
        return defaultConfig;
    }

    /** The options calls without options use. */
    public RequestOptions defaultRequestOptions() {
        return defaultOptions;
    }

    /** How many times the listener threw (each time swallowed: a listener never breaks a request). */
    public long listenerFailures() {
        return telemetry.failures();
    }

    // ---- lifecycle --------------------------------------------------------------------------------------------------

    /**
     * Closes the client: new calls fail with {@link FinchException.Reason#CLIENT_CLOSED}, requests waiting for a
     * connection fail, idle connections close at once. Requests in flight get up to the close timeout to finish;
     * async requests still running then are cancelled. Finally the client's threads (scheduler, async executor) end.
     * A synchronous request still running on a caller's thread after the close timeout keeps its connection until it
     * ends (bounded by its own timeouts), and that connection is closed then. Idempotent.
     */
    @Override
    public void close() {
        state.writeLock().lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
        } finally {
            state.writeLock().unlock();
        }
        List<Pool> all = new ArrayList<>(pools.values());
        pools.clear();
        for (Pool p : all) {
            p.stop(FinchException.Reason.CLIENT_CLOSED);
        }
        all.addAll(stoppedPools); // stopped already; their requests in flight get the same close timeout
        stoppedPools.clear();
        long deadline = System.nanoTime() + closeTimeout.toNanos();
        boolean interrupted = false;
        try {
            // Requests in flight (sync and async) finish and hand their connections back, until the close timeout.
            for (Pool p : all) {
                p.awaitDrained(deadline);
            }
            if (!awaitAsync(deadline)) {
                // Past the close timeout: cancel what still runs on async threads (their connections close).
                for (AsyncTask t : runningAsync) {
                    t.cancel();
                }
                awaitAsync(System.nanoTime() + TimeUnit.SECONDS.toNanos(5));
            }
            // HTTP/2 connections still carrying streams close now; their threads end.
            for (Pool p : all) {
                p.terminate();
            }
        } catch (InterruptedException e) {
            interrupted = true;
        }
        ExecutorService own;
        executorLock.lock();
        try {
            own = ownExecutor;
        } finally {
            executorLock.unlock();
        }
        if (own != null) {
            own.shutdown();
            try {
                if (!own.awaitTermination(5, TimeUnit.SECONDS)) {
                    own.shutdownNow();
                    own.awaitTermination(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                own.shutdownNow();
                interrupted = true;
            }
        }
        context.close();
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** Whether {@link #close()} was called. */
    public boolean isClosed() {
        return closed;
    }

    private static FinchException clientClosed() {
        return new FinchException(FinchException.Reason.CLIENT_CLOSED, null);
    }

    /**
     * Builds a {@link FinchClient}. Pool configurations are checked as they are set (each refused value names its
     * field); {@link #build()} starts the configured pools.
     */
    public static final class Builder {
        private final Map<PoolKey, PoolConfig> configs = new LinkedHashMap<>();
        private PoolConfig defaultConfig = PoolConfig.defaults();
        private RequestOptions defaultOptions = RequestOptions.defaults();
        private FinchListener listener = FinchListener.NONE;
        private final List<RequestInterceptor> interceptors = new ArrayList<>();
        private Executor executor;
        private Ticker ticker = Ticker.SYSTEM;
        private Duration closeTimeout = Duration.ofSeconds(10);

        private Builder() {}

        /**
         * Configures the pool for {@code key} (Finch's {@code pools: %{key => opts}}); started by {@link #build()}.
         *
         * @throws IllegalArgumentException if the configuration cannot work for this key (an HTTP/2-only pool for an
         *     http origin behind a forward proxy, a max-connection-age jitter without an age); the message names the
         *     pool and the field
         */
        public Builder pool(PoolKey key, PoolConfig config) {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(config, "config");
            check(key.toString(), config);
            checkProxy(key, config);
            configs.put(key, config);
            return this;
        }

        /** Configures the pool for a URL ({@code https://host[:port]}, {@code http+unix:///path}); see {@link PoolKey#of(String)}. */
        public Builder pool(String url, PoolConfig config) {
            return pool(PoolKey.of(url), config);
        }

        /** The configuration of pools whose key has none (Finch's {@code :default}); default size 50, count 1. */
        public Builder defaultPool(PoolConfig config) {
            this.defaultConfig = Objects.requireNonNull(config, "defaultPool");
            return this;
        }

        /** The options of calls made without options. */
        public Builder defaultRequestOptions(RequestOptions options) {
            this.defaultOptions = Objects.requireNonNull(options, "defaultRequestOptions");
            return this;
        }

        /** Receives telemetry events; see {@link FinchEvent}. Default none. */
        public Builder listener(FinchListener listener) {
            this.listener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /**
         * Adds an interceptor that runs around every request, after those added before it; see
         * {@link RequestInterceptor}. Default none.
         */
        public Builder interceptor(RequestInterceptor interceptor) {
            interceptors.add(Objects.requireNonNull(interceptor, "interceptor"));
            return this;
        }

        /**
         * Runs async requests on {@code executor} (which the client does not shut down). Default: a virtual thread
         * per request where available, else up to 256 daemon threads, owned and shut down by the client.
         */
        public Builder asyncExecutor(Executor executor) {
            this.executor = Objects.requireNonNull(executor, "asyncExecutor");
            return this;
        }

        /** The clock for idle limits and connection ages; tests pass one they advance. Default {@link Ticker#SYSTEM}. */
        public Builder ticker(Ticker ticker) {
            this.ticker = Objects.requireNonNull(ticker, "ticker");
            return this;
        }

        /** How long {@link FinchClient#close()} lets requests in flight finish. Default 10 s. */
        public Builder closeTimeout(Duration timeout) {
            if (timeout == null || timeout.isNegative()) {
                throw new IllegalArgumentException("closeTimeout must be zero or positive, got " + timeout);
            }
            this.closeTimeout = timeout;
            return this;
        }

        /**
         * Builds the client and starts the configured pools.
         *
         * @throws IllegalArgumentException if a configuration cannot work; the message names the pool and the field
         */
        public FinchClient build() {
            check("default", defaultConfig); // the pools' own configurations were checked by pool()
            return new FinchClient(this);
        }

        /**
         * HTTP/2 with prior knowledge cannot go through a forward proxy: refused here for a pool whose key is known,
         * rather than on each connect attempt.
         */
        static void checkProxy(PoolKey key, PoolConfig config) {
            if ("http".equals(key.scheme())
                    && !key.isUnixSocket()
                    && !config.protocols().contains(Protocol.HTTP1)
                    && config.connectOptions()
                            .proxy()
                            .proxyFor(Scheme.HTTP, key.host())
                            .isPresent()) {
                throw new IllegalArgumentException("pools[" + key + "]: HTTP/2 with prior knowledge (protocols"
                        + " [HTTP2]) cannot go through the forward proxy; allow HTTP1, or list the host in"
                        + " nonProxyHosts");
            }
        }

        static void check(String pool, PoolConfig config) {
            if (config.http2().maxConnectionAgeJitter().compareTo(Duration.ZERO) > 0
                    && config.http2().maxConnectionAge().isEmpty()) {
                throw new IllegalArgumentException(
                        "pools[" + pool + "].http2.maxConnectionAgeJitter needs http2.maxConnectionAge");
            }
        }
    }
}
