package dev.finch.conn;

import dev.finch.http.HttpHeaders;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import javax.net.ssl.SSLSession;

/**
 * A process-less HTTP connection, after Elixir's Mint: a value owned by its caller that starts no thread, takes no
 * lock and schedules nothing. Requests go in with {@link #request}; the response comes back as {@link ResponsePart}s
 * from {@link #recv} (passive mode) or {@link #stream} (active mode).
 *
 * <h2>Ownership</h2>
 *
 * The thread that connects owns the connection. Only the owner may call its methods; any other thread gets an
 * {@link IllegalStateException}. Ownership moves with {@link #transferOwnership(Thread)}; {@code null} parks the
 * connection without an owner (in a pool): a parked connection refuses every call until a thread claims it with
 * {@code transferOwnership(Thread.currentThread())} (whoever holds it must make sure only one thread does).
 * {@link #close()} may also be called by any thread once the owner thread has died, so that a pool can release a
 * connection whose borrower is gone. {@link #isOpen()}, {@link #isReadable()}, {@link #openRequestCount()} and
 * {@link #owner()} only read state and check nobody.
 *
 * <h2>Modes</h2>
 *
 * <ul>
 *   <li><b>Passive</b> (the default): {@link #recv(Duration)} blocks the owner until bytes arrive.
 *   <li><b>Active</b>: {@link #register(Selector)} registers the socket with a selector the owner drives; for each
 *       selected key the owner calls {@link #stream(SelectionKey)} on its connections. The one that owns the key
 *       answers with parts; the others answer {@link #UNKNOWN}. One thread can drive many connections this way.
 *       {@link #deregister()} returns to passive mode.
 * </ul>
 *
 * <h2>Protocols</h2>
 *
 * {@link #connect} returns an HTTP/1.1 or an HTTP/2 connection as {@link ConnectOptions#protocols()} and ALPN decide;
 * {@link #protocol()} tells which. Both speak this interface with the same parts. HTTP/2 multiplexes requests, and
 * its own operations (ping, settings, flow-control windows) are on {@link Http2Connection}, reached with {@link
 * #asHttp2()}.
 *
 * <h2>Errors</h2>
 *
 * Methods that send throw {@link dev.finch.http.HttpProtocolException} for a request that is not valid HTTP (nothing
 * was sent; the connection stays usable, unless the method says otherwise) and
 * {@link dev.finch.http.TransportException} when the socket fails. Errors found while receiving end the affected
 * requests with {@link ResponsePart.Error} parts, after every part that came before them; they are thrown only when
 * no request is in flight to carry them. When a sending call fails and closes the connection, the other requests in
 * flight get their Error parts (after any response bytes that had already arrived, such as an early 413) from the
 * next {@link #recv} call, or {@link #stream} with the last key, which still answers after the key was cancelled.
 * After any error, {@link #isOpen()} tells whether the connection can be used again; one that cannot has already
 * released its socket.
 *
 * <p>A stale keep-alive connection — closed by the server while idle — is detected before a request is written on
 * it: {@code request} then throws a {@link dev.finch.http.TransportException} whose
 * {@link dev.finch.http.TransportException#requestNotSent()} is true, so a retry is safe whatever the method.
 */
public interface HttpConnection extends AutoCloseable {

    /**
     * What {@link #stream(SelectionKey)} returns for a key that belongs to another connection. Compare with
     * {@code ==}; it is an empty list, distinct from every other.
     */
    List<ResponsePart> UNKNOWN = Collections.unmodifiableList(new java.util.ArrayList<>(0));

    /**
     * Opens a connection to {@code host:port} over TCP, with TLS for {@link Scheme#HTTPS}. The connect timeout of
     * {@code options} covers the TCP connect and the TLS handshake together; DNS resolution goes through the JDK
     * resolver, whose own timeouts bound it (checked against the deadline once it returns). The calling thread
     * becomes the owner.
     *
     * @throws dev.finch.http.TransportException if the host is unknown, the connection or handshake fails, the
     *     certificate is rejected, or the timeout passes
     */
    static HttpConnection connect(Scheme scheme, String host, int port, ConnectOptions options) throws IOException {
        return Connections.connect(scheme, host, port, null, options, Long.MAX_VALUE);
    }

    /**
     * As {@link #connect(Scheme, String, int, ConnectOptions)}, and the whole connect also ends by {@code
     * deadlineNanos}: the TCP connect, TLS and, through a proxy, the wait for the answer to CONNECT ({@link
     * Proxy#tunnelTimeout()}) and the target's TLS handshake in the tunnel. A pool passes the deadline of the request
     * that asked for the connection, so that a request timeout covers its connect (finch#26). The deadline belongs to
     * this one call, which is why it is an argument and not one of the {@link ConnectOptions} a pool keeps for every
     * connect.
     *
     * @param deadlineNanos a {@link System#nanoTime()} value; {@link Long#MAX_VALUE} for none
     * @throws dev.finch.http.TransportException as {@link #connect(Scheme, String, int, ConnectOptions)}; TIMEOUT
     *     too when {@code deadlineNanos} cuts a step short, before its own timeout
     */
    static HttpConnection connect(Scheme scheme, String host, int port, ConnectOptions options, long deadlineNanos)
            throws IOException {
        return Connections.connect(scheme, host, port, null, options, deadlineNanos);
    }

    /**
     * Opens a connection over the Unix domain socket at {@code socketPath}, with TLS for {@link Scheme#HTTPS}. The
     * host name for the Host header, SNI and the certificate check is {@link ConnectOptions#hostname()}.
     */
    static HttpConnection connect(Scheme scheme, Path socketPath, ConnectOptions options) throws IOException {
        return connect(scheme, socketPath, options, Long.MAX_VALUE);
    }

    /**
     * As {@link #connect(Scheme, Path, ConnectOptions)}, and the whole connect also ends by {@code deadlineNanos}; see
     * {@link #connect(Scheme, String, int, ConnectOptions, long)}.
     */
    static HttpConnection connect(Scheme scheme, Path socketPath, ConnectOptions options, long deadlineNanos)
            throws IOException {
        return Connections.connect(
                scheme, options.hostname(), scheme.defaultPort(), socketPath, options, deadlineNanos);
    }

    /** The HTTP version this connection speaks (chosen by ALPN or by the options). */
    Protocol protocol();

    /**
     * This connection as an {@link Http2Connection}, for the operations only HTTP/2 has (ping, settings, windows).
     *
     * @throws UnsupportedOperationException if it speaks HTTP/1.1 (check {@link #protocol()} first)
     */
    default Http2Connection asHttp2() {
        throw new UnsupportedOperationException("this connection speaks " + protocol() + ", not HTTP/2");
    }

    /**
     * Sends a request. With {@link RequestBody#streaming()}, the body follows through {@link #streamRequestBody} and
     * ends with {@link #endRequestBody}.
     *
     * @param method a token, e.g. {@code GET}; sent as given
     * @param target origin-form ({@code /path?query}), absolute-form, authority-form (CONNECT) or {@code *}
     * @return the reference that names this request's parts
     * @throws dev.finch.http.HttpProtocolException if the method, target, a header name or value is invalid, or the
     *     connection cannot take a request now (closed, or HTTP/1 with a body still streaming); nothing was sent
     * @throws dev.finch.http.TransportException if writing failed; the connection is then closed
     */
    RequestRef request(String method, String target, HttpHeaders headers, RequestBody body) throws IOException;

    /** Sends the next piece of a streamed request body. */
    void streamRequestBody(RequestRef ref, ByteBuffer chunk) throws IOException;

    /** Ends a streamed request body, with trailer fields (chunked HTTP/1.1 or HTTP/2 only) or {@link HttpHeaders#EMPTY}. */
    void endRequestBody(RequestRef ref, HttpHeaders trailers) throws IOException;

    /**
     * Stops a request. Returns the parts that end the affected requests: an {@code Error} with reason {@code
     * CANCELLED} for {@code ref}; no more parts follow for it. HTTP/2 resets only its stream (RST_STREAM CANCEL) and
     * the connection carries on. HTTP/1.1 cannot stop one request: if it is in flight the connection is closed, and
     * the requests pipelined with it end with a {@code TransportException} CLOSED among the returned parts. A request
     * that has already ended (or is unknown) is left alone: the result is empty.
     *
     * @throws dev.finch.http.TransportException if writing the reset failed (HTTP/2); the connection is then closed
     *     and the returned parts of other requests are in the next recv/stream
     */
    List<ResponsePart> cancelRequest(RequestRef ref) throws IOException;

    /**
     * How many body bytes {@link #streamRequestBody} can send for {@code ref} now, without waiting: on HTTP/2 the
     * smaller of the connection and stream send windows less what is queued (RFC 9113 §6.9); on HTTP/1 unbounded
     * ({@link Long#MAX_VALUE}). 0 when {@code ref} is not streaming a body here. Streaming more is allowed; the rest
     * then waits inside the connection, so callers that want back-pressure send only this much.
     */
    long requestBodyWindow(RequestRef ref);

    /**
     * Passive mode: blocks until at least one part is complete (or the connection has closed), then returns the parts
     * the bytes read complete. On HTTP/2 it also returns, possibly with no part, when the send window of a request
     * streaming its body grew, so that the caller can send more. One call reads a bounded amount (a few hundred KiB),
     * so a fast peer cannot make it buffer without limit. A zero or negative timeout reads once, without blocking.
     * After the connection closed because a sending call failed, it returns the Error parts of the other requests
     * (in either mode).
     *
     * @throws dev.finch.http.TransportException with reason TIMEOUT if no part was completed in time (the connection
     *     is left as it was), CLOSED if the connection was already closed and nothing is left to hand out
     * @throws IllegalStateException in active mode
     */
    List<ResponsePart> recv(Duration timeout) throws IOException;

    /**
     * Active mode: handles a key the caller's selector selected. Returns {@link #UNKNOWN} if the key is not this
     * connection's; otherwise reads and writes what the socket allows without blocking and returns the parts.
     */
    List<ResponsePart> stream(SelectionKey key) throws IOException;

    /**
     * Switches to active mode: registers the socket with {@code selector} for reading (and writing while output is
     * pending). The key's attachment is the caller's to use.
     */
    SelectionKey register(Selector selector) throws IOException;

    /** Switches back to passive mode, cancelling the selection key. */
    void deregister() throws IOException;

    /**
     * Whether the connection can take new requests. An HTTP/2 connection after the server's GOAWAY is not open but
     * still {@link #isReadable() readable}: requests in flight finish.
     */
    boolean isOpen();

    /** Whether responses can still be read (HTTP/2 after GOAWAY can be readable but not writable). */
    boolean isReadable();

    /** Requests sent whose response has not ended. */
    int openRequestCount();

    /**
     * Closes the connection: HTTP/2 sends GOAWAY NO_ERROR first (best effort), then the socket is closed. Requests in
     * flight get no more parts. Idempotent.
     */
    @Override
    void close();

    /**
     * Closes the socket from any thread — the one method that needs no ownership — so that whoever must stop a
     * connection while its owner is blocked in it (a pool shutting down) can do so. The owner's wait wakes up and its
     * current or next call fails with a {@link dev.finch.http.TransportException} CLOSED (or ends its requests with
     * Error parts); the owner then closes the connection as after any failure.
     */
    void abort();

    /** The current owner, or {@code null} while parked. */
    Thread owner();

    /** Hands the connection to {@code newOwner} ({@code null} to park it). Called by the owner, or by anyone when parked. */
    void transferOwnership(Thread newOwner);

    /** Stores a private value on the connection (Mint's put_private), or removes it when {@code value} is null. */
    void putPrivate(String key, Object value);

    /** A private value, or {@code null}. */
    Object getPrivate(String key);

    /**
     * The header fields of the proxy's 2xx answer to {@code CONNECT} when this connection runs through a tunnel
     * (Mint's {@code get_proxy_headers}), names lowercase; {@link HttpHeaders#EMPTY} for a direct connection or one
     * through a forward proxy (an http target). Only reads state: checks no owner.
     */
    HttpHeaders proxyResponseHeaders();

    /** The TLS session, or {@code null} for plain connections. */
    SSLSession sslSession();
}
