package dev.finch.conn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.finch.http.ProxyTunnelException;
import dev.finch.testing.JettyServer;
import dev.finch.testing.TestCertificates;
import dev.finch.testing.TestProxy;
import dev.finch.transport.TlsOptions;
import java.net.ProxySelector;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Proxy edge cases: CONNECT answers that are not 2xx, credentials in malformed URLs, nonProxyHosts like the JDK. */
class ProxyEdgeCaseTest {
    private static final TlsOptions TRUST_TEST_CA =
            TlsOptions.builder().trustPem(TestCertificates.get().caPem()).build();

    private TestProxy proxy;
    private JettyServer https;
    private HttpConnection conn;

    @AfterEach
    void stop() throws InterruptedException {
        if (conn != null) {
            conn.close();
        }
        if (proxy != null) {
            proxy.close();
        }
        if (https != null) {
            https.close();
        }
    }

    /**
     * RFC 9110 §9.3.6: only a 2xx answer to CONNECT opens a tunnel; any other status is a refusal. The decoder ends
     * the exchange on 101 (as for an Upgrade); ProxyTunnel once ignored the headers of every status below 200, so a 101
     * was taken for an open tunnel and TLS started into a socket the proxy never agreed to tunnel.
     */
    @Test
    void a101AnswerToConnectIsRefused() throws Exception {
        https = JettyServer.https();
        proxy = TestProxy.builder()
                .answerConnect("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n")
                .start();
        ConnectOptions options = ConnectOptions.builder()
                .tls(TRUST_TEST_CA)
                .connectTimeout(Duration.ofSeconds(1))
                .proxy(Proxy.http("127.0.0.1", proxy.port())
                        .tunnelTimeout(Duration.ofSeconds(5))
                        .build())
                .build();

        Throwable thrown = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
            try {
                conn = HttpConnection.connect(Scheme.HTTPS, "127.0.0.1", https.port(), options);
                return null;
            } catch (Throwable t) {
                return t;
            }
        });

        assertThat(thrown)
                .as("a 101 answer to CONNECT must be a refusal, not an open tunnel")
                .isInstanceOfSatisfying(
                        ProxyTunnelException.class, e -> assertThat(e.status()).isEqualTo(101));
    }

    /**
     * A proxy URL written without its scheme, as curl and HTTPS_PROXY users commonly do ({@code
     * user:password@host:port}), parses as scheme "user" with an opaque part; Proxy.parse once masked user information
     * only after "://", so the "must look like http://host:port" message showed the password in clear.
     */
    @Test
    void aProxyUrlWithoutSchemeHidesItsPasswordInTheError() {
        assertThatThrownBy(() -> Proxy.parse("ann:hunter2@proxy.example:3128"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("must look like http://host:port")
                .hasMessageContaining("******@proxy.example:3128")
                .hasMessageNotContaining("hunter2")
                .hasMessageNotContaining("ann");
    }

    /** The same with a typo in the scheme separator ("http:/" instead of "http://"). */
    @Test
    void aProxyUrlWithAMistypedSchemeSeparatorHidesItsPasswordInTheError() {
        assertThatThrownBy(() -> Proxy.parse("http:/ann:hunter2@proxy.example:3128"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("******@proxy.example:3128")
                .hasMessageNotContaining("hunter2");
    }

    @Test
    void redactMasksEverythingBeforeTheLastAtWhateverTheShape() {
        assertThat(Proxy.redact("http://ann:hunter2@proxy.example:3128")).isEqualTo("http://******@proxy.example:3128");
        assertThat(Proxy.redact("ann:hunter2@proxy.example:3128")).isEqualTo("******@proxy.example:3128");
        assertThat(Proxy.redact("http:/ann:hunter2@proxy.example")).isEqualTo("******@proxy.example");
        assertThat(Proxy.redact("http://ann:p@ss@proxy.example")).isEqualTo("http://******@proxy.example");
        assertThat(Proxy.redact("ann:hunter2://x@proxy.example")).isEqualTo("******@proxy.example");
        assertThat(Proxy.redact("http://proxy.example:3128")).isEqualTo("http://proxy.example:3128");
    }

    /**
     * ProxyConfig documents nonProxyHosts as "the syntax of the JDK's http.nonProxyHosts"; the JDK
     * (sun.net.spi.DefaultProxySelector#disjunctToRegex, and the java.net "Networking Properties" docs: "patterns
     * may start or end with a '*'") treats '*' as a wildcard only at the start or the end of a pattern. Finch once
     * also expanded a '*' in the middle, so the same properties bypassed the proxy for hosts the JDK proxies.
     */
    @Test
    void nonProxyHostsWithAStarInTheMiddleAgreeWithTheJdk() {
        Properties saved = (Properties) System.getProperties().clone();
        try {
            System.setProperty("http.proxyHost", "proxy.example");
            System.setProperty("http.proxyPort", "3128");
            System.setProperty("http.nonProxyHosts", "build*.example");
            List<java.net.Proxy> jdk = ProxySelector.getDefault().select(URI.create("http://build-7.corp.example/"));
            boolean jdkProxies = jdk.get(0).type() == java.net.Proxy.Type.HTTP;

            boolean finchProxies = ProxyConfig.fromSystemProperties()
                    .proxyFor(Scheme.HTTP, "build-7.corp.example")
                    .isPresent();

            assertThat(jdkProxies).as("the JDK proxies build-7.corp.example").isTrue();
            assertThat(finchProxies).as("Finch, with the JDK's syntax").isEqualTo(jdkProxies);
            // In the middle, '*' is a literal character.
            assertThat(ProxyConfig.fromSystemProperties().proxyFor(Scheme.HTTP, "build*.example"))
                    .isEmpty();
        } finally {
            System.setProperties(saved);
        }
    }

    /**
     * The JDK's DefaultProxySelector, when http.nonProxyHosts is set to a non-empty value, appends its default
     * loopback patterns (localhost|127.*|[::1]|0.0.0.0|[::0]) to it; ProxyConfig.fromProperties once used them only
     * when the property was unset, so with the common {@code -Dhttp.nonProxyHosts=*.corp.example} the JDK reached
     * localhost directly while Finch sent it through the proxy.
     */
    @Test
    void aSetNonProxyHostsKeepsTheJdksLoopbackBypass() {
        Properties saved = (Properties) System.getProperties().clone();
        try {
            System.setProperty("http.proxyHost", "proxy.example");
            System.setProperty("http.proxyPort", "3128");
            System.setProperty("http.nonProxyHosts", "*.corp.example");
            List<java.net.Proxy> jdk = ProxySelector.getDefault().select(URI.create("http://localhost:8080/"));
            boolean jdkProxies = jdk.get(0).type() == java.net.Proxy.Type.HTTP;

            boolean finchProxies = ProxyConfig.fromSystemProperties()
                    .proxyFor(Scheme.HTTP, "localhost")
                    .isPresent();

            assertThat(jdkProxies).as("the JDK reaches localhost directly").isFalse();
            assertThat(finchProxies)
                    .as("Finch, reading the properties like the JDK")
                    .isEqualTo(jdkProxies);
            assertThat(ProxyConfig.fromSystemProperties().proxyFor(Scheme.HTTP, "build.corp.example"))
                    .as("the set patterns still apply")
                    .isEmpty();
            assertThat(ProxyConfig.fromSystemProperties().proxyFor(Scheme.HTTP, "example.com"))
                    .isPresent();
        } finally {
            System.setProperties(saved);
        }
    }
}
