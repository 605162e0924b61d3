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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Review: with a pool's key log file and an https proxy, only the inner (origin) TLS session is logged; the proxy hop,
 * which wraps it on the wire, is not, so Wireshark cannot decrypt the capture at all.
 */
class KeyLogThroughHttpsProxyReviewTest {
    @TempDir
    Path dir;

    @Test
    void poolKeyLogFileDoesNotCoverTheHttpsProxyHopSoTheCaptureCannotBeDecrypted() throws Exception {
        Path file = dir.resolve("keys.log");
        TestCertificates certs = TestCertificates.get();
        TlsOptions logging = TlsOptions.builder()
                .trustStore(certs.trustStore())
                .keyLogFile(file)
                .build();
        try (JettyServer server = JettyServer.https();
                TestProxy proxy = TestProxy.builder().tls().start()) {
            Proxy https = Proxy.https("127.0.0.1", proxy.port())
                    .tls(TlsOptions.builder().trustStore(certs.trustStore()).build())
                    .build();
            try (FinchClient client = FinchClient.builder()
                    .pool(
                            server.baseUrl(),
                            PoolConfig.builder()
                                    .connectOptions(ConnectOptions.builder()
                                            .tls(logging)
                                            .proxy(ProxyConfig.all(https))
                                            .build())
                                    .build())
                    .build()) {
                assertThat(client.request(Request.get(server.baseUrl() + "/bytes/10"))
                                .status())
                        .isEqualTo(200);
            }
        }
        assertThat(KeyLogTest.labelsByClientRandom(file))
                .as("the proxy hop's TLS session and the origin's, both needed to decrypt a capture")
                .hasSize(2);
    }
}
