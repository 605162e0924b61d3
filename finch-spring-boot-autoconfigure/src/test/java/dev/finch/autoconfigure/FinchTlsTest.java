package dev.finch.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.finch.FinchClient;
import dev.finch.Request;
import dev.finch.http.TransportException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** TLS for pools: trust from a Spring SSL bundle, verification on by default, off only when asked. */
class FinchTlsTest {
    private static TestTlsServer server;
    private static String url;
    private static String certificatePem;

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(FinchAutoConfiguration.class, SslAutoConfiguration.class));

    @BeforeAll
    static void startTlsServer() throws Exception {
        server = TestTlsServer.start();
        url = server.url();
        certificatePem = server.certificatePem();
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
}
