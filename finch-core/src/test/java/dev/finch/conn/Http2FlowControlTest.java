package dev.finch.conn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.finch.codec.http2.Frame;
import dev.finch.codec.http2.ReceiveWindow;
import dev.finch.codec.http2.Settings;
import dev.finch.http.HttpHeaders;
import dev.finch.testing.H2Peer;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Flow control both ways (RFC 9113 §6.9): bodies beyond the send windows, window changes, receive credit. */
class Http2FlowControlTest {
    private Http2Scripted s;

    @AfterEach
    void tearDown() throws Exception {
        if (s != null) {
            s.close();
        }
    }

    private static byte[] pattern(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i * 31 + 7);
        }
        return b;
    }

    /** Reads DATA on stream 1 until END_STREAM, granting window for each frame when {@code grant} is set. */
    private static byte[] readBody(H2Peer.Conn c, boolean grant) throws Exception {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        Frame.Data d;
        do {
            d = c.await(Frame.Data.class);
            body.writeBytes(d.data());
            if (grant && d.data().length > 0) {
                c.send(new Frame.WindowUpdate(0, d.data().length), new Frame.WindowUpdate(1, d.data().length));
            }
        } while (!d.endStream());
        return body.toByteArray();
    }

    @Test
    void byteBodyLargerThanTheSendWindowsIsSentAsTheServerGrantsWindow() throws Exception {
        byte[] payload = pattern(300_000); // over four times the RFC's initial 65,535-byte windows
        s = Http2Scripted.start((c, seen) -> {
            c.handshake(Settings.EMPTY);
            c.await(H2Peer.Headers.class);
            seen.add(readBody(c, true));
            c.respond(1, 200, "ok");
        });
        RequestRef ref = s.conn.request("POST", "/", HttpHeaders.EMPTY, RequestBody.of(payload));
        assertThat(s.conn.sendWindow())
                .as("the window is spent; the rest waits")
                .isZero();
        assertThat(s.await(ref).done).isTrue();
        assertThat(s.seen(byte[].class)).isEqualTo(payload);
    }

    @Test
    void streamedBodyBeyondTheWindowWaitsInsideTheConnection() throws Exception {
        byte[] payload = pattern(200_000);
        s = Http2Scripted.start((c, seen) -> {
            c.handshake(Settings.EMPTY);
            c.await(H2Peer.Headers.class);
            seen.add(readBody(c, true));
            c.respond(1, 200, "ok");
        });
        RequestRef ref = s.conn.request("POST", "/", HttpHeaders.EMPTY, RequestBody.streaming());
        ByteBuffer reused = ByteBuffer.allocate(50_000);
        for (int offset = 0; offset < payload.length; offset += reused.capacity()) {
            reused.clear();
            reused.put(payload, offset, reused.capacity()).flip();
            s.conn.streamRequestBody(ref, reused);
            Arrays.fill(reused.array(), (byte) 0); // queued bytes were copied: reusing the buffer is safe
        }
        s.conn.endRequestBody(ref, HttpHeaders.EMPTY);
        assertThat(s.await(ref).done).isTrue();
        assertThat(s.seen(byte[].class)).isEqualTo(payload);
    }

    @Test
    void requestBodyWindowTellsHowMuchCanBeSentWithoutQueueing() throws Exception {
        s = Http2Scripted.start((c, seen) -> {
            c.handshake(
                    Settings.builder().set(Settings.INITIAL_WINDOW_SIZE, 1000).build());
            c.answerPing();
            c.await(H2Peer.Headers.class);
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            Object f;
            while (!((f = c.next()) instanceof Frame.Ping p && !p.ack())) {
                if (f instanceof Frame.Data d) {
                    body.writeBytes(d.data());
                }
            }
            c.send(new Frame.WindowUpdate(1, 1000), new Frame.Ping(true, 1));
            body.writeBytes(readBody(c, false));
            seen.add(body.toByteArray());
            c.respond(1, 200, "ok");
        });
        s.conn.ping(0);
        s.conn.recv(Http2Scripted.WAIT); // the server's SETTINGS apply
        RequestRef ref = s.conn.request("POST", "/", HttpHeaders.EMPTY, RequestBody.streaming());
        assertThat(s.conn.requestBodyWindow(ref)).isEqualTo(1000);
        s.conn.streamRequestBody(ref, ByteBuffer.wrap(new byte[600]));
        assertThat(s.conn.requestBodyWindow(ref)).isEqualTo(400);
        s.conn.streamRequestBody(ref, ByteBuffer.wrap(new byte[600]));
        assertThat(s.conn.requestBodyWindow(ref))
                .as("200 bytes wait for window")
                .isZero();
        assertThat(s.conn.sendWindow(ref)).isZero();
        s.conn.ping(1);
        assertThat(s.conn.recv(Http2Scripted.WAIT)).singleElement().isInstanceOf(ResponsePart.Pong.class);
        assertThat(s.conn.requestBodyWindow(ref))
                .as("the update sent the 200 queued bytes")
                .isEqualTo(800);
        s.conn.endRequestBody(ref, HttpHeaders.EMPTY);
        assertThat(s.conn.requestBodyWindow(ref)).as("no longer streaming").isZero();
        assertThat(s.await(ref).done).isTrue();
        assertThat(s.seen(byte[].class)).hasSize(1200);
    }

    @Test
    void initialWindowSizeChangesApplyToOpenStreamsEvenBelowZero() throws Exception {
        byte[] payload = pattern(100);
        s = Http2Scripted.start((c, seen) -> {
            c.handshake(Settings.builder().set(Settings.INITIAL_WINDOW_SIZE, 10).build());
            c.answerPing();
            c.await(H2Peer.Headers.class);
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            body.writeBytes(c.await(Frame.Data.class).data()); // 10 bytes: the window
            // §6.9.2: 10 -> 0 takes the spent window to -10; an update of 5 leaves it at -5.
            c.send(new Frame.Settings(
                    false,
                    Settings.builder().set(Settings.INITIAL_WINDOW_SIZE, 0).build()));
            c.send(new Frame.WindowUpdate(1, 5));
            c.answerPing();
            c.awaitPing(); // the test has looked at the window
            // 0 -> 100 takes it to 95: the other 90 bytes go out.
            c.send(new Frame.Settings(
                    false,
                    Settings.builder().set(Settings.INITIAL_WINDOW_SIZE, 100).build()));
            Frame.Data d;
            do {
                d = c.await(Frame.Data.class);
                body.writeBytes(d.data());
            } while (!d.endStream());
            seen.add(body.toByteArray());
            c.respond(1, 200, "ok");
        });
        s.conn.ping();
        s.conn.recv(Http2Scripted.WAIT);
        RequestRef ref = s.conn.request("POST", "/", HttpHeaders.EMPTY, RequestBody.of(payload));
        s.conn.ping();
        assertThat(s.conn.recv(Http2Scripted.WAIT)).singleElement().isInstanceOf(ResponsePart.Pong.class);
        assertThat(s.conn.sendWindow(ref)).isEqualTo(-5);
        s.conn.ping();
        assertThat(s.await(ref).done).isTrue();
        assertThat(s.seen(byte[].class)).isEqualTo(payload);
    }

    @Test
    void receivedDataIsCreditedBackInBatchesByDefault() throws Exception {
        s = Http2Scripted.start((c, seen) -> {
            c.handshake(Settings.EMPTY);
            c.await(H2Peer.Headers.class);
            c.sendHeaders(1, false, ":status", "200");
            for (int i = 0; i < 10; i++) { // 163,840 bytes: one batch of credit past the 160,000 threshold
                c.sendData(1, new byte[16_384], i == 9);
            }
            // Everything the client sent before its ping: it pings once it has the whole response.
            List<Frame.WindowUpdate> updates = new ArrayList<>();
            Object f;
            while (!((f = c.next()) instanceof Frame.Ping p && !p.ack())) {
                if (f instanceof Frame.WindowUpdate w) {
                    updates.add(w);
                }
            }
            seen.add(updates);
            c.send(new Frame.Ping(true, ((Frame.Ping) f).payload()));
        });
        assertThat(s.await(s.get("/")).body.size()).isEqualTo(163_840);
        s.conn.ping();
        assertThat(s.seen(List.class))
                .as("one connection update for the whole batch; none for the finished stream")
                .containsExactly(new Frame.WindowUpdate(0, 163_840));
    }

    @Test
    void paddingIsStrippedFromTheBodyButCountsAgainstTheWindow() throws Exception {
        s = Http2Scripted.start((c, seen) -> {
            c.handshake(Settings.EMPTY);
            c.await(H2Peer.Headers.class);
            c.sendHeaders(1, false, ":status", "200");
            for (int i = 0; i < 10; i++) { // 16,128 data bytes, a pad length byte and 255 of padding (§6.1)
                c.send(new Frame.Data(1, i == 9, H2Peer.repeat((byte) 'p', 16_128), 16_384));
            }
            List<Frame.WindowUpdate> updates = new ArrayList<>();
            Object f;
            while (!((f = c.next()) instanceof Frame.Ping p && !p.ack())) {
                if (f instanceof Frame.WindowUpdate w) {
                    updates.add(w);
                }
            }
            seen.add(updates);
            c.send(new Frame.Ping(true, ((Frame.Ping) f).payload()));
        });
        Exchange ex = s.await(s.get("/"));
        assertThat(ex.body.toByteArray()).isEqualTo(H2Peer.repeat((byte) 'p', 161_280));
        s.conn.ping();
        assertThat(s.seen(List.class))
                .as("credit for the whole frames, padding included (§6.9.1)")
                .containsExactly(new Frame.WindowUpdate(0, 163_840));
    }

    @Test
    void consumeModeCreditsOnlyWhatTheOwnerConsumed() throws Exception {
        Http2Options backPressure = Http2Options.builder()
                .receiveWindowRelease(ReceiveWindow.Release.ON_CONSUME)
                .windowUpdateThreshold(1000)
                .build();
        s = Http2Scripted.start(
                (c, seen) -> {
                    c.handshake(Settings.EMPTY);
                    c.await(H2Peer.Headers.class);
                    c.sendHeaders(1, false, ":status", "200");
                    c.sendData(1, new byte[5000], false);
                    c.answerPing(); // the owner has the data but has not consumed it yet
                    List<Object> frames = new ArrayList<>();
                    Object f;
                    while (!((f = c.next()) instanceof Frame.Ping p && !p.ack())) {
                        frames.add(f);
                    }
                    seen.add(frames);
                    c.send(new Frame.Ping(true, ((Frame.Ping) f).payload()));
                    seen.add(c.await(Frame.WindowUpdate.class));
                    seen.add(c.await(Frame.WindowUpdate.class));
                    c.sendData(1, new byte[0], true);
                },
                backPressure);
        RequestRef ref = s.get("/");
        List<ResponsePart> parts = new ArrayList<>();
        RequestRef ping = s.conn.ping();
        while (parts.stream().noneMatch(p -> p instanceof ResponsePart.Pong)) {
            parts.addAll(s.conn.recv(Http2Scripted.WAIT));
        }
        assertThat(parts).filteredOn(p -> p instanceof ResponsePart.Data).hasSize(1);
        assertThat(parts).contains(new ResponsePart.Pong(ping));
        // A second ping: everything we sent before it is what we sent while holding the data unconsumed.
        s.conn.ping();
        assertThat(s.conn.recv(Http2Scripted.WAIT)).singleElement().isInstanceOf(ResponsePart.Pong.class);
        assertThat(s.seen(List.class)).as("no credit while unconsumed").noneMatch(f -> f instanceof Frame.WindowUpdate);
        s.conn.consumed(ref, 5000);
        assertThat(List.of(s.seen(Frame.WindowUpdate.class), s.seen(Frame.WindowUpdate.class)))
                .containsExactlyInAnyOrder(new Frame.WindowUpdate(0, 5000), new Frame.WindowUpdate(1, 5000));
        assertThat(s.await(ref).done).isTrue();
        assertThatThrownBy(() -> s.conn.consumed(ref, 1))
                .as("no more than was handed out")
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void growingReceiveWindowsSendsWindowUpdatesAtOnce() throws Exception {
        s = Http2Scripted.start((c, seen) -> {
            c.handshake(Settings.EMPTY);
            c.await(H2Peer.Headers.class);
            seen.add(c.await(Frame.WindowUpdate.class));
            seen.add(c.await(Frame.WindowUpdate.class));
            c.respond(1, 200, "ok");
        });
        RequestRef ref = s.get("/");
        s.conn.growReceiveWindow(1_000_000);
        s.conn.growReceiveWindow(ref, 2_000);
        assertThat(s.seen(Frame.WindowUpdate.class)).isEqualTo(new Frame.WindowUpdate(0, 1_000_000));
        assertThat(s.seen(Frame.WindowUpdate.class)).isEqualTo(new Frame.WindowUpdate(1, 2_000));
        assertThat(s.await(ref).done).isTrue();
        assertThatThrownBy(() -> s.conn.growReceiveWindow(Integer.MAX_VALUE))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
