package dev.finch.transport;

import static org.assertj.core.api.Assertions.assertThat;

import dev.finch.testing.TestCertificates;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Handshake messages after the handshake: a JDK {@link SSLSocket} server calls {@code startHandshake()} again between
 * request lines, which in TLS 1.3 sends a KeyUpdate asking the client to update its keys too (the client's engine
 * must then wrap an answer while reading: NEED_WRAP during unwrap), and in TLS 1.2 starts a renegotiation. Every
 * TLS 1.3 session also starts with NewSessionTicket messages. The server runs on a test thread; the transport still
 * starts none.
 */
class PostHandshakeTest {
    private static final TlsOptions TRUST_TEST_CA =
            TlsOptions.builder().trustPem(TestCertificates.get().caPem()).build();
    private static final int ROUNDS = 5;

    private ExecutorService serverThread;

    @BeforeEach
    void startThread() {
        serverThread = Executors.newSingleThreadExecutor();
    }

    @AfterEach
    void stopThread() throws Exception {
        serverThread.shutdownNow();
        assertThat(serverThread.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }

    /** Accepts one client and answers each "ping N" line with "pong N", re-handshaking before each answer. */
    private Future<String> serve(SSLServerSocket server) {
        return serverThread.submit(() -> {
            try (server;
                    SSLSocket s = (SSLSocket) server.accept()) {
                s.setSoTimeout(10_000);
                BufferedReader in =
                        new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
                OutputStream out = s.getOutputStream();
                for (int i = 0; i < ROUNDS; i++) {
                    String line = in.readLine();
                    s.startHandshake(); // TLS 1.3: KeyUpdate(update_requested); TLS 1.2: HelloRequest
                    out.write(("pong " + line.substring(5) + "\n").getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                }
                return s.getSession().getProtocol();
            }
        });
    }

    private static SSLServerSocket listen(String protocol) throws Exception {
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(TestCertificates.get().localhost().keyStore(), TestCertificates.PASSWORD.toCharArray());
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(kmf.getKeyManagers(), null, null);
        SSLServerSocket server = (SSLServerSocket)
                context.getServerSocketFactory().createServerSocket(0, 1, InetAddress.getByName("127.0.0.1"));
        server.setEnabledProtocols(new String[] {protocol});
        server.setSoTimeout(10_000);
        return server;
    }

    @Test
    void answersKeyUpdatesInPassiveMode() throws Exception {
        SSLServerSocket server = listen("TLSv1.3");
        Future<String> served = serve(server);
        try (Transport t = connect(server)) {
            for (int i = 0; i < ROUNDS; i++) {
                Io.write(t, "ping " + i + "\n");
                assertThat(Io.readUntil(t, "\n")).isEqualTo("pong " + i + "\n");
            }
        }
        assertThat(served.get(10, TimeUnit.SECONDS)).isEqualTo("TLSv1.3");
    }

    @Test
    void answersKeyUpdatesInActiveMode() throws Exception {
        SSLServerSocket server = listen("TLSv1.3");
        Future<String> served = serve(server);
        try (Transport t = connect(server);
                Selector selector = Selector.open()) {
            SelectionKey key = t.channel().register(selector, 0);
            for (int i = 0; i < ROUNDS; i++) {
                ByteBuffer[] ping = {ByteBuffer.wrap(("ping " + i + "\n").getBytes(StandardCharsets.US_ASCII))};
                StringBuilder got = new StringBuilder();
                ByteBuffer buf = ByteBuffer.allocate(64);
                long deadline = Io.deadline();
                // Bounded by the deadline.
                while (got.indexOf("\n") < 0) {
                    assertThat(System.nanoTime() - deadline)
                            .as("answer within the deadline")
                            .isNegative();
                    if (Buffers.hasRemaining(ping)) {
                        t.write(ping);
                    }
                    if (t.hasPendingWrites()) {
                        t.flush(); // e.g. the answer to a KeyUpdate that the socket did not take at once
                    }
                    buf.clear();
                    int n = t.read(buf);
                    assertThat(n).isNotNegative();
                    got.append(new String(buf.array(), 0, n, StandardCharsets.US_ASCII));
                    if (n == 0 && !t.hasBufferedInput()) {
                        boolean writing = Buffers.hasRemaining(ping) || t.hasPendingWrites();
                        key.interestOps(SelectionKey.OP_READ | (writing ? SelectionKey.OP_WRITE : 0));
                        selector.select(100);
                        selector.selectedKeys().clear();
                    }
                }
                assertThat(got).hasToString("pong " + i + "\n");
            }
        }
        assertThat(served.get(10, TimeUnit.SECONDS)).isEqualTo("TLSv1.3");
    }

    @Test
    void followsARenegotiationStartedByATls12Server() throws Exception {
        SSLServerSocket server = listen("TLSv1.2");
        Future<String> served = serve(server);
        try (Transport t = connect(server)) {
            for (int i = 0; i < ROUNDS; i++) {
                Io.write(t, "ping " + i + "\n");
                assertThat(Io.readUntil(t, "\n")).isEqualTo("pong " + i + "\n");
            }
        }
        assertThat(served.get(10, TimeUnit.SECONDS)).isEqualTo("TLSv1.2");
    }

    private static Transport connect(SSLServerSocket server) throws IOException {
        Transport plain = Transports.tcp("127.0.0.1", server.getLocalPort(), false, Io.deadline());
        return Transports.tls(plain, TRUST_TEST_CA, "localhost", List.of(), Io.deadline());
    }
}
