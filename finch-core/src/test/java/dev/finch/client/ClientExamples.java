package dev.finch.client;

import dev.finch.AsyncHandler;
import dev.finch.AsyncRef;
import dev.finch.Body;
import dev.finch.FinchClient;
import dev.finch.PoolKey;
import dev.finch.Request;
import dev.finch.RequestInterceptor;
import dev.finch.RequestOptions;
import dev.finch.Response;
import dev.finch.Step;
import dev.finch.StreamPart;
import dev.finch.http.HttpProtocolException;
import dev.finch.http.TransportException;
import dev.finch.pool.FinchException;
import dev.finch.pool.Http1PoolMetrics;
import dev.finch.pool.PoolConfig;
import dev.finch.pool.PoolMetrics;
import dev.finch.pool.PoolStrategy;
import dev.finch.telemetry.FinchEvent;
import dev.finch.telemetry.FinchListener;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.LongAdder;

/**
 * The examples of docs/client.md, compiled and run by {@link ClientExamplesTest} against Jetty. Each tagged region is
 * copied into the docs verbatim (DocsSnippetsTest keeps them equal).
 */
final class ClientExamples {
    private ClientExamples() {}

    static String quickStart(String api) throws IOException {
        // tag::quick-start[]
        try (FinchClient client = FinchClient.builder()
                .pool(api, PoolConfig.builder().size(20).count(2).build()) // a pool configured for one origin
                .defaultPool(PoolConfig.builder().size(10).build()) // any other origin, on first use
                .build()) {
            Response r = client.request(Request.get(api + "/bytes/5"));
            return r.status() + " " + r.body().length + " bytes";
        }
        // end::quick-start[]
    }

    static long streamToFile(FinchClient client, String url, Path file) throws IOException {
        // tag::stream-to-file[]
        try (OutputStream out = Files.newOutputStream(file)) {
            return client.stream(Request.get(url), 0L, (part, written) -> {
                if (part instanceof StreamPart.Data d) {
                    out.write(d.bytes()); // runs on this thread, as each piece arrives
                    return written + d.bytes().length;
                }
                return written;
            });
        }
        // end::stream-to-file[]
    }

    static byte[] firstBytes(FinchClient client, String url) throws IOException {
        // tag::stream-while[]
        // Read the first 1 KiB of a large body, then stop: on HTTP/1 the connection is closed.
        byte[] head = client.streamWhile(Request.get(url), new byte[0], (part, acc) -> {
            if (!(part instanceof StreamPart.Data d)) {
                return Step.cont(acc);
            }
            byte[] more = new byte[acc.length + d.bytes().length];
            System.arraycopy(acc, 0, more, 0, acc.length);
            System.arraycopy(d.bytes(), 0, more, acc.length, d.bytes().length);
            return more.length >= 1024 ? Step.halt(more) : Step.cont(more);
        });
        // end::stream-while[]
        return head;
    }

    static Response upload(FinchClient client, String url, InputStream file) throws IOException {
        // tag::upload[]
        Request upload = Request.builder("PUT", url)
                .header("content-type", "application/octet-stream")
                .body(Body.of(file)) // read in 16 KiB chunks as the connection takes them, sent chunked
                .build();
        return client.request(upload);
        // end::upload[]
    }

    static AsyncRef async(FinchClient client, String url, List<String> seen) {
        // tag::async[]
        AsyncRef ref = client.asyncRequest(Request.get(url), new AsyncHandler() {
            @Override
            public void onPart(StreamPart part) {
                seen.add(part.getClass().getSimpleName()); // Status, Headers, Data..., Trailers
            }

            @Override
            public void onComplete() {
                seen.add("complete");
            }

            @Override
            public void onError(IOException error) {
                seen.add("error " + error.getMessage()); // FinchException CANCELLED after cancel(ref)
            }
        });
        // ... later, if the answer is no longer needed:
        // client.cancel(ref);
        // end::async[]
        return ref;
    }

    static CompletableFuture<Integer> future(FinchClient client, String url) {
        // tag::future[]
        CompletableFuture<Response> response = client.requestAsync(Request.get(url));
        CompletableFuture<Integer> status = response.thenApply(Response::status);
        // response.cancel(true) cancels the request itself
        // end::future[]
        return status;
    }

    static String errors(FinchClient client, String url) {
        // tag::errors[]
        RequestOptions options = RequestOptions.builder()
                .poolTimeout(Duration.ofSeconds(1))
                .receiveTimeout(Duration.ofSeconds(5)) // each read
                .requestTimeout(Duration.ofSeconds(10)) // the whole request
                .build();
        try {
            Response r = client.request(Request.get(url), options);
            return r.status() >= 500 ? "server error " + r.status() : "ok"; // a status is never an exception
        } catch (FinchException e) {
            return switch (e.reason()) { // the pool or the client
                case POOL_TIMEOUT -> "pool exhausted: " + e.getMessage(); // says whether to raise size or count
                case REQUEST_TIMEOUT -> "too slow";
                default -> "finch: " + e.reason();
            };
        } catch (TransportException e) {
            return "network: " + e.reason(); // CONNECT_FAILED, TIMEOUT (receive timeout), TLS_..., CLOSED
        } catch (HttpProtocolException e) {
            return "bad HTTP: " + e.reason(); // the server broke HTTP, or our request was invalid
        } catch (IOException e) {
            return "other: " + e; // an exception your own stream function or body threw
        }
        // end::errors[]
    }

    static FinchClient withTelemetry(LongAdder slow) {
        // tag::telemetry[]
        FinchListener slowRequests = event -> {
            if (event instanceof FinchEvent.RequestStop stop && stop.durationNanos() > 1_000_000_000L) {
                slow.increment();
            } else if (event instanceof FinchEvent.QueueStop queue && queue.durationNanos() > 100_000_000L) {
                // waited over 100 ms for a connection: size or count may be too small
            }
        };
        FinchClient client = FinchClient.builder().listener(slowRequests).build();
        // end::telemetry[]
        return client;
    }

    /** A stand-in for a tracer: the current span's id on this thread, and where finished spans go. */
    static final ThreadLocal<String> CURRENT_SPAN = new ThreadLocal<>();

    static FinchClient withInterceptor(List<String> finished) {
        // tag::interceptor[]
        RequestInterceptor tracing = (request, headers) -> {
            String parent = CURRENT_SPAN.get(); // the caller's thread, for async requests too
            String span = Long.toHexString(System.nanoTime());
            headers.set("x-parent-span", parent == null ? "none" : parent);
            headers.set("x-span", span); // replaces any x-span the caller set
            return (status, error) -> finished.add(span + " " + (error == null ? status : error.getMessage()));
        };
        FinchClient client = FinchClient.builder().interceptor(tracing).build();
        // end::interceptor[]
        return client;
    }

    static Map<PoolKey, List<PoolMetrics>> management(FinchClient client, String api) throws IOException {
        // tag::management[]
        PoolKey key = PoolKey.of(api, "bulk");
        client.startPool(
                key,
                PoolConfig.builder().size(4).count(2).startPoolMetrics(true).build());
        client.request(Request.builder("GET", api + "/bytes/1").poolTag("bulk").build());

        client.setPoolCount(key, 4); // shards grow (or shrink) while requests use them
        for (PoolMetrics m : client.poolStatus(key).orElseThrow()) {
            if (m instanceof Http1PoolMetrics h) {
                System.out.printf(
                        "shard %d: %d in use, %d idle, %d waiting%n",
                        h.poolIndex(), h.inUseConnections(), h.idleConnections(), h.waitingRequests());
            }
        }
        Map<PoolKey, List<PoolMetrics>> all = client.allPoolStatus();
        client.stopPool(key); // idle connections close; the next "bulk" request starts it again
        // end::management[]
        return all;
    }

    static PoolConfig strategies() {
        // tag::strategies[]
        PoolConfig sharded = PoolConfig.builder()
                .count(4)
                .strategy(PoolStrategy.hash(request -> request.headers().first("x-tenant"))) // tenant affinity
                .build();
        RequestOptions roundRobin = RequestOptions.builder()
                .strategy(PoolStrategy.roundRobin()) // per request, overriding the pool's
                .build();
        // end::strategies[]
        return roundRobin.strategy().isPresent() ? sharded : null;
    }
}
