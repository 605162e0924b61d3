package dev.finch.bench.load;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.management.ManagementFactory;

/**
 * Allocation and CPU counters read at the edges of a measurement window.
 *
 * <ul>
 *   <li><b>JVM allocation</b>: bytes allocated on the heap by every thread of this JVM, live or ended
 *       ({@code ThreadMXBean.getTotalThreadAllocatedBytes}, JDK 21+; on older JDKs the sum over live threads). This is
 *       the figure that compares all clients, since Netty, Jetty, Apache async, OkHttp's HTTP/2 reader and the JDK
 *       client allocate on I/O threads of their own.
 *   <li><b>Worker allocation</b>: bytes allocated by the harness's worker threads only. For clients that do all their
 *       work on the calling thread (Finch, OkHttp HTTP/1.1, Apache classic) it is nearly the JVM figure.
 *   <li><b>CPU</b>: CPU time of the whole process ({@code OperatingSystemMXBean.getProcessCpuTime}), JIT and GC
 *       threads included.
 * </ul>
 */
final class Meter {
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    private static final com.sun.management.OperatingSystemMXBean OS =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    private static final MethodHandle TOTAL_ALLOCATED = totalAllocated();

    static {
        THREADS.setThreadAllocatedMemoryEnabled(true);
    }

    private Meter() {}

    /** How JVM allocation is measured on this JDK, for the report. */
    static String jvmAllocationMethod() {
        return TOTAL_ALLOCATED != null
                ? "ThreadMXBean.getTotalThreadAllocatedBytes (all threads, ended ones included)"
                : "sum of ThreadMXBean.getThreadAllocatedBytes over live threads";
    }

    static long jvmAllocatedBytes() {
        if (TOTAL_ALLOCATED != null) {
            try {
                return (long) TOTAL_ALLOCATED.invokeExact(THREADS);
            } catch (Throwable e) {
                throw new IllegalStateException(e);
            }
        }
        return sum(THREADS.getThreadAllocatedBytes(THREADS.getAllThreadIds()));
    }

    static long threadsAllocatedBytes(long[] threadIds) {
        return sum(THREADS.getThreadAllocatedBytes(threadIds));
    }

    static long processCpuNanos() {
        return OS.getProcessCpuTime();
    }

    /** The 1-minute load average of the machine, or -1. */
    static double loadAverage() {
        return OS.getSystemLoadAverage();
    }

    private static long sum(long[] values) {
        long total = 0;
        for (long v : values) {
            if (v > 0) {
                total += v;
            }
        }
        return total;
    }

    private static MethodHandle totalAllocated() {
        try {
            return MethodHandles.publicLookup()
                    .findVirtual(
                            com.sun.management.ThreadMXBean.class,
                            "getTotalThreadAllocatedBytes",
                            MethodType.methodType(long.class))
                    .asType(MethodType.methodType(long.class, com.sun.management.ThreadMXBean.class));
        } catch (ReflectiveOperationException e) {
            return null; // JDK 17-20
        }
    }
}
