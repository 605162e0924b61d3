package dev.finch.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.finch.AsyncRef;
import dev.finch.FinchClient;
import dev.finch.Request;
import dev.finch.RequestInterceptor;
import dev.finch.Response;
import dev.finch.Step;
import dev.finch.StreamPart;
import dev.finch.conn.Protocol;
import dev.finch.http.HttpHeaders;
import dev.finch.http.HttpProtocolException;
import dev.finch.http.TransportException;
import dev.finch.pool.FinchException;
import dev.finch.pool.PoolConfig;
import dev.finch.testing.JettyServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** RequestInterceptor: headers set before sending, on the calling thread, and the outcome told once at the end. */
class InterceptorTest {
    /** Stands for the caller's context (a current span): interceptors read it on the thread they run on. */
    private static final ThreadLocal<String> CONTEXT = new ThreadLocal<>();

    private final List<String> events = new CopyOnWriteArrayList<>();
    private JettyServer server;
    private String base;

    @BeforeEach
    void start() {
        server = JettyServer.http();
        base = server.baseUrl();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    /** Sets {@code x-context} from the caller's context and records where it ran and how the request ended. */
    private RequestInterceptor recording(String name) {
        return (request, headers) -> {
            headers.set("x-context", String.valueOf(CONTEXT.get()));
            headers.add("x-seen-by", name);
            events.add(name + " start on " + Thread.currentThread().getName());
            return (status, error) -> events.add(name + " end " + status + " "
                    + (error == null ? "ok" : error.getClass().getSimpleName()) + " on "
                    + Thread.currentThread().getName());
        };
    }

    private FinchClient client(RequestInterceptor... interceptors) {
        FinchClient.Builder b = FinchClient.builder();
        for (RequestInterceptor i : interceptors) {
            b.interceptor(i);
        }
        return b.build();
    }

    @Test
    void requestHeadersAreSetOnTheCallingThreadAndTheOutcomeIsToldBeforeTheCallReturns() throws Exception {
        String me = Thread.currentThread().getName();
        CONTEXT.set("caller");
        try (FinchClient client = client(recording("a"))) {
            Response r = client.request(Request.builder("GET", base + "/echo")
                    .header("x-context", "replaced")
                    .build());

            assertThat(r.headers().all("X-Echo-x-context")).containsExactly("caller");
            assertThat(events).containsExactly("a start on " + me, "a end 200 ok on " + me);
        } finally {
            CONTEXT.remove();
        }
    }

    @Test
    void http2RequestsCarryTheInterceptorsHeadersToo() throws Exception {
        CONTEXT.set("h2-caller");
        try (JettyServer h2c = JettyServer.h2c();
                FinchClient client = FinchClient.builder()
                        .defaultPool(
                                PoolConfig.builder().protocols(Protocol.HTTP2).build())
                        .interceptor(recording("a"))
                        .build()) {
            Response r = client.request(Request.get(h2c.baseUrl() + "/echo"));

            assertThat(r.header("X-Echo-Protocol")).isEqualTo("HTTP/2.0");
            assertThat(r.headers().all("X-Echo-x-context")).containsExactly("h2-caller");
            assertThat(events.get(1)).startsWith("a end 200 ok");
        } finally {
            CONTEXT.remove();
        }
    }

    @Test
    void interceptorsRunInOrderAndCompleteInReverse() throws Exception {
        try (FinchClient client = client(recording("first"), recording("second"))) {
            Response r = client.request(Request.get(base + "/echo"));

            assertThat(r.headers().all("X-Echo-x-seen-by")).containsExactly("first", "second");
            assertThat(events)
                    .extracting(e -> e.substring(0, e.indexOf(" on ")))
                    .containsExactly("first start", "second start", "second end 200 ok", "first end 200 ok");
        }
    }

    @Test
    void aFailedRequestIsToldItsErrorWithStatusZero() throws Exception {
        int closedPort;
        try (ServerSocketChannel s = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0))) {
            closedPort = s.socket().getLocalPort();
        }
        try (FinchClient client = client(recording("a"))) {
            assertThatThrownBy(() -> client.request(Request.get("http://127.0.0.1:" + closedPort + "/")))
                    .isInstanceOf(TransportException.class);

            assertThat(events.get(1)).startsWith("a end 0 TransportException");
        }
    }

    @Test
    void streamAndStreamWhileAreInterceptedWithTheirStatus() throws Exception {
        try (FinchClient client = client(recording("a"))) {
            client.stream(Request.get(base + "/status/404"), null, (part, acc) -> acc);
            Integer halted = client.streamWhile(
                    Request.get(base + "/echo"),
                    0,
                    (part, acc) -> part instanceof StreamPart.Status s ? Step.halt(s.code()) : Step.cont(acc));
            assertThatThrownBy(() -> client.stream(Request.get(base + "/bytes/10"), null, (part, acc) -> {
                        if (part instanceof StreamPart.Data) {
                            throw new IOException("consumer gave up");
                        }
                        return acc;
                    }))
                    .hasMessage("consumer gave up");

            assertThat(halted).isEqualTo(200);
            assertThat(events)
                    .filteredOn(e -> e.startsWith("a end"))
                    .extracting(e -> e.substring(0, e.indexOf(" on ")))
                    .containsExactly("a end 404 ok", "a end 200 ok", "a end 200 IOException");
        }
    }

    @Test
    void asyncRequestsAreInterceptedOnTheSubmittingThreadAndCompletedBeforeTheHandlerHears() throws Exception {
        String me = Thread.currentThread().getName();
        CONTEXT.set("submitter");
        try (FinchClient client = client(recording("a"))) {
            CountDownLatch done = new CountDownLatch(1);
            List<String> headers = new CopyOnWriteArrayList<>();
            client.asyncRequest(Request.get(base + "/echo"), new CollectingHandler() {
                @Override
                public void onPart(StreamPart part) {
                    if (part instanceof StreamPart.Headers h) {
                        headers.addAll(h.headers().all("X-Echo-x-context"));
                    }
                }

                @Override
                public void onComplete() {
                    events.add("handler complete");
                    done.countDown();
                }
            });
            assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();

            assertThat(headers).containsExactly("submitter");
            assertThat(events).hasSize(3);
            assertThat(events.get(0)).isEqualTo("a start on " + me);
            assertThat(events.get(1)).startsWith("a end 200 ok on ").doesNotEndWith(" on " + me);
            assertThat(events.get(2)).isEqualTo("handler complete");
        } finally {
            CONTEXT.remove();
        }
    }

    @Test
    void theFutureCompletesAfterTheInterceptorWasTold() throws Exception {
        try (FinchClient client = client(recording("a"))) {
            CompletableFuture<Response> f = client.requestAsync(Request.get(base + "/status/503"));

            assertThat(f.get(10, TimeUnit.SECONDS).status()).isEqualTo(503);
            assertThat(events).hasSize(2);
            assertThat(events.get(1)).startsWith("a end 503 ok");
        }
    }

    @Test
    void aRequestCancelledBeforeItStartedIsToldOnTheCancellingThread() throws Exception {
        ExecutorService single = Executors.newSingleThreadExecutor();
        CountDownLatch release = new CountDownLatch(1);
        try (FinchClient client = FinchClient.builder()
                .asyncExecutor(single)
                .interceptor(recording("a"))
                .build()) {
            single.execute(() -> {
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            CollectingHandler handler = new CollectingHandler();
            AsyncRef ref = client.asyncRequest(Request.get(base + "/bytes/1"), handler);

            assertThat(client.cancel(ref)).isTrue();
            release.countDown();

            assertThat(handler.ended().await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(events).hasSize(2);
            assertThat(events.get(1))
                    .isEqualTo("a end 0 FinchException on "
                            + Thread.currentThread().getName());
            assertThat(handler.error()).isInstanceOfSatisfying(FinchException.class, e -> assertThat(e.reason())
                    .isEqualTo(FinchException.Reason.CANCELLED));
        } finally {
            single.shutdownNow();
        }
    }

    @Test
    void whatAnInterceptorThrowsFailsTheCallBeforeAnythingIsSentAndCompletesTheOnesBefore() throws Exception {
        RequestInterceptor refusing = (request, headers) -> {
            throw new IllegalStateException("no trace context");
        };
        try (FinchClient client = client(recording("a"), refusing)) {
            assertThatThrownBy(() -> client.request(Request.get(base + "/echo")))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessage("no trace context");
            assertThatThrownBy(() -> client.requestAsync(Request.get(base + "/echo")))
                    .isInstanceOf(IllegalStateException.class);

            assertThat(events)
                    .filteredOn(e -> e.startsWith("a end"))
                    .extracting(e -> e.substring(0, e.indexOf(" on ")))
                    .containsExactly("a end 0 IllegalStateException", "a end 0 IllegalStateException");
            assertThat(client.poolKeys()).isEmpty(); // no pool was started: nothing was sent
        }
    }

    @Test
    void aHeaderThatIsNotValidHttpFailsTheRequestWithATypedErrorAndIsReported() throws Exception {
        RequestInterceptor injecting = (request, headers) -> {
            if (request.target().equals("/echo")) {
                headers.set("x-injected", "a\r\nx-smuggled: 1");
            }
            return recording("a").intercept(request, headers);
        };
        try (FinchClient client = client(injecting)) {
            assertThatThrownBy(() -> client.request(Request.get(base + "/echo")))
                    .isInstanceOf(HttpProtocolException.class);

            assertThat(events.get(1)).startsWith("a end 0 HttpProtocolException");
            assertThat(client.request(Request.get(base + "/status/204")).status())
                    .isEqualTo(204); // the client goes on working
        }
    }

    @Test
    void whatACompletionThrowsDoesNotChangeTheOutcome() throws Exception {
        RequestInterceptor failingCompletion = (request, headers) -> (status, error) -> {
            throw new IllegalStateException("broken exporter");
        };
        try (FinchClient client = client(recording("a"), failingCompletion)) {
            assertThat(client.request(Request.get(base + "/status/201")).status())
                    .isEqualTo(201);
            assertThat(events.get(1)).startsWith("a end 201 ok");
        }
    }

    @Test
    void theCallersRequestIsLeftAsItWas() throws Exception {
        Request original =
                Request.builder("GET", base + "/echo").header("x-a", "1").build();
        try (FinchClient client = client(recording("a"))) {
            client.request(original);
        }
        assertThat(original.headers()).isEqualTo(HttpHeaders.of("x-a", "1"));
    }
}
