package dev.finch.conn;

import static dev.finch.conn.Http2Stream.Event.RECV_DATA;
import static dev.finch.conn.Http2Stream.Event.RECV_END_STREAM;
import static dev.finch.conn.Http2Stream.Event.RECV_HEADERS;
import static dev.finch.conn.Http2Stream.Event.RECV_RST_STREAM;
import static dev.finch.conn.Http2Stream.Event.SEND_DATA;
import static dev.finch.conn.Http2Stream.Event.SEND_END_STREAM;
import static dev.finch.conn.Http2Stream.Event.SEND_HEADERS;
import static dev.finch.conn.Http2Stream.Event.SEND_RST_STREAM;
import static dev.finch.conn.Http2Stream.State.CLOSED;
import static dev.finch.conn.Http2Stream.State.HALF_CLOSED_LOCAL;
import static dev.finch.conn.Http2Stream.State.HALF_CLOSED_REMOTE;
import static dev.finch.conn.Http2Stream.State.IDLE;
import static dev.finch.conn.Http2Stream.State.OPEN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.finch.codec.http2.ErrorCode;
import dev.finch.codec.http2.Http2ConnectionException;
import dev.finch.codec.http2.Http2StreamException;
import dev.finch.http.HttpProtocolException;
import org.junit.jupiter.api.Test;

/** The RFC 9113 §5.1 state machine as a client sees it: the transitions that exist and the errors for the rest. */
class Http2StreamStateTest {

    private static Http2Stream.State next(Http2Stream.State s, Http2Stream.Event e) throws HttpProtocolException {
        return Http2Stream.next(1, s, e);
    }

    @Test
    void sendingHeadersOpensAnIdleStream() throws Exception {
        assertThat(next(IDLE, SEND_HEADERS)).isEqualTo(OPEN);
    }

    @Test
    void endStreamHalfClosesTheSideThatSentIt() throws Exception {
        assertThat(next(OPEN, SEND_END_STREAM)).isEqualTo(HALF_CLOSED_LOCAL);
        assertThat(next(OPEN, RECV_END_STREAM)).isEqualTo(HALF_CLOSED_REMOTE);
        assertThat(next(HALF_CLOSED_LOCAL, RECV_END_STREAM)).isEqualTo(CLOSED);
        assertThat(next(HALF_CLOSED_REMOTE, SEND_END_STREAM)).isEqualTo(CLOSED);
    }

    @Test
    void aResponseFlowsWhileOurSideIsHalfClosed() throws Exception {
        assertThat(next(HALF_CLOSED_LOCAL, RECV_HEADERS)).isEqualTo(HALF_CLOSED_LOCAL);
        assertThat(next(HALF_CLOSED_LOCAL, RECV_DATA)).isEqualTo(HALF_CLOSED_LOCAL);
    }

    @Test
    void rstStreamClosesFromEveryActiveStateEitherWay() throws Exception {
        for (Http2Stream.State s : new Http2Stream.State[] {OPEN, HALF_CLOSED_LOCAL, HALF_CLOSED_REMOTE, CLOSED}) {
            assertThat(next(s, SEND_RST_STREAM)).isEqualTo(CLOSED);
            assertThat(next(s, RECV_RST_STREAM)).isEqualTo(CLOSED);
        }
    }

    @Test
    void framesReceivedOnAnIdleStreamAreAConnectionProtocolError() {
        for (Http2Stream.Event e : new Http2Stream.Event[] {RECV_HEADERS, RECV_DATA, RECV_RST_STREAM}) {
            assertThatThrownBy(() -> next(IDLE, e))
                    .isInstanceOfSatisfying(Http2ConnectionException.class, x -> assertThat(x.errorCode())
                            .isEqualTo(ErrorCode.PROTOCOL_ERROR));
        }
    }

    @Test
    void framesReceivedAfterTheServersEndStreamAreAStreamClosedError() {
        for (Http2Stream.State s : new Http2Stream.State[] {HALF_CLOSED_REMOTE, CLOSED}) {
            for (Http2Stream.Event e : new Http2Stream.Event[] {RECV_HEADERS, RECV_DATA, RECV_END_STREAM}) {
                assertThatThrownBy(() -> next(s, e))
                        .isInstanceOfSatisfying(Http2StreamException.class, x -> assertThat(x.errorCode())
                                .isEqualTo(ErrorCode.STREAM_CLOSED));
            }
        }
    }

    @Test
    void sendingWhatTheStateForbidsIsABugNotAProtocolError() {
        assertThatThrownBy(() -> next(HALF_CLOSED_LOCAL, SEND_DATA)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> next(CLOSED, SEND_HEADERS)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> next(IDLE, SEND_DATA)).isInstanceOf(IllegalStateException.class);
    }
}
