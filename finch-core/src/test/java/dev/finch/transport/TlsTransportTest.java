package dev.finch.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.finch.http.TransportException;
import dev.finch.http.TransportException.Reason;
import dev.finch.testing.JettyServer;
import dev.finch.testing.TestCertificates;
import dev.finch.testing.TestRoutes;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.eclipse.jetty.server.handler.ConnectHandler;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** TLS against real Jetty servers presenting certificates of the {@link TestCertificates} CA. */
class TlsTransportTest {
    private static final TestCertificates CERTS = TestCertificates.get();
    private static final List<String> NO_ALPN = List.of();

    private static JettyServer https;

    private final TlsOptions trustTestCa =
            options().trustStore(CERTS.trustStore()).build();

    /** The builder every test starts from; {@link TlsTransportWithKeyLogTest} turns key logging on in it. */
    TlsOptions.Builder options() {
        return TlsOptions.builder();
    }

    @BeforeAll
    static void start() {
        https = JettyServer.https();
    }

    @AfterAll
    static void stop() {
        https.close();
    }

    static Transport connect(JettyServer server, TlsOptions options, String serverName, List<String> alpn)
            throws IOException {
        Transport plain = Transports.tcp(JettyServer.HOST, server.port(), false, Io.deadline());
        return Transports.tls(plain, options, serverName, alpn, Io.deadline());
    }

    /** Connects expecting failure; asserts the socket was closed and returns the exception. */
    static TransportException failToConnect(JettyServer server, TlsOptions options, String serverName)
            throws IOException {
        Transport plain = Transports.tcp(JettyServer.HOST, server.port(), false, Io.deadline());
        Throwable e = catchThrowable(() -> Transports.tls(plain, options, serverName, NO_ALPN, Io.deadline()));
        assertThat(e).isInstanceOf(TransportException.class);
        assertThat(plain.isOpen()).isFalse();
        assertThat(plain.channel().isOpen()).isFalse();
        return (TransportException) e;
    }

    @Test
    void handshakesWithTheTestCaAndSendsSni() throws Exception {
        try (Transport t = connect(https, trustTestCa, "localhost", NO_ALPN)) {
            assertThat(t.sslSession().getProtocol()).isEqualTo("TLSv1.3");
            assertThat(t.channel().isBlocking()).isFalse();
            assertThat(t.isOpen()).isTrue();

            Io.Response r = Io.get(t, "localhost", "/tls");

            assertThat(r.status()).isEqualTo(200);
            assertThat(r.bodyText()).contains("sni=localhost\n", "http=HTTP/1.1");
        }
    }

    @Test
    void sendsNoSniForAnIpAddressAndChecksItsIpSan() throws Exception {
        try (Transport t = connect(https, trustTestCa, "127.0.0.1", NO_ALPN)) {
            assertThat(Io.get(t, "127.0.0.1", "/tls").bodyText()).contains("sni=\n");
        }
    }

    @Test
    void negotiatesH2WithAlpn() throws Exception {
        try (JettyServer h2 = JettyServer.h2();
                Transport t = connect(h2, trustTestCa, "localhost", List.of("h2", "http/1.1"))) {
            assertThat(t.applicationProtocol()).isEqualTo("h2");
            assertThat(TlsOptions.allowedWithHttp2(t.sslSession().getCipherSuite()))
                    .isTrue();
        }
    }

    @Test
    void negotiatesHttp11WhenOnlyThatIsOffered() throws Exception {
        try (JettyServer h2 = JettyServer.h2();
                Transport t = connect(h2, trustTestCa, "localhost", List.of("http/1.1"))) {
            assertThat(t.applicationProtocol()).isEqualTo("http/1.1");
        }
    }

    @Test
    void reportsNoProtocolWhenNoneIsOffered() throws Exception {
        try (JettyServer h2 = JettyServer.h2();
                Transport t = connect(h2, trustTestCa, "localhost", NO_ALPN)) {
            assertThat(t.applicationProtocol()).isNull();
            assertThat(Io.get(t, "localhost", "/tls").bodyText()).contains("http=HTTP/1.1");
        }
    }

    @Test
    void reportsNoProtocolWhenTheServerIgnoresAlpn() throws Exception {
        try (Transport t = connect(https, trustTestCa, "localhost", List.of("h2", "http/1.1"))) {
            assertThat(t.applicationProtocol()).isNull();
        }
    }

    @Test
    void rejectsACertificateForAnotherHost() throws Exception {
        try (JettyServer other =
                JettyServer.builder().tls(CERTS.issue("other.example")).start()) {
            TransportException e = failToConnect(other, trustTestCa, "localhost");

            assertThat(e.reason()).isEqualTo(Reason.TLS_CERTIFICATE_REJECTED);
            assertThat(e.detail()).startsWith("host name mismatch for localhost");
        }
    }

    @Test
    void rejectsAnIpAddressMissingFromTheIpSans() throws Exception {
        try (JettyServer other =
                JettyServer.builder().tls(CERTS.issue("localhost")).start()) {
            TransportException e = failToConnect(other, trustTestCa, "127.0.0.1");

            assertThat(e.reason()).isEqualTo(Reason.TLS_CERTIFICATE_REJECTED);
            assertThat(e.detail()).startsWith("host name mismatch for 127.0.0.1");
        }
    }

    @Test
    void acceptsAWildcardForOneLabelOnly() throws Exception {
        try (JettyServer wildcard =
                JettyServer.builder().tls(CERTS.issue("*.example.test")).start()) {
            try (Transport t = connect(wildcard, trustTestCa, "api.example.test", NO_ALPN)) {
                assertThat(t.isOpen()).isTrue();
            }
            assertThat(failToConnect(wildcard, trustTestCa, "a.b.example.test").reason())
                    .isEqualTo(Reason.TLS_CERTIFICATE_REJECTED);
            assertThat(failToConnect(wildcard, trustTestCa, "example.test").reason())
                    .isEqualTo(Reason.TLS_CERTIFICATE_REJECTED);
        }
    }

    @Test
    void acceptsAnotherHostsCertificateWhenHostNamesAreNotVerified() throws Exception {
        TlsOptions noHostCheck = trustTestCa.toBuilder().verifyHostname(false).build();
        try (JettyServer other =
                        JettyServer.builder().tls(CERTS.issue("other.example")).start();
                Transport t = connect(other, noHostCheck, "localhost", NO_ALPN)) {
            assertThat(Io.get(t, "localhost", "/status/200").status()).isEqualTo(200);
        }
    }

    @Test
    void rejectsASelfSignedCertificateWithTheDefaultTrustStore() throws Exception {
        try (JettyServer selfSigned =
                JettyServer.builder().tls(CERTS.selfSigned()).start()) {
            TransportException e = failToConnect(selfSigned, options().build(), "localhost");

            assertThat(e.reason()).isEqualTo(Reason.TLS_CERTIFICATE_REJECTED);
            assertThat(e.detail()).startsWith("untrusted certificate chain for localhost");
        }
    }

    @Test
    void rejectsTheTestCaWithTheDefaultTrustStore() throws Exception {
        TransportException e = failToConnect(https, options().build(), "localhost");

        assertThat(e.reason()).isEqualTo(Reason.TLS_CERTIFICATE_REJECTED);
        assertThat(e.detail()).startsWith("untrusted certificate chain");
    }

    @Test
    void rejectsAnExpiredCertificate() throws Exception {
        try (JettyServer expired = JettyServer.builder().tls(CERTS.expired()).start()) {
            TransportException e = failToConnect(expired, trustTestCa, "localhost");

            assertThat(e.reason()).isEqualTo(Reason.TLS_CERTIFICATE_REJECTED);
            assertThat(e.detail()).startsWith("certificate expired for localhost");
        }
    }

    @Test
    void insecureSkipVerifyAcceptsASelfSignedCertificateForAnyName() throws Exception {
        TlsOptions insecure = options().insecureSkipVerify().build();
        try (JettyServer selfSigned =
                        JettyServer.builder().tls(CERTS.selfSigned()).start();
                Transport t = connect(selfSigned, insecure, "not-the-name.example", NO_ALPN)) {
            assertThat(Io.get(t, "localhost", "/status/200").status()).isEqualTo(200);
        }
    }

    @Test
    void trustsAPemText() throws Exception {
        TlsOptions pem = options().trustPem(CERTS.caPem()).build();
        try (Transport t = connect(https, pem, "localhost", NO_ALPN)) {
            assertThat(t.isOpen()).isTrue();
        }
    }

    @Test
    void trustsAPemFileWithSeveralCertificates(@TempDir Path dir) throws Exception {
        Path bundle = dir.resolve("bundle.pem");
        Files.writeString(bundle, CERTS.selfSigned().certificatePem() + "# a comment between blocks\n" + CERTS.caPem());
        TlsOptions pem = options().trustPemFile(bundle).build();
        try (Transport t = connect(https, pem, "localhost", NO_ALPN)) {
            assertThat(t.isOpen()).isTrue();
        }
    }

    @Test
    void trustsACallersSslContext() throws Exception {
        TlsOptions context = options().sslContext(CERTS.clientSslContext()).build();
        try (Transport t = connect(https, context, "localhost", NO_ALPN)) {
            assertThat(t.isOpen()).isTrue();
        }
        assertThat(failToConnect(https, context, "other.example").reason())
                .as("host names are still verified")
                .isEqualTo(Reason.TLS_CERTIFICATE_REJECTED);
    }

    @Test
    void worksWithATls12OnlyServer() throws Exception {
        try (JettyServer tls12 = JettyServer.builder()
                        .tls()
                        .tlsProtocols("TLSv1.2")
                        .http2()
                        .start();
                Transport t = connect(tls12, trustTestCa, "localhost", List.of("h2", "http/1.1"))) {
            assertThat(t.sslSession().getProtocol()).isEqualTo("TLSv1.2");
            assertThat(t.applicationProtocol()).isEqualTo("h2");
            assertThat(t.sslSession().getCipherSuite()).startsWith("TLS_ECDHE_").containsAnyOf("_GCM_", "CHACHA20");
        }
    }

    @Test
    void worksWithATls13OnlyServer() throws Exception {
        try (JettyServer tls13 =
                        JettyServer.builder().tls().tlsProtocols("TLSv1.3").start();
                Transport t = connect(tls13, trustTestCa, "localhost", NO_ALPN)) {
            assertThat(t.sslSession().getProtocol()).isEqualTo("TLSv1.3");
            assertThat(Io.get(t, "localhost", "/bytes/100").body()).isEqualTo(TestRoutes.bytes(100));
        }
    }

    @Test
    void failsTheHandshakeWhenNoVersionIsShared() throws Exception {
        TlsOptions only13 = trustTestCa.toBuilder().protocols("TLSv1.3").build();
        try (JettyServer tls12 =
                JettyServer.builder().tls().tlsProtocols("TLSv1.2").start()) {
            TransportException e = failToConnect(tls12, only13, "localhost");

            assertThat(e.reason()).isEqualTo(Reason.TLS_HANDSHAKE_FAILED);
        }
    }

    @Test
    void presentsAClientCertificate() throws Exception {
        TlsOptions withCert = trustTestCa.toBuilder()
                .clientCertificate(CERTS.client("finch-client").keyStore(), TestCertificates.PASSWORD.toCharArray())
                .build();
        try (JettyServer mtls =
                JettyServer.builder().tls().requireClientCertificate().start()) {
            try (Transport t = connect(mtls, withCert, "localhost", NO_ALPN)) {
                assertThat(Io.get(t, "localhost", "/status/200").status()).isEqualTo(200);
            }
            // Without one, TLS 1.3 may finish the client's side of the handshake before the server's alert arrives.
            Throwable e = catchThrowable(() -> {
                try (Transport t = connect(mtls, trustTestCa, "localhost", NO_ALPN)) {
                    Io.get(t, "localhost", "/status/200");
                }
            });
            assertThat(e).isInstanceOf(TransportException.class);
        }
    }

    @Test
    void timesOutWhenTheServerNeverAnswersTheHandshake() throws Exception {
        // A listening socket that never accepts: the kernel completes the TCP handshake, nobody reads the hello.
        try (ServerSocketChannel silent = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0))) {
            Transport plain = Transports.tcp("127.0.0.1", silent.socket().getLocalPort(), false, Io.deadline());
            long start = System.nanoTime();

            Throwable e = catchThrowable(() -> Transports.tls(
                    plain, trustTestCa, "localhost", NO_ALPN, Transports.deadline(Duration.ofMillis(300))));

            assertThat(Io.reasonOf(e)).isEqualTo(Reason.TIMEOUT);
            assertThat(System.nanoTime() - start)
                    .isGreaterThanOrEqualTo(Duration.ofMillis(250).toNanos())
                    .isLessThan(Duration.ofSeconds(5).toNanos());
            assertThat(plain.channel().isOpen()).isFalse();
        }
    }

    @Test
    void reportsClosedWhenThePeerClosesDuringTheHandshake() throws Exception {
        try (ServerSocketChannel server = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0))) {
            Transport plain = Transports.tcp("127.0.0.1", server.socket().getLocalPort(), false, Io.deadline());
            try (SocketChannel peer = server.accept()) {
                peer.shutdownOutput(); // FIN, but keep reading so the hello is not answered with a reset

                Throwable e =
                        catchThrowable(() -> Transports.tls(plain, trustTestCa, "localhost", NO_ALPN, Io.deadline()));

                assertThat(Io.reasonOf(e)).isEqualTo(Reason.CLOSED);
                assertThat(plain.channel().isOpen()).isFalse();
            }
        }
    }

    @Test
    void failsTheHandshakeWhenThePeerIsNotTls() throws Exception {
        try (JettyServer http = JettyServer.http()) {
            Transport plain = Transports.tcp(JettyServer.HOST, http.port(), false, Io.deadline());

            Throwable e = catchThrowable(() -> Transports.tls(plain, trustTestCa, "localhost", NO_ALPN, Io.deadline()));

            // Jetty answers the hello with "HTTP/1.1 400": not a TLS record.
            assertThat(Io.reasonOf(e)).isIn(Reason.TLS_HANDSHAKE_FAILED, Reason.CLOSED);
            assertThat(plain.channel().isOpen()).isFalse();
        }
    }

    @Test
    void readsALargeResponseThroughASmallBuffer() throws Exception {
        int size = 3 * 1024 * 1024 + 17;
        try (Transport t = connect(https, trustTestCa, "localhost", NO_ALPN)) {
            Io.write(t, "GET /bytes/" + size + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
            Io.Response r = Io.Response.parse(Io.readToEnd(t, 1000));

            assertThat(r.body()).isEqualTo(TestRoutes.bytes(size));
        }
    }

    @Test
    void readsALargeResponseThroughABufferLargerThanARecord() throws Exception {
        int size = 4 * 1024 * 1024;
        try (Transport t = connect(https, trustTestCa, "localhost", NO_ALPN)) {
            Io.write(t, "GET /bytes/" + size + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
            Io.Response r = Io.Response.parse(Io.readToEnd(t, 256 * 1024));

            assertThat(r.body()).isEqualTo(TestRoutes.bytes(size));
        }
    }

    @Test
    void keepsDecryptedBytesThatDidNotFitForTheNextRead() throws Exception {
        try (Transport t = connect(https, trustTestCa, "localhost", NO_ALPN)) {
            Io.write(t, "GET /bytes/5000 HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
            String head = Io.readUntil(t, "\r\n\r\n");
            assertThat(head).startsWith("HTTP/1.1 200");

            ByteBuffer one = ByteBuffer.allocate(10);
            long deadline = Io.deadline();
            while (t.read(one) == 0) { // bounded by the deadline
                assertThat(System.nanoTime() - deadline).isNegative();
                t.awaitReadable(deadline - System.nanoTime());
            }
            assertThat(t.hasBufferedInput())
                    .as("the rest of the record is buffered")
                    .isTrue();
            assertThat(t.awaitReadable(0)).isTrue();
        }
    }

    @Test
    void uploadsALargeBodyWithWriteFully() throws Exception {
        int size = 6 * 1024 * 1024 + 3;
        byte[] body = TestRoutes.bytes(size);
        try (Transport t = connect(https, trustTestCa, "localhost", NO_ALPN)) {
            String head = "POST /digest HTTP/1.1\r\nHost: localhost\r\nContent-Length: " + size
                    + "\r\nConnection: close\r\n\r\n";
            ByteBuffer[] srcs = {
                ByteBuffer.wrap(head.getBytes(StandardCharsets.US_ASCII)),
                ByteBuffer.wrap(body, 0, size / 2),
                ByteBuffer.wrap(body, size / 2, size - size / 2)
            };
            t.writeFully(srcs, Io.deadline());
            assertThat(t.hasPendingWrites()).isFalse();

            Io.Response r = Io.Response.parse(Io.readToEnd(t, 4096));

            assertThat(r.bodyText()).isEqualTo(size + " " + Io.sha256Hex(body));
        }
    }

    @Test
    void echoesSeveralMebibytesWithNonBlockingWritesAndReads() throws Exception {
        int size = 5 * 1024 * 1024 + 11;
        try (Transport t = connect(https, trustTestCa, "localhost", NO_ALPN)) {
            NonBlockingEcho.Result echo = NonBlockingEcho.run(t, "localhost", TestRoutes.bytes(size));

            assertThat(echo.body()).isEqualTo(TestRoutes.bytes(size));
        }
    }

    @Test
    void aNonBlockingWriteTakesWhatTheSocketAcceptsAndKeepsTheRestOfItsRecord() throws Exception {
        byte[] body = new byte[64 * 1024 * 1024]; // more than the socket buffers of both sides hold
        try (Transport t = connect(https, trustTestCa, "localhost", NO_ALPN)) {
            // The server does not read the body for five seconds.
            String head = "POST /slow/5000 HTTP/1.1\r\nHost: localhost\r\nContent-Length: " + body.length + "\r\n\r\n";
            ByteBuffer[] srcs = {ByteBuffer.wrap(head.getBytes(StandardCharsets.US_ASCII)), ByteBuffer.wrap(body)};

            long first = t.write(srcs);

            assertThat(first).isPositive().isLessThan(head.length() + body.length);
            assertThat(srcs[1].hasRemaining()).isTrue();
            // Until the socket drains, the transport takes nothing more (or only what the kernel made room for).
            long second = t.write(srcs);
            assertThat(first + second).isLessThan(head.length() + body.length);
            if (t.hasPendingWrites()) {
                assertThat(t.flush()).isFalse();
            }
        }
    }

    @Test
    void readsEndOfStreamAfterTheServerCloses() throws Exception {
        try (Transport t = connect(https, trustTestCa, "localhost", NO_ALPN)) {
            Io.get(t, "localhost", "/status/200"); // reads to end of stream

            assertThat(t.read(ByteBuffer.allocate(10))).isEqualTo(-1);
            assertThat(t.isOpen())
                    .as("end of stream leaves closing to the owner")
                    .isTrue();
        }
    }

    @Test
    void closeIsIdempotentAndClosesTheSocket() throws Exception {
        Transport t = connect(https, trustTestCa, "localhost", NO_ALPN);
        t.close();
        t.close();

        assertThat(t.isOpen()).isFalse();
        assertThat(t.channel().isOpen()).isFalse();
        assertThat(Io.reasonOf(catchThrowable(() -> t.read(ByteBuffer.allocate(1)))))
                .isEqualTo(Reason.CLOSED);
    }

    @Test
    void runsTlsInsideATlsTunnel() throws Exception {
        try (JettyServer proxy = JettyServer.builder()
                        .tls()
                        .handler(new ConnectHandler())
                        .start();
                Transport toProxy = connect(proxy, trustTestCa, "localhost", NO_ALPN)) {
            String target = "127.0.0.1:" + https.port();
            Io.write(toProxy, "CONNECT " + target + " HTTP/1.1\r\nHost: " + target + "\r\n\r\n");
            assertThat(Io.readUntil(toProxy, "\r\n\r\n")).startsWith("HTTP/1.1 200");

            try (Transport t = Transports.tls(toProxy, trustTestCa, "localhost", NO_ALPN, Io.deadline())) {
                assertThat(t.channel()).isSameAs(toProxy.channel());
                int size = 2 * 1024 * 1024;
                NonBlockingEcho.Result echo = NonBlockingEcho.run(t, "localhost", TestRoutes.bytes(size));
                assertThat(echo.body()).isEqualTo(TestRoutes.bytes(size));

                Io.Response r = Io.get(t, "localhost", "/bytes/" + size);
                assertThat(r.body()).isEqualTo(TestRoutes.bytes(size));
            }
        }
    }
}
