package dev.finch.conn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.finch.codec.http2.ErrorCode;
import dev.finch.codec.http2.Frame;
import dev.finch.codec.http2.Http2ConnectionException;
import dev.finch.codec.http2.Settings;
import dev.finch.http.HttpProtocolException;
import dev.finch.http.HttpProtocolException.Reason;
import dev.finch.http.TransportException;
import dev.finch.testing.H2Peer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The connection as a whole: GOAWAY both ways, the server going away, pings and settings round trips. */
class Http2ConnectionLifecycleTest {
    private Http2Scripted s;

    @AfterEach
    void tearDown() throws Exception {
        if (s != null) {
            s.close();
        }
    }

    /** Calls recv until {@code ends} requests have ended and {@code pongs} pongs came; returns every part. */
    private List<ResponsePart> recvUntil(int ends, int pongs) throws Exception {
        List<ResponsePart> parts = new ArrayList<>();
        while (parts.stream()
                                .filter(p -> p instanceof ResponsePart.Done || p instanceof ResponsePart.Error)
                                .count()
                        < ends
                || parts.stream().filter(p -> p instanceof ResponsePart.Pong).count() < pongs) {
            parts.addAll(s.conn.recv(Http2Scripted.WAIT));
        }
        return parts;
    }

    @Test
    void goAwayFailsStreamsAboveTheLastStreamIdAsUnprocessedAndLetsTheOthersFinish() throws Exception {
        s = Http2Scripted.start((c, seen) -> {
            c.handshake(Settings.EMPTY);
            for (int i = 0; i < 3; i++) {
                c.await(H2Peer.Headers.class);
            }
            c.send(new Frame.GoAway(3, ErrorCode.NO_ERROR, new byte[0]));
            c.answerPing();
            c.answerPing(); // the test has looked at the connection between GOAWAY and the answers
            c.respond(1, 200, "one");
            c.respond(3, 200, "three");
            seen.add(c.readUntilClose());
        });
        RequestRef one = s.get("/1");
        RequestRef three = s.get("/3");
        RequestRef five = s.get("/5");
        s.conn.ping();
        List<ResponsePart> parts = recvUntil(1, 1);
        assertThat(parts)
                .filteredOn(p -> p instanceof ResponsePart.Error)
                .singleElement()
                .satisfies(p -> {
                    ResponsePart.Error e = (ResponsePart.Error) p;
                    assertThat(e.ref()).isSameAs(five);
                    assertThat(((HttpProtocolException) e.error()).reason()).isEqualTo(Reason.UNPROCESSED);
                    assertThat(e.isRetrySafe()).isTrue();
                });
        assertThat(s.conn.isOpen()).as("not writable after GOAWAY").isFalse();
        assertThat(s.conn.isReadable()).as("still readable").isTrue();
        assertThat(s.conn.openRequestCount()).isEqualTo(2);
        assertThatThrownBy(() -> s.get("/7"))
                .isInstanceOfSatisfying(
                        HttpProtocolException.class, e -> assertThat(e.reason()).isEqualTo(Reason.CLOSED_FOR_WRITING));

        s.conn.ping();
        parts = recvUntil(2, 1);
        assertThat(parts)
                .filteredOn(p -> p instanceof ResponsePart.Done)
                .extracting(ResponsePart::ref)
                .containsExactlyInAnyOrder(one, three);
        assertThat(s.conn.openRequestCount()).isZero();
        s.assertReleased(); // nothing left to read: the connection closed itself
        assertThat(s.seen(List.class)).noneMatch(f -> f instanceof Frame.GoAway);
    }

    @Test
    void serverClosingAfterGoAwayWithAnErrorFailsTheRestWithItsCode() throws Exception {
        s = Http2Scripted.start((c, seen) -> {
            c.handshake(Settings.EMPTY);
            c.await(H2Peer.Headers.class);
            c.send(new Frame.GoAway(1, ErrorCode.INTERNAL_ERROR, "overloaded".getBytes()));
            c.socket().close();
        });
        Exchange ex = s.await(s.get("/"));
        assertThat(ex.error).isInstanceOfSatisfying(Http2ConnectionException.class, e -> {
            assertThat(e.reason()).isEqualTo(Reason.SERVER_CLOSED_CONNECTION);
            assertThat(e.errorCode()).isEqualTo(ErrorCode.INTERNAL_ERROR);
            assertThat(e.getMessage()).contains("overloaded");
        });
        assertThat(s.conn.isReadable()).isFalse();
    }

    @Test
    void serverClosingWithoutGoAwayFailsRequestsInFlightAsClosed() throws Exception {
        s = Http2Scripted.start((c, seen) -> {
            c.handshake(Settings.EMPTY);
            c.await(H2Peer.Headers.class);
            c.await(H2Peer.Headers.class);
            c.socket().close();
        });
        List<Exchange> both = Exchange.awaitAll(s.conn, List.of(s.get("/1"), s.get("/2")), Http2Scripted.WAIT);
        for (Exchange ex : both) {
            assertThat(ex.error).isInstanceOfSatisfying(TransportException.class, e -> assertThat(e.reason())
                    .isEqualTo(TransportException.Reason.CLOSED));
        }
        assertThat(s.conn.isReadable()).isFalse();
        assertThatThrownBy(() -> s.conn.recv(Http2Scripted.WAIT)).isInstanceOf(TransportException.class);
    }

    @Test
    void closeSendsGoAwayNoErrorAndReleasesTheSocket() throws Exception {
        s = Http2Scripted.start((c, seen) -> {
            c.handshake(Settings.EMPTY);
            c.await(H2Peer.Headers.class);
            seen.add(c.await(Frame.GoAway.class));
        });
        s.get("/");
        s.conn.close();
        assertThat(s.seen(Frame.GoAway.class)).isEqualTo(new Frame.GoAway(0, ErrorCode.NO_ERROR, new byte[0]));
        s.assertReleased();
        assertThat(s.conn.openRequestCount()).isZero();
        assertThatThrownBy(() -> s.get("/"))
                .isInstanceOfSatisfying(
                        HttpProtocolException.class, e -> assertThat(e.reason()).isEqualTo(Reason.CLOSED));
    }

    @Test
    void pingsAreAnsweredWithPongsMatchedByPayload() throws Exception {
        s = Http2Scripted.start((c, seen) -> {
            c.handshake(Settings.EMPTY);
            Frame.Ping a = c.awaitPing();
            Frame.Ping b = c.awaitPing();
            c.send(new Frame.Ping(true, b.payload()), new Frame.Ping(true, a.payload())); // out of order
        });
        RequestRef a = s.conn.ping(11);
        RequestRef b = s.conn.ping(22);
        assertThat(recvUntil(0, 2)).containsExactly(new ResponsePart.Pong(b), new ResponsePart.Pong(a));
    }

    @Test
    void ourSettingsApplyWhenTheServerAcknowledgesThem() throws Exception {
        s = Http2Scripted.start((c, seen) -> {
            c.readPreface();
            c.send(new Frame.Settings(false, Settings.EMPTY));
            c.answerPing(); // not yet acknowledged
            seen.add(c.await(Frame.Settings.class).ack()); // our ACK of the server's settings
            Frame.Settings update;
            do {
                update = c.await(Frame.Settings.class);
            } while (update.ack());
            seen.add(update.values());
            c.send(new Frame.Settings(true, Settings.EMPTY), new Frame.Settings(true, Settings.EMPTY));
            c.answerPing();
        });
        s.conn.ping();
        s.conn.recv(Http2Scripted.WAIT);
        assertThat(s.conn.clientSettings().initialWindowSize())
                .as("before the ACK, the RFC's initial value")
                .isEqualTo(65_535);
        Settings update =
                Settings.builder().set(Settings.INITIAL_WINDOW_SIZE, 1_000_000).build();
        s.conn.putSettings(update);
        assertThat(s.seen(Boolean.class)).isTrue();
        assertThat(s.seen(Settings.class)).isEqualTo(update);
        s.conn.ping();
        s.conn.recv(Http2Scripted.WAIT);
        assertThat(s.conn.clientSettings().initialWindowSize()).isEqualTo(1_000_000);
        assertThat(s.conn.clientSettings().enablePush()).isFalse();
    }

    @Test
    void settingsThatCannotChangeAreRefused() throws Exception {
        s = Http2Scripted.start((c, seen) -> c.handshake(Settings.EMPTY));
        assertThatThrownBy(() -> s.conn.putSettings(
                        Settings.builder().set(Settings.ENABLE_PUSH, 1).build()))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> s.conn.putSettings(
                        Settings.builder().set(Settings.MAX_HEADER_LIST_SIZE, 1).build()))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Http2Options.builder()
                        .clientSettings(
                                Settings.builder().set(Settings.ENABLE_PUSH, 1).build()))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void serverSettingsReplaceTheAssumedOnesWhenTheyArrive() throws Exception {
        s = Http2Scripted.start((c, seen) -> {
            c.handshake(Settings.builder()
                    .set(Settings.INITIAL_WINDOW_SIZE, 1_000)
                    .set(Settings.MAX_FRAME_SIZE, 32_768)
                    .build());
            c.answerPing();
        });
        assertThat(s.conn.serverSettings().maxConcurrentStreams()).isEqualTo(100);
        s.conn.ping();
        s.conn.recv(Http2Scripted.WAIT);
        Settings server = s.conn.serverSettings();
        assertThat(server.initialWindowSize()).isEqualTo(1_000);
        assertThat(server.maxFrameSize()).isEqualTo(32_768);
        assertThat(server.maxConcurrentStreams())
                .as("unlimited once it is not sent")
                .isEqualTo(Integer.MAX_VALUE);
    }

    @Test
    void asHttp2IsRefusedOnHttp1() throws Exception {
        try (dev.finch.testing.RawServer raw = dev.finch.testing.RawServer.start(c -> {});
                HttpConnection h1 =
                        HttpConnection.connect(Scheme.HTTP, "127.0.0.1", raw.port(), ConnectOptions.defaults())) {
            assertThat(h1.protocol()).isEqualTo(Protocol.HTTP1);
            assertThatThrownBy(h1::asHttp2).isInstanceOf(UnsupportedOperationException.class);
        }
    }
}
