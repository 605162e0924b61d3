package dev.finch.pool;

import java.io.IOException;
import java.util.Objects;

/**
 * A failure of the client or its pools rather than of the wire: no connection in time, a stopped pool, a request
 * timeout, a cancellation, an HTTP/2 connection that is down or draining. Carries a {@link Reason}; the message is
 * formatted from it and a detail naming the pool and what was seen (sizes, counts, durations), so that a pool
 * timeout says whether to raise {@code size} or {@code count} (finch#126, #279).
 *
 * <p>Failures on the wire are not wrapped: they surface as {@link dev.finch.http.TransportException} (socket, TLS,
 * receive timeout) and {@link dev.finch.http.HttpProtocolException} (the server broke HTTP, or the request is not
 * valid HTTP). When a {@code FinchException} results from one of those (a request timeout that cut a read short),
 * it is the cause.
 *
 * <p>It lives in {@code dev.finch.pool} because the pools raise it and may not import the client's package.
 */
public class FinchException extends IOException {
    private static final long serialVersionUID = 1L;

    /** What went wrong. */
    public enum Reason {
        /** No connection (HTTP/1) or stream slot (HTTP/2) became free within the pool timeout. */
        POOL_TIMEOUT("no connection available within the pool timeout"),
        /** The pool was stopped (stopPool, setPoolCount shrinking it, or poolMaxIdleTime) while the request used it. */
        POOL_STOPPED("the pool was stopped"),
        /** The client is closed. */
        CLIENT_CLOSED("the client is closed"),
        /** No pool exists for the key (ping on a pool that was never started). */
        POOL_NOT_FOUND("no such pool"),
        /** The call needs HTTP/2 (ping) but the pool speaks HTTP/1. */
        NOT_HTTP2("the pool does not speak HTTP/2"),
        /** The HTTP/2 connection is down and reconnecting. */
        DISCONNECTED("the HTTP/2 connection is down"),
        /** The HTTP/2 connection waits for the server's SETTINGS (waitForServerSettings). */
        CONNECTION_NOT_READY("the HTTP/2 connection is not ready"),
        /** The HTTP/2 connection is draining (GOAWAY or maxConnectionAge) and takes no new request. */
        READ_ONLY("the HTTP/2 connection is draining"),
        /** The whole-request timeout passed. */
        REQUEST_TIMEOUT("the request timeout passed"),
        /** The request was cancelled (cancel, or the calling thread was interrupted). */
        CANCELLED("the request was cancelled"),
        /** An HTTP/2 PING got no PONG in time. */
        PING_TIMEOUT("no answer to the ping in time");

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

    /** A failure for {@code reason}; {@code detail} names the pool and what was seen, or is null. */
    public FinchException(Reason reason, String detail) {
        this(reason, detail, null);
    }

    /** A failure for {@code reason} caused by {@code cause} (a wire error, say). */
    public FinchException(Reason reason, String detail, Throwable cause) {
        super(null, cause);
        this.reason = Objects.requireNonNull(reason, "reason");
        this.detail = detail;
    }

    /** What went wrong. */
    public Reason reason() {
        return reason;
    }

    /** What exactly: the pool, the limit, what was seen; or {@code null}. */
    public String detail() {
        return detail;
    }

    @Override
    public String getMessage() {
        return detail == null ? reason.text() : reason.text() + ": " + detail;
    }
}
