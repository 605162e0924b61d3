package dev.finch.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.finch.http.TransportException;
import dev.finch.http.TransportException.Reason;
import dev.finch.testing.JettyServer;
import dev.finch.testing.TestCertificates;
import dev.finch.testing.TestRoutes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UnixTransportTest {
    private static final TlsOptions TRUST_TEST_CA =
            TlsOptions.builder().trustPem(TestCertificates.get().caPem()).build();

    @Test
    void speaksHttpOverAUnixSocket() throws Exception {
        try (JettyServer server = JettyServer.unix();
                Transport t = Transports.unix(server.socketPath(), Io.deadline())) {
            assertThat(t.channel().isBlocking()).isFalse();

            Io.Response r = Io.get(t, "localhost", "/bytes/100000");

            assertThat(r.status()).isEqualTo(200);
            assertThat(r.body()).isEqualTo(TestRoutes.bytes(100000));
        }
    }

    @Test
    void speaksTlsOverAUnixSocket() throws Exception {
        try (JettyServer server = JettyServer.unixTls()) {
            Transport plain = Transports.unix(server.socketPath(), Io.deadline());
            try (Transport t = Transports.tls(plain, TRUST_TEST_CA, "localhost", List.of(), Io.deadline())) {
                Io.Response r = Io.get(t, "localhost", "/tls");

                assertThat(r.bodyText()).contains("sni=localhost");
            }
        }
    }

    @Test
    void aMissingSocketFileIsConnectFailedNamingThePath(@TempDir Path dir) {
        Path missing = dir.resolve("missing.sock");

        Throwable e = catchThrowable(() -> Transports.unix(missing, Io.deadline()));

        assertThat(Io.reasonOf(e)).isEqualTo(Reason.CONNECT_FAILED);
        assertThat(((TransportException) e).detail()).contains(missing.toString());
    }

    @Test
    void aFileThatIsNotASocketIsConnectFailed(@TempDir Path dir) throws Exception {
        Path plainFile = Files.writeString(dir.resolve("not-a-socket"), "x");

        Throwable e = catchThrowable(() -> Transports.unix(plainFile, Io.deadline()));

        assertThat(Io.reasonOf(e)).isEqualTo(Reason.CONNECT_FAILED);
        assertThat(((TransportException) e).detail()).contains(plainFile.toString());
    }
}
