package dev.finch.conn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.finch.http.HttpHeaders;
import java.time.Duration;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/** Building proxies and choosing one per target: defaults, URL parsing, refused values, non-proxy host globs. */
class ProxyConfigTest {

    @Test
    void defaultsAreNoProxyAndMintsTunnelTimeout() {
        assertThat(ConnectOptions.defaults().proxy().isEmpty()).isTrue();
        assertThat(ConnectOptions.defaults().proxy().proxyFor(Scheme.HTTPS, "example.com"))
                .isEmpty();
        Proxy p = Proxy.http("proxy.test", 3128).build();
        assertThat(p.tunnelTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(p.headers()).isEqualTo(HttpHeaders.EMPTY);
        assertThat(p.toString()).isEqualTo("http://proxy.test:3128");
    }

    @Test
    void parsesAProxyUrlWithCredentialsIntoBasicAuth() {
        Proxy p = Proxy.parse("https://ann:p%40ss@proxy.test:8443").build();

        assertThat(p.scheme()).isEqualTo(Scheme.HTTPS);
        assertThat(p.host()).isEqualTo("proxy.test");
        assertThat(p.port()).isEqualTo(8443);
        // base64("ann:p@ss")
        assertThat(p.headers().first("proxy-authorization")).isEqualTo("Basic YW5uOnBAc3M=");
        assertThat(p.toString()).doesNotContain("ann");
    }

    @Test
    void aProxyUrlWithoutPortUsesTheSchemesDefaultAndIpv6LosesItsBrackets() {
        assertThat(Proxy.parse("http://proxy.test").build().port()).isEqualTo(80);
        Proxy v6 = Proxy.parse("http://[::1]:3128").build();
        assertThat(v6.host()).isEqualTo("::1");
        assertThat(v6.toString()).isEqualTo("http://[::1]:3128");
    }

    @Test
    void refusesBadProxyUrlsNamingWhatIsWrong() {
        assertThatThrownBy(() -> Proxy.parse("socks5://proxy.test:1080"))
                .hasMessage("proxy URL scheme must be http or https, got socks5");
        assertThatThrownBy(() -> Proxy.parse("proxy.test:3128")).hasMessageContaining("http://host:port");
        assertThatThrownBy(() -> Proxy.parse("http://proxy.test:3128/path"))
                .hasMessageContaining("must not have a path");
    }

    @Test
    void aBadProxyUrlIsReportedWithoutItsPassword() {
        assertThatThrownBy(() -> Proxy.parse("http://ann:hunter2@proxy.test:3128/path"))
                .hasMessage("proxy URL must not have a path, query or fragment: http://******@proxy.test:3128/path");
        assertThatThrownBy(() -> Proxy.parse("http://ann:hunter2@proxy test:3128"))
                .message()
                .contains("not a valid URI")
                .doesNotContain("hunter2");
    }

    @Test
    void refusesPortsOutOfRangeAndBlankHosts() {
        assertThatThrownBy(() -> Proxy.http("proxy.test", 0)).hasMessage("proxy port must be in 1..65535, got 0");
        assertThatThrownBy(() -> Proxy.http("proxy.test", 65536))
                .hasMessage("proxy port must be in 1..65535, got 65536");
        assertThatThrownBy(() -> Proxy.http(" ", 80)).hasMessage("proxy host must not be blank");
        assertThatThrownBy(() -> Proxy.http("proxy.test\r\nx", 80)).hasMessageContaining("cannot hold");
    }

    @Test
    void refusesCrOrLfInProxyHeadersSoNoLineCanBeInjected() {
        Proxy.Builder b = Proxy.http("proxy.test", 3128);

        assertThatThrownBy(() -> b.header("x-token", "a\r\nHost: evil")).hasMessageContaining("control character");
        assertThatThrownBy(() -> b.header("x-token", "a\nb")).hasMessageContaining("control character");
        assertThatThrownBy(() -> b.header("bad name", "v")).hasMessage("proxy header name is not a token: bad name");
        assertThatThrownBy(() -> b.basicAuth("a:b", "c")).hasMessageContaining("must not contain ':'");
        assertThatThrownBy(() -> b.tunnelTimeout(Duration.ZERO)).hasMessageContaining("positive");
    }

    @Test
    void nonProxyHostsFollowTheJdkGlobSyntax() {
        ProxyConfig c = ProxyConfig.all(Proxy.http("proxy.test", 3128).build())
                .withNonProxyHosts("*.internal.example|localhost|10.*|[::1]");

        assertThat(c.proxyFor(Scheme.HTTPS, "api.internal.example")).isEmpty();
        assertThat(c.proxyFor(Scheme.HTTPS, "API.Internal.Example")).isEmpty();
        assertThat(c.proxyFor(Scheme.HTTP, "localhost")).isEmpty();
        assertThat(c.proxyFor(Scheme.HTTP, "10.1.2.3")).isEmpty();
        assertThat(c.proxyFor(Scheme.HTTP, "::1")).isEmpty();
        assertThat(c.proxyFor(Scheme.HTTPS, "internal.example.com")).isPresent();
        assertThat(c.proxyFor(Scheme.HTTPS, "localhost.evil.test")).isPresent();
        assertThat(c.proxyFor(Scheme.HTTP, "110.1.2.3")).isPresent();
    }

    @Test
    void aPatternIsMatchedLiterallyApartFromItsWildcard() {
        ProxyConfig c = ProxyConfig.all(Proxy.http("proxy.test", 3128).build()).withNonProxyHosts("a.b");

        assertThat(c.proxyFor(Scheme.HTTP, "a.b")).isEmpty();
        assertThat(c.proxyFor(Scheme.HTTP, "axb")).isPresent(); // '.' is not a regex wildcard
    }

    @Test
    void separateProxiesForHttpAndHttpsTargets() {
        Proxy forHttp = Proxy.http("plain.test", 3128).build();
        ProxyConfig c = ProxyConfig.of(forHttp, null);

        assertThat(c.proxyFor(Scheme.HTTP, "example.com")).contains(forHttp);
        assertThat(c.proxyFor(Scheme.HTTPS, "example.com")).isEmpty();
    }

    @Test
    void readsTheJdkProxyPropertiesWithTheJdkDefaults() {
        Properties props = new Properties();
        props.setProperty("http.proxyHost", "plain.test");
        props.setProperty("https.proxyHost", "secure.test");
        props.setProperty("https.proxyPort", "8443");

        ProxyConfig c = ProxyConfig.fromProperties(props);

        assertThat(c.httpProxy().orElseThrow().toString()).isEqualTo("http://plain.test:80");
        // https.proxyHost names a plain HTTP proxy used for https targets, as in the JDK.
        assertThat(c.httpsProxy().orElseThrow().toString()).isEqualTo("http://secure.test:8443");
        // Without http.nonProxyHosts, loopback goes direct (the JDK's default).
        assertThat(c.nonProxyHosts()).isEqualTo("localhost|127.*|[::1]|0.0.0.0|[::0]");
        assertThat(c.proxyFor(Scheme.HTTPS, "127.0.0.1")).isEmpty();
        assertThat(c.proxyFor(Scheme.HTTPS, "example.com")).isPresent();
    }

    @Test
    void anEmptyNonProxyHostsPropertyProxiesEveryHost() {
        Properties props = new Properties();
        props.setProperty("http.proxyHost", "plain.test");
        props.setProperty("http.nonProxyHosts", "");

        assertThat(ProxyConfig.fromProperties(props).proxyFor(Scheme.HTTP, "localhost"))
                .isPresent();
    }

    @Test
    void aBadPortPropertyIsRefusedNamingTheProperty() {
        Properties props = new Properties();
        props.setProperty("https.proxyHost", "secure.test");
        props.setProperty("https.proxyPort", "eighty");

        assertThatThrownBy(() -> ProxyConfig.fromProperties(props))
                .hasMessage("https.proxyPort is not a port number: eighty");
        props.setProperty("https.proxyPort", "70000");
        assertThatThrownBy(() -> ProxyConfig.fromProperties(props))
                .hasMessageStartingWith("https.proxyHost/https.proxyPort: proxy port must be in 1..65535");
    }

    @Test
    void noPropertiesMeansNoProxy() {
        assertThat(ProxyConfig.fromProperties(new Properties()).isEmpty()).isTrue();
    }
}
