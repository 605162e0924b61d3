package dev.finch.conn;

import dev.finch.codec.http2.ErrorCode;
import dev.finch.codec.http2.FlowWindow;
import dev.finch.codec.http2.Http2ConnectionException;
import dev.finch.codec.http2.Http2StreamException;
import dev.finch.codec.http2.ReceiveWindow;
import dev.finch.http.HttpHeaders;
import dev.finch.http.HttpProtocolException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.EnumMap;
import java.util.Map;

/**
 * One request's stream (RFC 9113 §5.1): its state, its two flow-control windows, the request body waiting for send
 * window, and where its response has got to. Owned by {@link Http2Connection}; not thread-safe.
 *
 * <p>The state machine is the table of §5.1 as seen by a client: {@link #next} looks a transition up, and a missing
 * entry is the protocol error the RFC names for it. The reserved states exist for completeness only: we send
 * SETTINGS_ENABLE_PUSH 0, so a PUSH_PROMISE ends the connection before any stream could be reserved.
 */
final class Http2Stream {

    /** RFC 9113 §5.1 stream states. */
    enum State {
        IDLE,
        RESERVED_LOCAL,
        RESERVED_REMOTE,
        OPEN,
        HALF_CLOSED_LOCAL,
        HALF_CLOSED_REMOTE,
        CLOSED
    }

    /** What happens to a stream: frames sent ({@code SEND_*}) or received ({@code RECV_*}); END_STREAM on its own. */
    enum Event {
        SEND_HEADERS,
        SEND_DATA,
        SEND_END_STREAM,
        SEND_RST_STREAM,
        RECV_HEADERS,
        RECV_DATA,
        RECV_END_STREAM,
        RECV_RST_STREAM;

        boolean isReceive() {
            return ordinal() >= RECV_HEADERS.ordinal();
        }
    }

    private static final Map<State, Map<Event, State>> TRANSITIONS = new EnumMap<>(State.class);

    static {
        // §5.1: "Sending a HEADERS frame ... causes the stream to become open". A client never receives one here:
        // server-initiated streams need push.
        on(State.IDLE, Event.SEND_HEADERS, State.OPEN);
        // §5.1 reserved (remote): HEADERS opens it half-closed (local); unreachable with push disabled.
        on(State.RESERVED_REMOTE, Event.RECV_HEADERS, State.HALF_CLOSED_LOCAL);
        on(State.RESERVED_REMOTE, Event.SEND_RST_STREAM, State.CLOSED);
        on(State.RESERVED_REMOTE, Event.RECV_RST_STREAM, State.CLOSED);
        on(State.RESERVED_LOCAL, Event.SEND_RST_STREAM, State.CLOSED);
        on(State.RESERVED_LOCAL, Event.RECV_RST_STREAM, State.CLOSED);
        // open: both sides send; either END_STREAM half-closes; RST_STREAM closes.
        for (Event e : new Event[] {Event.SEND_HEADERS, Event.SEND_DATA, Event.RECV_HEADERS, Event.RECV_DATA}) {
            on(State.OPEN, e, State.OPEN);
        }
        on(State.OPEN, Event.SEND_END_STREAM, State.HALF_CLOSED_LOCAL);
        on(State.OPEN, Event.RECV_END_STREAM, State.HALF_CLOSED_REMOTE);
        on(State.OPEN, Event.SEND_RST_STREAM, State.CLOSED);
        on(State.OPEN, Event.RECV_RST_STREAM, State.CLOSED);
        // half-closed (local): we are done sending; the response goes on.
        on(State.HALF_CLOSED_LOCAL, Event.RECV_HEADERS, State.HALF_CLOSED_LOCAL);
        on(State.HALF_CLOSED_LOCAL, Event.RECV_DATA, State.HALF_CLOSED_LOCAL);
        on(State.HALF_CLOSED_LOCAL, Event.RECV_END_STREAM, State.CLOSED);
        on(State.HALF_CLOSED_LOCAL, Event.SEND_RST_STREAM, State.CLOSED);
        on(State.HALF_CLOSED_LOCAL, Event.RECV_RST_STREAM, State.CLOSED);
        // half-closed (remote): the response ended while we still send.
        on(State.HALF_CLOSED_REMOTE, Event.SEND_HEADERS, State.HALF_CLOSED_REMOTE);
        on(State.HALF_CLOSED_REMOTE, Event.SEND_DATA, State.HALF_CLOSED_REMOTE);
        on(State.HALF_CLOSED_REMOTE, Event.SEND_END_STREAM, State.CLOSED);
        on(State.HALF_CLOSED_REMOTE, Event.SEND_RST_STREAM, State.CLOSED);
        on(State.HALF_CLOSED_REMOTE, Event.RECV_RST_STREAM, State.CLOSED);
        // closed: §5.1 lets RST_STREAM cross in flight either way.
        on(State.CLOSED, Event.SEND_RST_STREAM, State.CLOSED);
        on(State.CLOSED, Event.RECV_RST_STREAM, State.CLOSED);
    }

    private static void on(State from, Event event, State to) {
        TRANSITIONS.computeIfAbsent(from, s -> new EnumMap<>(Event.class)).put(event, to);
    }

    /**
     * The state after {@code event} in {@code state}.
     *
     * @throws Http2ConnectionException PROTOCOL_ERROR for a frame received on an idle (or reserved) stream (§5.1)
     * @throws Http2StreamException STREAM_CLOSED for a frame received after the peer's END_STREAM (§5.1
     *     half-closed (remote), closed)
     * @throws IllegalStateException for a frame we may not send in this state: a bug in the connection
     */
    static State next(int streamId, State state, Event event) throws HttpProtocolException {
        State to = TRANSITIONS.getOrDefault(state, Map.of()).get(event);
        if (to != null) {
            return to;
        }
        if (!event.isReceive()) {
            throw new IllegalStateException("cannot " + event + " on stream " + streamId + " in state " + state);
        }
        if (state == State.HALF_CLOSED_REMOTE || state == State.CLOSED) {
            throw new Http2StreamException(
                    streamId, ErrorCode.STREAM_CLOSED, event + " on stream " + streamId + " after END_STREAM (§5.1)");
        }
        throw new Http2ConnectionException(
                ErrorCode.PROTOCOL_ERROR, event + " on stream " + streamId + " in state " + state + " (RFC 9113 §5.1)");
    }

    /** Where the response has got to. */
    enum Response {
        /** No final status yet: HEADERS carry a 1xx or the final status. */
        AWAITING_STATUS,
        /** The final status came: DATA, or HEADERS with trailers and END_STREAM. */
        BODY
    }

    final int id;
    final RequestRef ref;
    final boolean head;
    final FlowWindow sendWindow;
    final ReceiveWindow receiveWindow;
    private State state = State.IDLE;

    // --- the request body (outbound) ---
    /** Body bytes waiting for send window, in order. */
    final ArrayDeque<ByteBuffer> pending = new ArrayDeque<>();

    long pendingBytes;
    /** The owner may still call streamRequestBody/endRequestBody. */
    boolean streaming;
    /** The body has ended (all bytes given); END_STREAM goes out once {@link #pending} drains. */
    boolean endQueued;
    /** Trailers to send as the final HEADERS, or null for END_STREAM on DATA. */
    HttpHeaders trailers;
    /** The content-length the owner declared for a streamed body, or -1. */
    long declaredLength = -1;
    /** Body bytes accepted from the owner so far. */
    long bodyBytes;

    // --- the response (inbound) ---
    Response response = Response.AWAITING_STATUS;
    int interimResponses;
    /** The response's content-length, or -1 (absent, HEAD, 204, 304). */
    long expectedLength = -1;

    long receivedLength;

    Http2Stream(int id, RequestRef ref, boolean head, FlowWindow sendWindow, ReceiveWindow receiveWindow) {
        this.id = id;
        this.ref = ref;
        this.head = head;
        this.sendWindow = sendWindow;
        this.receiveWindow = receiveWindow;
    }

    State state() {
        return state;
    }

    /** Applies a transition of the §5.1 table; see {@link #next}. */
    void transition(Event event) throws HttpProtocolException {
        state = next(id, state, event);
    }

    /**
     * Applies the transition for a frame we sent.
     *
     * @throws IllegalStateException if we may not send it in this state (a bug in the connection)
     */
    void onSent(Event event) {
        if (event.isReceive()) {
            throw new IllegalArgumentException(event + " is not a send event");
        }
        try {
            state = next(id, state, event);
        } catch (HttpProtocolException e) {
            throw new IllegalStateException(e); // next() throws protocol errors for received frames only
        }
    }

    /** Whether we have sent END_STREAM or RST_STREAM: nothing more goes out on this stream. */
    boolean isLocalClosed() {
        return state == State.HALF_CLOSED_LOCAL || state == State.CLOSED;
    }

    /** Whether body bytes or the end of the body wait to be sent. */
    boolean hasPendingOutput() {
        return pendingBytes > 0 || (endQueued && !isLocalClosed());
    }

    /** Forgets the queued body (the stream was reset or the response ended first). */
    void dropPending() {
        pending.clear();
        pendingBytes = 0;
        trailers = null;
        streaming = false;
    }

    @Override
    public String toString() {
        return "Http2Stream[" + id + " " + state + " " + ref + "]";
    }
}
