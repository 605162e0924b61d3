package dev.finch.pool;

import dev.finch.telemetry.Telemetry;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.UnaryOperator;

/**
 * What the pools of one client share: telemetry, the ticker, and one scheduler thread for idle sweeps. The scheduler
 * thread ({@code finch-scheduler}, a daemon) starts with the first pool that has an idle limit and ends with
 * {@link #close()}; the client owns this object and closes it last.
 */
public final class PoolContext implements AutoCloseable {
    /**
     * Every thread made here (by any client), platform or virtual, until it is collected: what {@link #liveThreads}
     * reads. Thread.getAllStackTraces() cannot stand in for it, as it does not list virtual threads.
     */
    private static final Set<Thread> CREATED =
            Collections.synchronizedSet(Collections.newSetFromMap(new WeakHashMap<>()));

    /** The threads this context (this client) made: close() waits for them to end, so none outlives the client. */
    private final Set<Thread> own = Collections.synchronizedSet(Collections.newSetFromMap(new WeakHashMap<>()));

    private final Telemetry telemetry;
    private final Ticker ticker;
    private final ReentrantLock lock = new ReentrantLock();
    private ScheduledThreadPoolExecutor scheduler;
    private boolean closed;

    /** A context delivering events to {@code telemetry} and measuring idle limits and ages with {@code ticker}. */
    public PoolContext(Telemetry telemetry, Ticker ticker) {
        this.telemetry = Objects.requireNonNull(telemetry, "telemetry");
        this.ticker = Objects.requireNonNull(ticker, "ticker");
    }

    /** Where events go. */
    public Telemetry telemetry() {
        return telemetry;
    }

    /** The clock for idle limits and connection ages. */
    public Ticker ticker() {
        return ticker;
    }

    /**
     * Runs {@code task} every {@code periodNanos} on the scheduler thread, starting it if needed.
     *
     * @return the handle to cancel it, or {@code null} if this context is closed
     */
    ScheduledFuture<?> scheduleAtFixedRate(Runnable task, long periodNanos) {
        lock.lock();
        try {
            if (closed) {
                return null;
            }
            if (scheduler == null) {
                scheduler = new ScheduledThreadPoolExecutor(1, r -> {
                    Thread t = new Thread(r, "finch-scheduler");
                    t.setDaemon(true);
                    return own(tracked(t));
                });
                scheduler.setRemoveOnCancelPolicy(true);
            }
            return scheduler.scheduleAtFixedRate(task, periodNanos, periodNanos, TimeUnit.NANOSECONDS);
        } finally {
            lock.unlock();
        }
    }

    /**
     * A factory of named threads: virtual threads where the runtime has them (Java 21+, found by reflection so that
     * the code still runs on 17), daemon platform threads otherwise. Names are {@code prefix} and a number.
     */
    public static ThreadFactory threadFactory(String prefix) {
        ThreadFactory virtual = virtualThreadFactory(prefix);
        if (virtual != null) {
            return virtual;
        }
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + n.getAndIncrement());
            t.setDaemon(true);
            return tracked(t);
        };
    }

    /** A new, unstarted thread named {@code name}: virtual where the runtime has them, else a daemon platform thread. */
    public static Thread newThread(String name, Runnable task) {
        try {
            Object builder = Thread.class.getMethod("ofVirtual").invoke(null);
            Class<?> builderType = Class.forName("java.lang.Thread$Builder");
            builder = builderType.getMethod("name", String.class).invoke(builder, name);
            return tracked(
                    (Thread) builderType.getMethod("unstarted", Runnable.class).invoke(builder, task));
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            Thread t = new Thread(task, name);
            t.setDaemon(true);
            return tracked(t);
        }
    }

    /** Whether {@link #threadFactory} makes virtual threads on this runtime. */
    public static boolean hasVirtualThreads() {
        return virtualThreadFactory("finch-probe-") != null;
    }

    /**
     * An executor for asynchronous requests: one virtual thread per task where available; otherwise at most
     * {@code maxPlatformThreads} daemon threads (idle ones end after 30 s), with further tasks queued.
     */
    public static ExecutorService newAsyncExecutor(String prefix, int maxPlatformThreads) {
        return newAsyncExecutor(prefix, maxPlatformThreads, UnaryOperator.identity());
    }

    /** {@link #newAsyncExecutor}, with each new thread passed through {@code register}. */
    private static ExecutorService newAsyncExecutor(
            String prefix, int maxPlatformThreads, UnaryOperator<Thread> register) {
        ThreadFactory virtual = virtualThreadFactory(prefix);
        if (virtual != null) {
            try {
                Method perTask = Executors.class.getMethod("newThreadPerTaskExecutor", ThreadFactory.class);
                ThreadFactory registered = r -> register.apply(virtual.newThread(r));
                return (ExecutorService) perTask.invoke(null, registered);
            } catch (ReflectiveOperationException | RuntimeException e) {
                // fall through to platform threads
            }
        }
        ThreadFactory platform = threadFactory(prefix);
        ThreadPoolExecutor pool = new ThreadPoolExecutor(
                maxPlatformThreads,
                maxPlatformThreads,
                30,
                TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(),
                r -> register.apply(platform.newThread(r)));
        pool.allowCoreThreadTimeOut(true);
        return pool;
    }

    private static ThreadFactory virtualThreadFactory(String prefix) {
        try {
            Object builder = Thread.class.getMethod("ofVirtual").invoke(null);
            Class<?> builderType = Class.forName("java.lang.Thread$Builder");
            builder = builderType.getMethod("name", String.class, long.class).invoke(builder, prefix, 0L);
            ThreadFactory factory =
                    (ThreadFactory) builderType.getMethod("factory").invoke(builder);
            return r -> tracked(factory.newThread(r));
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            return null; // Java 17-20 (or virtual threads disabled): platform threads
        }
    }

    /** {@link #newThread(String, Runnable)}, counted as this context's so that {@link #close()} waits for it. */
    public Thread newOwnThread(String name, Runnable task) {
        return own(newThread(name, task));
    }

    /**
     * {@link #newAsyncExecutor}, whose threads — platform or virtual — count as this context's so that
     * {@link #close()} waits for them (an executor counts as terminated a moment before its last thread has exited).
     */
    public ExecutorService newOwnAsyncExecutor(String prefix, int maxPlatformThreads) {
        return newAsyncExecutor(prefix, maxPlatformThreads, this::own);
    }

    private Thread own(Thread t) {
        if (t != null) {
            own.add(t);
        }
        return t;
    }

    /** Waits (until the deadline) for this context's threads to end, but not for the calling thread itself. */
    private void joinOwnThreads(long deadlineNanos) throws InterruptedException {
        for (Thread t : own.toArray(new Thread[0])) {
            long left = deadlineNanos - System.nanoTime();
            if (t != Thread.currentThread() && left > 0) {
                TimeUnit.NANOSECONDS.timedJoin(t, left);
            }
        }
    }

    private static Thread tracked(Thread t) {
        if (t != null) {
            CREATED.add(t);
        }
        return t;
    }

    /**
     * The threads Finch made (for any client) that are still alive, platform and virtual alike: what a leak check
     * after {@code close()} looks at. For tests and diagnostics.
     */
    public static List<Thread> liveThreads() {
        List<Thread> live = new ArrayList<>();
        for (Thread t : CREATED.toArray(new Thread[0])) { // toArray holds the set's lock while it copies
            if (t.isAlive()) {
                live.add(t);
            }
        }
        return live;
    }

    /** Stops the scheduler thread and waits for every thread this context made to end. Idempotent. */
    @Override
    public void close() {
        ScheduledThreadPoolExecutor s;
        lock.lock();
        try {
            closed = true;
            s = scheduler;
            scheduler = null;
        } finally {
            lock.unlock();
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        try {
            if (s != null) {
                s.shutdownNow();
                s.awaitTermination(10, TimeUnit.SECONDS);
            }
            // An executor counts as terminated a moment before its last thread has exited: wait for the threads.
            joinOwnThreads(deadline);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
