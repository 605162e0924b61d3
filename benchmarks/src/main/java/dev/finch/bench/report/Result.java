package dev.finch.bench.report;

/** One client's figures in one cell, as read back from load.csv. */
record Result(
        String protocol,
        String workload,
        int concurrency,
        String client,
        double throughput,
        double seconds,
        double p50,
        double p99,
        double p999,
        double allocJvm,
        double allocWorkers,
        double cpuMicros,
        int connections,
        long requests,
        long errors,
        double loadAverage,
        String firstError) {

    static Result of(Row r) {
        return new Result(
                r.get("protocol"),
                r.get("workload"),
                (int) r.num("concurrency"),
                r.get("client"),
                r.num("throughput_rps"),
                r.num("seconds"),
                r.num("p50_us"),
                r.num("p99_us"),
                r.num("p999_us"),
                r.num("alloc_bytes_per_req_jvm"),
                r.num("alloc_bytes_per_req_workers"),
                r.num("cpu_us_per_req"),
                (int) r.num("connections"),
                (long) r.num("requests"),
                (long) r.num("errors"),
                r.num("loadavg1"),
                r.get("first_error"));
    }

    boolean isTool() {
        return client.equals("wrk") || client.equals("h2load");
    }

    boolean isFinch() {
        return client.startsWith("finch");
    }

    /** A Java client other than Finch: the peers the targets compare with. */
    boolean isPeer() {
        return !isTool() && !isFinch();
    }

    /** Whether the row can be compared: it ran, and without errors. */
    boolean valid() {
        return throughput > 0 && errors == 0;
    }

    String cell() {
        return protocol + " " + workload + " c=" + concurrency;
    }
}
