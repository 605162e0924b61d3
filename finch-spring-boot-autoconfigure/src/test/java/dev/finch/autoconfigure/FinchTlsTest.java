package dev.finch.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.finch.FinchClient;
import dev.finch.PoolKey;
import dev.finch.Request;
import dev.finch.http.TransportException;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** TLS for pools: trust from a Spring SSL bundle, verification on by default, off only when asked. */
class FinchTlsTest {
    private static HttpsServer server;
    private static String url;
    private static String certificatePem;
    /** The server's key and certificate, password "secret": a client certificate for the bundle tests. */
    private static KeyStore keyStore;

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(FinchAutoConfiguration.class, SslAutoConfiguration.class));

    @BeforeAll
    static void startTlsServer() throws Exception {
        KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
        gen.initialize(256);
        KeyPair keys = gen.generateKeyPair();
        X500Name name = new X500Name("CN=127.0.0.1");
        Instant now = Instant.now();
        JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(
                name,
                BigInteger.valueOf(now.toEpochMilli()),
                Date.from(now.minus(Duration.ofDays(1))),
                Date.from(now.plus(Duration.ofDays(1))),
                name,
                keys.getPublic());
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
        b.addExtension(
                Extension.subjectAlternativeName,
                false,
                new GeneralNames(new GeneralName(GeneralName.iPAddress, "127.0.0.1")));
        X509Certificate cert = new JcaX509CertificateConverter()
                .getCertificate(b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate())));
        certificatePem = "-----BEGIN CERTIFICATE-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                        .encodeToString(cert.getEncoded())
                + "\n-----END CERTIFICATE-----\n";

        KeyStore ks = KeyStore.getInstance("PKCS12");
        keyStore = ks;
        ks.load(null, null);
        ks.setKeyEntry("server", keys.getPrivate(), "secret".toCharArray(), new Certificate[] {cert});
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, "secret".toCharArray());
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(kmf.getKeyManagers(), null, null);

        server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(context));
        server.createContext("/", exchange -> {
            byte[] body = "secure".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        url = "https://127.0.0.1:" + server.getAddress().getPort();
    }

    @AfterAll
    static void stopServer() {
        server.stop(0);
    }

    @Test
    void aPoolTrustsTheCertificatesOfItsSslBundle() {
        runner.withPropertyValues(
                        "spring.ssl.bundle.pem.upstream.truststore.certificate=" + certificatePem,
                        "finch.pools.secure.url=" + url,
                        "finch.pools.secure.tls.ssl-bundle=upstream")
                .run(context -> assertThat(context.getBean(FinchClient.class)
                                .request(Request.get(url + "/"))
                                .bodyText())
                        .isEqualTo("secure"));
    }

    @Test
    void certificatesAreVerifiedByDefault() {
        runner.run(context -> assertThatThrownBy(
                        () -> context.getBean(FinchClient.class).request(Request.get(url + "/")))
                .isInstanceOf(TransportException.class));
    }

    @Test
    void verificationCanBeTurnedOffForAPool() {
        runner.withPropertyValues("finch.pools.dev.url=" + url, "finch.pools.dev.tls.verify=false")
                .run(context -> assertThat(context.getBean(FinchClient.class)
                                .request(Request.get(url + "/"))
                                .bodyText())
                        .isEqualTo("secure"));
    }

    @Test
    void withAKeyLogFileABundlesKeyStoreBecomesTheClientCertificate(@TempDir Path dir) throws Exception {
        Path p12 = dir.resolve("client.p12");
        try (OutputStream out = Files.newOutputStream(p12)) {
            keyStore.store(out, "secret".toCharArray());
        }
        runner.withPropertyValues(
                        "spring.ssl.bundle.jks.mtls.keystore.location=file:" + p12,
                        "spring.ssl.bundle.jks.mtls.keystore.type=PKCS12",
                        "spring.ssl.bundle.jks.mtls.keystore.password=secret",
                        "finch.pools.secure.url=" + url,
                        "finch.pools.secure.tls.ssl-bundle=mtls",
                        "finch.pools.secure.tls.verify=false",
                        "finch.pools.secure.tls.key-log-file=" + dir.resolve("keys.log"))
                .run(context -> {
                    FinchClient client = context.getBean(FinchClient.class);
                    assertThat(client.findPool(PoolKey.of(url))
                                    .orElseThrow()
                                    .connectOptions()
                                    .tls()
                                    .toString())
                            .contains("clientCertificate", "keyLogFile=");
                    assertThat(client.request(Request.get(url + "/")).bodyText())
                            .isEqualTo("secure");
                });
    }

    @Test
    void aPoolWithAKeyLogFileLogsItsSessionSecretsAndKeepsTheBundlesTrust(@TempDir Path dir) {
        Path keyLog = dir.resolve("keys.log");
        runner.withPropertyValues(
                        "spring.ssl.bundle.pem.upstream.truststore.certificate=" + certificatePem,
                        "finch.pools.secure.url=" + url,
                        "finch.pools.secure.tls.ssl-bundle=upstream",
                        "finch.pools.secure.tls.key-log-file=" + keyLog)
                .run(context -> {
                    assertThat(context.getBean(FinchClient.class)
                                    .request(Request.get(url + "/"))
                                    .bodyText())
                            .isEqualTo("secure");
                    assertThat(Files.readAllLines(keyLog))
                            .as("the TLS 1.3 traffic secrets of the one connection")
                            .hasSize(4)
                            .allMatch(line -> line.matches("[A-Z_0-9]+ [0-9a-f]{64} [0-9a-f]+"));
                });
    }
}
