package dev.finch.transport;

import static org.assertj.core.api.Assertions.assertThat;

import dev.finch.http.TransportException;
import dev.finch.testing.JettyServer;
import dev.finch.testing.TestCertificates;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Review: with key logging on and the system trust (no trust given: Bouncy Castle's own default trust manager), the
 * javax.net.ssl.trustStore is honoured and the host name is still verified.
 */
class KeyLogSystemTrustReviewTest {
    @TempDir
    Path dir;

    @Test
    void systemTrustWithKeyLoggingStillVerifiesTheHostName() throws Exception {
        TestCertificates certs = TestCertificates.get();
        Path store = dir.resolve("trust.p12");
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        KeyStore test = certs.trustStore();
        for (String alias : java.util.Collections.list(test.aliases())) {
            ks.setCertificateEntry(alias, test.getCertificate(alias));
        }
        try (OutputStream out = Files.newOutputStream(store)) {
            ks.store(out, "changeit".toCharArray());
        }
        String[] keys = {"javax.net.ssl.trustStore", "javax.net.ssl.trustStorePassword", "javax.net.ssl.trustStoreType"
        };
        String[] old = new String[3];
        for (int i = 0; i < 3; i++) {
            old[i] = System.getProperty(keys[i]);
        }
        System.setProperty(keys[0], store.toString());
        System.setProperty(keys[1], "changeit");
        System.setProperty(keys[2], "PKCS12");
        try (JettyServer good = JettyServer.https();
                JettyServer other =
                        JettyServer.builder().tls(certs.issue("other.example")).start()) {
            TlsOptions system = TlsOptions.builder()
                    .environment(Map.of(
                            TlsOptions.SSLKEYLOGFILE, dir.resolve("k.log").toString())::get)
                    .build();
            assertThat(system.keyLogFile()).isNotNull();
            try (Transport t = TlsTransportTest.connect(good, system, "localhost", List.of())) {
                assertThat(Io.get(t, "localhost", "/bytes/10").status()).isEqualTo(200);
            }
            TransportException e = TlsTransportTest.failToConnect(other, system, "localhost");
            assertThat(e.reason()).isEqualTo(TransportException.Reason.TLS_CERTIFICATE_REJECTED);
            assertThat(e.detail()).startsWith("host name mismatch for localhost");
        } finally {
            for (int i = 0; i < 3; i++) {
                if (old[i] == null) {
                    System.clearProperty(keys[i]);
                } else {
                    System.setProperty(keys[i], old[i]);
                }
            }
        }
    }
}
