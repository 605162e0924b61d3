package dev.finch.bench.load;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The load comparison: for each protocol × workload × concurrency (a cell), every client in turn runs a warm-up and a
 * fixed window; the order of clients rotates from cell to cell, so no client always runs first or right after the
 * same neighbour, and with {@code --rounds N} the whole sweep repeats, adding up. wrk or h2load take their turn in
 * the same rotation. Results go to a CSV, one row per cell and client.
 *
 * <pre>
 * java -cp benchmarks.jar dev.finch.bench.load.LoadComparison --http1 http://127.0.0.1:18080 \
 *     --h2c http://127.0.0.1:18081 --out docs/benchmarks/load.csv [options]
 * </pre>
 *
 * Options: {@code --clients a,b} {@code --protocols http1,h2c} {@code --workloads get-100B,get-1MiB,post-64KiB}
 * {@code --concurrency-http1 1,16,128} {@code --concurrency-h2c 1,16,128,1000} {@code --warmup 0.5} {@code --window 2}
 * (seconds) {@code --rounds 1} {@code --global-warmup 2} (seconds per client and protocol, before the first cell)
 * {@code --no-baselines} {@code --max-minutes 20}.
 */
public final class LoadComparison {
    private LoadComparison() {}

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = parse(args);
        Map<Protocol, URI> bases = new LinkedHashMap<>();
        for (String p : list(opts.getOrDefault("protocols", "http1,h2c"))) {
            Protocol protocol = Protocol.of(p);
            String url = opts.get(protocol.label);
            if (url == null) {
                throw new IllegalArgumentException("--" + protocol.label + " URL is required");
            }
            bases.put(protocol, URI.create(url));
        }
        List<String> clients = list(opts.getOrDefault("clients", String.join(",", Clients.ALL)));
        List<Workload> workloads = new ArrayList<>();
        for (String w : list(opts.getOrDefault("workloads", "get-100B,get-1MiB,post-64KiB"))) {
            workloads.add(Workload.of(w));
        }
        Map<Protocol, int[]> concurrency = Map.of(
                Protocol.HTTP1, ints(opts.getOrDefault("concurrency-http1", "1,16,128")),
                Protocol.H2C, ints(opts.getOrDefault("concurrency-h2c", "1,16,128,1000")));
        Duration warmup = seconds(opts.getOrDefault("warmup", "0.5"));
        Duration window = seconds(opts.getOrDefault("window", "2"));
        Duration globalWarmup = seconds(opts.getOrDefault("global-warmup", "2"));
        int rounds = Integer.parseInt(opts.getOrDefault("rounds", "1"));
        boolean baselines = !opts.containsKey("no-baselines");
        long stopAt = System.nanoTime()
                + seconds(opts.getOrDefault("max-minutes", "20")).toNanos() * 60;
        Path out = Path.of(opts.getOrDefault("out", "load.csv"));
        Path work = Files.createTempDirectory("finch-load");

        PrintStream log = System.out;
        log.printf(
                Locale.ROOT,
                "load comparison: %s, %d cores, JVM allocation via %s, warm-up %s, window %s, %d round(s)%n",
                Runtime.version(),
                Runtime.getRuntime().availableProcessors(),
                Meter.jvmAllocationMethod(),
                warmup,
                window,
                rounds);

        // Every client runs every workload once before the first cell, so the first cell does not pay for JIT.
        for (Map.Entry<Protocol, URI> e : bases.entrySet()) {
            for (String client : clients) {
                if (Clients.unsupported(client, e.getKey()) != null) {
                    continue;
                }
                try (BenchClient c = Clients.create(client, e.getKey(), e.getValue(), 16)) {
                    for (Workload w : workloads) {
                        ClosedLoop.run(
                                client,
                                c,
                                e.getKey(),
                                w,
                                16,
                                globalWarmup.dividedBy(workloads.size()),
                                Duration.ofMillis(1),
                                e.getValue().getPort());
                    }
                }
                log.printf("warmed up %s over %s%n", client, e.getKey().label);
            }
        }

        Map<String, Measurement> results = new LinkedHashMap<>();
        List<String> skipped = new ArrayList<>();
        int cell = 0;
        boolean outOfTime = false;
        for (int round = 1; round <= rounds && !outOfTime; round++) {
            for (Map.Entry<Protocol, URI> e : bases.entrySet()) {
                Protocol protocol = e.getKey();
                URI base = e.getValue();
                List<String> entrants = new ArrayList<>();
                for (String client : clients) {
                    String why = Clients.unsupported(client, protocol);
                    if (why == null) {
                        entrants.add(client);
                    } else if (round == 1) {
                        skipped.add(client + " over " + protocol.label + ": " + why);
                    }
                }
                if (baselines && ExternalTool.available(protocol)) {
                    entrants.add(ExternalTool.nameFor(protocol));
                }
                for (Workload workload : workloads) {
                    for (int c : concurrency.get(protocol)) {
                        if (System.nanoTime() - stopAt > 0) {
                            outOfTime = true;
                            break;
                        }
                        log.printf("%n[round %d] %s %s c=%d%n", round, protocol.label, workload.label, c);
                        int shift = cell++ % entrants.size();
                        for (int i = 0; i < entrants.size(); i++) {
                            String name = entrants.get((i + shift) % entrants.size());
                            Measurement m = runOne(name, protocol, base, workload, c, warmup, window, work);
                            log.println("  " + m.summary());
                            results.merge(
                                    protocol.label + "|" + workload.label + "|" + c + "|" + name, m, Measurement::plus);
                        }
                        write(out, results.values());
                    }
                }
            }
        }
        write(out, results.values());
        Path notes = out.resolveSibling(out.getFileName().toString().replaceFirst("\\.csv$", "") + "-run.txt");
        List<String> lines = new ArrayList<>();
        lines.add("finished " + Instant.now());
        lines.add("java " + Runtime.version() + ", " + Runtime.getRuntime().availableProcessors() + " cores");
        lines.add("jvm allocation: " + Meter.jvmAllocationMethod());
        lines.add("warm-up " + warmup + ", window " + window + ", rounds " + rounds
                + (outOfTime ? " (stopped early: --max-minutes)" : ""));
        for (String client : clients) {
            lines.add("version " + client + " " + Versions.of(client));
        }
        for (String s : skipped) {
            lines.add("skipped " + s);
        }
        Files.write(notes, lines, StandardCharsets.UTF_8);
        log.println("\nwrote " + out + " and " + notes);
        System.exit(0); // some clients leave non-daemon threads behind after close
    }

    private static Measurement runOne(
            String name,
            Protocol protocol,
            URI base,
            Workload workload,
            int concurrency,
            Duration warmup,
            Duration window,
            Path work) {
        Measurement m;
        // Connections an earlier client failed to close are not this one's.
        int before = OpenConnections.to(base.getPort());
        try {
            if (name.equals("wrk") || name.equals("h2load")) {
                m = new ExternalTool(work).run(protocol, base, workload, concurrency, warmup, window);
            } else {
                try (BenchClient client = Clients.create(name, protocol, base, concurrency)) {
                    m = ClosedLoop.run(name, client, protocol, workload, concurrency, warmup, window, base.getPort());
                }
                int left = OpenConnections.to(base.getPort());
                if (left > before) {
                    System.out.println("  (" + name + " left " + (left - before) + " connections open after close)");
                }
            }
            if (before > 0 && m.connections() >= 0) {
                m = m.withConnections(m.connections() - before);
            }
        } catch (Exception e) {
            m = new Measurement(
                    name,
                    protocol,
                    workload,
                    concurrency,
                    1,
                    0,
                    1,
                    0,
                    null,
                    null,
                    -1,
                    -1,
                    -1,
                    -1,
                    Meter.loadAverage(),
                    "run failed: " + e);
        }
        return m;
    }

    private static void write(Path out, Iterable<Measurement> results) throws IOException {
        List<String> lines = new ArrayList<>();
        lines.add(Measurement.CSV_HEADER);
        for (Measurement m : results) {
            lines.add(m.csv());
        }
        if (out.getParent() != null) {
            Files.createDirectories(out.getParent());
        }
        Files.write(out, lines, StandardCharsets.UTF_8);
    }

    private static Map<String, String> parse(String[] args) {
        Map<String, String> opts = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--")) {
                throw new IllegalArgumentException("unexpected argument " + args[i]);
            }
            String key = args[i].substring(2);
            if (key.startsWith("no-")) {
                opts.put(key, "true");
            } else if (i + 1 < args.length) {
                opts.put(key, args[++i]);
            } else {
                throw new IllegalArgumentException("--" + key + " needs a value");
            }
        }
        return opts;
    }

    private static List<String> list(String csv) {
        return Arrays.stream(csv.split(","))
                .map(String::trim)
                .filter(s -> !s.isEmpty())
                .toList();
    }

    private static int[] ints(String csv) {
        return list(csv).stream().mapToInt(Integer::parseInt).toArray();
    }

    private static Duration seconds(String s) {
        return Duration.ofMillis(Math.round(Double.parseDouble(s) * 1000));
    }
}
