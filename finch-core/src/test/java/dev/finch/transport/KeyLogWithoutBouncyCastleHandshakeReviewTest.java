package dev.finch.transport;

import static org.assertj.core.api.Assertions.assertThat;

import dev.finch.testing.JettyServer;
import dev.finch.testing.TestCertificates;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Review: KeyLogWithoutBouncyCastleTest only builds TlsOptions and reads its SSLContext; it never loads Transports or
 * TlsTransport without Bouncy Castle, so an eager BC reference there would go unnoticed. This runs a real handshake
 * with finch-core loaded alone (passes today; proposed as the guard).
 */
class KeyLogWithoutBouncyCastleHandshakeReviewTest {
    @TempDir
    Path dir;

    @Test
    void aTlsHandshakeRunsWithFinchLoadedWithoutBouncyCastle() throws Exception {
        URL classes = TlsOptions.class.getProtectionDomain().getCodeSource().getLocation();
        try (URLClassLoader alone = new URLClassLoader(new URL[] {classes}, ClassLoader.getPlatformClassLoader());
                JettyServer https = JettyServer.https()) {
            Class<?> options = Class.forName(TlsOptions.class.getName(), true, alone);
            Class<?> builder = Class.forName(TlsOptions.Builder.class.getName(), true, alone);
            Class<?> transports = Class.forName(Transports.class.getName(), true, alone);
            Class<?> transport = Class.forName(Transport.class.getName(), true, alone);
            Object b = options.getMethod("builder").invoke(null);
            builder.getMethod("trustPem", String.class)
                    .invoke(b, TestCertificates.get().caPem());
            Method environment = builder.getDeclaredMethod("environment", Function.class);
            environment.setAccessible(true);
            environment.invoke(b, (Function<String, String>)
                    Map.of("SSLKEYLOGFILE", dir.resolve("keys.log").toString())::get);
            Object tls = builder.getMethod("build").invoke(b);
            long deadline = System.nanoTime() + 20_000_000_000L;
            Object tcp = transports
                    .getMethod("tcp", String.class, int.class, boolean.class, long.class)
                    .invoke(null, "127.0.0.1", https.port(), false, deadline);
            Method tlsMethod = null;
            for (Method m : transports.getMethods()) {
                if (m.getName().equals("tls") && m.getParameterCount() == 5) {
                    tlsMethod = m;
                }
            }
            Object t = tlsMethod.invoke(null, tcp, tls, "localhost", List.of(), deadline);
            try {
                Object session = transport.getMethod("sslSession").invoke(t);
                assertThat(((javax.net.ssl.SSLSession) session).getProtocol()).isEqualTo("TLSv1.3");
            } finally {
                ((AutoCloseable) t).close();
            }
            assertThat(alone.getResource("org/bouncycastle/jsse/provider/BouncyCastleJsseProvider.class"))
                    .isNull();
        }
    }
}
