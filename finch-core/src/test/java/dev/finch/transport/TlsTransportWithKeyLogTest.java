package dev.finch.transport;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every test of {@link TlsTransportTest} again with key logging on (through {@value TlsOptions#SSLKEYLOGFILE}, so
 * that options with a caller's SSLContext stay as they are): trust, host names, ALPN, client certificates, errors and
 * record handling are the same on the Bouncy Castle engine key logging runs on.
 */
class TlsTransportWithKeyLogTest extends TlsTransportTest {
    @TempDir
    static Path dir;

    @Override
    TlsOptions.Builder options() {
        return TlsOptions.builder()
                .environment(
                        Map.of(TlsOptions.SSLKEYLOGFILE, dir.resolve("keys.log").toString())::get);
    }

    @AfterAll
    static void theConnectionsLoggedTheirSecrets() throws Exception {
        List<String> labels = KeyLogTest.labelsByClientRandom(dir.resolve("keys.log")).values().stream()
                .flatMap(List::stream)
                .toList();

        assertThat(labels)
                .as("TLS 1.2 and 1.3 sessions")
                .contains("CLIENT_RANDOM")
                .containsAll(KeyLogTest.TLS13_LABELS);
    }
}
