package dev.finch.transport;

import static org.assertj.core.api.Assertions.assertThat;

import dev.finch.FinchClient;
import dev.finch.Request;
import dev.finch.conn.ConnectOptions;
import dev.finch.conn.Proxy;
import dev.finch.conn.ProxyConfig;
import dev.finch.pool.PoolConfig;
import dev.finch.testing.JettyServer;
import dev.finch.testing.TestCertificates;
import dev.finch.testing.TestProxy;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Through an https proxy a connection is TLS inside TLS, and a capture decrypts only with the secrets of both: the
 * pool's key log file covers the proxy hop too, unless the proxy's own TLS options log elsewhere.
 */
class KeyLogThroughHttpsProxyTest {
    private static final TestCertificates CERTS = TestCertificates.get();

    @TempDir
    Path dir;

    /** {@code requests} requests to {@code server} through {@code proxy}, with a client of their own. */
    static void requestThrough(Proxy proxy, JettyServer server, TlsOptions poolTls, int requests) throws Exception {
        try (FinchClient client = FinchClient.builder()
                .pool(
                        server.baseUrl(),
                        PoolConfig.builder()
                                .connectOptions(ConnectOptions.builder()
                                        .tls(poolTls)
                                        .proxy(ProxyConfig.all(proxy))
                                        .build())
                                .build())
                .build()) {
            for (int i = 0; i < requests; i++) {
                assertThat(client.request(Request.get(server.baseUrl() + "/bytes/10"))
                                .status())
                        .isEqualTo(200);
            }
        }
    }

    private static TlsOptions loggingTo(Path file) {
        return TlsOptions.builder()
                .trustStore(CERTS.trustStore())
                .keyLogFile(file)
                .build();
    }

    @Test
    void thePoolsKeyLogFileCoversTheHttpsProxyHop() throws Exception {
        Path file = dir.resolve("keys.log");
        TlsOptions logging = loggingTo(file);
        try (JettyServer server = JettyServer.https();
                TestProxy proxy = TestProxy.builder().tls().start()) {
            Proxy https = Proxy.https("127.0.0.1", proxy.port())
                    .tls(TlsOptions.builder()
                            .trustStore(CERTS.trustStore())
                            .ignoreSslKeyLogFile()
                            .build())
                    .build();
            requestThrough(https, server, logging, 1);
        }

        assertThat(KeyLogTest.labelsByClientRandom(file).values())
                .as("the proxy hop's TLS session and the origin's, both needed to decrypt a capture")
                .containsExactly(KeyLogTest.TLS13_LABELS, KeyLogTest.TLS13_LABELS);
    }

    @Test
    void everyConnectionThroughTheProxyLogsBothSessions() throws Exception {
        Path file = dir.resolve("keys.log");
        TlsOptions logging = loggingTo(file);
        try (JettyServer server = JettyServer.https();
                TestProxy proxy = TestProxy.builder().tls().start()) {
            Proxy https = Proxy.https("127.0.0.1", proxy.port())
                    .tls(TlsOptions.builder().trustStore(CERTS.trustStore()).build())
                    .build();
            // Two clients, so two connections through the proxy, each with both sessions.
            requestThrough(https, server, logging, 1);
            requestThrough(https, server, logging, 1);
        }

        assertThat(KeyLogTest.labelsByClientRandom(file)).hasSize(4);
    }

    @Test
    void aProxyLoggingToItsOwnFileKeepsIt() throws Exception {
        Path poolFile = dir.resolve("pool.log");
        Path proxyFile = dir.resolve("proxy.log");
        try (JettyServer server = JettyServer.https();
                TestProxy proxy = TestProxy.builder().tls().start()) {
            Proxy https = Proxy.https("127.0.0.1", proxy.port())
                    .tls(loggingTo(proxyFile))
                    .build();
            requestThrough(https, server, loggingTo(poolFile), 1);
        }

        assertThat(KeyLogTest.labelsByClientRandom(poolFile).values()).containsExactly(KeyLogTest.TLS13_LABELS);
        assertThat(KeyLogTest.labelsByClientRandom(proxyFile).values()).containsExactly(KeyLogTest.TLS13_LABELS);
    }

    @Test
    void withoutKeyLoggingInThePoolTheProxyHopIsNotLogged() throws Exception {
        try (JettyServer server = JettyServer.https();
                TestProxy proxy = TestProxy.builder().tls().start()) {
            TlsOptions proxyTls = TlsOptions.builder()
                    .trustStore(CERTS.trustStore())
                    .ignoreSslKeyLogFile()
                    .build();
            Proxy https = Proxy.https("127.0.0.1", proxy.port()).tls(proxyTls).build();
            requestThrough(
                    https,
                    server,
                    TlsOptions.builder()
                            .trustStore(CERTS.trustStore())
                            .ignoreSslKeyLogFile()
                            .build(),
                    1);
            assertThat(proxyTls.sslContext().getProvider().getName()).isEqualTo("SunJSSE");
        }
        assertThat(List.of(dir.toFile().list())).isEmpty();
    }
}
