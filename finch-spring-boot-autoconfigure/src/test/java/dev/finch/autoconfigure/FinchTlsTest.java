package dev.finch.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.finch.FinchClient;
import dev.finch.PoolKey;
import dev.finch.Request;
import dev.finch.conn.Scheme;
import dev.finch.http.TransportException;
import dev.finch.transport.TlsOptions;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** TLS for pools: trust from a Spring SSL bundle, verification on by default, off only when asked. */
class FinchTlsTest {
    private static TestTlsServer server;
    private static String url;
    private static String certificatePem;
    /** The server's key and certificate, password "secret": a client certificate for the bundle tests. */
    private static KeyStore keyStore;

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(FinchAutoConfiguration.class, SslAutoConfiguration.class));

    @BeforeAll
    static void startTlsServer() throws Exception {
        server = TestTlsServer.start();
        url = server.url();
        certificatePem = server.certificatePem();
        keyStore = server.keyStore();
    }

    @AfterAll
    static void stopServer() {
        server.close();
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
                    // The lines are written asynchronously, shortly after each handshake step: bounded wait.
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                    while (Files.readAllLines(keyLog).size() < 4 && System.nanoTime() < deadline) {
                        Thread.sleep(20);
                    }
                    assertThat(Files.readAllLines(keyLog))
                            .as("the TLS 1.3 traffic secrets of the one connection")
                            .hasSize(4)
                            .allMatch(line -> line.matches("[A-Z_0-9]+ [0-9a-f]{64} [0-9a-f]+"));
                });
    }

    @Test
    void withAKeyLogFileAProxysSslBundleIsReadForItsStoresSoThatTheProxyHopCanBeLogged(@TempDir Path dir) {
        Path keyLog = dir.resolve("keys.log");
        runner.withPropertyValues(
                        "spring.ssl.bundle.pem.proxy.truststore.certificate=" + certificatePem,
                        "finch.pools.secure.url=" + url,
                        "finch.pools.secure.tls.key-log-file=" + keyLog,
                        "finch.pools.secure.proxy.url=https://proxy.example:8443",
                        "finch.pools.secure.proxy.ssl-bundle=proxy")
                .run(context -> {
                    TlsOptions proxyTls = proxyTls(context.getBean(FinchClient.class));
                    assertThat(proxyTls.toString()).contains("trust=key store").doesNotContain("caller SSLContext");
                    // What the connection does for the proxy hop: the same options, logging to the pool's file.
                    assertThat(proxyTls.toBuilder().keyLogFile(keyLog).build().keyLogFile())
                            .isEqualTo(keyLog.toAbsolutePath());
                });
    }

    @Test
    void withoutAKeyLogFileAProxysSslBundleGivesItsContext() {
        runner.withPropertyValues(
                        "spring.ssl.bundle.pem.proxy.truststore.certificate=" + certificatePem,
                        "finch.pools.secure.url=" + url,
                        "finch.pools.secure.proxy.url=https://proxy.example:8443",
                        "finch.pools.secure.proxy.ssl-bundle=proxy")
                .run(context -> assertThat(
                                proxyTls(context.getBean(FinchClient.class)).toString())
                        .contains("caller SSLContext"));
    }

    private static TlsOptions proxyTls(FinchClient client) {
        return client.findPool(PoolKey.of(url))
                .orElseThrow()
                .connectOptions()
                .proxy()
                .proxyFor(Scheme.HTTPS, "api.example.com")
                .orElseThrow()
                .tls();
    }
}
