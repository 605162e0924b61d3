package dev.finch.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.finch.testing.JettyServer;
import dev.finch.testing.TestCertificates;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.logging.LogRecord;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Finch without the optional Bouncy Castle jars: finch-core's classes loaded alone (the JDK as parent, nothing from
 * the test class path), as an application that does not declare {@code bctls-jdk18on} sees them.
 */
class KeyLogWithoutBouncyCastleTest {
    @TempDir
    Path dir;

    private URLClassLoader finchAlone;
    private Class<?> tlsOptions;
    private Class<?> builder;

    @BeforeEach
    void loadFinchWithoutBouncyCastle() throws Exception {
        URL classes = TlsOptions.class.getProtectionDomain().getCodeSource().getLocation();
        finchAlone = new URLClassLoader(new URL[] {classes}, ClassLoader.getPlatformClassLoader());
        tlsOptions = Class.forName(TlsOptions.class.getName(), true, finchAlone);
        builder = Class.forName(TlsOptions.Builder.class.getName(), true, finchAlone);
        assertThat(tlsOptions).isNotSameAs(TlsOptions.class);
        assertThat(catchThrowable(
                        () -> finchAlone.loadClass("org.bouncycastle.jsse.provider.BouncyCastleJsseProvider")))
                .isInstanceOf(ClassNotFoundException.class);
    }

    @AfterEach
    void close() throws Exception {
        finchAlone.close();
    }

    private Object newBuilder() throws Exception {
        return tlsOptions.getMethod("builder").invoke(null);
    }

    @Test
    void anExplicitKeyLogFileFailsNamingTheMissingArtifact() throws Exception {
        Object b = newBuilder();
        builder.getMethod("keyLogFile", Path.class).invoke(b, dir.resolve("keys.log"));

        Throwable e = catchThrowable(() -> builder.getMethod("build").invoke(b));

        assertThat(e).isInstanceOf(InvocationTargetException.class);
        assertThat(e.getCause())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("needs org.bouncycastle:bctls-jdk18on");
        assertThat(dir.resolve("keys.log")).doesNotExist();
    }

    @Test
    void sslKeyLogFileIsIgnoredAndTlsWorksAsBefore() throws Exception {
        Object b = newBuilder();
        Method environment = builder.getDeclaredMethod("environment", Function.class);
        environment.setAccessible(true);
        Function<String, String> env =
                Map.of("SSLKEYLOGFILE", dir.resolve("keys.log").toString())::get;
        environment.invoke(b, env);

        Object options;
        List<LogRecord> warnings;
        try (LogRecorder log = new LogRecorder(KeyLogFile.class.getName())) {
            options = builder.getMethod("build").invoke(b);
            warnings = log.records();
        }

        assertThat(warnings)
                .singleElement()
                .extracting(LogRecord::getMessage)
                .asString()
                .contains("SSLKEYLOGFILE is set but TLS secrets are not logged", "bctls-jdk18on");
        assertThat(tlsOptions.getMethod("keyLogFile").invoke(options)).isNull();
        SSLContext context = (SSLContext) tlsOptions.getMethod("sslContext").invoke(options);
        assertThat(context.getProvider().getName()).isEqualTo("SunJSSE");
        assertThat(dir.resolve("keys.log")).doesNotExist();
    }
    /**
     * A real handshake with finch-core loaded alone, with SSLKEYLOGFILE set: loading and running {@link Transports}
     * and {@link TlsTransport} must not need Bouncy Castle either (an eager reference there would fail here only).
     */
    @Test
    void aTlsHandshakeRunsWithoutBouncyCastle() throws Exception {
        Class<?> transports = Class.forName(Transports.class.getName(), true, finchAlone);
        Class<?> transport = Class.forName(Transport.class.getName(), true, finchAlone);
        Object b = newBuilder();
        builder.getMethod("trustPem", String.class)
                .invoke(b, TestCertificates.get().caPem());
        Method environment = builder.getDeclaredMethod("environment", Function.class);
        environment.setAccessible(true);
        Function<String, String> env =
                Map.of("SSLKEYLOGFILE", dir.resolve("keys.log").toString())::get;
        environment.invoke(b, env);
        Object tls = builder.getMethod("build").invoke(b);
        Method tlsMethod = transports.getMethod("tls", transport, tlsOptions, String.class, List.class, long.class);

        try (JettyServer https = JettyServer.https()) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            Object tcp = transports
                    .getMethod("tcp", String.class, int.class, boolean.class, long.class)
                    .invoke(null, "127.0.0.1", https.port(), false, deadline);
            Object t = tlsMethod.invoke(null, tcp, tls, "localhost", List.of(), deadline);
            try {
                SSLSession session =
                        (SSLSession) transport.getMethod("sslSession").invoke(t);
                assertThat(session.getProtocol()).isEqualTo("TLSv1.3");
            } finally {
                ((AutoCloseable) t).close();
            }
        }
        assertThat(finchAlone.getResource("org/bouncycastle/jsse/provider/BouncyCastleJsseProvider.class"))
                .isNull();
        assertThat(dir.resolve("keys.log")).doesNotExist();
    }
}
