package dev.finch.docs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.finch.conn.ConnectOptions;
import dev.finch.conn.HttpConnection;
import dev.finch.conn.Protocol;
import dev.finch.conn.Scheme;
import dev.finch.testing.JettyServer;
import dev.finch.testing.TestCertificates;
import dev.finch.testing.TestRoutes;
import dev.finch.transport.TlsOptions;
import java.io.ByteArrayInputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Runs the HTTP/2 examples of docs/connection.md against Jetty. */
class Http2DocsExamplesTest {
    private static final TlsOptions TRUST_TEST_CA =
            TlsOptions.builder().trustPem(TestCertificates.get().caPem()).build();

    @Test
    void alpnNegotiatesH2WhereTheServerSpeaksItAndHttp11Elsewhere() throws Exception {
        try (JettyServer h2 = JettyServer.h2();
                JettyServer http1Only = JettyServer.https()) {
            assertThat(Http2Examples.negotiate("localhost", h2.port(), TRUST_TEST_CA))
                    .isEqualTo(Protocol.HTTP2);
            assertThat(Http2Examples.negotiate("localhost", http1Only.port(), TRUST_TEST_CA))
                    .isEqualTo(Protocol.HTTP1);
        }
    }

    @Test
    void fetchAllMultiplexesWithinTheServersStreamLimit() throws Exception {
        try (JettyServer server = JettyServer.h2c()) {
            List<String> paths = new ArrayList<>();
            for (int i = 0; i < 300; i++) {
                paths.add("/bytes/" + i * 11);
            }
            Map<String, byte[]> bodies = Http2Examples.fetchAll(JettyServer.HOST, server.port(), paths);
            assertThat(bodies).hasSize(300);
            for (int i = 0; i < 300; i++) {
                assertThat(bodies.get(paths.get(i))).isEqualTo(TestRoutes.bytes(i * 11));
            }
        }
    }

    @Test
    void uploadSendsOnlyWhatTheWindowAllows() throws Exception {
        byte[] body = new byte[3 * 1024 * 1024];
        new Random(5).nextBytes(body);
        String sha =
                HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body));
        try (JettyServer server = JettyServer.h2c();
                HttpConnection conn = HttpConnection.connect(
                        Scheme.HTTP,
                        JettyServer.HOST,
                        server.port(),
                        ConnectOptions.builder()
                                .protocols(EnumSet.of(Protocol.HTTP2))
                                .build())) {
            assertThat(Http2Examples.upload(conn, "/digest", new ByteArrayInputStream(body)))
                    .isEqualTo(body.length + " " + sha);
        }
    }

    @Test
    void downloadWithBackPressureReceivesEverything() throws Exception {
        try (JettyServer server = JettyServer.h2c()) {
            assertThat(Http2Examples.download(JettyServer.HOST, server.port(), "/bytes/" + 20 * 1024 * 1024))
                    .isEqualTo(20 * 1024 * 1024);
        }
    }
}
