package dev.finch.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.cert.CertificateExpiredException;
import java.security.cert.X509Certificate;
import java.util.List;
import org.junit.jupiter.api.Test;

class TestCertificatesTest {
    private final TestCertificates certs = TestCertificates.get();

    private static List<Object> sanValues(X509Certificate c) throws Exception {
        return c.getSubjectAlternativeNames().stream()
                .map(l -> (Object) l.get(1))
                .toList();
    }

    @Test
    void isOneCaPerJvm() {
        assertThat(TestCertificates.get()).isSameAs(certs);
        assertThat(certs.localhost()).isSameAs(certs.localhost());
        assertThat(certs.caPem()).startsWith("-----BEGIN CERTIFICATE-----\n").endsWith("-----END CERTIFICATE-----\n");
    }

    @Test
    void issuesLocalhostCertificatesSignedByTheCa() throws Exception {
        X509Certificate leaf = certs.localhost().certificate();

        leaf.verify(certs.caCertificate().getPublicKey());
        leaf.checkValidity();
        assertThat(sanValues(leaf)).containsExactly("localhost", "127.0.0.1", "0:0:0:0:0:0:0:1");
        assertThat(certs.localhost().chain()).containsExactly(leaf, certs.caCertificate());
        assertThat(certs.caCertificate().getBasicConstraints()).isNotNegative();
        assertThat(certs.caCertificate().getSubjectX500Principal().getName())
                .isEqualTo("CN=Finch Test Root CA,O=Finch for Java tests");
    }

    @Test
    void issuesCertificatesForOtherNames() throws Exception {
        X509Certificate c = certs.issue("*.example.test", "10.0.0.1").certificate();

        assertThat(sanValues(c)).containsExactly("*.example.test", "10.0.0.1");
        assertThat(c.getSubjectX500Principal().getName()).startsWith("CN=*.example.test");
    }

    @Test
    void issuesAnExpiredAndASelfSignedCertificate() {
        assertThatThrownBy(() -> certs.expired().certificate().checkValidity())
                .isInstanceOf(CertificateExpiredException.class);
        X509Certificate self = certs.selfSigned().certificate();
        assertThat(self.getIssuerX500Principal()).isEqualTo(self.getSubjectX500Principal());
        assertThat(certs.selfSigned().chain()).hasSize(1);
    }

    @Test
    void buildsKeyStoresForServersAndClients() throws Exception {
        var ks = certs.localhost().keyStore();

        assertThat(ks.isKeyEntry(TestCertificates.ALIAS)).isTrue();
        assertThat(ks.getKey(TestCertificates.ALIAS, TestCertificates.PASSWORD.toCharArray()))
                .isEqualTo(certs.localhost().privateKey());
        assertThat(certs.trustStore().getCertificate(TestCertificates.ALIAS)).isEqualTo(certs.caCertificate());
        assertThat(certs.client("alice").certificate().getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.2");
    }
}
