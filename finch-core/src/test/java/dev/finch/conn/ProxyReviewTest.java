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

/** Review of the proxy support: each test is named after the defect it proves. */
class ProxyReviewTest {
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
     * RFC 9110 §9.3.6: only a 2xx answer to CONNECT opens a tunnel; any other status is a refusal. ProxyTunnel's
     * Answer ignores the headers of every status below 200, yet the decoder ends the exchange on 101 (as for an
     * Upgrade), so {@code done} is set with refusedStatus 0 and a 101 is taken for an open tunnel: the client starts
     * TLS into a socket the proxy never agreed to tunnel, and the failure is a TLS/timeout error instead of a
     * ProxyTunnelException(101).
     */
    @Test
    void a101AnswerToConnectIsTakenForAnOpenTunnel() throws Exception {
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
     * Proxy.parse redacts user information only when the URL holds "://". A proxy URL written without its scheme, as
     * curl and HTTPS_PROXY users commonly do ({@code user:password@host:port}), parses as scheme "user" with an opaque
     * part; the "must look like http://host:port" message then shows the password in clear.
     */
    @Test
    void aProxyUrlWithoutSchemeShowsItsPasswordInTheError() {
        assertThatThrownBy(() -> Proxy.parse("ann:hunter2@proxy.example:3128"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageNotContaining("hunter2");
    }

    /** Same leak with a typo in the scheme separator ("http:/" instead of "http://"). */
    @Test
    void aProxyUrlWithAMistypedSchemeSeparatorShowsItsPasswordInTheError() {
        assertThatThrownBy(() -> Proxy.parse("http:/ann:hunter2@proxy.example:3128"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageNotContaining("hunter2");
    }

    /**
     * ProxyConfig documents nonProxyHosts as "the syntax of the JDK's http.nonProxyHosts", but the JDK
     * (sun.net.spi.DefaultProxySelector#disjunctToRegex, and the java.net "Networking Properties" docs: "patterns
     * may start or end with a '*'") treats '*' as a wildcard only at the start or the end of a pattern; Finch also
     * expands a '*' in the middle, so the same properties bypass the proxy for hosts the JDK proxies.
     */
    @Test
    void nonProxyHostsWithAStarInTheMiddleDisagreeWithTheJdk() {
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
            assertThat(finchProxies).as("Finch, claiming the JDK's syntax").isEqualTo(jdkProxies);
        } finally {
            System.setProperties(saved);
        }
    }

    /**
     * The JDK's DefaultProxySelector, when http.nonProxyHosts is set to a non-empty value, appends its default
     * loopback patterns (localhost|127.*|[::1]|0.0.0.0|[::0]) to it; ProxyConfig.fromProperties uses the default only
     * when the property is unset. So with the common {@code -Dhttp.nonProxyHosts=*.corp.example}, the JDK still reaches
     * localhost directly while Finch sends it through the proxy (docs/proxies.md: "Like the JDK...").
     */
    @Test
    void aSetNonProxyHostsDropsTheJdksLoopbackBypass() {
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
                    .as("Finch, claiming to read the properties like the JDK")
                    .isEqualTo(jdkProxies);
        } finally {
            System.setProperties(saved);
        }
    }
}
