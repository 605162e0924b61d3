package dev.finch.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.logging.LogRecord;
import javax.net.ssl.SSLContext;
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
}
