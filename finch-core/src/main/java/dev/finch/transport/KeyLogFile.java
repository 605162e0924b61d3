package dev.finch.transport;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

/**
 * Appends TLS secrets to a file in the NSS key log format that Wireshark, tshark and curl read
 * (https://firefox-source-docs.mozilla.org/security/nss/legacy/key_log_format/index.html): one line per secret,
 * {@code <label> <client random, 64 hex digits> <secret in hex>}.
 *
 * <p>A handshake never touches the file: it hands its batch of lines (the secrets of one key change of one
 * connection) to a bounded in-memory queue and goes on. One {@link Writer} per file (shared by every
 * {@link TlsOptions} naming it) drains that queue on its own daemon thread, writing each batch whole, so lines never
 * interleave; {@code O_APPEND} keeps them whole against other processes appending small writes. The writer keeps the
 * file open while lines come, closes it when it has been idle for {@link #IDLE} (its thread then ends, and starts
 * again with the next line), and reopens it after a failed write, so a rotated or deleted file is created again. A
 * file that blocks (a named pipe without reader, a hung network mount) blocks its writer only: its queue fills up
 * and further lines are dropped with one warning, while handshakes, also those logging to other files, go on. So
 * lines land shortly after the handshake step that made them, not before it returns; a shutdown hook gives the
 * writers a moment ({@link #SHUTDOWN_FLUSH}) to finish at JVM exit.
 *
 * <p>A new file is created readable and writable by its owner only where the file system has POSIX permissions; an
 * existing file keeps its permissions, with a warning (once per file) if its group or others may read it.
 */
final class KeyLogFile {
    /** TLS 1.2 (RFC 5246): the 48-byte master secret. */
    static final String CLIENT_RANDOM = "CLIENT_RANDOM";
    /** TLS 1.3 (RFC 8446 section 7.1): the traffic secrets of the handshake and the first application keys. */
    static final String CLIENT_HANDSHAKE_TRAFFIC_SECRET = "CLIENT_HANDSHAKE_TRAFFIC_SECRET";

    static final String SERVER_HANDSHAKE_TRAFFIC_SECRET = "SERVER_HANDSHAKE_TRAFFIC_SECRET";
    static final String CLIENT_TRAFFIC_SECRET_0 = "CLIENT_TRAFFIC_SECRET_0";
    static final String SERVER_TRAFFIC_SECRET_0 = "SERVER_TRAFFIC_SECRET_0";

    /** The artifact key logging needs; its classes are used only by {@link BouncyCastleKeyLog}. */
    static final String PROVIDER_ARTIFACT = "org.bouncycastle:bctls-jdk18on";

    /** The value of {@value TlsOptions#SSLKEYLOGFILE_PROPERTY} that ignores {@value TlsOptions#SSLKEYLOGFILE}. */
    static final String IGNORE = "ignore";

    /** Batches (one key change of one connection each) waiting for a file's writer; more are dropped. */
    static final int QUEUE_CAPACITY = 1024;

    /** How long a writer keeps its file open and its thread alive without lines to write. */
    static final Duration IDLE = Duration.ofSeconds(5);

    /** How long the shutdown hook waits, for all files together, for lines still queued at JVM exit. */
    static final Duration SHUTDOWN_FLUSH = Duration.ofSeconds(2);

    private static final String PROVIDER_CLASS = "org.bouncycastle.jsse.provider.BouncyCastleJsseProvider";
    private static final System.Logger LOG = System.getLogger(KeyLogFile.class.getName());
    private static final HexFormat HEX = HexFormat.of();
    /** What was warned about (files in use, reasons SSLKEYLOGFILE was not followed): once each per JVM. */
    private static final Set<String> WARNED = ConcurrentHashMap.newKeySet();
    /**
     * The writer of each file used in this JVM, by absolute path. Entries stay (a handful of files in a debugging
     * session); their threads do not: a writer's thread ends when it is idle.
     */
    private static final ConcurrentMap<Path, Writer> WRITERS = new ConcurrentHashMap<>();

    private static final AtomicBoolean SHUTDOWN_HOOK = new AtomicBoolean();

    private final Path path;
    private final Writer writer;

    /**
     * A key log appending to {@code path}. The first time a file is used in this JVM it is created (owner-only) or
     * opened now, on the caller's thread, to fail early.
     *
     * @throws IOException if the file cannot be created or opened for appending
     */
    KeyLogFile(Path path) throws IOException {
        this.path = path.toAbsolutePath();
        Writer w = WRITERS.get(this.path);
        if (w == null) {
            openChannel(this.path).close();
            w = WRITERS.computeIfAbsent(this.path, Writer::new);
        }
        this.writer = w;
    }

    /**
     * The key log {@link TlsOptions.Builder#keyLogFile} asks for, announced with a warning (once per file).
     *
     * @throws IllegalArgumentException with a caller's SSLContext, or if the file cannot be created or opened
     * @throws IllegalStateException if {@value #PROVIDER_ARTIFACT} is not on the class path
     */
    static KeyLogFile explicit(Path file, boolean callerContext) {
        if (callerContext) {
            throw new IllegalArgumentException(
                    "TLS key logging cannot be combined with a caller SSLContext: its provider exposes no secrets");
        }
        if (!providerAvailable()) {
            throw new IllegalStateException("TLS key logging to " + file + " needs " + PROVIDER_ARTIFACT
                    + " (and its bcprov/bcutil) on the" + " class path");
        }
        try {
            return announced(new KeyLogFile(file));
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("cannot open the TLS key log file " + file + ": " + e, e);
        }
    }

    /**
     * The key log {@value TlsOptions#SSLKEYLOGFILE} names, announced with a warning (once per file), or {@code null}
     * if it is unset or blank, or the {@value TlsOptions#SSLKEYLOGFILE_PROPERTY} system property says to ignore it. What stands
     * in its way (a caller's SSLContext, no Bouncy Castle, a file that cannot be opened) is a warning, once per
     * reason, not an error: an environment variable must not break an application.
     */
    static KeyLogFile fromEnvironment(Function<String, String> environment, boolean callerContext) {
        String value;
        try {
            value = environment.apply(TlsOptions.SSLKEYLOGFILE);
        } catch (SecurityException e) {
            return null;
        }
        if (value == null || value.isBlank() || ignoredByOperator()) {
            return null;
        }
        String problem;
        if (callerContext) {
            problem = "a caller SSLContext is used (its provider exposes no secrets)";
        } else if (!providerAvailable()) {
            problem = PROVIDER_ARTIFACT + " is not on the class path";
        } else {
            try {
                return announced(new KeyLogFile(Path.of(value)));
            } catch (IOException | RuntimeException e) {
                problem = "the file cannot be opened: " + e;
            }
        }
        warnOnce(problem, TlsOptions.SSLKEYLOGFILE + " is set but TLS secrets are not logged: " + problem);
        return null;
    }

    /** Whether {@value TlsOptions#SSLKEYLOGFILE_PROPERTY} is {@value #IGNORE}; another value is warned about once. */
    private static boolean ignoredByOperator() {
        String setting;
        try {
            setting = System.getProperty(TlsOptions.SSLKEYLOGFILE_PROPERTY);
        } catch (SecurityException e) {
            return false;
        }
        if (setting == null || setting.isBlank()) {
            return false;
        }
        if (setting.trim().toLowerCase(Locale.ROOT).equals(IGNORE)) {
            return true;
        }
        warnOnce(
                TlsOptions.SSLKEYLOGFILE_PROPERTY + "=" + setting,
                "unknown value of the system property " + TlsOptions.SSLKEYLOGFILE_PROPERTY + ": \"" + setting
                        + "\" (only \"" + IGNORE + "\" is understood); " + TlsOptions.SSLKEYLOGFILE + " is honoured");
        return false;
    }

    private static KeyLogFile announced(KeyLogFile keyLog) {
        warnOnce(
                keyLog.path.toString(),
                "TLS key logging is on: the secrets of TLS connections are appended to " + keyLog.path
                        + "; whoever reads that file can decrypt their traffic. For debugging only.");
        return keyLog;
    }

    private static void warnOnce(String key, String message) {
        if (WARNED.add(key)) {
            LOG.log(Level.WARNING, message);
        }
    }

    /** Whether {@value #PROVIDER_ARTIFACT} (with bcprov and bcutil) is on Finch's class path. */
    static boolean providerAvailable() {
        try {
            Class.forName(PROVIDER_CLASS, false, KeyLogFile.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    /** The file, absolute. */
    Path path() {
        return path;
    }

    /** One NSS key log line, with its line feed. */
    static String line(String label, byte[] clientRandom, byte[] secret) {
        return label + ' ' + HEX.formatHex(clientRandom) + ' ' + HEX.formatHex(secret) + '\n';
    }

    /**
     * Queues {@code lines} (whole lines, each ending with a line feed) for the file's writer, without waiting for the
     * file. A full queue drops them, with one warning per file: a connection must neither fail nor wait because its
     * secrets could not be logged.
     */
    void log(String lines) {
        writer.enqueue(lines);
    }

    /** Logs a warning about secrets that could not be logged, the first time only: not once per handshake. */
    void reportFailure(String what, Exception e) {
        writer.reportFailure(what, e);
    }

    /**
     * Waits until the lines queued for {@code file} before this call are written (or failed), at most
     * {@code timeout}: for tests, which read the file.
     *
     * @return whether they were; {@code true} for a file no key log uses
     */
    static boolean flush(Path file, Duration timeout) throws InterruptedException {
        Writer w = WRITERS.get(file.toAbsolutePath());
        return w == null || w.awaitWritten(System.nanoTime() + timeout.toNanos());
    }

    /** Opens {@code path} for appending, created owner-only if new; warns (once) if group or others may read it. */
    private static FileChannel openChannel(Path path) throws IOException {
        boolean posix = path.getFileSystem().supportedFileAttributeViews().contains("posix");
        FileAttribute<?>[] attributes = posix
                ? new FileAttribute<?>[] {
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))
                }
                : new FileAttribute<?>[0];
        FileChannel channel = FileChannel.open(
                path,
                Set.of(StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE),
                attributes);
        if (posix) {
            try {
                Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(path);
                if (permissions.contains(PosixFilePermission.GROUP_READ)
                        || permissions.contains(PosixFilePermission.OTHERS_READ)) {
                    warnOnce(
                            "permissions of " + path,
                            "the TLS key log file " + path + " is readable by others than its owner (permissions "
                                    + PosixFilePermissions.toString(permissions)
                                    + "): whoever reads it can decrypt the logged connections; restrict it"
                                    + " (chmod 600) or use a new file, which is created owner-only");
                }
            } catch (IOException | RuntimeException e) {
                // The permissions are only looked at for a warning.
            }
        }
        return channel;
    }

    @Override
    public String toString() {
        return "KeyLogFile[" + path + "]";
    }

    private static void addShutdownHook() {
        if (!SHUTDOWN_HOOK.compareAndSet(false, true)) {
            return;
        }
        Thread hook = new Thread(
                () -> {
                    long deadline = System.nanoTime() + SHUTDOWN_FLUSH.toNanos();
                    try {
                        for (Writer w : WRITERS.values()) {
                            w.awaitWritten(deadline);
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                },
                "finch-keylog-shutdown");
        try {
            Runtime.getRuntime().addShutdownHook(hook);
        } catch (IllegalStateException | SecurityException e) {
            // Shutting down already, or not allowed: lines queued at exit may then be lost.
        }
    }

    /**
     * The one writer of a file: a bounded queue of batches and the daemon thread draining it, which runs while there
     * are lines and ends after {@link #IDLE} without any.
     */
    private static final class Writer implements Runnable {
        private final Path path;
        private final ArrayBlockingQueue<String> queue = new ArrayBlockingQueue<>(QUEUE_CAPACITY);
        /** Whether a thread is draining the queue; set by whoever starts one, cleared by the thread as it ends. */
        private final AtomicBoolean running = new AtomicBoolean();

        private final ReentrantLock progressLock = new ReentrantLock();
        private final Condition progress = progressLock.newCondition();
        /** Batches queued, and batches done with (written or failed); guarded by {@link #progressLock}. */
        private long queued;

        private long done;

        /** Only the writer thread uses it. */
        private FileChannel channel;

        private volatile boolean failureReported;
        private volatile boolean dropReported;

        Writer(Path path) {
            this.path = path;
        }

        void enqueue(String lines) {
            progressLock.lock();
            try {
                if (!queue.offer(lines)) {
                    reportDrop();
                    return;
                }
                queued++;
            } finally {
                progressLock.unlock();
            }
            startIfIdle();
        }

        private void startIfIdle() {
            if (running.compareAndSet(false, true)) {
                addShutdownHook();
                Thread t = new Thread(this, "finch-keylog-writer");
                t.setDaemon(true);
                t.start();
            }
        }

        @Override
        public void run() {
            // Bounded: each round takes a batch, or ends the thread after IDLE without one.
            while (true) {
                String batch;
                try {
                    batch = queue.poll(IDLE.toNanos(), TimeUnit.NANOSECONDS);
                } catch (InterruptedException e) {
                    batch = null;
                }
                if (batch == null) {
                    closeChannel();
                    running.set(false);
                    // A batch queued after the poll gave up, while this thread still counted as running: keep going
                    // unless a new thread took over.
                    if (queue.isEmpty() || !running.compareAndSet(false, true)) {
                        return;
                    }
                    continue;
                }
                StringBuilder lines = new StringBuilder(batch);
                int batches = 1;
                // Whatever else is queued goes in the same write: bounded by the queue's capacity.
                for (String more = queue.poll(); more != null && batches < QUEUE_CAPACITY; more = queue.poll()) {
                    lines.append(more);
                    batches++;
                }
                write(lines.toString());
                progressLock.lock();
                try {
                    done += batches;
                    progress.signalAll();
                } finally {
                    progressLock.unlock();
                }
            }
        }

        private void write(String lines) {
            ByteBuffer bytes = ByteBuffer.wrap(lines.getBytes(StandardCharsets.US_ASCII));
            try {
                if (channel == null) {
                    channel = openChannel(path);
                }
                // Bounded: every round writes at least one byte or throws.
                while (bytes.hasRemaining()) {
                    channel.write(bytes);
                }
            } catch (IOException | RuntimeException e) {
                closeChannel(); // reopened for the next batch
                reportFailure("cannot append TLS secrets to the key log file " + path, e);
            }
        }

        private void closeChannel() {
            if (channel != null) {
                try {
                    channel.close();
                } catch (IOException e) {
                    // Nothing is left to write to it.
                }
                channel = null;
            }
        }

        void reportFailure(String what, Exception e) {
            if (!failureReported) {
                failureReported = true;
                LOG.log(Level.WARNING, what + ": " + e);
            }
        }

        private void reportDrop() {
            if (!dropReported) {
                dropReported = true;
                LOG.log(
                        Level.WARNING,
                        "the TLS key log file " + path + " is not keeping up (" + QUEUE_CAPACITY
                                + " batches of secrets waiting): the secrets of some connections are dropped, not"
                                + " logged; handshakes are not held up");
            }
        }

        /** Waits until the batches queued so far are done with, until {@code deadline} ({@link System#nanoTime}). */
        boolean awaitWritten(long deadline) throws InterruptedException {
            progressLock.lock();
            try {
                long target = queued;
                // Bounded by the deadline.
                while (done < target) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        return false;
                    }
                    progress.awaitNanos(left);
                }
                return true;
            } finally {
                progressLock.unlock();
            }
        }
    }
}
