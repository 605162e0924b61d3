package dev.finch.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.finch.FinchClient;
import dev.finch.Request;
import dev.finch.Response;
import dev.finch.Step;
import dev.finch.http.TransportException;
import io.micrometer.common.KeyValue;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.observation.DefaultMeterObservationHandler;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.ObservationView;
import io.micrometer.observation.transport.SenderContext;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.client.RestClient;

/**
 * Direct FinchClient calls observed as {@code http.client.requests} with trace-context propagation, against a real
 * local server; RestClient calls through the Finch factory observed once, by Spring.
 */
class FinchObservationTest {
    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(
                    AutoConfigurations.of(FinchAutoConfiguration.class, FinchObservationAutoConfiguration.class))
            .withUserConfiguration(Observed.class);

    private HttpServer server;
    private String base;
    /** The traceparent header of each request the server got, in order ("-" when absent). */
    private final List<String> traceparents = new CopyOnWriteArrayList<>();

    @BeforeEach
    void startServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            String traceparent = exchange.getRequestHeaders().getFirst("traceparent");
            traceparents.add(traceparent == null ? "-" : traceparent);
            byte[] body = "hi".getBytes(StandardCharsets.UTF_8);
            int status = exchange.getRequestURI().getPath().equals("/missing") ? 404 : 200;
            exchange.sendResponseHeaders(status, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        base = "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @AfterEach
    void stopServer() {
        server.stop(0);
    }

    @Test
    void directCallsAreObservedAsHttpClientRequestsWithBoundedTags() {
        runner.run(context -> {
            FinchClient finch = context.getBean(FinchClient.class);
            finch.request(Request.get(base + "/users/1"));
            finch.request(Request.get(base + "/users/2"));
            finch.request(Request.get(base + "/missing"));
            MeterRegistry meters = context.getBean(MeterRegistry.class);
            assertThat(meters.get("http.client.requests")
                            .tags("method", "GET", "uri", "none", "status", "200", "outcome", "SUCCESS")
                            .tags("client.name", "127.0.0.1", "exception", "none")
                            .timer()
                            .count())
                    .isEqualTo(2);
            assertThat(meters.get("http.client.requests")
                            .tags("status", "404", "outcome", "CLIENT_ERROR")
                            .timer()
                            .count())
                    .isEqualTo(1);
        });
    }

    @Test
    void theTraceContextIsPropagatedToTheServerInAHeader() {
        runner.run(context -> {
            context.getBean(FinchClient.class).request(Request.get(base + "/users/1"));

            Observation.Context observed =
                    context.getBean(PropagatingHandler.class).stopped().get(0);
            assertThat(observed).isInstanceOf(FinchObservationContext.class);
            assertThat(traceparents).containsExactly(PropagatingHandler.traceparent(observed));
        });
    }

    @Test
    void theObservationCarriesTheKeyValuesOfSpringsConventionAndTheUriTemplate() {
        runner.run(context -> {
            FinchClient finch = context.getBean(FinchClient.class);
            // tag::uri-template[]
            finch.request(Request.builder("GET", base + "/users/42?full=true")
                    .putPrivate(FinchObservationContext.URI_TEMPLATE, "/users/{id}") // uri=/users/{id}
                    .build());
            // end::uri-template[]

            FinchObservationContext observed = (FinchObservationContext)
                    context.getBean(PropagatingHandler.class).stopped().get(0);
            assertThat(observed.getName()).isEqualTo("http.client.requests");
            assertThat(observed.getContextualName()).isEqualTo("http get");
            assertThat(observed.getLowCardinalityKeyValues())
                    .containsExactlyInAnyOrder(
                            KeyValue.of("method", "GET"),
                            KeyValue.of("uri", "/users/{id}"),
                            KeyValue.of("status", "200"),
                            KeyValue.of("outcome", "SUCCESS"),
                            KeyValue.of("client.name", "127.0.0.1"),
                            KeyValue.of("exception", "none"));
            assertThat(observed.getHighCardinalityKeyValue("http.url").getValue())
                    .isEqualTo(base + "/users/42?full=true");
            assertThat(observed.getResponse()).isEqualTo(200);
        });
    }

    @Test
    void failedCallsAreObservedWithTheirError() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        runner.run(context -> {
            FinchClient finch = context.getBean(FinchClient.class);
            assertThatThrownBy(() -> finch.request(Request.get("http://127.0.0.1:" + closedPort + "/")))
                    .isInstanceOf(TransportException.class);

            Observation.Context observed =
                    context.getBean(PropagatingHandler.class).stopped().get(0);
            assertThat(observed.getError()).isInstanceOf(TransportException.class);
            assertThat(context.getBean(MeterRegistry.class)
                            .get("http.client.requests")
                            .tags("exception", "TransportException", "status", "CLIENT_ERROR", "outcome", "UNKNOWN")
                            .timer()
                            .count())
                    .isEqualTo(1);
        });
    }

    @Test
    void anAsyncRequestsObservationHasTheSubmittingObservationAsParent() {
        runner.run(context -> {
            ObservationRegistry registry = context.getBean(ObservationRegistry.class);
            FinchClient finch = context.getBean(FinchClient.class);
            Observation parent = Observation.start("checkout", registry);
            Response response;
            try (Observation.Scope scope = parent.openScope()) {
                response = finch.requestAsync(Request.get(base + "/users/1")).get(10, TimeUnit.SECONDS);
            } finally {
                parent.stop();
            }

            assertThat(response.status()).isEqualTo(200);
            Observation.Context observed = context.getBean(PropagatingHandler.class).stopped().stream()
                    .filter(c -> c instanceof FinchObservationContext)
                    .findFirst()
                    .orElseThrow();
            assertThat(observed.getParentObservation()).isSameAs(parent);
            assertThat(observed.getLowCardinalityKeyValue("status").getValue()).isEqualTo("200");
            assertThat(traceparents).containsExactly(PropagatingHandler.traceparent(observed));
            assertThat(traceparents.get(0)).contains(PropagatingHandler.traceId(parent.getContext()));
        });
    }

    @Test
    void streamedCallsAreObservedToo() {
        runner.run(context -> {
            FinchClient finch = context.getBean(FinchClient.class);
            finch.stream(Request.get(base + "/missing"), null, (part, acc) -> acc);
            finch.streamWhile(Request.get(base + "/x"), null, (part, acc) -> Step.halt(acc));

            assertThat(context.getBean(PropagatingHandler.class).stopped())
                    .extracting(c -> c.getLowCardinalityKeyValue("status").getValue())
                    .containsExactly("404", "200");
            assertThat(traceparents).doesNotContain("-");
        });
    }

    @Test
    void aRestClientCallIsTimedOnceAndCarriesSpringsTraceContext() {
        runner.run(context -> {
            FinchClientHttpRequestFactory factory =
                    new FinchClientHttpRequestFactoryBuilder(context.getBean(FinchClient.class)).build();
            RestClient client = RestClient.builder()
                    .requestFactory(factory)
                    .observationRegistry(context.getBean(ObservationRegistry.class))
                    .build();

            assertThat(client.get().uri(base + "/x").retrieve().body(String.class))
                    .isEqualTo("hi");

            List<Timer> timers = context.getBean(MeterRegistry.class).find("http.client.requests").timers().stream()
                    .toList();
            assertThat(timers.stream().mapToLong(Timer::count).sum()).isEqualTo(1);
            List<Observation.Context> stopped =
                    context.getBean(PropagatingHandler.class).stopped();
            assertThat(stopped).hasSize(1);
            assertThat(stopped.get(0)).isNotInstanceOf(FinchObservationContext.class);
            assertThat(traceparents).containsExactly(PropagatingHandler.traceparent(stopped.get(0)));
        });
    }

    @Test
    void aConventionBeanAndTheRegistrysFiltersApply() {
        runner.withBean(
                        FinchObservationConvention.class,
                        () -> new DefaultFinchObservationConvention("outgoing.calls") {
                            @Override
                            protected KeyValue clientName(FinchObservationContext context) {
                                return KeyValue.of("client.name", "upstream");
                            }
                        })
                .run(context -> {
                    context.getBean(ObservationRegistry.class)
                            .observationConfig()
                            .observationFilter(c -> c.addLowCardinalityKeyValue(KeyValue.of("region", "eu")));
                    context.getBean(FinchClient.class).request(Request.get(base + "/"));

                    assertThat(context.getBean(MeterRegistry.class)
                                    .get("outgoing.calls")
                                    .tags("client.name", "upstream", "region", "eu")
                                    .timer()
                                    .count())
                            .isEqualTo(1);
                });
    }

    @Test
    void theObservationNameFollowsSpringBootsProperty() {
        runner.withPropertyValues("management.observations.http.client.requests.name=outgoing")
                .run(context -> {
                    context.getBean(FinchClient.class).request(Request.get(base + "/"));
                    assertThat(context.getBean(MeterRegistry.class)
                                    .get("outgoing")
                                    .timer()
                                    .count())
                            .isEqualTo(1);
                });
    }

    @Configuration(proxyBeanMethods = false)
    static class Observed {
        @Bean
        MeterRegistry meterRegistry() {
            return new SimpleMeterRegistry();
        }

        @Bean
        PropagatingHandler propagatingHandler() {
            return new PropagatingHandler();
        }

        @Bean
        ObservationRegistry observationRegistry(MeterRegistry meters, PropagatingHandler propagating) {
            ObservationRegistry registry = ObservationRegistry.create();
            registry.observationConfig()
                    .observationHandler(new DefaultMeterObservationHandler(meters))
                    .observationHandler(propagating);
            return registry;
        }
    }

    /**
     * What a tracing bridge does, reduced to its core: each observation gets a span id and its parent's trace id (or a
     * new one), and a sender's trace context goes into its carrier as a W3C {@code traceparent} header.
     */
    static final class PropagatingHandler implements ObservationHandler<Observation.Context> {
        private final List<Observation.Context> stopped = new CopyOnWriteArrayList<>();

        static String traceId(Observation.Context context) {
            return context.getRequired("trace");
        }

        static String traceparent(Observation.Context context) {
            return "00-" + traceId(context) + "-" + context.getRequired("span") + "-01";
        }

        private static String randomHex(int bytes) {
            byte[] b = new byte[bytes];
            ThreadLocalRandom.current().nextBytes(b);
            return HexFormat.of().formatHex(b);
        }

        @Override
        @SuppressWarnings({"unchecked", "rawtypes"})
        public void onStart(Observation.Context context) {
            ObservationView parent = context.getParentObservation();
            context.put(
                    "trace", parent == null ? randomHex(16) : traceId((Observation.Context) parent.getContextView()));
            context.put("span", randomHex(8));
            if (context instanceof SenderContext sender) {
                sender.getSetter().set(sender.getCarrier(), "traceparent", traceparent(context));
            }
        }

        @Override
        public void onStop(Observation.Context context) {
            stopped.add(context);
        }

        @Override
        public boolean supportsContext(Observation.Context context) {
            return true;
        }

        /** The contexts of the observations stopped so far, in order. */
        List<Observation.Context> stopped() {
            return stopped;
        }
    }
}
