package dev.finch.bench.load;

import java.util.Locale;
import org.HdrHistogram.Histogram;

/**
 * What one client did in one cell (protocol × workload × concurrency), summed over rounds. Latencies are in
 * nanoseconds in the histogram and in microseconds in the getters; allocation and CPU are per completed request.
 *
 * @param histogram latencies of the requests that completed in the windows; {@code null} for external tools, which
 *     report percentiles themselves (see {@code fixedPercentiles})
 * @param fixedPercentiles p50, p99, p99.9, max, mean in µs as an external tool reported them (-1 where it reports
 *     none); {@code null} for clients measured here
 * @param jvmAllocatedBytes heap bytes allocated by the whole JVM during the windows, -1 when not measured
 * @param workerAllocatedBytes heap bytes allocated by the worker threads during the windows, -1 when not measured
 * @param cpuNanos process CPU time during the windows, -1 when not measured
 * @param connections established connections to the server port just before the window ended (the largest over
 *     rounds), -1 when unknown
 */
record Measurement(
        String client,
        Protocol protocol,
        Workload workload,
        int concurrency,
        int rounds,
        long requests,
        long errors,
        double seconds,
        Histogram histogram,
        double[] fixedPercentiles,
        long jvmAllocatedBytes,
        long workerAllocatedBytes,
        long cpuNanos,
        long connections,
        double loadAverage,
        String firstError) {

    static final String CSV_HEADER = "protocol,workload,concurrency,client,rounds,requests,errors,seconds,"
            + "throughput_rps,p50_us,p99_us,p999_us,max_us,mean_us,alloc_bytes_per_req_jvm,"
            + "alloc_bytes_per_req_workers,cpu_us_per_req,connections,loadavg1,first_error";

    double throughput() {
        return seconds > 0 ? requests / seconds : 0;
    }

    double percentileMicros(double percentile) {
        if (histogram == null) {
            int i = percentile == 50 ? 0 : percentile == 99 ? 1 : percentile == 99.9 ? 2 : -1;
            return i < 0 || fixedPercentiles == null ? -1 : fixedPercentiles[i];
        }
        return histogram.getTotalCount() == 0 ? -1 : histogram.getValueAtPercentile(percentile) / 1000.0;
    }

    double maxMicros() {
        if (histogram == null) {
            return fixedPercentiles == null ? -1 : fixedPercentiles[3];
        }
        return histogram.getTotalCount() == 0 ? -1 : histogram.getMaxValue() / 1000.0;
    }

    double meanMicros() {
        if (histogram == null) {
            return fixedPercentiles == null ? -1 : fixedPercentiles[4];
        }
        return histogram.getTotalCount() == 0 ? -1 : histogram.getMean() / 1000.0;
    }

    private double perRequest(long total) {
        return total < 0 || requests == 0 ? -1 : (double) total / requests;
    }

    Measurement withConnections(long count) {
        return new Measurement(
                client,
                protocol,
                workload,
                concurrency,
                rounds,
                requests,
                errors,
                seconds,
                histogram,
                fixedPercentiles,
                jvmAllocatedBytes,
                workerAllocatedBytes,
                cpuNanos,
                count,
                loadAverage,
                firstError);
    }

    /** Adds another round of the same cell and client. */
    Measurement plus(Measurement o) {
        Histogram h = null;
        if (histogram != null && o.histogram != null) {
            h = histogram.copy();
            h.add(o.histogram);
        }
        double[] fixed = null;
        if (fixedPercentiles != null && o.fixedPercentiles != null) {
            // External tools report percentiles, not histograms: weight each round by its requests.
            fixed = new double[5];
            double wa = requests, wb = o.requests, w = Math.max(1, wa + wb);
            for (int i = 0; i < 5; i++) {
                fixed[i] = i == 3
                        ? Math.max(fixedPercentiles[i], o.fixedPercentiles[i])
                        : (fixedPercentiles[i] * wa + o.fixedPercentiles[i] * wb) / w;
            }
        }
        return new Measurement(
                client,
                protocol,
                workload,
                concurrency,
                rounds + o.rounds,
                requests + o.requests,
                errors + o.errors,
                seconds + o.seconds,
                h,
                fixed,
                sumOrUnknown(jvmAllocatedBytes, o.jvmAllocatedBytes),
                sumOrUnknown(workerAllocatedBytes, o.workerAllocatedBytes),
                sumOrUnknown(cpuNanos, o.cpuNanos),
                Math.max(connections, o.connections),
                Math.max(loadAverage, o.loadAverage),
                firstError != null ? firstError : o.firstError);
    }

    private static long sumOrUnknown(long a, long b) {
        return a < 0 || b < 0 ? -1 : a + b;
    }

    String csv() {
        return String.join(
                ",",
                protocol.label,
                workload.label,
                Integer.toString(concurrency),
                client,
                Integer.toString(rounds),
                Long.toString(requests),
                Long.toString(errors),
                fmt(seconds),
                fmt(throughput()),
                fmt(percentileMicros(50)),
                fmt(percentileMicros(99)),
                fmt(percentileMicros(99.9)),
                fmt(maxMicros()),
                fmt(meanMicros()),
                fmt(perRequest(jvmAllocatedBytes)),
                fmt(perRequest(workerAllocatedBytes)),
                fmt(cpuNanos < 0 ? -1 : perRequest(cpuNanos) / 1000.0),
                Long.toString(connections),
                fmt(loadAverage),
                firstError == null ? "" : '"' + firstError.replace('"', '\'').replace('\n', ' ') + '"');
    }

    private static String fmt(double v) {
        return v < 0 ? "" : String.format(Locale.ROOT, "%.1f", v);
    }

    String summary() {
        return String.format(
                Locale.ROOT,
                "%-14s %9.0f req/s  p50 %8.0f µs  p99 %8.0f µs  p99.9 %8.0f µs  alloc %9.0f B  cpu %6.0f µs  conns %4d"
                        + "  errors %d%s",
                client,
                throughput(),
                percentileMicros(50),
                percentileMicros(99),
                percentileMicros(99.9),
                perRequest(jvmAllocatedBytes),
                cpuNanos < 0 ? -1 : perRequest(cpuNanos) / 1000.0,
                connections,
                errors,
                firstError == null ? "" : "  first error: " + firstError);
    }
}
