package dev.finch.bench.load;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The "what this machine can do" rows: wrk (HTTP/1.1, one thread, one connection per concurrent request) and h2load
 * (h2c with prior knowledge, one thread, one connection carrying {@code concurrency} streams), on the same URLs and
 * windows as the Java clients. Each run is a child process bounded by a timeout.
 */
final class ExternalTool {
    private static final Pattern H2LOAD_FINISHED = Pattern.compile("finished in ([\\d.]+)(\\w+), ([\\d.]+) req/s");
    private static final Pattern H2LOAD_REQUESTS = Pattern.compile(
            "requests: (\\d+) total, (\\d+) started, (\\d+) done, (\\d+) succeeded, (\\d+) failed, (\\d+) errored, (\\d+)"
                    + " timeout");
    private static final Pattern H2LOAD_TIME = Pattern.compile(
            "time for request:\\s+([\\d.]+)(\\w+)\\s+([\\d.]+)(\\w+)\\s+([\\d.]+)(\\w+)\\s+([\\d.]+)(\\w+)");

    private final Path workDir;
    /** Connections counted during the last measured run. */
    private int connections = -1;

    ExternalTool(Path workDir) {
        this.workDir = workDir;
    }

    static String nameFor(Protocol protocol) {
        return protocol == Protocol.H2C ? "h2load" : "wrk";
    }

    /** Whether the tool for {@code protocol} is on the PATH. */
    static boolean available(Protocol protocol) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, nameFor(protocol)))) {
                return true;
            }
        }
        return false;
    }

    Measurement run(Protocol protocol, URI base, Workload workload, int concurrency, Duration warmup, Duration window)
            throws IOException, InterruptedException {
        return protocol == Protocol.H2C
                ? h2load(base, workload, concurrency, warmup, window)
                : wrk(base, workload, concurrency, warmup, window);
    }

    private Measurement wrk(URI base, Workload workload, int concurrency, Duration warmup, Duration window)
            throws IOException, InterruptedException {
        Path script = workDir.resolve("wrk-" + workload.label + ".lua");
        Files.writeString(script, wrkScript(workload));
        String url = base + workload.path;
        List<String> common = List.of(
                "wrk",
                "-t1",
                "-c" + concurrency,
                "--timeout",
                Timeouts.RESPONSE.toSeconds() + "s",
                "-s",
                script.toString());
        // wrk has no warm-up option: a first run warms nginx and the loopback path, and is thrown away, but for its
        // mean latency, which sizes the window as for the Java clients.
        String first = exec(
                with(common, "-d" + seconds(warmup) + "s", url),
                warmup.plusSeconds(30),
                Duration.ZERO,
                Duration.ZERO,
                -1);
        window = windowAfter(window, wrkMeanMicros(first));
        double load = Meter.loadAverage();
        String out = exec(
                with(common, "-d" + seconds(window) + "s", url),
                window.plusSeconds(30),
                Duration.ZERO,
                window,
                base.getPort());
        for (String line : out.split("\n")) {
            if (line.startsWith("FINCH ")) {
                String[] f = line.trim().split(" ");
                long requests = Long.parseLong(f[1]);
                double seconds = Long.parseLong(f[2]) / 1e6;
                long errors = 0;
                for (int i = 3; i <= 7; i++) {
                    errors += Long.parseLong(f[i]);
                }
                long status = Long.parseLong(f[6]);
                double[] pct = {
                    Double.parseDouble(f[8]),
                    Double.parseDouble(f[9]),
                    Double.parseDouble(f[10]),
                    Double.parseDouble(f[11]),
                    Double.parseDouble(f[12])
                };
                return external(
                        "wrk",
                        Protocol.HTTP1,
                        workload,
                        concurrency,
                        requests - status,
                        errors,
                        seconds,
                        pct,
                        load,
                        errors > 0 ? "wrk errors: " + line : null);
            }
        }
        return failed("wrk", Protocol.HTTP1, workload, concurrency, "no result in wrk output: " + out);
    }

    private static String wrkScript(Workload workload) {
        StringBuilder lua = new StringBuilder();
        if (workload.isPost()) {
            lua.append("wrk.method = \"POST\"\n")
                    .append("wrk.body = string.rep(\"y\", ")
                    .append(Workload.POST_BODY.length)
                    .append(")\n")
                    .append("wrk.headers[\"Content-Type\"] = \"application/octet-stream\"\n");
        }
        // summary.duration is in µs, and so are latency percentiles.
        lua.append("done = function(summary, latency, requests)\n")
                .append("  local e = summary.errors\n")
                .append("  io.write(string.format(\"FINCH %d %d %d %d %d %d %d %.1f %.1f %.1f %.1f %.1f\\n\",\n")
                .append("    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,\n")
                .append("    latency:percentile(50), latency:percentile(99), latency:percentile(99.9),")
                .append(" latency.max, latency.mean))\n")
                .append("end\n");
        return lua.toString();
    }

    private Measurement h2load(URI base, Workload workload, int concurrency, Duration warmup, Duration window)
            throws IOException, InterruptedException {
        // A first run sizes the window from its mean latency, as for the Java clients; the second has its own warm-up.
        String first = exec(
                h2loadCommand(base, workload, concurrency, warmup, Duration.ZERO),
                warmup.plusSeconds(30),
                Duration.ZERO,
                Duration.ZERO,
                -1);
        Matcher firstTime = H2LOAD_TIME.matcher(first);
        window = windowAfter(window, firstTime.find() ? toMicros(firstTime.group(5), firstTime.group(6)) : 0);
        double load = Meter.loadAverage();
        String out = exec(
                h2loadCommand(base, workload, concurrency, window, warmup),
                warmup.plus(window).plusSeconds(30),
                warmup,
                window,
                base.getPort());
        Matcher finished = H2LOAD_FINISHED.matcher(out);
        Matcher requests = H2LOAD_REQUESTS.matcher(out);
        Matcher time = H2LOAD_TIME.matcher(out);
        if (!finished.find() || !requests.find()) {
            return failed("h2load", Protocol.H2C, workload, concurrency, "no result in h2load output: " + out);
        }
        long succeeded = Long.parseLong(requests.group(4));
        // "finished in" includes the warm-up; h2load's req/s divides by the measured part only, so derive it.
        double rps = Double.parseDouble(finished.group(3));
        double seconds = rps > 0 ? succeeded / rps : toMicros(finished.group(1), finished.group(2)) / 1e6;
        long errors = Long.parseLong(requests.group(5))
                + Long.parseLong(requests.group(6))
                + Long.parseLong(requests.group(7));
        double[] pct = {-1, -1, -1, -1, -1};
        if (time.find()) {
            pct[3] = toMicros(time.group(3), time.group(4)); // max
            pct[4] = toMicros(time.group(5), time.group(6)); // mean; h2load prints no percentiles
        }
        return external(
                "h2load",
                Protocol.H2C,
                workload,
                concurrency,
                succeeded,
                errors,
                seconds,
                pct,
                load,
                errors > 0 ? "h2load: " + requests.group() : null);
    }

    private List<String> h2loadCommand(URI base, Workload workload, int concurrency, Duration run, Duration warmup)
            throws IOException {
        List<String> cmd = new ArrayList<>(List.of(
                "h2load",
                "-t1",
                "-c1",
                "-m" + concurrency,
                "-D" + seconds(run),
                "-T" + Timeouts.CONNECT.toSeconds(),
                "-N" + Timeouts.RESPONSE.toSeconds()));
        if (!warmup.isZero()) {
            cmd.add("--warm-up-time=" + seconds(warmup));
        }
        if (workload.isPost()) {
            Path body = workDir.resolve("post.bin");
            if (!Files.exists(body)) {
                Files.write(body, Workload.POST_BODY);
            }
            cmd.addAll(List.of("-d", body.toString(), "-H", "content-type: application/octet-stream"));
        }
        cmd.add(base + workload.path);
        return cmd;
    }

    /** The mean latency (µs) in wrk output with our Lua report line, or 0. */
    private static double wrkMeanMicros(String out) {
        for (String line : out.split("\n")) {
            if (line.startsWith("FINCH ")) {
                String[] f = line.trim().split(" ");
                return Double.parseDouble(f[12]);
            }
        }
        return 0;
    }

    /** The window for a tool, sized like the Java clients' (see {@link ClosedLoop#windowFor}). */
    private static Duration windowAfter(Duration window, double meanMicros) {
        return Duration.ofNanos(ClosedLoop.windowFor(window, 1, (long) (meanMicros * 1000)));
    }

    private static double toMicros(String value, String unit) {
        double v = Double.parseDouble(value);
        return switch (unit) {
            case "us" -> v;
            case "ms" -> v * 1e3;
            case "s" -> v * 1e6;
            default -> throw new IllegalArgumentException("unit " + unit);
        };
    }

    private Measurement external(
            String tool,
            Protocol protocol,
            Workload workload,
            int concurrency,
            long requests,
            long errors,
            double seconds,
            double[] percentiles,
            double load,
            String error) {
        return new Measurement(
                tool,
                protocol,
                workload,
                concurrency,
                1,
                requests,
                errors,
                seconds,
                null,
                percentiles,
                -1,
                -1,
                -1,
                connections,
                load,
                error);
    }

    private Measurement failed(String tool, Protocol protocol, Workload workload, int concurrency, String why) {
        return external(
                tool,
                protocol,
                workload,
                concurrency,
                0,
                1,
                0,
                new double[] {-1, -1, -1, -1, -1},
                -1,
                why.length() > 300 ? why.substring(0, 300) : why);
    }

    private static long seconds(Duration d) {
        return Math.max(1, (d.toMillis() + 999) / 1000);
    }

    private static List<String> with(List<String> common, String duration, String url) {
        List<String> cmd = new ArrayList<>(common);
        cmd.add(duration);
        cmd.add(url);
        return cmd;
    }

    /** Runs a tool; counts its connections to {@code port} (unless -1) shortly before the end of its window. */
    private String exec(List<String> cmd, Duration limit, Duration warmup, Duration window, int port)
            throws IOException, InterruptedException {
        Path log = Files.createTempFile(workDir, "tool", ".out");
        Process p = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        if (port > 0) {
            long sampleAt = warmup.plus(window).toMillis() - Math.min(window.toMillis() / 10, 50);
            if (!p.waitFor(sampleAt, TimeUnit.MILLISECONDS)) {
                connections = OpenConnections.to(port);
            }
        }
        if (!p.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            throw new IOException(String.join(" ", cmd) + " did not end within " + limit);
        }
        String out = Files.readString(log, StandardCharsets.UTF_8);
        Files.deleteIfExists(log);
        return out;
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "ExternalTool[%s]", workDir);
    }
}
