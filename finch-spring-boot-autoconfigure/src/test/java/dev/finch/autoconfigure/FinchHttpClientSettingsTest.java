package dev.finch.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import com.sun.net.httpserver.HttpServer;
import dev.finch.FinchClient;
import dev.finch.PoolKey;
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
}
