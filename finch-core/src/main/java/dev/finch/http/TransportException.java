package dev.finch.http;

import java.io.IOException;
import java.util.Objects;

/**
 * A failure below HTTP: the socket, TLS or the deadline. Carries a {@link Reason}; the message is formatted from it
 * and an optional detail.
 */
public class TransportException extends IOException {
    private static final long serialVersionUID = 1L;

    /** What went wrong. */
    public enum Reason {
        /** A connect, handshake, read or write deadline passed. */
        TIMEOUT("timed out"),
        /** The peer closed the connection, or it was already closed locally. */
        CLOSED("connection closed"),
        /** The host name could not be resolved. */
        UNKNOWN_HOST("unknown host"),
        /** The peer refused or could not be reached (connection refused, no route, network unreachable). */
        CONNECT_FAILED("could not connect"),
        /** The TLS handshake failed for a reason other than the certificate (protocol or cipher mismatch, alert). */
        TLS_HANDSHAKE_FAILED("TLS handshake failed"),
        /** The peer's certificate was not trusted, expired, or did not match the host name. */
        TLS_CERTIFICATE_REJECTED("TLS certificate rejected"),
        /** A TLS failure after the handshake: a fatal alert from the peer, a bad record, a broken session. */
        TLS_ERROR("TLS error"),
        /** ALPN was required (HTTP/2 only over TLS) but the server chose no protocol. */
        PROTOCOL_NOT_NEGOTIATED("no protocol negotiated with ALPN"),
        /** The server chose an ALPN protocol we did not offer. */
        BAD_ALPN_PROTOCOL("server chose an unexpected ALPN protocol"),
        /**
         * The proxy answered CONNECT with a status other than 2xx (407 Proxy Authentication Required, 403, 502...);
         * thrown as a {@link ProxyTunnelException} carrying the status and the proxy's headers. Mint's {@code {:proxy,
         * {:unexpected_status, status}}}.
         */
        PROXY_REFUSED("the proxy refused the tunnel"),
        /** The proxy did not answer CONNECT within the tunnel timeout. Mint's {@code {:proxy, :tunnel_timeout}}. */
        PROXY_TUNNEL_TIMEOUT("the proxy did not open the tunnel in time"),
        /** The proxy closed the connection before its answer to CONNECT was complete. */
        PROXY_CLOSED("the proxy closed the connection before opening the tunnel"),
        /**
         * The proxy's answer to CONNECT broke HTTP/1.1 (the cause says how), or the proxy sent bytes after it before
         * our TLS ClientHello.
         */
        PROXY_PROTOCOL_ERROR("the proxy's answer to CONNECT is not valid HTTP"),
        /** The calling thread was interrupted while blocked. */
        INTERRUPTED("interrupted"),
        /** Any other operating-system or socket error; the cause holds it. */
        IO_ERROR("I/O error");

        private final String text;

        Reason(String text) {
            this.text = text;
        }

        /** A short human description. */
        public String text() {
            return text;
        }
    }

    private final Reason reason;
    private final String detail;
    private final boolean requestNotSent;

    public TransportException(Reason reason, String detail) {
        this(reason, detail, null);
    }

    public TransportException(Reason reason, String detail, Throwable cause) {
        this(reason, detail, cause, false);
    }

    /**
     * @param requestNotSent whether the request this error ends was certainly not sent (see {@link
     *     #requestNotSent()})
     */
    public TransportException(Reason reason, String detail, Throwable cause, boolean requestNotSent) {
        super(null, cause);
        this.reason = Objects.requireNonNull(reason, "reason");
        this.detail = detail;
        this.requestNotSent = requestNotSent;
    }

    /**
     * Whether the request this error ends was certainly not sent — for example the server had closed an idle
     * keep-alive connection before the request was written. Retrying such a request is safe whatever its method.
     */
    public boolean requestNotSent() {
        return requestNotSent;
    }

    /** What went wrong. */
    public Reason reason() {
        return reason;
    }

    /** Extra detail (a host, a duration, the OS message), or {@code null}. */
    public String detail() {
        return detail;
    }

    @Override
    public String getMessage() {
        return detail == null ? reason.text() : reason.text() + ": " + detail;
    }
}
