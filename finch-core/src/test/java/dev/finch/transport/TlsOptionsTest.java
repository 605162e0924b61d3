package dev.finch.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.finch.testing.TestCertificates;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TlsOptionsTest {
    private static final TestCertificates CERTS = TestCertificates.get();

    @Test
    void defaultsVerifyEverythingAndOfferTls13And12() {
        TlsOptions d = TlsOptions.defaults();

        assertThat(d.verifyCertificates()).isTrue();
        assertThat(d.verifyHostname()).isTrue();
        assertThat(d.protocols()).containsExactly("TLSv1.3", "TLSv1.2");
        assertThat(d.cipherSuites()).isEmpty();
        assertThat(d).hasToString("TlsOptions[trust=system, verifyHostname=true, protocols=[TLSv1.3, TLSv1.2]]");
    }

    @Test
    void insecureSkipVerifyTurnsOffBothChecks() {
        TlsOptions insecure = TlsOptions.builder().insecureSkipVerify().build();

        assertThat(insecure.verifyCertificates()).isFalse();
        assertThat(insecure.verifyHostname()).isFalse();
        assertThat(insecure.toString()).contains("INSECURE");
        assertThat(insecure.toBuilder().trustSystemDefault().build().verifyHostname())
                .as("trusting again restores the host-name check")
                .isTrue();
    }

    @Test
    void buildsTheSslContextOnceEvenWhenAskedConcurrently() throws Exception {
        TlsOptions options = TlsOptions.builder().trustPem(CERTS.caPem()).build();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Callable<SSLContext>> tasks = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                tasks.add(options::sslContext);
            }
            List<SSLContext> contexts = new ArrayList<>();
            for (Future<SSLContext> f : pool.invokeAll(tasks)) {
                contexts.add(f.get());
            }
            assertThat(contexts).allSatisfy(c -> assertThat(c).isSameAs(options.sslContext()));
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void usesACallersSslContextAsIs() {
        SSLContext mine = CERTS.clientSslContext();

        assertThat(TlsOptions.builder().sslContext(mine).build().sslContext()).isSameAs(mine);
    }

    @Test
    void rejectsPemTextWithoutACertificate() {
        assertThatThrownBy(() -> TlsOptions.builder().trustPem("-----BEGIN PRIVATE KEY-----\nAAAA\n"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no -----BEGIN CERTIFICATE----- block found in the PEM text");
    }

    @Test
    void rejectsAPemBlockThatIsNotACertificate() {
        String broken = "-----BEGIN CERTIFICATE-----\nAAAAAAAA\n-----END CERTIFICATE-----\n";

        assertThatThrownBy(() -> TlsOptions.builder().trustPem(CERTS.caPem() + broken))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("certificate #2 in the PEM text is invalid");
    }

    @Test
    void rejectsAnUnreadablePemFile(@TempDir Path dir) {
        Path missing = dir.resolve("missing.pem");

        assertThatThrownBy(() -> TlsOptions.builder().trustPemFile(missing))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cannot read PEM file " + missing);
    }

    @Test
    void readsEveryCertificateOfAPemFile(@TempDir Path dir) throws Exception {
        Path bundle = Files.writeString(
                dir.resolve("bundle.pem"),
                CERTS.caPem() + "\r\n" + CERTS.selfSigned().certificatePem());

        assertThat(TlsOptions.parsePem(Files.readString(bundle), "b").size()).isEqualTo(2);
    }

    @Test
    void rejectsAClientKeyWithTheWrongPasswordAtBuildTime() {
        TlsOptions.Builder b =
                TlsOptions.builder().clientCertificate(CERTS.client("c").keyStore(), "wrong".toCharArray());

        assertThatThrownBy(b::build)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("cannot use the client key store");
    }

    @Test
    void rejectsAClientCertificateCombinedWithACallersContext() {
        TlsOptions.Builder b = TlsOptions.builder()
                .sslContext(CERTS.clientSslContext())
                .clientCertificate(CERTS.client("c").keyStore(), TestCertificates.PASSWORD.toCharArray());

        assertThatThrownBy(b::build).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void configuresTheEngineForAHostName() {
        SSLEngine engine = TlsOptions.defaults().newEngine("example.com.", 443, List.of("http/1.1"));

        assertThat(engine.getUseClientMode()).isTrue();
        assertThat(engine.getPeerHost()).isEqualTo("example.com");
        assertThat(engine.getSSLParameters().getServerNames()).hasSize(1);
        assertThat(engine.getSSLParameters().getEndpointIdentificationAlgorithm())
                .isEqualTo("HTTPS");
        assertThat(engine.getSSLParameters().getApplicationProtocols()).containsExactly("http/1.1");
        assertThat(engine.getEnabledProtocols()).containsExactlyInAnyOrder("TLSv1.3", "TLSv1.2");
    }

    @Test
    void sendsNoSniForIpLiterals() {
        for (String ip : List.of("127.0.0.1", "[::1]", "::1")) {
            SSLEngine engine = TlsOptions.defaults().newEngine(ip, 443, List.of());

            assertThat(engine.getSSLParameters().getServerNames()).as(ip).isNullOrEmpty();
            assertThat(engine.getSSLParameters().getApplicationProtocols()).isEmpty();
        }
    }

    @Test
    void leavesTheHttp2BlockListOutWhenH2IsOffered() {
        SSLEngine engine = TlsOptions.defaults().newEngine("example.com", 443, List.of("h2", "http/1.1"));
        String[] all =
                TlsOptions.defaults().newEngine("example.com", 443, List.of()).getEnabledCipherSuites();

        assertThat(engine.getEnabledCipherSuites())
                .allSatisfy(
                        s -> assertThat(TlsOptions.allowedWithHttp2(s)).as(s).isTrue());
        assertThat(engine.getEnabledCipherSuites())
                .contains("TLS_AES_128_GCM_SHA256")
                .hasSizeLessThan(all.length);
        assertThat(Arrays.asList(all)).contains("TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256");
    }

    @Test
    void classifiesCipherSuitesByTheHttp2BlockList() {
        assertThat(TlsOptions.allowedWithHttp2("TLS_AES_256_GCM_SHA384")).isTrue();
        assertThat(TlsOptions.allowedWithHttp2("TLS_CHACHA20_POLY1305_SHA256")).isTrue();
        assertThat(TlsOptions.allowedWithHttp2("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"))
                .isTrue();
        assertThat(TlsOptions.allowedWithHttp2("TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"))
                .isTrue();
        assertThat(TlsOptions.allowedWithHttp2("TLS_DHE_RSA_WITH_AES_256_GCM_SHA384"))
                .isTrue();
        assertThat(TlsOptions.allowedWithHttp2("TLS_EMPTY_RENEGOTIATION_INFO_SCSV"))
                .isTrue();

        assertThat(TlsOptions.allowedWithHttp2("TLS_RSA_WITH_AES_128_GCM_SHA256"))
                .isFalse();
        assertThat(TlsOptions.allowedWithHttp2("TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256"))
                .isFalse();
        assertThat(TlsOptions.allowedWithHttp2("TLS_DHE_RSA_WITH_AES_128_CBC_SHA"))
                .isFalse();
        assertThat(TlsOptions.allowedWithHttp2("TLS_RSA_WITH_AES_256_CBC_SHA256"))
                .isFalse();
    }

    @Test
    void failsClearlyWhenNoCipherSuiteIsLeftForH2() {
        TlsOptions cbcOnly = TlsOptions.builder()
                .protocols("TLSv1.2")
                .cipherSuites("TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256")
                .build();

        assertThatThrownBy(() -> cbcOnly.newEngine("example.com", 443, List.of("h2")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("block list");
    }

    @Test
    void recognisesIpLiteralsWithoutDns() {
        assertThat(HostNames.isIpLiteral("127.0.0.1")).isTrue();
        assertThat(HostNames.isIpLiteral("::1")).isTrue();
        assertThat(HostNames.isIpLiteral("[2001:db8::1]")).isTrue();
        assertThat(HostNames.isIpLiteral("256.0.0.1")).isFalse();
        assertThat(HostNames.isIpLiteral("1.2.3")).isFalse();
        assertThat(HostNames.isIpLiteral("1.2.3.4.example")).isFalse();
        assertThat(HostNames.isIpLiteral("localhost")).isFalse();
    }
}
