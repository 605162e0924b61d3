package dev.finch.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.finch.Body;
import dev.finch.FinchClient;
import dev.finch.PoolKey;
import dev.finch.Request;
import dev.finch.RequestOptions;
import dev.finch.conn.Protocol;
import dev.finch.pool.PoolConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Finch's defaults, pool keys, request URLs, and configuration refused with a message naming the field. */
class ConfigurationTest {

    @Test
    void poolDefaultsAreFinchs() {
        PoolConfig c = PoolConfig.defaults();

        assertThat(c.size()).isEqualTo(50);
        assertThat(c.count()).isEqualTo(1);
        assertThat(c.protocols()).containsExactly(Protocol.HTTP1);
        assertThat(c.connectOptions().connectTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(c.poolMaxIdleTime()).isEmpty();
        assertThat(c.connMaxIdleTime()).isEmpty();
        assertThat(c.startPoolMetrics()).isFalse();
        assertThat(c.http2().waitForServerSettings()).isFalse();
        assertThat(c.http2().pingInterval()).isEmpty();
        assertThat(c.http2().maxConnectionAge()).isEmpty();
        assertThat(c.http2().maxConnectionAgeJitter()).isZero();
    }

    @Test
    void requestDefaultsAreFinchs() {
        RequestOptions o = RequestOptions.defaults();

        assertThat(o.poolTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(o.receiveTimeout()).isEqualTo(Duration.ofSeconds(15));
        assertThat(o.requestTimeout()).isEmpty();
        assertThat(o.strategy()).isEmpty();
    }

    @Test
    void badPoolValuesAreRefusedNamingTheField() {
        assertThatThrownBy(() -> PoolConfig.builder().size(0)).hasMessage("size must be at least 1, got 0");
        assertThatThrownBy(() -> PoolConfig.builder().count(-2)).hasMessage("count must be at least 1, got -2");
        assertThatThrownBy(() -> PoolConfig.builder().protocols(Set.of())).hasMessageContaining("protocols");
        assertThatThrownBy(() -> PoolConfig.builder().connMaxIdleTime(Duration.ZERO))
                .hasMessageStartingWith("connMaxIdleTime must be a positive duration");
        assertThatThrownBy(() -> PoolConfig.builder().poolMaxIdleTime(Duration.ofSeconds(-1)))
                .hasMessageStartingWith("poolMaxIdleTime");
        assertThatThrownBy(() -> PoolConfig.Http2Config.builder().pingInterval(Duration.ZERO))
                .hasMessageStartingWith("http2.pingInterval");
        assertThatThrownBy(() -> PoolConfig.Http2Config.builder().maxConnectionAgeJitter(Duration.ofMillis(-1)))
                .hasMessageStartingWith("http2.maxConnectionAgeJitter");
        assertThatThrownBy(() -> RequestOptions.builder().receiveTimeout(Duration.ZERO))
                .hasMessageStartingWith("receiveTimeout");
    }

    @Test
    void clientBuildRefusesAConfigurationThatCannotWorkNamingThePoolAndField() {
        PoolConfig jitterWithoutAge = PoolConfig.builder()
                .http2(PoolConfig.Http2Config.builder()
                        .maxConnectionAgeJitter(Duration.ofSeconds(1))
                        .build())
                .build();

        assertThatThrownBy(() -> FinchClient.builder()
                        .pool("https://api.example.com", jitterWithoutAge)
                        .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("pools[https://api.example.com:443].http2.maxConnectionAgeJitter needs"
                        + " http2.maxConnectionAge");
    }

    @Test
    void poolKeysParseUrlsAndUnixSockets() {
        assertThat(PoolKey.of("https://API.Example.com/path?q")).isEqualTo(PoolKey.of("https", "api.example.com", 443));
        assertThat(PoolKey.of("http://h:8080")).isEqualTo(new PoolKey("http", "h", 8080, null, "default"));
        assertThat(PoolKey.of("http://[::1]:81").host()).isEqualTo("::1");
        assertThat(PoolKey.of("http://[::1]:81").url()).isEqualTo("http://[::1]:81");
        assertThat(PoolKey.of("http+unix:///tmp/app.sock")).isEqualTo(PoolKey.unix("http", Path.of("/tmp/app.sock")));
        assertThat(PoolKey.of("https+unix:///tmp/app.sock", "api").toString())
                .isEqualTo("https+unix:///tmp/app.sock#api");
        assertThat(PoolKey.of("https://a").withTag("bulk")).isNotEqualTo(PoolKey.of("https://a"));
    }

    @Test
    void badPoolKeysAreRefused() {
        assertThatThrownBy(() -> PoolKey.of("ftp://x")).hasMessageContaining("http://");
        assertThatThrownBy(() -> PoolKey.of("http+unix://host/x")).hasMessageContaining("Unix socket URL");
        assertThatThrownBy(() -> PoolKey.of("https://a", " ")).hasMessageContaining("tag");
    }

    @Test
    void requestKeepsTheRawPathAndQueryAndChoosesItsPool() {
        Request r = Request.builder("GET", "https://Example.com:8443/a%2Fb/c?x=%20y&z#frag")
                .poolTag("bulk")
                .build();

        assertThat(r.target()).isEqualTo("/a%2Fb/c?x=%20y&z");
        assertThat(r.poolKey()).isEqualTo(new PoolKey("https", "example.com", 8443, null, "bulk"));
        assertThat(Request.get("http://h").target()).isEqualTo("/");
        assertThat(Request.get("http://h?x=1").target()).isEqualTo("/?x=1");
    }

    @Test
    void requestThroughAUnixSocketUsesTheSocketForItsPool() {
        Request r = Request.builder("GET", "http://localhost/x")
                .unixSocket(Path.of("/run/app.sock"))
                .build();

        assertThat(r.poolKey()).isEqualTo(PoolKey.unix("http", Path.of("/run/app.sock")));
    }

    @Test
    void idempotentMethodsAreKnown() {
        for (String m : new String[] {"GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"}) {
            assertThat(Request.builder(m, "http://h/").build().isIdempotent())
                    .as(m)
                    .isTrue();
        }
        assertThat(Request.post("http://h/", Body.none()).isIdempotent()).isFalse();
        assertThat(Request.builder("PATCH", "http://h/").build().isIdempotent()).isFalse();
    }

    @Test
    void badRequestsAreRefusedWhenBuilt() {
        assertThatThrownBy(() -> Request.get("/relative")).hasMessageContaining("absolute");
        assertThatThrownBy(() -> Request.get("ftp://h/")).hasMessageContaining("http or https");
        assertThatThrownBy(() -> Request.get("http://h/a b")).hasMessageContaining("not a URL");
        assertThatThrownBy(() -> Request.builder(" ", "http://h/")).hasMessageContaining("method");
    }

    @Test
    void privateDataIsKeptAndUnmodifiable() {
        Request r = Request.builder("GET", "http://h/").putPrivate("k", 1).build();

        assertThat(r.privateData()).containsEntry("k", 1);
        assertThatThrownBy(() -> r.privateData().put("x", 2)).isInstanceOf(UnsupportedOperationException.class);
        assertThat(r.toBuilder().putPrivate("x", 2).build().privateData()).containsKeys("k", "x");
    }
}
