package dev.finch.conn;

import dev.finch.codec.http2.ErrorCode;
import dev.finch.codec.http2.FrameDecoder;
import dev.finch.codec.http2.Hpack;
import dev.finch.codec.http2.Http2ConnectionException;
import dev.finch.codec.http2.ReceiveWindow;
import dev.finch.codec.http2.Settings;
import dev.finch.http.HttpHeaders;
import dev.finch.http.HttpProtocolException;
import dev.finch.http.HttpProtocolException.Reason;
import dev.finch.http.TransportException;
import dev.finch.transport.Transport;
import dev.finch.transport.Transports;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * An HTTP/2 connection (RFC 9113): many requests at once, each on its own stream. {@link HttpConnection#connect}
 * returns one when h2 is negotiated with ALPN, or for h2c with prior knowledge ({@code protocols} exactly {@code
 * {HTTP2}} over {@code http}); check {@link #protocol()} or call {@link #asHttp2()} to reach the operations only HTTP/2
 * has: {@link #ping}, {@link #putSettings}, the settings and window getters, {@link #consumed} and the receive
 * window growth. See {@link HttpConnection} for ownership, modes and errors; like every connection this one is
 * thread-confined, starts no thread and takes no lock.
 *
 * <h2>Requests and flow control</h2>
 *
 * Requests go out at once, up to the server's SETTINGS_MAX_CONCURRENT_STREAMS (beyond it {@code request} throws
 * TOO_MANY_CONCURRENT_REQUESTS and sends nothing). A body larger than the send windows does not fail: what the
 * windows allow is sent now and the rest waits inside the connection, going out as the server's WINDOW_UPDATEs
 * arrive, during {@link #recv} in passive mode and during {@link #stream} in active mode. Callers that stream large
 * bodies can ask {@link #requestBodyWindow} first and send only what fits, so that nothing piles up. Byte bodies
 * ({@link RequestBody#of(byte[])}) are read as they are sent: do not change them until the request has ended.
 *
 * <h2>Errors</h2>
 *
 * A <em>stream error</em> (a malformed response, a reset from the server) ends one request with an {@code Error}
 * part and the connection carries on. A <em>connection error</em> ({@link Http2ConnectionException}: a broken frame,
 * HPACK failure, flow-control violation or a flood) sends GOAWAY with its code, ends every request in flight with an
 * {@code Error} and closes the socket. After a server's GOAWAY the connection is readable but not writable: requests
 * above its last-stream-id end with UNPROCESSED (safe to retry, see {@link ResponsePart.Error#isRetrySafe()}), the
 * others finish.
 */
public final class Http2Connection extends BaseConnection {
    private static final int READ_BUFFER_SIZE = 64 * 1024;
    /**
     * Bytes one recv/stream call reads at most, as on HTTP/1: a fast peer must not make one call buffer without bound,
     * nor (in active mode) starve the other connections of the owner's selector; the rest is read by the next call.
     */
    private static final int READ_BUDGET = 4 * READ_BUFFER_SIZE;
    /** A closing connection waits at most this long for its GOAWAY to be written. */
    private static final Duration CLOSE_WRITE_TIMEOUT = Duration.ofSeconds(1);

    private final String authority;
    private final ConnectOptions options;
    private final Http2Options http2;
    private final Hpack hpack;
    private final FrameDecoder decoder;
    private final Http2Streams streams = new Http2Streams();
    private final Http2Outbound outbound;
    private final Http2Control control = new Http2Control();
    private final Http2FloodGuard floods;
    private final ReceiveWindow connectionWindow;
    private final Http2Unconsumed unconsumed;
    private final Http2Inbound inbound;
    private final Http2Requests requests;
    private final ByteBuffer readBuffer = ByteBuffer.allocateDirect(READ_BUFFER_SIZE);
    private final OutputQueue output;
    private final DeferredResults deferred = new DeferredResults();

    private boolean closed;

    private long nextPingPayload;

    private Http2Connection(Transport transport, Scheme scheme, String authority, ConnectOptions options) {
        super(transport);
        this.authority = authority;
        this.options = options;
        this.http2 = options.http2();
        this.output = new OutputQueue(transport, http2.maxQueuedOutput());
        Settings ours = http2.clientSettings();
        this.hpack = new Hpack(ours.maxHeaderListSize(), Settings.DEFAULT_HEADER_TABLE_SIZE);
        this.decoder = new FrameDecoder(
                Settings.MIN_MAX_FRAME_SIZE, http2.maxHeaderBlockSize(), http2.maxContinuationFrames());
        this.outbound = new Http2Outbound(hpack, output, http2.outputHighWaterMark());
        this.floods = new Http2FloodGuard(http2);
        this.connectionWindow = new ReceiveWindow(
                0, Settings.DEFAULT_INITIAL_WINDOW_SIZE, http2.windowUpdateThreshold(), http2.receiveWindowRelease());
        this.unconsumed =
                http2.receiveWindowRelease() == ReceiveWindow.Release.ON_CONSUME ? new Http2Unconsumed() : null;
        this.inbound =
                new Http2Inbound(streams, outbound, control, floods, hpack, decoder, connectionWindow, unconsumed);
        this.requests = new Http2Requests(scheme, authority, options, streams, outbound, control, floods, inbound);
    }

    /**
     * Starts HTTP/2 on a connected transport: writes the preface, our SETTINGS and a WINDOW_UPDATE that raises the
     * connection window (§3.4, §6.9.2). Does not wait for the server's SETTINGS; until they come the connection
     * assumes 100 concurrent streams and the RFC's initial windows and frame size.
     *
     * @throws IOException if the preface cannot be written; the transport is then closed
     */
    static Http2Connection start(Transport transport, Scheme scheme, String authority, ConnectOptions options)
            throws IOException {
        Http2Connection c = new Http2Connection(transport, scheme, authority, options);
        Settings ours = c.http2.clientSettings();
        int growth = c.connectionWindow.grow(c.http2.connectionWindowSize() - Settings.DEFAULT_INITIAL_WINDOW_SIZE);
        c.outbound.preface(ours, growth);
        c.control.sent(ours);
        try {
            c.writeOutput();
        } catch (IOException | RuntimeException e) {
            c.closeQuietly();
            throw e;
        }
        return c;
    }

    @Override
    public Protocol protocol() {
        return Protocol.HTTP2;
    }

    @Override
    public Http2Connection asHttp2() {
        return this;
    }

    // -------------------------------------------------------------------------------------------- requests

    /**
     * {@inheritDoc}
     *
     * <p>HTTP/2: the pseudo-headers come from {@code method}, the connection's scheme and authority (a {@code host}
     * header replaces the authority) and {@code target}; header names are lowercased; {@code content-length} is added
     * for a byte body; {@code user-agent} as on HTTP/1. The request is checked against RFC 9113 §8.2 (no
     * connection-specific headers, no CR, LF or NUL in values) and against the server's MAX_HEADER_LIST_SIZE before
     * anything is encoded.
     *
     * <p>With no request in flight the connection may have gone stale, so it is read first (without blocking): a
     * server that closed it meanwhile makes this throw a {@link TransportException} CLOSED whose {@link
     * TransportException#requestNotSent()} is true, one that sent GOAWAY makes it throw CLOSED_FOR_WRITING; parts the
     * read completed (a Pong) wait for the next recv/stream.
     *
     * @throws HttpProtocolException also CLOSED_FOR_WRITING after a GOAWAY, TOO_MANY_CONCURRENT_REQUESTS at the
     *     server's stream limit, MAX_HEADER_LIST_SIZE_EXCEEDED, INVALID_CONTENT_LENGTH for a content-length that does
     *     not match the body; nothing was sent
     */
    @Override
    public RequestRef request(String method, String target, HttpHeaders headers, RequestBody body) throws IOException {
        checkOwner();
        checkWritable();
        if (streams.isEmpty()) {
            checkIdleConnection();
        }
        Http2Stream s = requests.open(method, target, headers, body);
        send(s);
        return s.ref;
    }

    /**
     * An idle connection may have been closed by the server, or told to go away, since it was last read (the stale
     * keep-alive race, finch#62): look before writing. One non-blocking read, decoded: a waiting GOAWAY, PING,
     * SETTINGS or end of input is processed. Only when idle, which keeps the busy path free of it: with requests in
     * flight the owner reads all the time, and a failure reaches it as their Error parts.
     */
    private void checkIdleConnection() throws IOException {
        readAvailable(deferred.parts());
        if (inbound.goAwayReceived()) {
            throw new HttpProtocolException(
                    Reason.CLOSED_FOR_WRITING,
                    "the server sent GOAWAY while the connection was idle; open a new connection (nothing was sent)");
        }
        if (closed) {
            IOException cause = deferred.takeError();
            throw new TransportException(
                    TransportException.Reason.CLOSED,
                    cause == null
                            ? "the server closed the idle connection; nothing was sent"
                            : "the idle connection failed; nothing was sent",
                    cause,
                    true);
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>HTTP/2: sends what the send windows allow and keeps the rest (a copy) until WINDOW_UPDATEs arrive; ask
     * {@link #requestBodyWindow} to avoid queueing.
     *
     * @throws HttpProtocolException UNKNOWN_REQUEST if {@code ref} is not streaming a body here (it ended, was reset,
     *     or the server already answered it), CLOSED, or INVALID_CONTENT_LENGTH if the chunk would overrun the
     *     declared content-length; nothing was sent
     */
    @Override
    public void streamRequestBody(RequestRef ref, ByteBuffer chunk) throws IOException {
        checkOwner();
        checkReadable();
        send(requests.body(ref, chunk));
    }

    /**
     * {@inheritDoc}
     *
     * <p>HTTP/2: trailers go out as a final HEADERS frame with END_STREAM once the queued body has been sent (RFC 9113
     * §8.1); without trailers the last DATA frame carries END_STREAM.
     *
     * @throws HttpProtocolException UNKNOWN_REQUEST, CLOSED, INVALID_HEADER_NAME / INVALID_HEADER_VALUE for trailers
     *     (nothing was sent), or INVALID_CONTENT_LENGTH if the body fell short of its content-length: the stream is
     *     then reset and the request ends with this error
     */
    @Override
    public void endRequestBody(RequestRef ref, HttpHeaders trailers) throws IOException {
        checkOwner();
        checkReadable();
        HttpProtocolException shortBody = requests.end(ref, trailers);
        if (shortBody != null) {
            deferred.parts().add(new ResponsePart.Error(ref, shortBody));
            send(null);
            throw shortBody;
        }
        send(streams.get(ref));
    }

    /**
     * {@inheritDoc}
     *
     * <p>HTTP/2: sends RST_STREAM CANCEL; the connection and other requests carry on. Frames the server sent before
     * it saw the reset are ignored (RFC 9113 §5.1). With {@link ReceiveWindow.Release#ON_CONSUME}, Data of {@code
     * ref} not yet reported consumed is given back to the connection window now.
     *
     * @throws TransportException if writing the reset failed: the connection is then closed, and the next recv/stream
     *     returns the Error parts, CANCELLED for {@code ref} and the failure for the other requests
     */
    @Override
    public List<ResponsePart> cancelRequest(RequestRef ref) throws IOException {
        checkOwner();
        Http2Stream s = closed ? null : streams.get(ref);
        if (s == null) {
            return List.of();
        }
        requests.reset(s, ErrorCode.CANCEL);
        ResponsePart cancelled =
                new ResponsePart.Error(ref, new HttpProtocolException(Reason.CANCELLED, "stream " + s.id));
        try {
            writeOutput();
        } catch (IOException e) {
            deferred.parts().add(cancelled);
            failAll(e, null);
            throw e;
        }
        closeIfDrained();
        return List.of(cancelled);
    }

    /**
     * {@inheritDoc}
     *
     * <p>HTTP/2: the smaller of the connection and stream send windows less what is already queued (RFC 9113
     * §6.9.1). In active mode also 0 while more than {@link Http2Options#outputHighWaterMark()} bytes wait for the
     * socket: the key then selects as writable, and once {@link #stream} has handed the socket enough of them the
     * window opens again.
     */
    @Override
    public long requestBodyWindow(RequestRef ref) {
        checkOwner();
        return requests.bodyWindow(ref);
    }

    // ------------------------------------------------------------------------------------ HTTP/2 only

    /**
     * Sends a PING with 8 opaque bytes (RFC 9113 §6.7); a {@link ResponsePart.Pong} with the returned reference comes
     * back when the server answers. Pings are matched by payload, so concurrent pings should differ ({@link #ping()}
     * sees to that).
     *
     * @throws HttpProtocolException CLOSED if the connection is closed
     * @throws TransportException if writing failed; the connection is then closed
     */
    public RequestRef ping(long payload) throws IOException {
        checkOwner();
        if (closed) {
            throw new HttpProtocolException(Reason.CLOSED, "cannot ping on a closed connection");
        }
        RequestRef ref = new RequestRef();
        outbound.ping(false, payload);
        control.pingSent(ref, payload);
        send(null);
        return ref;
    }

    /** {@link #ping(long)} with a payload unique on this connection. */
    public RequestRef ping() throws IOException {
        return ping(nextPingPayload++);
    }

    /**
     * Sends our SETTINGS (RFC 9113 §6.5); they take effect when the server acknowledges them, as {@link
     * #clientSettings()} then shows. A larger INITIAL_WINDOW_SIZE grows the windows of open streams (§6.9.2).
     *
     * @throws IllegalArgumentException for ENABLE_PUSH 1 (push is not supported), a MAX_HEADER_LIST_SIZE other than
     *     the one the connection started with (set it in {@link Http2Options#clientSettings()}), or an
     *     INITIAL_WINDOW_SIZE that would grow the receive window of an open stream (e.g. one grown by {@link
     *     #growReceiveWindow(RequestRef, int)}) beyond 2^31-1, which the server must treat as a connection error
     *     (§6.9.2); nothing is sent
     * @throws HttpProtocolException CLOSED
     * @throws TransportException if writing failed; the connection is then closed
     */
    public void putSettings(Settings settings) throws IOException {
        checkOwner();
        if (settings.isSet(Settings.ENABLE_PUSH) && settings.enablePush()) {
            throw new IllegalArgumentException("server push is not supported");
        }
        if (settings.isSet(Settings.MAX_HEADER_LIST_SIZE)
                && settings.maxHeaderListSize() != http2.clientSettings().maxHeaderListSize()) {
            throw new IllegalArgumentException("MAX_HEADER_LIST_SIZE is fixed when the connection opens");
        }
        if (settings.isSet(Settings.INITIAL_WINDOW_SIZE)) {
            long growth = Math.max(
                    control.pendingInitialWindowGrowth(),
                    (long) settings.initialWindowSize() - control.client().initialWindowSize());
            for (Http2Stream s : streams.all()) {
                if (!s.receiveWindow.canGrowBy(growth)) {
                    throw new IllegalArgumentException("INITIAL_WINDOW_SIZE " + settings.initialWindowSize()
                            + " would grow the receive window of stream " + s.id + " (" + s.receiveWindow.window()
                            + ") beyond 2^31-1 (RFC 9113 §6.9.2)");
                }
            }
        }
        if (closed) {
            throw new HttpProtocolException(Reason.CLOSED, "cannot send SETTINGS on a closed connection");
        }
        outbound.settings(settings);
        control.sent(settings);
        send(null);
    }

    /** The server's settings as they stand; until its first SETTINGS, the assumed ones (100 concurrent streams). */
    public Settings serverSettings() {
        checkOwner();
        return control.server();
    }

    /** Our settings the server has acknowledged; RFC initial values for any not yet acknowledged. */
    public Settings clientSettings() {
        checkOwner();
        return control.client();
    }

    /** The connection send window: how many DATA bytes all streams together may still send (§6.9). */
    public int sendWindow() {
        checkOwner();
        return outbound.connectionWindow().size();
    }

    /**
     * How many DATA bytes {@code ref} may send now: the smaller of the connection and stream send windows (may be
     * negative after the server lowered INITIAL_WINDOW_SIZE, §6.9.2).
     *
     * @throws IllegalArgumentException if {@code ref} is not a request in flight here
     */
    public int sendWindow(RequestRef ref) {
        checkOwner();
        return Math.min(outbound.connectionWindow().size(), live(ref).sendWindow.size());
    }

    /**
     * Raises the connection receive window we maintain by {@code delta} and tells the server at once.
     *
     * @throws IllegalArgumentException if the window would exceed 2^31-1
     * @throws TransportException if writing failed; the connection is then closed
     */
    public void growReceiveWindow(int delta) throws IOException {
        checkOwner();
        checkReadable();
        outbound.windowUpdate(0, connectionWindow.grow(delta));
        send(null);
    }

    /**
     * Raises the receive window of {@code ref}'s stream by {@code delta} and tells the server at once.
     *
     * @throws IllegalArgumentException if {@code ref} is not in flight, or the window would exceed 2^31-1, now or
     *     once a raised INITIAL_WINDOW_SIZE we sent is acknowledged
     */
    public void growReceiveWindow(RequestRef ref, int delta) throws IOException {
        checkOwner();
        checkReadable();
        Http2Stream s = live(ref);
        if (delta > 0 && !s.receiveWindow.canGrowBy((long) delta + control.pendingInitialWindowGrowth())) {
            throw new IllegalArgumentException("cannot grow the receive window of stream " + s.id + " by " + delta
                    + ": with the INITIAL_WINDOW_SIZE waiting for acknowledgement it would exceed 2^31-1");
        }
        outbound.windowUpdate(s.id, s.receiveWindow.grow(delta));
        send(null);
    }

    /**
     * Reports that the owner has consumed {@code bytes} of {@code ref}'s Data parts. With {@link
     * ReceiveWindow.Release#ON_CONSUME} (see {@link Http2Options#receiveWindowRelease()}) this is what gives the
     * server window back: WINDOW_UPDATE goes out once a batch is owed, so a consumer that stops consuming stops the
     * server. It may be called after the request ended. With the default {@code ON_RECEIVE} it does nothing.
     *
     * <p>A request that ended with an Error (cancelled, reset) gave its unconsumed bytes back when it ended: reports
     * for it are then ignored.
     *
     * @throws IllegalArgumentException if more bytes are reported than were handed out for {@code ref}
     * @throws TransportException if writing failed; the connection is then closed
     */
    public void consumed(RequestRef ref, int bytes) throws IOException {
        checkOwner();
        if (unconsumed == null || bytes == 0) {
            return;
        }
        int credit = unconsumed.consumed(ref, bytes);
        if (credit == 0 || closed) {
            return;
        }
        outbound.windowUpdate(0, connectionWindow.consume(credit));
        Http2Stream s = streams.get(ref);
        if (s != null) {
            outbound.windowUpdate(s.id, s.receiveWindow.consume(credit));
        }
        send(null);
    }

    // ---------------------------------------------------------------------------------------- receiving

    /**
     * {@inheritDoc}
     *
     * <p>HTTP/2: also returns, possibly with no parts, when the send window grew while a request streams its body, so
     * that an owner waiting for {@link #requestBodyWindow} can send more.
     */
    @Override
    public List<ResponsePart> recv(Duration timeout) throws IOException {
        checkOwner();
        checkPassive();
        List<ResponsePart> out = deferred.takeOrThrow(closed);
        if (out != null) {
            return out;
        }
        out = new ArrayList<>(4);
        inbound.sendWindowGrew = false;
        long deadline = Transports.deadline(timeout);
        if (deadline - System.nanoTime() <= 0) {
            // A zero timeout still looks once: a pool probes idle connections this way.
            readAvailable(out);
            if (!out.isEmpty() || closed || bodyWindowOpened()) {
                return deferred.finish(out);
            }
            throw new TransportException(TransportException.Reason.TIMEOUT, "no response part ready");
        }
        while (true) {
            if (!transport.hasBufferedInput()) {
                long remaining = deadline - System.nanoTime();
                if (remaining <= 0 || !awaitReadable(remaining, out)) {
                    throw new TransportException(TransportException.Reason.TIMEOUT, "no frames within " + timeout);
                }
            }
            readAvailable(out);
            if (!out.isEmpty() || closed || bodyWindowOpened()) {
                return deferred.finish(out);
            }
            if (deadline - System.nanoTime() <= 0) {
                // Frames that complete no part (PINGs, WINDOW_UPDATEs) keep coming: the deadline holds all the same.
                throw new TransportException(TransportException.Reason.TIMEOUT, "no response part within " + timeout);
            }
        }
    }

    /** Whether a send window grew since the last call while a request streams its body. */
    private boolean bodyWindowOpened() {
        if (!inbound.sendWindowGrew) {
            return false;
        }
        inbound.sendWindowGrew = false;
        for (Http2Stream s : streams.all()) {
            if (s.streaming) {
                return true;
            }
        }
        return false;
    }

    private boolean awaitReadable(long nanos, List<ResponsePart> out) {
        try {
            return transport.awaitReadable(nanos);
        } catch (IOException e) {
            failAll(e, out);
            return true;
        }
    }

    @Override
    public List<ResponsePart> stream(SelectionKey selected) throws IOException {
        if (!owns(selected)) {
            return UNKNOWN;
        }
        checkOwner();
        List<ResponsePart> out = deferred.takeOrThrow(closed);
        if (out != null) {
            return out;
        }
        out = new ArrayList<>(4);
        if (selected.isValid() && selected.isWritable()) {
            try {
                output.flushNonBlocking();
                writeOutput(); // bodies held at the high-water mark go on as the socket takes bytes
            } catch (IOException e) {
                failAll(e, out);
                return deferred.finish(out);
            }
        }
        if (selected.isValid() && (selected.isReadable() || transport.hasBufferedInput())) {
            readAvailable(out);
            updateInterest(); // input left by the read budget is read on the next selection
        }
        return deferred.finish(out);
    }

    /**
     * Reads and decodes what is available now, up to the read budget, without blocking; answers and queued DATA are
     * written as they arise.
     */
    private void readAvailable(List<ResponsePart> out) {
        inbound.out = out;
        try {
            int budget = READ_BUDGET;
            while (!closed && budget > 0) {
                readBuffer.clear();
                int n;
                try {
                    n = transport.read(readBuffer);
                } catch (IOException e) {
                    failAll(e, out);
                    return;
                }
                if (n < 0) {
                    endOfInput(out);
                    return;
                }
                if (n == 0) {
                    break;
                }
                budget -= n;
                readBuffer.flip();
                try {
                    decoder.decode(readBuffer, inbound);
                } catch (HttpProtocolException e) {
                    failConnection(e, out);
                    return;
                } catch (RuntimeException e) {
                    // A bug, ours or in a callback such as the options' clock: the decoder is finished, so the
                    // connection must end cleanly rather than leave its socket open.
                    failConnection(
                            new Http2ConnectionException(
                                    ErrorCode.INTERNAL_ERROR,
                                    Reason.PROTOCOL_ERROR,
                                    "the client failed while decoding the server's frames: " + e,
                                    e),
                            out);
                    return;
                }
                writeOutput();
                if (closeIfDrained()) {
                    return;
                }
                // A short read means the socket is drained (selectors are level-triggered, so nothing is lost).
                if (n < READ_BUFFER_SIZE && !transport.hasBufferedInput()) {
                    break;
                }
            }
        } catch (IOException e) {
            failAll(e, out);
        } finally {
            inbound.out = null;
        }
    }

    /** After the server's GOAWAY, closes once the last request has ended (§6.8): nothing more will come. */
    private boolean closeIfDrained() {
        if (!closed && inbound.goAwayReceived() && streams.isEmpty()) {
            closeQuietly();
        }
        return closed;
    }

    private void endOfInput(List<ResponsePart> out) {
        if (streams.isEmpty()) {
            closeQuietly();
            return;
        }
        IOException e = inbound.goAwayError();
        failAll(
                e != null
                        ? e
                        : new TransportException(
                                TransportException.Reason.CLOSED,
                                "the server closed the connection with " + streams.size() + " requests in flight"),
                out);
    }

    /**
     * A connection error (§5.4.1): GOAWAY with its code, unless the server itself said GOAWAY; every request in
     * flight ends with the error; the socket is closed.
     */
    private void failConnection(HttpProtocolException e, List<ResponsePart> out) {
        if (!inbound.serverPrefaceSeen()
                && e instanceof Http2ConnectionException ce
                && ce.errorCode() != ErrorCode.PROTOCOL_ERROR
                && ce.errorCode() != ErrorCode.INTERNAL_ERROR) {
            // Whatever the bytes were (often an HTTP/1.1 answer), they were not the server's preface (§3.4).
            e = new Http2ConnectionException(
                    ErrorCode.PROTOCOL_ERROR,
                    Reason.PROTOCOL_ERROR,
                    "the server's first bytes are not a SETTINGS frame (RFC 9113 §3.4): " + ce.detail(),
                    ce);
        }
        if (e instanceof Http2ConnectionException ce) {
            if (ce.reason() != Reason.SERVER_CLOSED_CONNECTION) {
                outbound.goAway(ce.errorCode(), ce.detail());
            }
        } else {
            outbound.goAway(ErrorCode.PROTOCOL_ERROR, e.getMessage());
        }
        writeBestEffort();
        failAll(e, out);
    }

    /** The connection cannot go on: every request in flight ends with {@code e}; with none, it waits to be thrown. */
    private void failAll(IOException e, List<ResponsePart> out) {
        if (streams.isEmpty()) {
            deferred.error(e);
        } else {
            List<ResponsePart> target = out != null ? out : deferred.parts();
            for (Http2Stream s : streams.all()) {
                inbound.close(s, Http2Streams.Closed.NORMALLY);
                target.add(new ResponsePart.Error(s.ref, e));
            }
        }
        closeQuietly();
    }

    // ----------------------------------------------------------------------------------------- writing

    /** Writes the frames produced so far; a failure ends every other request, and is thrown. */
    private void send(Http2Stream writing) throws IOException {
        try {
            writeOutput();
        } catch (IOException e) {
            if (writing != null) {
                inbound.close(writing, Http2Streams.Closed.NORMALLY); // its caller gets the exception
            }
            failAll(e, null);
            throw e;
        }
    }

    /**
     * Writes the frames produced so far: blocking in passive mode, queued in active mode. Bodies are framed up to the
     * high-water mark only, so this frames more of them (as the windows allow) each time the output has gone.
     */
    private void writeOutput() throws IOException {
        while (outbound.outputSize() > 0) {
            try {
                output.write(outbound.output(), key != null, options.sendTimeout());
            } finally {
                outbound.clearOutput();
            }
            outbound.drain();
        }
        updateInterest();
    }

    /** Writes a closing connection's last frames (GOAWAY): briefly waiting in passive mode, not at all in active. */
    private void writeBestEffort() {
        Duration wait =
                options.sendTimeout().compareTo(CLOSE_WRITE_TIMEOUT) < 0 ? options.sendTimeout() : CLOSE_WRITE_TIMEOUT;
        output.writeLast(outbound.output(), key != null, wait);
        outbound.clearOutput();
    }

    @Override
    boolean hasPendingOutput() {
        return output.hasPending();
    }

    @Override
    void flushBlocking() throws IOException {
        output.flushBlocking(options.sendTimeout());
    }

    // ------------------------------------------------------------------------------------------- state

    /** Whether new requests can be sent: not closed, no GOAWAY from the server, stream ids left. */
    @Override
    public boolean isOpen() {
        return !closed && !inbound.goAwayReceived() && streams.idsLeft();
    }

    @Override
    public boolean isReadable() {
        return !closed;
    }

    @Override
    public int openRequestCount() {
        return streams.size();
    }

    /**
     * Sends GOAWAY NO_ERROR (RFC 9113 §6.8), waiting at most a second for it to be written in passive mode, then
     * closes the socket. Requests in flight get no more parts. Idempotent.
     */
    @Override
    public void close() {
        checkOwnerOrAbandoned();
        if (closed) {
            return;
        }
        outbound.goAway(ErrorCode.NO_ERROR, null);
        writeBestEffort();
        for (Http2Stream s : streams.all()) {
            inbound.close(s, Http2Streams.Closed.NORMALLY);
        }
        closeQuietly();
    }

    private void closeQuietly() {
        closed = true;
        output.clear();
        if (key != null) {
            key.cancel();
            key = null;
        }
        transport.close();
    }

    @Override
    public String toString() {
        return "Http2Connection[" + authority + (closed ? ", closed" : "") + ", in flight " + streams.size() + "]";
    }

    // ----------------------------------------------------------------------------------------- helpers

    private void checkWritable() throws HttpProtocolException {
        if (closed) {
            throw new HttpProtocolException(Reason.CLOSED, "cannot send a request on a closed connection");
        }
        if (inbound.goAwayReceived()) {
            throw new HttpProtocolException(
                    Reason.CLOSED_FOR_WRITING, "the server sent GOAWAY; open a new connection for new requests");
        }
        if (!streams.idsLeft()) {
            throw new HttpProtocolException(
                    Reason.CLOSED_FOR_WRITING, "stream ids are used up (RFC 9113 §5.1.1); open a new connection");
        }
    }

    private void checkReadable() throws HttpProtocolException {
        if (closed) {
            throw new HttpProtocolException(Reason.CLOSED, "connection is closed");
        }
    }

    private Http2Stream live(RequestRef ref) {
        Http2Stream s = streams.get(ref);
        if (s == null) {
            throw new IllegalArgumentException(ref + " is not a request in flight on this connection");
        }
        return s;
    }

    /** For tests: request body bytes waiting inside the connection, for send window or for the socket. */
    long waitingBodyBytes() {
        long n = 0;
        for (Http2Stream s : streams.all()) {
            n += s.pendingBytes;
        }
        return n;
    }

    /** For tests: the next stream id to use (odd), to reach the end of the id space quickly. */
    void skipStreamIdsTo(int id) {
        streams.skipTo(id);
    }
}
