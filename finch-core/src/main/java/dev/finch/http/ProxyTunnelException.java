package dev.finch.http;

import java.util.Objects;

/**
 * A proxy answered {@code CONNECT} with a status other than 2xx, so no tunnel was opened (RFC 9110 §9.3.6): for
 * example 407 Proxy Authentication Required (the headers then hold {@code proxy-authenticate}), 403 for a port the
 * proxy does not tunnel to, or 502 when the proxy could not reach the target. The reason is always {@link
 * TransportException.Reason#PROXY_REFUSED}; the socket to the proxy is closed before this is thrown. Mint's {@code
 * {:proxy, {:unexpected_status, status}}}.
 */
public class ProxyTunnelException extends TransportException {
    private static final long serialVersionUID = 1L;

    private final int status;
    private final transient HttpHeaders headers;

    /**
     * @param status the proxy's final status code
     * @param headers the header fields of the proxy's answer, names lowercase
     * @param detail the proxy and the target, for the message
     */
    public ProxyTunnelException(int status, HttpHeaders headers, String detail) {
        super(Reason.PROXY_REFUSED, detail);
        this.status = status;
        this.headers = Objects.requireNonNull(headers, "headers");
    }

    /** The status code the proxy answered with (never 2xx). */
    public int status() {
        return status;
    }

    /** The header fields of the proxy's answer (names lowercase), e.g. {@code proxy-authenticate} for a 407. */
    public HttpHeaders headers() {
        return headers == null ? HttpHeaders.EMPTY : headers;
    }

    @Override
    public String getMessage() {
        String detail = detail();
        return reason().text() + " with status " + status + (detail == null ? "" : ": " + detail);
    }
}
