package dev.finch.transport;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HexFormat;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

/**
 * Appends TLS secrets to a file in the NSS key log format that Wireshark, tshark and curl read
 * (https://firefox-source-docs.mozilla.org/security/nss/legacy/key_log_format/index.html): one line per secret,
 * {@code <label> <client random, 64 hex digits> <secret in hex>}.
 *
 * <p>Each batch of lines (the secrets of one key change of one connection) is written with one append to a channel
 * opened for that batch and closed right after, so the lines are on disk (in the OS cache) when the handshake step
 * that made them returns, nothing is held open between handshakes, and a rotated or deleted file is simply created
 * again. One lock for the whole JVM keeps lines of concurrent connections from interleaving, also when several
 * {@link TlsOptions} name the same file; {@code O_APPEND} keeps them whole against other processes appending small
 * writes. A new file is created readable and writable by its owner only where the file system has POSIX
 * permissions; an existing file keeps its permissions.
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

    private static final String PROVIDER_CLASS = "org.bouncycastle.jsse.provider.BouncyCastleJsseProvider";
    private static final System.Logger LOG = System.getLogger(KeyLogFile.class.getName());
    private static final HexFormat HEX = HexFormat.of();
    /** What was warned about (files in use, reasons SSLKEYLOGFILE was not followed): once each per JVM. */
    private static final Set<String> WARNED = ConcurrentHashMap.newKeySet();
    /** Serialises appends of every key log file of this JVM: handshakes are rare next to a disk write. */
    private static final ReentrantLock WRITE_LOCK = new ReentrantLock();

    private final Path path;
    /** Whether a failed write was already reported: one warning per file, not one per handshake. */
    private volatile boolean failureReported;

    /**
     * A key log appending to {@code path}, which is created (owner-only) or opened now to fail early.
     *
     * @throws IOException if the file cannot be created or opened for appending
     */
    KeyLogFile(Path path) throws IOException {
        this.path = path.toAbsolutePath();
        append("");
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
     * if it is unset or blank. What stands in its way (a caller's SSLContext, no Bouncy Castle, a file that cannot be
     * opened) is a warning, once per reason, not an error: an environment variable must not break an application.
     */
    static KeyLogFile fromEnvironment(Function<String, String> environment, boolean callerContext) {
        String value;
        try {
            value = environment.apply(TlsOptions.SSLKEYLOGFILE);
        } catch (SecurityException e) {
            return null;
        }
        if (value == null || value.isBlank()) {
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
     * Appends {@code lines} (whole lines, each ending with a line feed) in one write. A failure is logged once per
     * file and otherwise ignored: a connection must not fail because its secrets could not be logged.
     */
    void log(String lines) {
        try {
            append(lines);
        } catch (IOException | RuntimeException e) {
            reportFailure("cannot append TLS secrets to the key log file " + path, e);
        }
    }

    /** Logs a warning about secrets that could not be logged, the first time only: not once per handshake. */
    void reportFailure(String what, Exception e) {
        if (!failureReported) {
            failureReported = true;
            LOG.log(Level.WARNING, what + ": " + e);
        }
    }

    private void append(String lines) throws IOException {
        ByteBuffer bytes = ByteBuffer.wrap(lines.getBytes(StandardCharsets.US_ASCII));
        WRITE_LOCK.lock();
        try (FileChannel channel = FileChannel.open(
                path,
                Set.of(StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE),
                ownerOnly())) {
            // Bounded: every round writes at least one byte or throws.
            while (bytes.hasRemaining()) {
                channel.write(bytes);
            }
        } finally {
            WRITE_LOCK.unlock();
        }
    }

    private FileAttribute<?>[] ownerOnly() {
        if (path.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            return new FileAttribute<?>[] {
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))
            };
        }
        return new FileAttribute<?>[0];
    }

    @Override
    public String toString() {
        return "KeyLogFile[" + path + "]";
    }
}
