package dev.finch.bench.load;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Drives one client with {@code concurrency} platform threads in a closed loop (each sends its next request as soon
 * as the last one completed): a warm-up, then a fixed measurement window. Only requests that complete inside the
 * window count. The warm-up lasts its set length and, beyond it, until twice as many requests as callers have
 * completed (at most 10 s), so that the window starts in steady state even when one request takes a second; the
 * window is at least four mean warm-up latencies long (at most 15 s). Every loop is bounded by the window and by a request count; a worker still stuck in a request when
 * the run ends (beyond the client's own timeouts) is interrupted.
 */
final class ClosedLoop {
    private static final long MAX_REQUESTS_PER_WORKER = 100_000_000L;
    /** Latencies above this are recorded as this (a minute: far beyond every timeout in use). */
    private static final long HIGHEST_NANOS = 60_000_000_000L;
    /** The warm-up goes on past its set length until the loop is in steady state, but no longer than this. */
    private static final long MAX_WARMUP_NANOS = 10_000_000_000L;
    /** A window grows with the latency (see {@link #windowFor}), but no longer than this. */
    static final long MAX_WINDOW_NANOS = 15_000_000_000L;

    private static final int WARMUP = 0;
    private static final int MEASURE = 1;
    private static final int DONE = 2;

    private final BenchClient client;
    private final Workload workload;
    private final int concurrency;

    private volatile int phase = WARMUP;
    private final Recorder recorder = new Recorder(1_000L, HIGHEST_NANOS, 3);
    private final LongAdder errors = new LongAdder();
    private final LongAdder warmedUp = new LongAdder();
    private final LongAdder warmupLatency = new LongAdder();
    private final AtomicReference<String> firstError = new AtomicReference<>();

    private ClosedLoop(BenchClient client, Workload workload, int concurrency) {
        this.client = client;
        this.workload = workload;
        this.concurrency = concurrency;
    }

    /**
     * Runs the loop and returns the measurement of the window.
     *
     * @param serverPort the port whose open connections are counted just before the window ends
     */
    static Measurement run(
            String name,
            BenchClient client,
            Protocol protocol,
            Workload workload,
            int concurrency,
            Duration warmup,
            Duration window,
            int serverPort)
            throws InterruptedException {
        return new ClosedLoop(client, workload, concurrency).run(name, protocol, warmup, window, serverPort);
    }

    @SuppressWarnings("deprecation") // Thread.getId: threadId() is JDK 19+, and this module compiles for 17
    private Measurement run(String name, Protocol protocol, Duration warmup, Duration window, int serverPort)
            throws InterruptedException {
        CountDownLatch start = new CountDownLatch(1);
        Thread[] workers = new Thread[concurrency];
        long[] ids = new long[concurrency];
        for (int i = 0; i < concurrency; i++) {
            workers[i] = new Thread(() -> work(start), "bench-worker-" + i);
            workers[i].setDaemon(true);
            workers[i].start();
            ids[i] = workers[i].getId();
        }
        long began = System.nanoTime();
        start.countDown();
        sleepUntil(began + warmup.toNanos());
        // Steady state needs every caller to have completed requests: at 1,000 callers and 1 MiB bodies one request
        // takes longer than the warm-up. Warm up until twice as many requests as callers completed, or at most 10 s.
        long warmupLimit = began + Math.max(warmup.toNanos(), MAX_WARMUP_NANOS);
        while (warmedUp.sum() < 2L * concurrency && System.nanoTime() - warmupLimit < 0) {
            Thread.sleep(10);
        }
        long windowNanos = windowFor(window, warmedUp.sum(), warmupLatency.sum());

        phase = MEASURE;
        long t0 = System.nanoTime();
        long jvm0 = Meter.jvmAllocatedBytes();
        long workers0 = Meter.threadsAllocatedBytes(ids);
        long cpu0 = Meter.processCpuNanos();
        recorder.reset();

        sleepUntil(t0 + windowNanos - Math.min(windowNanos / 10, 50_000_000L));
        int connections = OpenConnections.to(serverPort);
        sleepUntil(t0 + windowNanos);
        phase = DONE;
        long t1 = System.nanoTime();
        long jvm1 = Meter.jvmAllocatedBytes();
        long workers1 = Meter.threadsAllocatedBytes(ids);
        long cpu1 = Meter.processCpuNanos();
        Histogram latencies = recorder.getIntervalHistogram();
        double load = Meter.loadAverage();

        // Workers finish the request in hand; the clients' own timeouts bound that, this bounds the clients.
        long joinDeadline =
                System.nanoTime() + Timeouts.RESPONSE.multipliedBy(2).toNanos();
        for (Thread w : workers) {
            w.join(Math.max(1, (joinDeadline - System.nanoTime()) / 1_000_000));
        }
        int stuck = 0;
        for (Thread w : workers) {
            if (w.isAlive()) {
                stuck++;
                w.interrupt();
                w.join(5_000);
            }
        }
        if (stuck > 0) {
            firstError.compareAndSet(null, stuck + " workers stuck after the window");
        }
        return new Measurement(
                name,
                protocol,
                workload,
                concurrency,
                1,
                latencies.getTotalCount(),
                errors.sum(),
                (t1 - t0) / 1e9,
                latencies,
                null,
                jvm1 - jvm0,
                workers1 - workers0,
                cpu1 - cpu0,
                connections,
                load,
                firstError.get());
    }

    private void work(CountDownLatch start) {
        try {
            start.await();
        } catch (InterruptedException e) {
            return;
        }
        for (long issued = 0; issued < MAX_REQUESTS_PER_WORKER && phase != DONE; issued++) {
            long t0 = System.nanoTime();
            String failure = null;
            try {
                long bytes = workload.run(client);
                if (bytes != workload.responseBytes) {
                    failure = "read " + bytes + " body bytes, expected " + workload.responseBytes;
                }
            } catch (Throwable e) {
                if (Thread.currentThread().isInterrupted() || e instanceof InterruptedException) {
                    return;
                }
                failure = describe(e);
            }
            long t1 = System.nanoTime();
            if (failure == null) {
                if (phase == MEASURE) {
                    recorder.recordValue(Math.min(t1 - t0, HIGHEST_NANOS));
                } else if (phase == WARMUP) {
                    warmedUp.increment();
                    warmupLatency.add(t1 - t0);
                }
            } else {
                if (phase == MEASURE) {
                    errors.increment();
                }
                firstError.compareAndSet(null, failure);
                try {
                    Thread.sleep(1); // no hot loop against a failing server
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    private static String describe(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root == e ? e.toString() : e.getClass().getSimpleName() + " caused by " + root;
    }

    /**
     * The window: as set, or four mean warm-up latencies if that is longer (at most 15 s). When one request takes
     * seconds (1,000 callers, 1 MiB bodies), a short window would see a few waves of completions or none.
     */
    static long windowFor(Duration window, long completed, long latencyNanos) {
        long mean = completed == 0 ? 0 : latencyNanos / completed;
        return Math.max(window.toNanos(), Math.min(4 * mean, MAX_WINDOW_NANOS));
    }

    private static void sleepUntil(long deadline) throws InterruptedException {
        long left;
        while ((left = deadline - System.nanoTime()) > 0) {
            Thread.sleep(Math.max(1, left / 1_000_000), 0);
        }
    }
}
