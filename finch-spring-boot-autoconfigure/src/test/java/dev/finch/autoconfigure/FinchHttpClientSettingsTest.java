package dev.finch.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import com.sun.net.httpserver.HttpServer;
import dev.finch.FinchClient;
import dev.finch.PoolKey;
import dev.finch.RequestInterceptor;
import dev.finch.http.TransportException;
import dev.finch.pool.PoolConfig;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration;
import org.springframework.boot.http.client.HttpClientSettings;
import org.springframework.boot.http.client.HttpCookieHandling;
import org.springframework.boot.http.client.InetAddressFilter;
import org.springframework.boot.http.client.autoconfigure.HttpClientAutoConfiguration;
import org.springframework.boot.http.client.autoconfigure.imperative.ImperativeHttpClientAutoConfiguration;
import org.springframework.boot.restclient.autoconfigure.RestClientAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.web.client.ResourceAccessException;
import org.springframework.web.client.RestClient;

/**
 * {@code spring.http.clients.*} settings that are pool-level in Finch (connect timeout, SSL bundle) reach the wire
 * through settings-tagged pools; what Finch cannot honour fails fast.
 */
class FinchHttpClientSettingsTest {
    private static TestTlsServer tlsServer;
    private static HttpServer plainServer;

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(
                    FinchAutoConfiguration.class,
                    FinchRestClientAutoConfiguration.class,
                    SslAutoConfiguration.class,
                    HttpClientAutoConfiguration.class,
                    ImperativeHttpClientAutoConfiguration.class,
                    RestClientAutoConfiguration.class));

    @BeforeAll
    static void startServers() throws Exception {
        tlsServer = TestTlsServer.start();
        plainServer = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        plainServer.createContext("/", exchange -> {
            byte[] body = "plain".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        plainServer.start();
    }

    @AfterAll
    static void stopServers() {
        tlsServer.close();
        plainServer.stop(0);
    }

    private static String plainUrl() {
        return "http://127.0.0.1:" + plainServer.getAddress().getPort();
    }

    @Test
    void anSslBundleInTheSettingsIsTrustedForHttpsCalls() {
        runner.withPropertyValues(
                        "spring.ssl.bundle.pem.upstream.truststore.certificate=" + tlsServer.certificatePem(),
                        "spring.http.clients.ssl.bundle=upstream")
                .run(context -> {
                    RestClient client =
                            context.getBean(RestClient.Builder.class).build();

                    assertThat(client.get()
                                    .uri(tlsServer.url() + "/")
                                    .retrieve()
                                    .body(String.class))
                            .isEqualTo("secure");
                    assertThat(context.getBean(FinchClient.class).poolKeys())
                            .singleElement()
                            .satisfies(key -> {
                                assertThat(key.url()).isEqualTo(tlsServer.url());
                                assertThat(key.tag()).startsWith("spring-ssl-");
                            });
                });
    }

    @Test
    void withoutTheBundleTheDefaultTrustRefusesTheServer() {
        runner.run(context -> {
            RestClient client = context.getBean(RestClient.Builder.class).build();

            assertThatThrownBy(() ->
                            client.get().uri(tlsServer.url() + "/").retrieve().body(String.class))
                    .isInstanceOf(ResourceAccessException.class)
                    .hasCauseInstanceOf(TransportException.class);
        });
    }

    @Test
    void anSslBundleLeavesPlainHttpOriginsOnTheirOwnPool() {
        runner.withPropertyValues(
                        "spring.ssl.bundle.pem.upstream.truststore.certificate=" + tlsServer.certificatePem(),
                        "spring.http.clients.ssl.bundle=upstream")
                .run(context -> {
                    RestClient client =
                            context.getBean(RestClient.Builder.class).build();

                    assertThat(client.get().uri(plainUrl() + "/").retrieve().body(String.class))
                            .isEqualTo("plain");
                    assertThat(context.getBean(FinchClient.class).poolKeys()).containsExactly(PoolKey.of(plainUrl()));
                });
    }

    /**
     * A connect to a listening socket whose accept queue is full gets no answer on Linux (the SYN is dropped), which
     * stands for a black-holed host without leaving the machine. Where the platform refuses instead, the test is
     * skipped: a refused connect cannot tell which timeout applied.
     */
    @Test
    void theConnectTimeoutOfTheSettingsApplies() throws Exception {
        try (ServerSocket full = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            List<Socket> queued = new ArrayList<>();
            try {
                boolean blackHoled = false;
                for (int i = 0; i < 16 && !blackHoled; i++) {
                    Socket s = new Socket();
                    queued.add(s);
                    try {
                        s.connect(full.getLocalSocketAddress(), 200);
                    } catch (SocketTimeoutException e) {
                        blackHoled = true;
                    } catch (IOException e) {
                        break;
                    }
                }
                assumeThat(blackHoled)
                        .as("connects to a full accept queue hang on this platform")
                        .isTrue();
                String url = "http://127.0.0.1:" + full.getLocalPort();
                runner.withPropertyValues(
                                "finch.default-pool.connect-timeout=20s",
                                "finch.default-pool.size=7",
                                "spring.http.clients.connect-timeout=300ms")
                        .run(context -> {
                            RestClient client =
                                    context.getBean(RestClient.Builder.class).build();

                            assertThatThrownBy(() -> client.get()
                                            .uri(url + "/")
                                            .retrieve()
                                            .body(String.class))
                                    .isInstanceOf(ResourceAccessException.class)
                                    .cause()
                                    .isInstanceOfSatisfying(TransportException.class, e -> assertThat(e.reason())
                                            .isEqualTo(TransportException.Reason.TIMEOUT));
                            PoolConfig used = context.getBean(FinchClient.class)
                                    .findPool(PoolKey.of(url, "spring-connect-PT0.3S"))
                                    .orElseThrow();
                            assertThat(used.connectOptions().connectTimeout()).isEqualTo(Duration.ofMillis(300));
                            assertThat(used.size()).isEqualTo(7); // the rest comes from the origin's configuration
                        });
            } finally {
                for (Socket s : queued) {
                    s.close();
                }
            }
        }
    }

    @Test
    void aConnectTimeoutEqualToThePoolsUsesThePoolItself() {
        runner.withPropertyValues("finch.default-pool.connect-timeout=2s", "spring.http.clients.connect-timeout=2s")
                .run(context -> {
                    RestClient client =
                            context.getBean(RestClient.Builder.class).build();

                    assertThat(client.get().uri(plainUrl() + "/").retrieve().body(String.class))
                            .isEqualTo("plain");
                    assertThat(context.getBean(FinchClient.class).poolKeys()).containsExactly(PoolKey.of(plainUrl()));
                });
    }

    @Test
    void settingsFinchCannotHonourFailFast() {
        runner.run(context -> {
            FinchClientHttpRequestFactoryBuilder builder = context.getBean(FinchClientHttpRequestFactoryBuilder.class);

            assertThatThrownBy(() ->
                            builder.build(HttpClientSettings.defaults().withCookieHandling(HttpCookieHandling.ENABLE)))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("cookie-handling=enable");
            assertThatThrownBy(() -> builder.build(
                            HttpClientSettings.defaults().withInetAddressFilter(InetAddressFilter.externalAddresses())))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("inetAddressFilter");
            assertThatThrownBy(() -> builder.build(HttpClientSettings.defaults().withConnectTimeout(Duration.ZERO)))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("connect-timeout");
            FinchClientHttpRequestFactory honoured = builder.build(HttpClientSettings.defaults()
                    .withCookieHandling(HttpCookieHandling.DISABLE)
                    .withConnectTimeout(Duration.ofSeconds(1)));
            assertThat(honoured.connectTimeout()).hasValue(Duration.ofSeconds(1));
            assertThat(honoured.sslBundle()).isEmpty();
        });
    }

    @Test
    void cookieHandlingEnableFailsWhenARestClientIsBuilt() {
        runner.withPropertyValues("spring.http.clients.cookie-handling=enable").run(context -> assertThatThrownBy(
                        () -> context.getBean(RestClient.Builder.class).build())
                .rootCause()
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("cookie-handling=enable"));
    }

    /**
     * Settings pools are per origin and stop with pool-max-idle-time: once they stop, the client keeps nothing of
     * them (an application calling many origins, webhooks or per-tenant URLs, must not grow a configuration per
     * origin for good).
     */
    @Test
    void settingsPoolsLeaveNoConfigurationInTheClientOnceTheyStop() throws Exception {
        List<Integer> ports = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                ports.add(s.getLocalPort()); // closed again: connects are refused, but the pool starts first
            }
        }
        runner.withPropertyValues(
                        "finch.default-pool.pool-max-idle-time=100ms", "spring.http.clients.connect-timeout=2s")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    FinchClient finch = context.getBean(FinchClient.class);
                    RestClient rest = context.getBean(RestClient.Builder.class).build();
                    for (int port : ports) {
                        assertThatThrownBy(() -> rest.get()
                                .uri("http://127.0.0.1:" + port + "/")
                                .retrieve()
                                .toBodilessEntity());
                    }
                    // pool-max-idle-time stops every one of them
                    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                    while (!finch.poolKeys().isEmpty() && System.nanoTime() < deadline) {
                        Thread.sleep(50);
                    }
                    assertThat(finch.poolKeys()).isEmpty();
                    List<PoolKey> retained = new ArrayList<>();
                    for (int port : ports) {
                        PoolKey key = PoolKey.of("http://127.0.0.1:" + port, "spring-connect-PT2S");
                        if (finch.poolConfigFor(key) != finch.defaultPoolConfig()) {
                            retained.add(key);
                        }
                    }
                    assertThat(retained)
                            .as("configurations kept by the client for settings pools that stopped")
                            .isEmpty();
                });
    }

    /**
     * A request sent with a settings tag other than through the settings starts that key's pool from the client's
     * default configuration (the client keeps nothing of a stopped settings pool): the next request through the
     * settings replaces it.
     */
    @Test
    void aSettingsKeyRunningWithoutTheSettingsIsReplacedByTheNextRequest() throws Exception {
        runner.withPropertyValues("finch.default-pool.connect-timeout=5s", "spring.http.clients.connect-timeout=2s")
                .run(context -> {
                    FinchClient finch = context.getBean(FinchClient.class);
                    PoolKey key = PoolKey.of(plainUrl(), "spring-connect-PT2S");
                    finch.request(dev.finch.Request.get(plainUrl() + "/").toBuilder()
                            .poolTag(key.tag())
                            .build());
                    assertThat(finch.findPool(key)
                                    .orElseThrow()
                                    .connectOptions()
                                    .connectTimeout())
                            .isEqualTo(Duration.ofSeconds(5));

                    RestClient rest = context.getBean(RestClient.Builder.class).build();
                    assertThat(rest.get().uri(plainUrl() + "/").retrieve().body(String.class))
                            .isEqualTo("plain");

                    assertThat(finch.findPool(key)
                                    .orElseThrow()
                                    .connectOptions()
                                    .connectTimeout())
                            .isEqualTo(Duration.ofSeconds(2));
                });
    }

    /**
     * A settings pool of a configured origin ({@code finch.pools.*}) that stops (pool-max-idle-time) after the factory
     * routed a request to it and before the client picks the request's pool: the request starts it again itself, with
     * the settings pool's configuration (the origin's, with the settings' connect timeout), never with the client's
     * default one, whose connect timeout here is the settings' one too. A RestClient built again with the same
     * settings keeps that pool.
     */
    @Test
    void aSettingsPoolOfAConfiguredOriginThatStopsUnderARoutedRequestIsStartedAgainByItFromTheOriginsConfiguration() {
        AtomicReference<FinchClient> finchRef = new AtomicReference<>();
        AtomicReference<PoolKey> stopUnder = new AtomicReference<>();
        AtomicBoolean stoppedUnder = new AtomicBoolean();
        // Interceptors run on the calling thread once the factory chose the pool, before the client looks it up.
        RequestInterceptor stopper = (request, headers) -> {
            PoolKey armed = stopUnder.get();
            if (request.poolKey().equals(armed) && stopUnder.compareAndSet(armed, null)) {
                stoppedUnder.set(finchRef.get().stopPool(request.poolKey()));
            }
            return RequestInterceptor.Completion.NONE;
        };
        runner.withPropertyValues(
                        "finch.pools.api.url=" + plainUrl(),
                        "finch.pools.api.connect-timeout=2s",
                        "finch.pools.api.size=7",
                        "spring.http.clients.connect-timeout=5s") // the default pool's connect timeout too
                .withBean("raceStopper", FinchClientCustomizer.class, () -> b -> b.interceptor(stopper))
                .run(context -> {
                    FinchClient finch = context.getBean(FinchClient.class);
                    finchRef.set(finch);
                    RestClient rest = context.getBean(RestClient.Builder.class).build();
                    PoolKey key = PoolKey.of(plainUrl(), "spring-connect-PT5S");

                    assertThat(rest.get().uri(plainUrl() + "/").retrieve().body(String.class))
                            .isEqualTo("plain");
                    PoolConfig settingsPool = finch.findPool(key).orElseThrow();
                    assertThat(settingsPool.size()).isEqualTo(7);

                    stopUnder.set(key);
                    assertThat(rest.get().uri(plainUrl() + "/").retrieve().body(String.class))
                            .isEqualTo("plain");

                    assertThat(stoppedUnder)
                            .as("the settings pool stopped under the routed request")
                            .isTrue();
                    PoolConfig restarted = finch.findPool(key).orElseThrow();
                    assertThat(restarted)
                            .as("the pool the raced request started")
                            .isNotSameAs(finch.defaultPoolConfig())
                            .isSameAs(settingsPool);
                    assertThat(restarted.size())
                            .as("size of the settings pool of finch.pools.api (configured 7, default 50)")
                            .isEqualTo(7);
                    assertThat(restarted.connectOptions().connectTimeout()).isEqualTo(Duration.ofSeconds(5));

                    RestClient again = context.getBean(RestClient.Builder.class).build();
                    assertThat(again.get().uri(plainUrl() + "/").retrieve().body(String.class))
                            .isEqualTo("plain");
                    assertThat(finch.findPool(key)).containsSame(restarted);
                });
    }

    /**
     * A settings key of a configured origin that runs on the client's default configuration (a request sent with that
     * tag other than through the settings started it) is replaced by the next request through the settings: the
     * running pool's whole configuration is compared with the one built from the origin's (size, TLS, proxy ...), not
     * only the settings' values, which the default configuration has here.
     */
    @Test
    void aSettingsKeyOfAConfiguredOriginRunningOnTheDefaultConfigurationIsReplacedByOneFromTheOriginsConfiguration()
            throws Exception {
        runner.withPropertyValues(
                        "finch.pools.api.url=" + plainUrl(),
                        "finch.pools.api.connect-timeout=2s",
                        "finch.pools.api.size=7",
                        "spring.http.clients.connect-timeout=5s") // the default pool's connect timeout too
                .run(context -> {
                    FinchClient finch = context.getBean(FinchClient.class);
                    PoolKey key = PoolKey.of(plainUrl(), "spring-connect-PT5S");
                    finch.request(dev.finch.Request.get(plainUrl() + "/").toBuilder()
                            .poolTag(key.tag())
                            .build());
                    assertThat(finch.findPool(key)).containsSame(finch.defaultPoolConfig());

                    RestClient rest = context.getBean(RestClient.Builder.class).build();
                    assertThat(rest.get().uri(plainUrl() + "/").retrieve().body(String.class))
                            .isEqualTo("plain");

                    PoolConfig replaced = finch.findPool(key).orElseThrow();
                    assertThat(replaced.size())
                            .as("size of the settings pool of finch.pools.api (configured 7, default 50)")
                            .isEqualTo(7);
                    assertThat(replaced.connectOptions().connectTimeout()).isEqualTo(Duration.ofSeconds(5));
                });
    }
}
