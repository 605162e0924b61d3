package dev.finch.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.finch.FinchClient;
import dev.finch.Request;
import dev.finch.Response;
import dev.finch.conn.ConnectOptions;
import dev.finch.conn.Protocol;
import dev.finch.http.TransportException;
import dev.finch.pool.PoolConfig;
import dev.finch.testing.JettyServer;
import dev.finch.testing.TestCertificates;
import dev.finch.testing.TestRoutes;
import java.io.OutputStream;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS key logging against Jetty (the JDK's TLS): the file holds the NSS lines each TLS version produces, for single,
 * pooled and concurrent connections, and the options resolve the file as documented. {@link KeyLogOpenSslTest} checks
 * the secrets themselves, {@link TlsTransportWithKeyLogTest} that TLS behaves the same with key logging on.
 */
class KeyLogTest {
    private static final TestCertificates CERTS = TestCertificates.get();
    /** {@code <label> <client random> <secret>}: 32 random bytes; 32 or 48 secret bytes (SHA-256 or SHA-384). */
    static final Pattern LINE = Pattern.compile("([A-Z_0-9]+) ([0-9a-f]{64}) ([0-9a-f]{64}|[0-9a-f]{96})");

    static final List<String> TLS13_LABELS = List.of(
            "CLIENT_HANDSHAKE_TRAFFIC_SECRET",
            "SERVER_HANDSHAKE_TRAFFIC_SECRET",
            "CLIENT_TRAFFIC_SECRET_0",
            "SERVER_TRAFFIC_SECRET_0");

    @TempDir
    Path dir;

    private TlsOptions keyLogging(Path file) {
        return TlsOptions.builder()
                .trustStore(CERTS.trustStore())
                .keyLogFile(file)
                .build();
    }

    private static Transport connect(JettyServer server, TlsOptions options, String serverName, List<String> alpn)
            throws Exception {
        return TlsTransportTest.connect(server, options, serverName, alpn);
    }

    /**
     * The lines of a key log file once the lines queued for it are written: they are written asynchronously, shortly
     * after the handshake step that made them (bounded wait: 10 s).
     */
    static List<String> written(Path file) throws Exception {
        assertThat(KeyLogFile.flush(file, Duration.ofSeconds(10)))
                .as("the queued lines of %s are written within 10 s", file)
                .isTrue();
        return Files.readAllLines(file);
    }

    /** The file's lines grouped by client random (in order of appearance), each as its labels in order. */
    static Map<String, List<String>> labelsByClientRandom(Path file) throws Exception {
        Map<String, List<String>> byRandom = new LinkedHashMap<>();
        for (String line : written(file)) {
            Matcher m = LINE.matcher(line);
            assertThat(m.matches()).as("NSS key log line: %s", line).isTrue();
            byRandom.computeIfAbsent(m.group(2), r -> new ArrayList<>()).add(m.group(1));
        }
        return byRandom;
    }

    @Test
    void logsTheFourTls13TrafficSecretsOfAConnection() throws Exception {
        Path file = dir.resolve("keys.log");
        try (JettyServer tls13 =
                        JettyServer.builder().tls().tlsProtocols("TLSv1.3").start();
                Transport t = connect(tls13, keyLogging(file), "localhost", List.of())) {
            assertThat(t.sslSession().getProtocol()).isEqualTo("TLSv1.3");
            assertThat(Io.get(t, "localhost", "/bytes/100").body()).isEqualTo(TestRoutes.bytes(100));
        }

        Map<String, List<String>> lines = labelsByClientRandom(file);
        assertThat(lines).hasSize(1);
        assertThat(lines.values().iterator().next()).containsExactlyElementsOf(TLS13_LABELS);
    }

    @Test
    void logsTheTls12MasterSecretAndNegotiatesH2() throws Exception {
        Path file = dir.resolve("keys.log");
        try (JettyServer tls12 = JettyServer.builder()
                        .tls()
                        .tlsProtocols("TLSv1.2")
                        .http2()
                        .start();
                Transport t = connect(tls12, keyLogging(file), "localhost", List.of("h2", "http/1.1"))) {
            assertThat(t.sslSession().getProtocol()).isEqualTo("TLSv1.2");
            assertThat(t.applicationProtocol()).isEqualTo("h2");
            assertThat(TlsOptions.allowedWithHttp2(t.sslSession().getCipherSuite()))
                    .isTrue();
        }

        List<String> lines = written(file);
        assertThat(lines).singleElement().satisfies(line -> assertThat(line)
                .matches("CLIENT_RANDOM [0-9a-f]{64} [0-9a-f]{96}"));
    }

    @Test
    void poolRequestsOverH2AndHttp11WorkWithKeyLoggingOnTls13And12() throws Exception {
        Path file = dir.resolve("keys.log");
        TlsOptions tls = keyLogging(file);
        try (JettyServer h2 = JettyServer.h2();
                JettyServer http11 = JettyServer.https();
                JettyServer h2Tls12 = JettyServer.builder()
                        .tls()
                        .tlsProtocols("TLSv1.2")
                        .http2()
                        .start();
                FinchClient client = FinchClient.builder()
                        .defaultPool(PoolConfig.builder()
                                .protocols(Protocol.HTTP1, Protocol.HTTP2)
                                .connectOptions(
                                        ConnectOptions.builder().tls(tls).build())
                                .build())
                        .build()) {
            Response overH2 = client.request(Request.get(h2.baseUrl() + "/bytes/50000"));
            Response overHttp11 = client.request(Request.get(http11.baseUrl() + "/tls"));
            Response overH2Tls12 = client.request(Request.get(h2Tls12.baseUrl() + "/tls"));

            assertThat(overH2.body()).isEqualTo(TestRoutes.bytes(50000));
            assertThat(overHttp11.bodyText()).contains("protocol=TLSv1.3", "http=HTTP/1.1");
            assertThat(overH2Tls12.bodyText()).contains("protocol=TLSv1.2", "http=HTTP/2.0");
        }

        Map<String, List<String>> lines = labelsByClientRandom(file);
        assertThat(lines.values())
                .as("one connection to each server")
                .containsExactlyInAnyOrder(TLS13_LABELS, TLS13_LABELS, List.of("CLIENT_RANDOM"));
    }

    @Test
    void concurrentHandshakesWriteWholeLines() throws Exception {
        Path file = dir.resolve("keys.log");
        TlsOptions tls = keyLogging(file);
        int connections = 12;
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try (JettyServer https = JettyServer.https()) {
            List<Future<Integer>> done = new ArrayList<>();
            for (int i = 0; i < connections; i++) {
                done.add(pool.submit(() -> {
                    try (Transport t = connect(https, tls, "localhost", List.of())) {
                        return Io.get(t, "localhost", "/bytes/10").status();
                    }
                }));
            }
            for (Future<Integer> f : done) {
                assertThat(f.get(30, TimeUnit.SECONDS)).isEqualTo(200);
            }
        } finally {
            pool.shutdownNow();
            assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        }

        Map<String, List<String>> lines = labelsByClientRandom(file);
        assertThat(lines).hasSize(connections);
        assertThat(lines.values()).allSatisfy(labels -> assertThat(labels).containsExactlyElementsOf(TLS13_LABELS));
    }

    @Test
    void createsANewFileReadableByItsOwnerOnly() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(
                FileSystems.getDefault().supportedFileAttributeViews().contains("posix"), "POSIX permissions");
        Path file = dir.resolve("keys.log");

        keyLogging(file);

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
                .isEqualTo("rw-------");
    }

    @Test
    void warnsOncePerFileThatSecretsGoToDisk() {
        Path file = dir.resolve("warned.log");
        List<LogRecord> records;
        try (LogRecorder log = new LogRecorder(KeyLogFile.class.getName())) {
            keyLogging(file);
            keyLogging(file).toBuilder().build();
            records = log.records();
        }

        assertThat(records).singleElement().satisfies(r -> {
            assertThat(r.getLevel()).isEqualTo(Level.WARNING);
            assertThat(r.getMessage()).contains(file.toAbsolutePath().toString(), "can decrypt");
        });
    }

    @Test
    void aFailingWriteIsWarnedAboutOnceAndConnectionsGoOn() throws Exception {
        Path file = dir.resolve("keys.log");
        TlsOptions tls = keyLogging(file);
        Files.delete(file);
        Files.createDirectory(file); // appending to it fails from now on
        List<LogRecord> records;
        try (LogRecorder log = new LogRecorder(KeyLogFile.class.getName());
                JettyServer https = JettyServer.https()) {
            for (int i = 0; i < 2; i++) {
                try (Transport t = connect(https, tls, "localhost", List.of())) {
                    assertThat(Io.get(t, "localhost", "/bytes/10").status()).isEqualTo(200);
                }
            }
            assertThat(KeyLogFile.flush(file, Duration.ofSeconds(10))).isTrue();
            records = log.records();
        }

        assertThat(records)
                .singleElement()
                .extracting(LogRecord::getMessage)
                .asString()
                .startsWith("cannot append TLS secrets to the key log file " + file.toAbsolutePath());
    }

    @Test
    void appendsToAnExistingFile() throws Exception {
        Path file = dir.resolve("keys.log");
        Files.writeString(file, "# earlier session\n");
        try (JettyServer https = JettyServer.https();
                Transport t = connect(https, keyLogging(file), "localhost", List.of())) {
            assertThat(Io.get(t, "localhost", "/bytes/10").status()).isEqualTo(200);
        }

        List<String> lines = written(file);
        assertThat(lines).hasSize(5).first().isEqualTo("# earlier session");
    }

    @Test
    void honoursSslKeyLogFileWhenNoFileIsSet() throws Exception {
        Path file = dir.resolve("from-env.log");
        TlsOptions tls = TlsOptions.builder()
                .trustStore(CERTS.trustStore())
                .environment(Map.of(TlsOptions.SSLKEYLOGFILE, file.toString())::get)
                .build();

        assertThat(tls.keyLogFile()).isEqualTo(file.toAbsolutePath());
        try (JettyServer https = JettyServer.https();
                Transport t = connect(https, tls, "localhost", List.of())) {
            assertThat(Io.get(t, "localhost", "/bytes/10").status()).isEqualTo(200);
        }
        assertThat(labelsByClientRandom(file).values()).singleElement().isEqualTo(TLS13_LABELS);
    }

    @Test
    void derivedOptionsKeepTheEnvironmentTheyWereBuiltWith() {
        Path file = dir.resolve("from-env.log");
        TlsOptions tls = TlsOptions.builder()
                .environment(Map.of(TlsOptions.SSLKEYLOGFILE, file.toString())::get)
                .build();

        assertThat(tls.toBuilder().verifyHostname(false).build().keyLogFile()).isEqualTo(file.toAbsolutePath());
    }

    @Test
    void anExplicitFileWinsOverSslKeyLogFile() {
        Path explicit = dir.resolve("explicit.log");
        TlsOptions tls = TlsOptions.builder()
                .environment(
                        Map.of(TlsOptions.SSLKEYLOGFILE, dir.resolve("env.log").toString())::get)
                .keyLogFile(explicit)
                .build();

        assertThat(tls.keyLogFile()).isEqualTo(explicit.toAbsolutePath());
        assertThat(dir.resolve("env.log")).doesNotExist();
    }

    @Test
    void withoutKeyLoggingTheJdkProviderIsUsedAsBefore() {
        TlsOptions tls = TlsOptions.builder()
                .environment(Map.of(TlsOptions.SSLKEYLOGFILE, " ")::get)
                .build();

        assertThat(tls.keyLogFile()).isNull();
        assertThat(tls.sslContext().getProvider().getName()).isEqualTo("SunJSSE");
        assertThat(keyLogging(dir.resolve("k.log")).sslContext().getProvider().getName())
                .isEqualTo("BCJSSE");
    }

    @Test
    void sslKeyLogFileIsIgnoredWithACallersContext() throws Exception {
        TlsOptions tls = TlsOptions.builder()
                .sslContext(CERTS.clientSslContext())
                .environment(
                        Map.of(TlsOptions.SSLKEYLOGFILE, dir.resolve("env.log").toString())::get)
                .build();

        assertThat(tls.keyLogFile()).isNull();
        assertThat(tls.sslContext()).isSameAs(CERTS.clientSslContext());
    }

    @Test
    void anExplicitFileCannotBeCombinedWithACallersContext() {
        TlsOptions.Builder b =
                TlsOptions.builder().sslContext(CERTS.clientSslContext()).keyLogFile(dir.resolve("k.log"));

        assertThatThrownBy(b::build)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("caller SSLContext");
    }

    @Test
    void failsAtBuildWhenTheFileCannotBeOpened() {
        Path inMissingDirectory = dir.resolve("no-such-dir").resolve("keys.log");
        TlsOptions.Builder b = TlsOptions.builder().keyLogFile(inMissingDirectory);

        assertThatThrownBy(b::build)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cannot open the TLS key log file " + inMissingDirectory);
    }

    @Test
    void toBuilderKeepsTheFileAndToStringNamesIt() {
        Path file = dir.resolve("keys.log");
        TlsOptions tls = keyLogging(file).toBuilder().protocols("TLSv1.3").build();

        assertThat(tls.keyLogFile()).isEqualTo(file.toAbsolutePath());
        assertThat(tls.toString()).contains("keyLogFile=" + file.toAbsolutePath());
    }

    @Test
    void ignoreSslKeyLogFileRefusesTheEnvironmentVariable() {
        Path file = dir.resolve("from-env.log");
        TlsOptions tls = TlsOptions.builder()
                .environment(Map.of(TlsOptions.SSLKEYLOGFILE, file.toString())::get)
                .trustStore(CERTS.trustStore())
                .ignoreSslKeyLogFile()
                .build();

        assertThat(tls.keyLogFile()).isNull();
        assertThat(tls.toBuilder().build().keyLogFile()).as("kept by toBuilder").isNull();
        assertThat(tls.sslContext().getProvider().getName()).isEqualTo("SunJSSE");
        assertThat(file).doesNotExist();
    }

    @Test
    void ignoreSslKeyLogFileKeepsAnExplicitFile() {
        Path explicit = dir.resolve("explicit.log");
        TlsOptions tls =
                TlsOptions.builder().ignoreSslKeyLogFile().keyLogFile(explicit).build();

        assertThat(tls.keyLogFile()).isEqualTo(explicit.toAbsolutePath());
    }

    @Test
    void theSystemPropertyRefusesTheEnvironmentVariableInTheWholeJvm() {
        Path file = dir.resolve("from-env.log");
        String old = System.getProperty(TlsOptions.SSLKEYLOGFILE_PROPERTY);
        System.setProperty(TlsOptions.SSLKEYLOGFILE_PROPERTY, "ignore");
        try {
            TlsOptions tls = TlsOptions.builder()
                    .environment(Map.of(TlsOptions.SSLKEYLOGFILE, file.toString())::get)
                    .build();
            TlsOptions explicit =
                    TlsOptions.builder().keyLogFile(dir.resolve("explicit.log")).build();

            assertThat(tls.keyLogFile()).isNull();
            assertThat(file).doesNotExist();
            assertThat(explicit.keyLogFile())
                    .as("an explicit file still applies")
                    .isNotNull();
        } finally {
            if (old == null) {
                System.clearProperty(TlsOptions.SSLKEYLOGFILE_PROPERTY);
            } else {
                System.setProperty(TlsOptions.SSLKEYLOGFILE_PROPERTY, old);
            }
        }
    }

    @Test
    void warnsOnceWhenAnExistingFileIsReadableByOthers() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(
                FileSystems.getDefault().supportedFileAttributeViews().contains("posix"), "POSIX permissions");
        Path file = dir.resolve("shared.log");
        Files.createFile(file);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        List<LogRecord> records;
        try (LogRecorder log = new LogRecorder(KeyLogFile.class.getName())) {
            keyLogging(file);
            keyLogging(file);
            records = log.records();
        }

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
                .as("left as it is")
                .isEqualTo("rw-r--r--");
        assertThat(records)
                .filteredOn(r -> r.getMessage().contains("readable by others"))
                .singleElement()
                .satisfies(r -> {
                    assertThat(r.getLevel()).isEqualTo(Level.WARNING);
                    assertThat(r.getMessage()).contains(file.toAbsolutePath().toString(), "rw-r--r--", "chmod 600");
                });
    }

    @Test
    void anOwnerOnlyFileIsNotWarnedAbout() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(
                FileSystems.getDefault().supportedFileAttributeViews().contains("posix"), "POSIX permissions");
        Path file = dir.resolve("private.log");
        Files.createFile(file);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        List<LogRecord> records;
        try (LogRecorder log = new LogRecorder(KeyLogFile.class.getName())) {
            keyLogging(file);
            records = log.records();
        }

        assertThat(records).noneSatisfy(r -> assertThat(r.getMessage()).contains("readable by others"));
    }

    /**
     * With key logging on and no trust given, Bouncy Castle's provider uses its own default trust manager: it
     * honours {@code javax.net.ssl.trustStore} and the host name is still verified.
     */
    @Test
    void systemTrustWithKeyLoggingHonoursTheTrustStorePropertyAndVerifiesTheHostName() throws Exception {
        Path store = dir.resolve("trust.p12");
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        KeyStore test = CERTS.trustStore();
        for (String alias : Collections.list(test.aliases())) {
            ks.setCertificateEntry(alias, test.getCertificate(alias));
        }
        try (OutputStream out = Files.newOutputStream(store)) {
            ks.store(out, "changeit".toCharArray());
        }
        Map<String, String> properties = Map.of(
                "javax.net.ssl.trustStore", store.toString(),
                "javax.net.ssl.trustStorePassword", "changeit",
                "javax.net.ssl.trustStoreType", "PKCS12");
        Map<String, String> old = new HashMap<>();
        properties.keySet().forEach(k -> old.put(k, System.getProperty(k)));
        properties.forEach(System::setProperty);
        try (JettyServer good = JettyServer.https();
                JettyServer other =
                        JettyServer.builder().tls(CERTS.issue("other.example")).start()) {
            TlsOptions system = TlsOptions.builder()
                    .environment(Map.of(
                            TlsOptions.SSLKEYLOGFILE, dir.resolve("k.log").toString())::get)
                    .build();
            assertThat(system.keyLogFile()).isNotNull();
            try (Transport t = connect(good, system, "localhost", List.of())) {
                assertThat(Io.get(t, "localhost", "/bytes/10").status()).isEqualTo(200);
            }
            TransportException e = TlsTransportTest.failToConnect(other, system, "localhost");
            assertThat(e.reason()).isEqualTo(TransportException.Reason.TLS_CERTIFICATE_REJECTED);
            assertThat(e.detail()).startsWith("host name mismatch for localhost");
        } finally {
            old.forEach((k, v) -> {
                if (v == null) {
                    System.clearProperty(k);
                } else {
                    System.setProperty(k, v);
                }
            });
        }
    }
}
