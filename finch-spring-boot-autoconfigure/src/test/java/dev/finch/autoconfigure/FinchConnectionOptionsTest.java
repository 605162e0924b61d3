package dev.finch.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import dev.finch.FinchClient;
import dev.finch.PoolKey;
import dev.finch.Request;
import dev.finch.Response;
import dev.finch.codec.http1.Http1Limits;
import dev.finch.codec.http2.Settings;
import dev.finch.conn.ConnectOptions;
import dev.finch.conn.Http2Options;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** The connection options of finch.default-pool.* and finch.pools.*: Mint's connect options as properties. */
class FinchConnectionOptionsTest {
    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(FinchAutoConfiguration.class, SslAutoConfiguration.class));

    @Test
    void defaultsAreTheCoreDefaults() {
        runner.run(context -> {
            ConnectOptions c =
                    context.getBean(FinchClient.class).defaultPoolConfig().connectOptions();
            assertThat(c.preferIpv6()).isFalse();
            assertThat(c.preserveHeaderCase()).isFalse();
            assertThat(c.validateTarget()).isTrue();
            assertThat(c.http1Limits()).isEqualTo(Http1Limits.DEFAULTS);
            Http2Options defaults = Http2Options.defaults();
            assertThat(c.http2().clientSettings()).isEqualTo(defaults.clientSettings());
            assertThat(c.http2().connectionWindowSize()).isEqualTo(defaults.connectionWindowSize());
            assertThat(c.http2().windowUpdateThreshold()).isEqualTo(defaults.windowUpdateThreshold());
        });
    }

    @Test
    void bindsEveryConnectionOptionOfTheDefaultPool() {
        runner.withPropertyValues(
                        "finch.default-pool.prefer-ipv6=true",
                        "finch.default-pool.preserve-header-case=true",
                        "finch.default-pool.validate-target=false",
                        "finch.default-pool.max-header-list-size=64KB",
                        "finch.default-pool.http2.initial-window-size=1MB",
                        "finch.default-pool.http2.connection-window-size=32MB",
                        "finch.default-pool.http2.max-frame-size=64KB",
                        "finch.default-pool.http2.window-update-threshold=100000B")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    ConnectOptions c = context.getBean(FinchClient.class)
                            .defaultPoolConfig()
                            .connectOptions();
                    assertThat(c.preferIpv6()).isTrue();
                    assertThat(c.preserveHeaderCase()).isTrue();
                    assertThat(c.validateTarget()).isFalse();
                    assertThat(c.http1Limits().maxHeaderListSize()).isEqualTo(64 * 1024);
                    Settings settings = c.http2().clientSettings();
                    assertThat(settings.maxHeaderListSize()).isEqualTo(64 * 1024);
                    assertThat(settings.initialWindowSize()).isEqualTo(1024 * 1024);
                    assertThat(settings.maxFrameSize()).isEqualTo(64 * 1024);
                    assertThat(settings.enablePush()).isFalse();
                    assertThat(c.http2().connectionWindowSize()).isEqualTo(32 * 1024 * 1024);
                    assertThat(c.http2().windowUpdateThreshold()).isEqualTo(100_000);
                });
    }

    @Test
    void aNamedPoolHasItsOwnConnectionOptions() {
        runner.withPropertyValues(
                        "finch.pools.api.url=https://api.example.com",
                        "finch.pools.api.prefer-ipv6=true",
                        "finch.pools.api.http2.initial-window-size=2MB")
                .run(context -> {
                    FinchClient client = context.getBean(FinchClient.class);
                    ConnectOptions api = client.findPool(PoolKey.of("https://api.example.com"))
                            .orElseThrow()
                            .connectOptions();
                    assertThat(api.preferIpv6()).isTrue();
                    assertThat(api.http2().clientSettings().initialWindowSize()).isEqualTo(2 * 1024 * 1024);
                    assertThat(client.defaultPoolConfig().connectOptions().preferIpv6())
                            .isFalse();
                });
    }

    @Test
    void refusesValuesFinchRefusesNamingTheProperty() {
        assertRefused("finch.default-pool.max-header-list-size", "finch.default-pool.max-header-list-size=0B");
        assertRefused("finch.default-pool.max-header-list-size", "finch.default-pool.max-header-list-size=4GB");
        assertRefused(
                "finch.default-pool.http2.initial-window-size", "finch.default-pool.http2.initial-window-size=2GB");
        assertRefused("finch.default-pool.http2.max-frame-size", "finch.default-pool.http2.max-frame-size=1KB");
        assertRefused("finch.default-pool.http2.max-frame-size", "finch.default-pool.http2.max-frame-size=16MB");
        assertRefused(
                "finch.pools.api.http2.connection-window-size",
                "finch.pools.api.url=http://a.example",
                "finch.pools.api.http2.connection-window-size=1KB");
        assertRefused(
                "finch.default-pool.http2.window-update-threshold",
                "finch.default-pool.http2.window-update-threshold=0B");
    }

    @Test
    void refusesASizeThatIsNotOneNamingTheProperty() {
        runner.withPropertyValues("finch.default-pool.max-header-list-size=lots")
                .run(context -> {
                    Throwable t = context.getStartupFailure();
                    for (int depth = 0; depth < 16 && t != null && !(t instanceof BindException); depth++) {
                        t = t.getCause();
                    }
                    assertThat(t).isInstanceOfSatisfying(BindException.class, e -> assertThat(
                                    e.getProperty().getName().toString())
                            .isEqualTo("finch.default-pool.max-header-list-size"));
                });
    }

    @Test
    void preserveHeaderCaseReachesTheWire() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            server.setSoTimeout(10_000);
            CompletableFuture<String> head = CompletableFuture.supplyAsync(() -> answerOnce(server));
            runner.withPropertyValues("finch.default-pool.preserve-header-case=true")
                    .run(context -> {
                        FinchClient client = context.getBean(FinchClient.class);
                        Response r =
                                client.request(Request.builder("GET", "http://127.0.0.1:" + server.getLocalPort() + "/")
                                        .header("X-Trace-Id", "7")
                                        .build());
                        assertThat(r.status()).isEqualTo(204);
                    });
            assertThat(head.get(10, TimeUnit.SECONDS)).contains("\r\nX-Trace-Id: 7\r\n");
        }
    }

    /** Accepts one connection, reads the request head, answers 204 and closes; returns the head. */
    private static String answerOnce(ServerSocket server) {
        try (Socket s = server.accept()) {
            s.setSoTimeout(10_000);
            InputStream in = s.getInputStream();
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            // Bounded: a request head is far below 64 KiB, and each read times out.
            while (head.size() < 65_536
                    && !head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
                int b = in.read();
                if (b < 0) {
                    break;
                }
                head.write(b);
            }
            s.getOutputStream()
                    .write("HTTP/1.1 204 No Content\r\nconnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            return head.toString(StandardCharsets.ISO_8859_1);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * max-header-list-size is HTTP/2's advertised and enforced SETTINGS_MAX_HEADER_LIST_SIZE; the HTTP/2 header-block
     * flood caps (no properties) follow it, so above 512KB a compliant server's header list is not taken for a flood
     * (core: ConnectionOptionsTest#http2HeaderListWithinAnAdvertisedSizeAbove512KiBGetsThrough).
     */
    @Test
    void maxHeaderListSizeAbove512KbRaisesTheHttp2HeaderBlockCapsWithIt() {
        runner.withPropertyValues("finch.default-pool.max-header-list-size=1MB").run(context -> {
            assertThat(context).hasNotFailed();
            Http2Options h2 = context.getBean(FinchClient.class)
                    .defaultPoolConfig()
                    .connectOptions()
                    .http2();
            assertThat(h2.clientSettings().maxHeaderListSize()).isEqualTo(1024 * 1024);
            assertThat(h2.maxHeaderBlockSize())
                    .as("a block carrying an advertised-size header list must not be a flood")
                    .isGreaterThanOrEqualTo(h2.clientSettings().maxHeaderListSize());
            assertThat((h2.maxContinuationFrames() + 1L) * Settings.MIN_MAX_FRAME_SIZE)
                    .isGreaterThanOrEqualTo(h2.clientSettings().maxHeaderListSize());
        });
    }

    private void assertRefused(String property, String... properties) {
        runner.withPropertyValues(properties).run(context -> assertThat(context)
                .getFailure()
                .rootCause()
                .isInstanceOfSatisfying(InvalidConfigurationPropertyValueException.class, e -> assertThat(e.getName())
                        .isEqualTo(property)));
    }
}
