package dev.finch.transport;

import static org.assertj.core.api.Assertions.assertThat;

import dev.finch.testing.JettyServer;
import dev.finch.testing.TestCertificates;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A key log file that blocks (here a named pipe whose reader went away: opening it for writing waits for a reader;
 * likewise a hung network file system) holds up its own writer thread only: handshakes logging to it, and to any
 * other file, complete within their deadline, and lines that cannot be queued are dropped with one warning.
 * Skipped where {@code mkfifo} is not available.
 */
class KeyLogBlockedFileTest {
    private static final TestCertificates CERTS = TestCertificates.get();

    @TempDir
    Path dir;

    private Path fifo;
    private ExecutorService pool;

    @BeforeEach
    void makeFifo() throws Exception {
        fifo = dir.resolve("keys.fifo");
        Process mk;
        try {
            mk = new ProcessBuilder("mkfifo", fifo.toString()).start();
        } catch (java.io.IOException e) {
            Assumptions.abort("mkfifo is not available: " + e);
            return;
        }
        Assumptions.assumeTrue(mk.waitFor(10, TimeUnit.SECONDS) && mk.exitValue() == 0, "mkfifo failed");
        pool = Executors.newFixedThreadPool(2);
    }

    @AfterEach
    void unblockTheWriter() throws Exception {
        if (pool == null) {
            return;
        }
        // Finch's writer waits in open(O_WRONLY) for a reader, or holds the pipe open until it is idle: a reader
        // that reads to the end lets it write what is queued and end its thread once idle (KeyLogFile.IDLE).
        Future<?> drain = pool.submit(() -> {
            try (FileChannel reader = FileChannel.open(fifo, StandardOpenOption.READ)) {
                ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
                // Until every writer closed its end.
                while (reader.read(buffer.clear()) >= 0) {
                    // discard
                }
            }
            return null;
        });
        // A writing end of our own, so that the reader's open returns even when Finch's writer has none open.
        FileChannel.open(fifo, StandardOpenOption.WRITE).close();
        drain.get(30, TimeUnit.SECONDS);
        pool.shutdownNow();
        assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }

    /** Options logging to the FIFO: built while a reader is there (build opens the file once), which then goes. */
    private TlsOptions loggingToTheFifo() throws Exception {
        Future<FileChannel> reader = pool.submit(() -> FileChannel.open(fifo, StandardOpenOption.READ));
        TlsOptions options = TlsOptions.builder()
                .trustStore(CERTS.trustStore())
                .keyLogFile(fifo)
                .build();
        reader.get(10, TimeUnit.SECONDS).close();
        return options;
    }

    @Test
    void handshakesCompleteWhileTheirKeyLogFileIsBlocked() throws Exception {
        TlsOptions blocked = loggingToTheFifo();
        Path healthyFile = dir.resolve("healthy.log");
        TlsOptions healthy = TlsOptions.builder()
                .trustStore(CERTS.trustStore())
                .keyLogFile(healthyFile)
                .build();

        try (JettyServer https = JettyServer.https()) {
            for (int i = 0; i < 3; i++) {
                long start = System.nanoTime();
                try (Transport t = TlsTransportTest.connect(https, blocked, "localhost", List.of())) {
                    assertThat(Io.get(t, "localhost", "/bytes/10").status()).isEqualTo(200);
                }
                assertThat(Duration.ofNanos(System.nanoTime() - start))
                        .as("a handshake logging to the blocked file, within its deadline")
                        .isLessThan(Duration.ofSeconds(20));
            }
            try (Transport t = TlsTransportTest.connect(https, healthy, "localhost", List.of())) {
                assertThat(t.sslSession().getProtocol()).isEqualTo("TLSv1.3");
            }
        }

        assertThat(KeyLogTest.labelsByClientRandom(healthyFile).values())
                .as("the healthy file gets its lines meanwhile")
                .singleElement()
                .isEqualTo(KeyLogTest.TLS13_LABELS);
        assertThat(KeyLogFile.flush(fifo, Duration.ofMillis(200)))
                .as("the blocked file's lines are still waiting")
                .isFalse();
    }

    @Test
    void aFullQueueDropsLinesWithOneWarningInsteadOfWaiting() throws Exception {
        TlsOptions blocked = loggingToTheFifo();
        KeyLogFile keyLog = KeyLogFile.explicit(blocked.keyLogFile(), false);
        String line = KeyLogFile.line(KeyLogFile.CLIENT_RANDOM, new byte[32], new byte[48]);
        List<LogRecord> records;
        long start = System.nanoTime();
        try (LogRecorder log = new LogRecorder(KeyLogFile.class.getName())) {
            // Bounded: a fixed number of batches, more than the writer can hold while it waits for the file (at most
            // QUEUE_CAPACITY batches taken for its first write) plus what the queue holds.
            for (int i = 0; i < 2 * KeyLogFile.QUEUE_CAPACITY + 10; i++) {
                keyLog.log(line);
            }
            records = log.records();
        }

        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
        assertThat(records)
                .singleElement()
                .extracting(LogRecord::getMessage)
                .asString()
                .contains(fifo.toAbsolutePath().toString(), "dropped", "not held up");
    }

    @Test
    void theWriterWritesWhatWasQueuedOnceTheFileUnblocks() throws Exception {
        TlsOptions blocked = loggingToTheFifo();
        try (JettyServer https = JettyServer.https();
                Transport t = TlsTransportTest.connect(https, blocked, "localhost", List.of())) {
            assertThat(t.sslSession().getProtocol()).isEqualTo("TLSv1.3");
        }
        Path copy = dir.resolve("copy.log");
        Future<?> reader = pool.submit(() -> {
            try (FileChannel in = FileChannel.open(fifo, StandardOpenOption.READ);
                    FileChannel out = FileChannel.open(copy, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
                ByteBuffer buffer = ByteBuffer.allocate(4096);
                // Until the four lines are in (the writer keeps its end open while not idle); bounded by the get.
                while (Files.readAllLines(copy).size() < 4 && in.read(buffer.clear()) > 0) {
                    out.write(buffer.flip());
                }
            }
            return null;
        });

        reader.get(15, TimeUnit.SECONDS);
        assertThat(KeyLogTest.labelsByClientRandom(copy).values())
                .singleElement()
                .isEqualTo(KeyLogTest.TLS13_LABELS);
    }
}
