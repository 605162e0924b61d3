package dev.finch.conn;

import dev.finch.codec.http1.Http1Decoder;
import dev.finch.codec.http1.Http1Encoder;
import dev.finch.codec.http1.Http1Encoder.BodyShape;
import dev.finch.codec.http1.Http1ResponseHandler;
import dev.finch.http.HttpHeaders;
import dev.finch.http.HttpProtocolException;
import dev.finch.http.ProxyTunnelException;
import dev.finch.http.TransportException;
import dev.finch.http.TransportException.Reason;
import dev.finch.transport.Transport;
import dev.finch.transport.Transports;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Opens a CONNECT tunnel (RFC 9110 §9.3.6) over a transport to a proxy: writes {@code CONNECT host:port}, reads the
 * answer's head with the HTTP/1 decoder and its limits, and on 2xx leaves the transport carrying the tunnel. Does not
 * close the transport: the caller does on failure.
 */
final class ProxyTunnel {
    private static final int READ_BUFFER_SIZE = 8 * 1024;

    private ProxyTunnel() {}

    /**
     * Asks {@code proxy} (over {@code transport}) for a tunnel to {@code host:port} and waits for its answer until the
     * proxy's tunnel timeout or {@code limit}, whichever comes first.
     *
     * @param limit the deadline of the whole connect ({@link HttpConnection#connect(Scheme, String, int,
     *     ConnectOptions, long)}), {@link System#nanoTime()} based
     * @return the header fields of the proxy's 2xx answer
     * @throws ProxyTunnelException for a final answer that is not 2xx (101 included)
     * @throws TransportException PROXY_TUNNEL_TIMEOUT (the tunnel timeout passed), TIMEOUT ({@code limit} passed
     *     first), PROXY_CLOSED, PROXY_PROTOCOL_ERROR (a malformed answer, or bytes after it), or a failure of the
     *     transport
     */
    static HttpHeaders open(Transport transport, Proxy proxy, String host, int port, ConnectOptions options, long limit)
            throws IOException {
        // RFC 9112 §3.2.3: the authority-form, always with the port; Host carries the same (RFC 9110 §7.2).
        String authority = Http1Encoder.authority(host, port, -1);
        String where = "CONNECT " + authority + " via " + proxy;
        Http1Encoder.EncodedHead head;
        try {
            head = Http1Encoder.encodeHead(
                    "CONNECT",
                    authority,
                    proxy.headers(),
                    authority,
                    BodyShape.NONE,
                    new Http1Encoder.Options(options.preserveHeaderCase(), true, options.userAgent()));
        } catch (HttpProtocolException e) {
            throw new IllegalArgumentException("cannot send " + where + ": " + e.getMessage(), e);
        }
        long tunnelDeadline = Transports.deadline(proxy.tunnelTimeout());
        boolean limited = limit < tunnelDeadline; // the connect deadline comes first: it is what runs out
        long deadline = limited ? limit : tunnelDeadline;
        try {
            transport.writeFully(new ByteBuffer[] {head.bytes()}, deadline);
        } catch (TransportException e) {
            throw e.reason() == Reason.TIMEOUT ? timeout(where, proxy, limited, e) : e;
        }

        Http1Decoder decoder = new Http1Decoder(options.http1Limits());
        decoder.expectResponse("CONNECT");
        Answer answer = new Answer();
        ByteBuffer buffer = ByteBuffer.allocate(READ_BUFFER_SIZE);
        try {
            while (!answer.done) {
                buffer.clear();
                int n = transport.read(buffer);
                if (n == 0) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0 || !transport.awaitReadable(left)) {
                        throw timeout(where, proxy, limited, null);
                    }
                    continue;
                }
                if (n < 0) {
                    throw new TransportException(Reason.PROXY_CLOSED, where);
                }
                buffer.flip();
                decoder.decode(buffer, answer);
                if (answer.refusedStatus != 0) {
                    // A refusal may carry a body (a 407 page); its head says all we need, and the socket goes.
                    throw new ProxyTunnelException(answer.refusedStatus, answer.headers, where);
                }
            }
        } catch (HttpProtocolException e) {
            if (answer.refusedStatus != 0) {
                // The refusal's head was fine; its body (which we do not want) was not.
                throw new ProxyTunnelException(answer.refusedStatus, answer.headers, where);
            }
            throw new TransportException(Reason.PROXY_PROTOCOL_ERROR, where + ": " + e.getMessage(), e);
        } catch (TransportException e) {
            throw e.reason() == Reason.TIMEOUT ? timeout(where, proxy, limited, e) : e;
        }
        // Nothing may follow a 2xx head before our ClientHello: such bytes would be taken for the server's TLS.
        if (buffer.hasRemaining()) {
            throw new TransportException(
                    Reason.PROXY_PROTOCOL_ERROR,
                    where + ": " + buffer.remaining() + " unexpected bytes after the proxy's 2xx answer");
        }
        return answer.headers;
    }

    private static TransportException timeout(String where, Proxy proxy, boolean limited, Throwable cause) {
        if (limited) {
            // The connect deadline (a request timeout, say) ran out before the tunnel timeout: a plain TIMEOUT.
            return new TransportException(
                    Reason.TIMEOUT, where + ": the connect deadline passed while waiting for the proxy", cause);
        }
        return new TransportException(
                Reason.PROXY_TUNNEL_TIMEOUT, where + " (tunnel timeout " + proxy.tunnelTimeout() + ")", cause);
    }

    /** Collects the final status and headers of the proxy's answer. */
    private static final class Answer implements Http1ResponseHandler {
        private int status;
        private HttpHeaders headers = HttpHeaders.EMPTY;
        private int refusedStatus;
        private boolean done;

        @Override
        public void status(int code) {
            status = code;
        }

        @Override
        public void headers(HttpHeaders fields) {
            if (status < 200 && status != 101) {
                return; // interim (1xx): the final answer follows
            }
            headers = fields;
            // RFC 9110 §9.3.6: only a 2xx opens the tunnel. A 101 ends the answer (the decoder takes it as final, as
            // for an Upgrade) but is no 2xx: a refusal like any other.
            if (status < 200 || status >= 300) {
                refusedStatus = status;
            }
        }

        @Override
        public void data(ByteBuffer data) {
            // only a refusal has a body, and it is not read
        }

        @Override
        public void trailers(HttpHeaders trailers) {}

        @Override
        public void done(boolean keepAlive) {
            done = true;
        }
    }
}
