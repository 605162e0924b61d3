package dev.finch.conn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.finch.codec.http2.Frame;
import dev.finch.codec.http2.Settings;
import dev.finch.testing.H2Peer;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Review of the connection options (rev-options): defects proven on the wire. */
class ConnectionOptionsReviewTest {
    private Http2Scripted h2;

    @AfterEach
    void tearDown() throws Exception {
        if (h2 != null) {
            h2.peer.close();
            h2.conn.close();
        }
    }

    /**
     * docs/connection.md: {@code clientSettings(MAX_HEADER_LIST_SIZE n)} is "advertised in our SETTINGS and enforced on
     * responses: beyond it a stream error ...; the connection goes on". A server that honours an advertised 1 MiB and
     * sends a 600 KB header list (RFC 9113 §6.5.2 size ~600,037 < 1,048,576) must get its response through. It does
     * not: the independent 512 KiB maxHeaderBlockSize cap kills the whole connection with ENHANCE_YOUR_CALM.
     */
    @Test
    void advertisedMaxHeaderListSizeAboveTheBlockCapKillsTheConnectionForACompliantServer() throws Exception {
        int valueLength = 600_000;
        Http2Options http2 = Http2Options.builder()
                .clientSettings(Settings.builder()
                        .set(Settings.MAX_HEADER_LIST_SIZE, 1024 * 1024)
                        .build())
                .build();
        h2 = Http2Scripted.start(
                (c, seen) -> {
                    Frame.Settings ours = c.handshake(Settings.EMPTY);
                    seen.add(ours);
                    int stream = c.await(H2Peer.Headers.class).streamId();
                    byte[] block = literalBlock("x-big", valueLength);
                    // HEADERS + CONTINUATIONs of the default 16,384 bytes: ~37 frames, well under the 128 cap.
                    int chunk = Settings.MIN_MAX_FRAME_SIZE;
                    int n = (block.length + chunk - 1) / chunk;
                    Frame[] frames = new Frame[n];
                    for (int i = 0; i < n; i++) {
                        byte[] part = Arrays.copyOfRange(block, i * chunk, Math.min(block.length, (i + 1) * chunk));
                        boolean last = i == n - 1;
                        frames[i] = i == 0
                                ? new Frame.Headers(stream, true, last, null, part)
                                : new Frame.Continuation(stream, last, part);
                    }
                    c.flood(Arrays.asList(frames));
                },
                http2);

        assertThat(h2.seen(Frame.Settings.class).values().maxHeaderListSize()).isEqualTo(1024 * 1024);
        Exchange ex = h2.await(h2.get("/big"));

        assertThat(ex.error)
                .as("a response within the advertised MAX_HEADER_LIST_SIZE")
                .isNull();
        assertThat(ex.headers.first("x-big")).hasSize(valueLength);
    }

    /**
     * docs/connection.md, under the ConnectOptions table: "Every option is validated when set". A user-agent with
     * CR LF is accepted by the builder; the mistake only shows when every request later fails with
     * INVALID_HEADER_VALUE.
     */
    @Test
    void userAgentWithCrLfIsNotValidatedWhenSetAsTheDocsClaim() {
        Throwable e = catchThrowable(() -> ConnectOptions.builder().userAgent("finch\r\nx-injected: 1"));

        assertThat(e).isInstanceOf(IllegalArgumentException.class);
    }

    /** Same claim for hostname (the Host, SNI and certificate name for Unix sockets): only blank is refused. */
    @Test
    void hostnameWithCrLfIsNotValidatedWhenSetAsTheDocsClaim() {
        Throwable e = catchThrowable(() -> ConnectOptions.builder().hostname("a.example\r\nx-injected: 1"));

        assertThat(e).isInstanceOf(IllegalArgumentException.class);
    }

    /**
     * RFC 9113 §6.9.2: a SETTINGS_INITIAL_WINDOW_SIZE change that makes any flow-control window exceed 2^31-1 is a
     * connection error FLOW_CONTROL_ERROR for the peer. After growReceiveWindow(ref) raised a stream window to
     * 2^31-1, putSettings(INITIAL_WINDOW_SIZE 8 MiB) is still sent (a compliant server must then kill the
     * connection), and when a server acknowledges it anyway the client kills the connection itself: recv fails with
     * Http2ConnectionException INTERNAL_ERROR "the client failed while decoding the server's frames:
     * IllegalArgumentException: window change 4194304 overflows 2147483647" (ReceiveWindow#applyInitialWindowSizeChange
     * says "our own setting cannot do that legally"; growReceiveWindow makes it possible).
     */
    @Test
    void putSettingsRaisingInitialWindowSizeOverAGrownStreamWindowIsSentAndKillsTheConnection() throws Exception {
        h2 = Http2Scripted.start((c, seen) -> {
            c.handshake(Settings.EMPTY);
            c.await(H2Peer.Headers.class);
            c.await(Frame.WindowUpdate.class); // the stream grown to 2^31-1
            Frame.Settings update = c.await(Frame.Settings.class);
            seen.add(update);
            c.send(new Frame.Settings(true, Settings.EMPTY));
            c.readUntilClose();
        });
        try {
            h2.conn.recv(java.time.Duration.ofMillis(300)); // the server's SETTINGS and its ACK of ours (4 MiB windows)
        } catch (dev.finch.http.TransportException timeout) {
            // already read: nothing more came
        }
        assertThat(h2.conn.clientSettings().initialWindowSize()).isEqualTo(4 * 1024 * 1024);
        RequestRef ref = h2.get("/");
        h2.conn.growReceiveWindow(ref, Integer.MAX_VALUE - 4 * 1024 * 1024);

        Throwable refused = catchThrowable(() -> h2.conn.putSettings(Settings.builder()
                .set(Settings.INITIAL_WINDOW_SIZE, 8 * 1024 * 1024)
                .build()));
        Throwable onAck = null;
        if (refused == null) {
            h2.seen(Frame.Settings.class);
            try {
                Exchange ex = Exchange.await(h2.conn, ref, java.time.Duration.ofSeconds(2));
                onAck = ex.error;
            } catch (Throwable t) {
                onAck = t;
            }
        }

        assertThat(refused)
                .as("a setting that overflows an open stream's window (RFC 9113 §6.9.2) is refused")
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(onAck).as("the stream after the server's ACK").isNull();
    }

    /**
     * validateTarget defaults to true, and on HTTP/1 "/a#frag" (a fragment: RFC 9110 §7.1, never sent) and "/a%zz" are
     * refused with INVALID_REQUEST_TARGET. On HTTP/2 the same defaults put both on the wire as :path, although RFC 9113
     * §8.3.1 defines :path as absolute-path [ "?" query ] (no fragment). The check a user turned on is silently
     * skipped for half the protocols.
     */
    @Test
    void defaultTargetValidationIsSkippedOnHttp2AndAFragmentGoesOnTheWire() throws Exception {
        h2 = Http2Scripted.start((c, seen) -> {
            c.handshake(Settings.EMPTY);
            H2Peer.Headers request = c.await(H2Peer.Headers.class);
            seen.add(request);
            c.respond(request.streamId(), 204, "");
        });
        assertThat(Http2Scripted.H2C.validateTarget()).isTrue();

        Throwable e = catchThrowable(
                () -> h2.conn.request("GET", "/a#frag", dev.finch.http.HttpHeaders.EMPTY, RequestBody.none()));

        String sentPath = e == null ? h2.seen(H2Peer.Headers.class).fields().first(":path") : null;
        assertThat(e)
                .as("the fragment is refused as on HTTP/1 (or at least stripped); :path sent: %s", sentPath)
                .isInstanceOf(dev.finch.http.HttpProtocolException.class);
    }

    /** :status 200 (static index 8), then one literal field without indexing and without Huffman coding. */
    static byte[] literalBlock(String name, int valueLength) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0x88);
        out.write(0x00);
        writeInt(out, name.length());
        out.writeBytes(name.getBytes(StandardCharsets.ISO_8859_1));
        writeInt(out, valueLength);
        byte[] value = new byte[valueLength];
        Arrays.fill(value, (byte) 'b');
        out.writeBytes(value);
        return out.toByteArray();
    }

    /** RFC 7541 §5.1 integer with a 7-bit prefix, H bit 0. */
    private static void writeInt(ByteArrayOutputStream out, int value) {
        if (value < 127) {
            out.write(value);
            return;
        }
        out.write(127);
        value -= 127;
        while (value >= 128) {
            out.write((value & 0x7f) | 0x80);
            value >>>= 7;
        }
        out.write(value);
    }
}
