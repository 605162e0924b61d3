package dev.finch.transport;

import dev.finch.http.TransportException;
import dev.finch.http.TransportException.Reason;
import java.io.IOException;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ClosedChannelException;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.PKIXReason;
import javax.net.ssl.SSLException;

/** Turns JDK exceptions into {@link TransportException}s with a reason and a detail. */
final class Errors {
    private Errors() {}

    /**
     * Maps an I/O failure of an established or connecting socket.
     *
     * @param context what was being done, e.g. "reading from 127.0.0.1:8080"
     */
    static TransportException fromIo(IOException e, String context) {
        if (e instanceof TransportException te) {
            return te;
        }
        if (e instanceof ClosedByInterruptException) {
            return new TransportException(Reason.INTERRUPTED, context, e);
        }
        if (e instanceof AsynchronousCloseException || e instanceof ClosedChannelException) {
            return new TransportException(Reason.CLOSED, context, e);
        }
        String message = e.getMessage();
        // The JDK reports ECONNRESET and EPIPE only through the message text of a SocketException.
        if (message != null && (message.contains("Connection reset") || message.contains("Broken pipe"))) {
            return new TransportException(Reason.CLOSED, context + ": " + message, e);
        }
        return new TransportException(Reason.IO_ERROR, context + ": " + e, e);
    }

    /**
     * Maps a TLS handshake failure: a certificate problem (untrusted chain, expired, host name mismatch) becomes
     * TLS_CERTIFICATE_REJECTED with the problem named first in the detail, anything else TLS_HANDSHAKE_FAILED.
     */
    static TransportException fromHandshake(SSLException e, String serverName) {
        // Any SSLException: the JDK throws SSLHandshakeException, Bouncy Castle's provider (key logging) a plain
        // SSLException, both with the trust manager's CertificateException among the causes.
        String certificateProblem = certificateProblem(e);
        String cause = innermostMessage(e);
        if (certificateProblem != null) {
            return new TransportException(
                    Reason.TLS_CERTIFICATE_REJECTED, certificateProblem + " for " + serverName + ": " + cause, e);
        }
        return new TransportException(Reason.TLS_HANDSHAKE_FAILED, serverName + ": " + cause, e);
    }

    /** A short name for the certificate problem in {@code e}'s causes, or {@code null} if it is not one. */
    private static String certificateProblem(Throwable e) {
        String found = null;
        // Walk the cause chain (bounded: cause chains are short, and a cycle is cut by the depth limit).
        Throwable t = e;
        for (int depth = 0; t != null && depth < 16; depth++, t = t.getCause()) {
            if (t instanceof CertificateExpiredException) {
                return "certificate expired";
            }
            if (t instanceof CertificateNotYetValidException) {
                return "certificate not yet valid";
            }
            if (t instanceof CertPathValidatorException cpve) {
                if (cpve.getReason() == CertPathValidatorException.BasicReason.EXPIRED) {
                    return "certificate expired";
                }
                if (cpve.getReason() == CertPathValidatorException.BasicReason.NOT_YET_VALID) {
                    return "certificate not yet valid";
                }
                if (cpve.getReason() == CertPathValidatorException.BasicReason.REVOKED) {
                    return "certificate revoked";
                }
                if (cpve.getReason() == PKIXReason.NO_TRUST_ANCHOR) {
                    return "untrusted certificate chain";
                }
                found = "invalid certificate chain";
            } else if (t instanceof CertPathBuilderException) {
                // "PKIX path building failed: unable to find valid certification path to requested target"
                found = "untrusted certificate chain";
            } else if (t instanceof CertificateException && found == null) {
                String m = String.valueOf(t.getMessage());
                // sun.security.util.HostnameChecker: "No subject alternative DNS name matching x found.",
                // "No subject alternative names matching IP address x found", "No name matching x found".
                found = m.startsWith("No subject alternative") || m.startsWith("No name matching")
                        ? "host name mismatch"
                        : "certificate rejected";
            }
        }
        return found;
    }

    private static String innermostMessage(Throwable e) {
        Throwable t = e;
        String message = e.getMessage();
        for (int depth = 0; t != null && depth < 16; depth++, t = t.getCause()) {
            if (t.getMessage() != null) {
                message = t.getMessage();
            }
        }
        return message == null ? e.toString() : message;
    }
}
