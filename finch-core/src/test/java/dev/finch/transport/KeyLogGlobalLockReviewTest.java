package dev.finch.transport;

import static org.assertj.core.api.Assertions.assertThat;

import dev.finch.testing.JettyServer;
import dev.finch.testing.TestCertificates;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Review: KeyLogFile opens the file for every batch inside the handshake, under one lock for the whole JVM. When one
 * key log blocks (here a named pipe whose reader went away; likewise a hung network file system), its handshakes
 * hang past their deadline, and so do the handshakes of every other TlsOptions, even those logging to a healthy file.
 */
class KeyLogGlobalLockReviewTest {
    @TempDir
    Path dir;

    @Test
    void aBlockedKeyLogFileStallsHandshakesLoggingToAnotherFile() throws Exception {
        Path fifo = dir.resolve("keys.fifo");
        Process mk = new ProcessBuilder("mkfifo", fifo.toString()).start();
        Assumptions.assumeTrue(mk.waitFor(10, TimeUnit.SECONDS) && mk.exitValue() == 0);
        TestCertificates certs = TestCertificates.get();
        ExecutorService pool = Executors.newFixedThreadPool(3);
        // A reader while the options are built (build() opens the file once); it goes away afterwards.
        Future<FileChannel> reader = pool.submit(() -> FileChannel.open(fifo, StandardOpenOption.READ));
        TlsOptions stuck = TlsOptions.builder()
                .trustStore(certs.trustStore())
                .keyLogFile(fifo)
                .build();
        reader.get(10, TimeUnit.SECONDS).close();
        TlsOptions healthy = TlsOptions.builder()
                .trustStore(certs.trustStore())
                .keyLogFile(dir.resolve("healthy.log"))
                .build();
        try (JettyServer https = JettyServer.https()) {
            Future<?> first = pool.submit(() -> {
                try (Transport t = TlsTransportTest.connect(https, stuck, "localhost", List.of())) {
                    return t.sslSession().getProtocol();
                }
            });
            Thread.sleep(1000);
            Future<String> other = pool.submit(() -> {
                try (Transport t = TlsTransportTest.connect(https, healthy, "localhost", List.of())) {
                    return t.sslSession().getProtocol();
                }
            });
            String protocol;
            try {
                protocol = other.get(10, TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                protocol = "still blocked after 10 s";
            }
            assertThat(protocol)
                    .as("a handshake logging to a healthy file, while another key log is blocked")
                    .isEqualTo("TLSv1.3");
        } finally {
            // Unblock the writer stuck in open(O_WRONLY): open a reader, drain, close.
            try (FileChannel drain = FileChannel.open(fifo, StandardOpenOption.READ)) {
                Thread.sleep(500);
            }
            pool.shutdownNow();
            pool.awaitTermination(10, TimeUnit.SECONDS);
        }
    }
}
