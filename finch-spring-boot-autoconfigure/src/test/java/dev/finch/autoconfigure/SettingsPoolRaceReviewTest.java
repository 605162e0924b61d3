package dev.finch.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.finch.FinchClient;
import dev.finch.PoolKey;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration;
import org.springframework.boot.http.client.autoconfigure.HttpClientAutoConfiguration;
import org.springframework.boot.http.client.autoconfigure.imperative.ImperativeHttpClientAutoConfiguration;
import org.springframework.boot.restclient.autoconfigure.RestClientAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.web.client.RestClient;

/**
 * SettingsPools' Javadoc: "A request that finds the pool running just as it stops runs on a pool started from the
 * origin's own configuration (the client has no other for that key); the next request through the settings replaces
 * that pool." Neither holds for a configured origin (finch.pools.*): the client starts the tagged key from the
 * <em>default</em> configuration (FinchClient#startPool(key, null, ...): configs.get(key) or defaultConfig; the
 * origin's configuration is under the untagged key), so the raced request runs without the origin's settings (its
 * size here; its TLS trust, client certificate or proxy alike); and SettingsPools#has compares only the connect
 * timeout and the SSL bundle, so when the default's connect timeout is the settings' one the default-configured pool
 * is kept for every later request through the settings.
 */
class SettingsPoolRaceReviewTest {
    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(
                    FinchAutoConfiguration.class,
                    FinchRestClientAutoConfiguration.class,
                    SslAutoConfiguration.class,
                    HttpClientAutoConfiguration.class,
                    ImperativeHttpClientAutoConfiguration.class,
                    RestClientAutoConfiguration.class));

    @Test
    void aSettingsPoolOfAConfiguredOriginThatRacedItsStopIsReplacedByOneFromTheOriginsConfiguration() throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            byte[] body = "plain".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        String url = "http://127.0.0.1:" + server.getAddress().getPort();
        try {
            runner.withPropertyValues(
                            "finch.pools.api.url=" + url,
                            "finch.pools.api.connect-timeout=2s",
                            "finch.pools.api.size=7",
                            "spring.http.clients.connect-timeout=5s") // the default pool's connect timeout too
                    .run(context -> {
                        FinchClient finch = context.getBean(FinchClient.class);
                        RestClient rest =
                                context.getBean(RestClient.Builder.class).build();
                        PoolKey key = PoolKey.of(url, "spring-connect-PT5S");

                        assertThat(rest.get().uri(url + "/").retrieve().body(String.class))
                                .isEqualTo("plain");
                        // Control: the settings pool is the origin's configuration with the settings' timeout.
                        assertThat(finch.findPool(key).orElseThrow().size()).isEqualTo(7);

                        // The settings pool stops (pool-max-idle-time) just after poolTag() chose it for a request,
                        // which then runs with that tag.
                        assertThat(finch.stopPool(key)).isTrue();
                        finch.request(dev.finch.Request.get(url + "/").toBuilder()
                                .poolTag(key.tag())
                                .build());

                        // The next request through the settings.
                        assertThat(rest.get().uri(url + "/").retrieve().body(String.class))
                                .isEqualTo("plain");
                        assertThat(finch.findPool(key).orElseThrow().size())
                                .as("size of the settings pool of finch.pools.api (configured 7, default 50)")
                                .isEqualTo(7);
                    });
        } finally {
            server.stop(0);
        }
    }
}
