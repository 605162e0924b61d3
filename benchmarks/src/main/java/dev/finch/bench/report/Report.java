package dev.finch.bench.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Turns the CSVs of a run into the generated half of docs/benchmarks.md (everything between the {@code
 * results:begin} and {@code results:end} markers) and the throughput chart. The hand-written half is left alone.
 *
 * <pre>
 * java -cp benchmarks.jar dev.finch.bench.report.Report --results docs/benchmarks --doc docs/benchmarks.md
 * </pre>
 *
 * Reads {@code load.csv}, {@code load-run.txt}, {@code jmh.csv} and {@code machine.txt} from the results directory
 * and writes {@code throughput.png} there.
 */
public final class Report {
    static final String BEGIN = "<!-- results:begin -->";
    static final String END = "<!-- results:end -->";

    private static final List<String> ORDER =
            List.of("finch", "finch-conn", "okhttp", "apache", "jetty", "reactor-netty", "jdk", "wrk", "h2load");

    private final List<Result> results;
    private final Map<String, String> versions = new LinkedHashMap<>();
    private final List<String> runNotes = new ArrayList<>();
    private final List<String> machine;
    private final List<Row> jmh;

    private Report(Path dir) throws IOException {
        results = new ArrayList<>();
        for (Row r : Row.read(dir.resolve("load.csv"))) {
            results.add(Result.of(r));
        }
        Path run = dir.resolve("load-run.txt");
        if (Files.exists(run)) {
            for (String line : Files.readAllLines(run, StandardCharsets.UTF_8)) {
                if (line.startsWith("version ")) {
                    String[] f = line.split(" ", 3);
                    versions.put(f[1], f.length > 2 ? f[2] : "");
                } else {
                    runNotes.add(line);
                }
            }
        }
        Path m = dir.resolve("machine.txt");
        machine = Files.exists(m) ? Files.readAllLines(m, StandardCharsets.UTF_8) : List.of();
        jmh = Row.read(dir.resolve("jmh.csv"));
    }

    public static void main(String[] args) throws IOException {
        Path dir = Path.of("docs/benchmarks");
        Path doc = Path.of("docs/benchmarks.md");
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--results" -> dir = Path.of(args[i + 1]);
                case "--doc" -> doc = Path.of(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        Report report = new Report(dir);
        String section = report.markdown(doc.toAbsolutePath().getParent().relativize(dir.toAbsolutePath()));
        report.chart(dir.resolve("throughput.png"));
        String text = Files.exists(doc) ? Files.readString(doc, StandardCharsets.UTF_8) : "";
        int b = text.indexOf(BEGIN);
        int e = text.indexOf(END);
        String updated = b >= 0 && e > b
                ? text.substring(0, b) + section + text.substring(e)
                : text + (text.endsWith("\n") ? "\n" : "\n\n") + section + END + "\n";
        Files.writeString(doc, updated, StandardCharsets.UTF_8);
        System.out.println("wrote " + doc + " and " + dir.resolve("throughput.png"));
    }

    // ------------------------------------------------------------------------------------------------- naming

    private String name(String client, String protocol) {
        String v = versions.getOrDefault(client, "");
        return switch (client) {
            case "finch" -> "Finch (FinchClient)";
            case "finch-conn" -> "Finch (connection layer)";
            case "okhttp" -> "OkHttp " + v;
            case "apache" -> "Apache HC " + v
                    + (protocol == null ? "" : protocol.equals("h2c") ? " async" : " classic");
            case "jetty" -> "Jetty " + v;
            case "reactor-netty" -> "Reactor Netty " + v;
            case "jdk" -> "JDK HttpClient " + v;
            case "wrk" -> "wrk (C, HTTP/1.1)";
            case "h2load" -> "h2load (C, h2c)";
            default -> client;
        };
    }

    /** The Finch entry the targets judge: FinchClient when it ran, else the connection layer. */
    private String headline() {
        return results.stream().anyMatch(r -> r.client().equals("finch")) ? "finch" : "finch-conn";
    }

    private List<String> clients() {
        LinkedHashSet<String> present = new LinkedHashSet<>();
        for (String c : ORDER) {
            if (results.stream().anyMatch(r -> r.client().equals(c))) {
                present.add(c);
            }
        }
        results.forEach(r -> present.add(r.client()));
        return new ArrayList<>(present);
    }

    private List<String> protocols() {
        return results.stream().map(Result::protocol).distinct().toList();
    }

    private List<String> workloads() {
        return results.stream().map(Result::workload).distinct().toList();
    }

    private List<Integer> concurrencies(String protocol, String workload) {
        return results.stream()
                .filter(r -> r.protocol().equals(protocol) && r.workload().equals(workload))
                .map(Result::concurrency)
                .distinct()
                .sorted()
                .toList();
    }

    private List<Result> cell(String protocol, String workload, int c) {
        return results.stream()
                .filter(r -> r.protocol().equals(protocol) && r.workload().equals(workload) && r.concurrency() == c)
                .sorted(Comparator.comparingInt(r -> order(r.client())))
                .toList();
    }

    private static int order(String client) {
        int i = ORDER.indexOf(client);
        return i < 0 ? ORDER.size() : i;
    }

    // ---------------------------------------------------------------------------------------------- markdown

    private String markdown(Path relativeDir) {
        StringBuilder md = new StringBuilder();
        md.append(BEGIN).append('\n');
        md.append("## Results of the last run\n\n");
        md.append(
                "_Generated by `benchmarks/run.sh` (`dev.finch.bench.report.Report`); edits here are overwritten._\n\n");
        for (String line : machine) {
            if (!line.isBlank()) {
                md.append("- ").append(line).append('\n');
            }
        }
        for (String line : runNotes) {
            md.append("- load harness: ").append(line).append('\n');
        }
        md.append("- clients: ");
        List<String> named = new ArrayList<>();
        for (String c : clients()) {
            named.add(
                    c.equals("apache")
                            ? "Apache HC " + versions.getOrDefault(c, "") + " (classic; async for h2c)"
                            : name(c, null));
        }
        md.append(String.join(", ", named)).append("\n\n");
        String dir =
                relativeDir.toString().isEmpty() ? "." : relativeDir.toString().replace('\\', '/');
        md.append("Raw data: [`load.csv`](")
                .append(dir)
                .append("/load.csv), [`jmh.csv`](")
                .append(dir)
                .append("/jmh.csv).\n\n");
        md.append("![Throughput by client, workload and concurrency](")
                .append(dir)
                .append("/throughput.png)\n\n");

        targets(md);
        headlineTable(md);
        allFigures(md);
        micro(md);
        return md.toString();
    }

    private void targets(StringBuilder md) {
        String finch = headline();
        md.append("### Targets\n\n");
        md.append("Judged for **").append(name(finch, null)).append("**");
        if (!finch.equals("finch-conn")
                && results.stream().anyMatch(r -> r.client().equals("finch-conn"))) {
            md.append(" (the connection layer's figures are in the tables below)");
        }
        md.append(
                ". A ratio is Finch ÷ the comparison; \"best peer\" is the best Java client in the same cell of the same"
                        + " run. Rows with errors are not compared.\n\n");
        md.append("| target | scope | met | result |\n|---|---|---|---|\n");

        // 1. Throughput against the best peer at c >= 16.
        List<String> misses = new ArrayList<>();
        int met = 0;
        int total = 0;
        double worst = Double.MAX_VALUE;
        String worstCell = "";
        for (Cmp c : comparisons(finch, r -> r.concurrency() >= 16)) {
            if (c.bestPeer == null) {
                continue;
            }
            total++;
            double ratio = c.finch.throughput() / c.bestPeer.throughput();
            if (ratio >= 1) {
                met++;
            } else {
                misses.add(
                        c.finch.cell() + " " + ratio(ratio) + " of " + name(c.bestPeer.client(), c.finch.protocol()));
            }
            if (ratio < worst) {
                worst = ratio;
                worstCell = c.finch.cell();
            }
        }
        md.append("| throughput ≥ best Java peer | every workload and protocol, c ≥ 16 | ")
                .append(met)
                .append(" of ")
                .append(total)
                .append(" cells | ")
                .append(misses.isEmpty() ? "met everywhere" : "missed: " + String.join("; ", misses))
                .append(total > 0 ? " (lowest " + ratio(worst) + ", " + worstCell + ")" : "")
                .append(" |\n");

        // 2. Small GETs against wrk / h2load.
        misses.clear();
        met = 0;
        total = 0;
        List<String> all = new ArrayList<>();
        for (Cmp c : comparisons(finch, r -> r.workload().equals("get-100B"))) {
            if (c.tool == null) {
                continue;
            }
            total++;
            double ratio = c.finch.throughput() / c.tool.throughput();
            all.add(c.finch.protocol() + " c=" + c.finch.concurrency() + " " + percent(ratio));
            if (ratio >= 0.8) {
                met++;
            }
        }
        md.append("| throughput ≥ 80% of wrk / h2load | get-100B, every concurrency | ")
                .append(met)
                .append(" of ")
                .append(total)
                .append(" cells | ")
                .append(String.join("; ", all))
                .append(" |\n");

        // 3. p99 against the best peer's.
        misses.clear();
        met = 0;
        total = 0;
        for (Cmp c : comparisons(finch, r -> true)) {
            if (c.lowestP99 == null || c.finch.p99() < 0) {
                continue;
            }
            total++;
            double ratio = c.finch.p99() / c.lowestP99.p99();
            if (ratio <= 1) {
                met++;
            } else {
                misses.add(c.finch.cell() + " " + us(c.finch.p99()) + " vs " + us(c.lowestP99.p99()) + " ("
                        + name(c.lowestP99.client(), c.finch.protocol()) + ", " + ratio(ratio) + ")");
            }
        }
        md.append("| p99 ≤ best peer's p99 | every cell | ")
                .append(met)
                .append(" of ")
                .append(total)
                .append(" cells | ")
                .append(misses.isEmpty() ? "met everywhere" : "missed: " + String.join("; ", misses))
                .append(" |\n");

        // 4. Allocation per small request.
        misses.clear();
        all.clear();
        met = 0;
        total = 0;
        for (Cmp c : comparisons(finch, r -> r.workload().equals("get-100B"))) {
            if (c.lowestAlloc == null || c.finch.allocJvm() < 0) {
                continue;
            }
            total++;
            boolean ok = c.finch.allocJvm() < c.lowestAlloc.allocJvm();
            if (ok) {
                met++;
            }
            all.add(c.finch.protocol() + " c=" + c.finch.concurrency() + " " + bytes(c.finch.allocJvm()) + " vs "
                    + bytes(c.lowestAlloc.allocJvm()) + " (" + name(c.lowestAlloc.client(), c.finch.protocol()) + ")");
        }
        md.append("| lowest allocation per small request | get-100B, JVM-wide bytes per request | ")
                .append(met)
                .append(" of ")
                .append(total)
                .append(" cells | ")
                .append(String.join("; ", all))
                .append(" |\n\n");
    }

    private void headlineTable(StringBuilder md) {
        String finch = headline();
        md.append("### ")
                .append(name(finch, null))
                .append(" against the best peer and the load tool, cell by cell\n\n");
        md.append(
                "| protocol | workload | c | Finch req/s | best peer req/s | Finch ÷ best | tool req/s | Finch ÷ tool |"
                        + " Finch p99 | lowest peer p99 | Finch B/req | lowest peer B/req |\n");
        md.append("|---|---|--:|--:|---|--:|--:|--:|--:|---|--:|---|\n");
        for (Cmp c : comparisons(finch, r -> true)) {
            Result f = c.finch;
            md.append("| ")
                    .append(f.protocol())
                    .append(" | ")
                    .append(f.workload())
                    .append(" | ")
                    .append(f.concurrency())
                    .append(" | ")
                    .append(rps(f.throughput()))
                    .append(" | ");
            md.append(c.bestPeer == null ? "–" : rps(c.bestPeer.throughput()) + " " + shortName(c.bestPeer))
                    .append(" | ");
            md.append(c.bestPeer == null ? "–" : ratio(f.throughput() / c.bestPeer.throughput()))
                    .append(" | ");
            md.append(c.tool == null ? "–" : rps(c.tool.throughput())).append(" | ");
            md.append(c.tool == null ? "–" : percent(f.throughput() / c.tool.throughput()))
                    .append(" | ");
            md.append(us(f.p99())).append(" | ");
            md.append(c.lowestP99 == null ? "–" : us(c.lowestP99.p99()) + " " + shortName(c.lowestP99))
                    .append(" | ");
            md.append(bytes(f.allocJvm())).append(" | ");
            md.append(c.lowestAlloc == null ? "–" : bytes(c.lowestAlloc.allocJvm()) + " " + shortName(c.lowestAlloc))
                    .append(" |\n");
        }
        md.append('\n');
    }

    private void allFigures(StringBuilder md) {
        md.append("### All figures\n\n");
        md.append("Latency in µs (HdrHistogram, per request, closed loop). Allocation in bytes per request: **JVM** is"
                + " every thread of the harness JVM (comparable across clients, including those with their own I/O"
                + " threads); **workers** is the calling threads only. CPU is the whole process's CPU time per request."
                + " Conns: established connections to the server near the end of the window. Window: its length (longer"
                + " than set when one request takes long, see the method). Load: the machine's 1-minute load average"
                + " at the end of the window (2 cores; above 2 means other work competed for them). wrk and h2load report"
                + " their own latency (h2load only mean and max, shown as p50 = mean); they are not Java, so they have"
                + " no allocation or CPU figures.\n\n");
        for (String protocol : protocols()) {
            for (String workload : workloads()) {
                md.append("#### ")
                        .append(protocol)
                        .append(" · ")
                        .append(workload)
                        .append("\n\n");
                md.append("| c | client | req/s | p50 | p99 | p99.9 | B/req JVM | B/req workers | CPU µs/req | conns |"
                        + " window s | load | errors |\n");
                md.append("|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n");
                for (int c : concurrencies(protocol, workload)) {
                    for (Result r : cell(protocol, workload, c)) {
                        String p50 = r.client().equals("h2load") ? "" : us(r.p50());
                        md.append("| ")
                                .append(c)
                                .append(" | ")
                                .append(bold(r, name(r.client(), protocol)))
                                .append(" | ")
                                .append(rps(r.throughput()))
                                .append(" | ")
                                .append(p50)
                                .append(" | ")
                                .append(us(r.p99()))
                                .append(" | ")
                                .append(us(r.p999()))
                                .append(" | ")
                                .append(bytes(r.allocJvm()))
                                .append(" | ")
                                .append(bytes(r.allocWorkers()))
                                .append(" | ")
                                .append(r.cpuMicros() < 0 ? "" : String.format(Locale.ROOT, "%.1f", r.cpuMicros()))
                                .append(" | ")
                                .append(r.connections() < 0 ? "" : Integer.toString(r.connections()))
                                .append(" | ")
                                .append(String.format(Locale.ROOT, "%.1f", r.seconds()))
                                .append(" | ")
                                .append(r.loadAverage() < 0 ? "" : String.format(Locale.ROOT, "%.1f", r.loadAverage()))
                                .append(" | ")
                                .append(r.errors() == 0 ? "0" : r.errors() + " (" + escape(r.firstError()) + ")")
                                .append(" |\n");
                    }
                }
                md.append('\n');
            }
        }
    }

    private void micro(StringBuilder md) {
        if (jmh.isEmpty()) {
            return;
        }
        md.append("### Micro-benchmarks (JMH, `-prof gc`)\n\n");
        md.append("One op is one response decoded or one request encoded. B/op is `gc.alloc.rate.norm`.\n\n");
        md.append("| benchmark | parameters | ops/s | ± (99.9%) | B/op |\n|---|---|--:|--:|--:|\n");
        Map<String, Row> alloc = new LinkedHashMap<>();
        for (Row r : jmh) {
            if (r.get("Benchmark").endsWith(":gc.alloc.rate.norm")) {
                alloc.put(r.get("Benchmark").replace(":gc.alloc.rate.norm", "") + params(r), r);
            }
        }
        for (Row r : jmh) {
            String bench = r.get("Benchmark");
            if (bench.contains(":")) {
                continue;
            }
            Row a = alloc.get(bench + params(r));
            String shortBench = bench.substring(bench.lastIndexOf('.', bench.lastIndexOf('.') - 1) + 1);
            md.append("| ")
                    .append(shortBench)
                    .append(" | ")
                    .append(params(r))
                    .append(" | ")
                    .append(rps(r.num("Score")))
                    .append(" | ")
                    .append(rps(r.num("Score Error (99.9%)")))
                    .append(" | ")
                    .append(a == null ? "" : String.format(Locale.ROOT, "%.0f", Math.max(0, a.num("Score"))))
                    .append(" |\n");
        }
        md.append('\n');
    }

    private static String params(Row r) {
        List<String> p = new ArrayList<>();
        for (String k : List.of("body", "framing", "method")) {
            String v = r.get("Param: " + k);
            if (!v.isEmpty()) {
                p.add(k + "=" + v);
            }
        }
        return String.join(", ", p);
    }

    // ------------------------------------------------------------------------------------------- comparisons

    /** Finch's row in one cell with the rows it is compared with. */
    private record Cmp(Result finch, Result bestPeer, Result tool, Result lowestP99, Result lowestAlloc) {}

    private List<Cmp> comparisons(String finch, Predicate<Result> scope) {
        List<Cmp> out = new ArrayList<>();
        for (String protocol : protocols()) {
            for (String workload : workloads()) {
                for (int c : concurrencies(protocol, workload)) {
                    List<Result> cell = cell(protocol, workload, c);
                    Optional<Result> f = cell.stream()
                            .filter(r -> r.client().equals(finch) && r.valid())
                            .findFirst();
                    if (f.isEmpty() || !scope.test(f.get())) {
                        continue;
                    }
                    List<Result> peers =
                            cell.stream().filter(r -> r.isPeer() && r.valid()).toList();
                    Result best = peers.stream()
                            .max(Comparator.comparingDouble(Result::throughput))
                            .orElse(null);
                    Result tool = cell.stream()
                            .filter(r -> r.isTool() && r.valid())
                            .findFirst()
                            .orElse(null);
                    Result p99 = peers.stream()
                            .filter(r -> r.p99() > 0)
                            .min(Comparator.comparingDouble(Result::p99))
                            .orElse(null);
                    Result alloc = peers.stream()
                            .filter(r -> r.allocJvm() > 0)
                            .min(Comparator.comparingDouble(Result::allocJvm))
                            .orElse(null);
                    out.add(new Cmp(f.get(), best, tool, p99, alloc));
                }
            }
        }
        return out;
    }

    private void chart(Path png) throws IOException {
        String subtitle =
                machine.stream().filter(l -> l.startsWith("run:")).findFirst().orElse("")
                        + "  ·  closed loop, nginx on 127.0.0.1; grey = wrk (HTTP/1.1) / h2load (h2c)";
        Chart.write(
                png,
                results,
                protocols(),
                workloads(),
                clients(),
                c -> name(c, null).replace(" classic", ""),
                subtitle);
    }

    // -------------------------------------------------------------------------------------------- formatting

    private String shortName(Result r) {
        return "(" + name(r.client(), r.protocol()).replaceAll(" [0-9][^ ]*", "") + ")";
    }

    private static String bold(Result r, String text) {
        return r.isFinch() ? "**" + text + "**" : text;
    }

    private static String rps(double v) {
        return v < 0 ? "" : String.format(Locale.ROOT, "%,.0f", v);
    }

    private static String us(double v) {
        return v < 0 ? "" : String.format(Locale.ROOT, "%,.0f", v);
    }

    private static String bytes(double v) {
        if (v < 0) {
            return "";
        }
        return v >= 100_000
                ? String.format(Locale.ROOT, "%,.0f KiB", v / 1024)
                : String.format(Locale.ROOT, "%,.0f", v);
    }

    private static String ratio(double v) {
        // Near 1, two decimals would print a miss as "1.00×".
        return String.format(Locale.ROOT, Math.abs(v - 1) < 0.01 ? "%.3f×" : "%.2f×", v);
    }

    private static String percent(double v) {
        return String.format(Locale.ROOT, "%.0f%%", v * 100);
    }

    private static String escape(String s) {
        String t = s.replace("|", "/");
        return t.length() > 120 ? t.substring(0, 120) + "…" : t;
    }
}
