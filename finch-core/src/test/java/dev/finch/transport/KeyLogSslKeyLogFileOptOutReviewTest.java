package dev.finch.transport;

import static org.assertj.core.api.Assertions.assertThat;

import dev.finch.testing.TestCertificates;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Review: an application has no public way to keep SSLKEYLOGFILE from turning key logging on for its options (short
 * of handing Finch its own SSLContext): keyLogFile(null) falls back to the variable, environment(...) is
 * package-private, and TlsOptions.defaults() reads it when Finch is loaded.
 */
class KeyLogSslKeyLogFileOptOutReviewTest {
    @TempDir
    Path dir;

    @Test
    void sslKeyLogFileCannotBeRefusedThroughThePublicApi() {
        TlsOptions options = TlsOptions.builder()
                .environment(
                        Map.of(TlsOptions.SSLKEYLOGFILE, dir.resolve("keys.log").toString())::get)
                .trustStore(TestCertificates.get().trustStore())
                .keyLogFile(null) // the only public knob; documented as "falls back to SSLKEYLOGFILE"
                .build();
        assertThat(options.keyLogFile())
                .as("an application that never wants secrets on disk can say so")
                .isNull();
    }
}
