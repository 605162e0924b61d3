package dev.finch.conn;

import static org.assertj.core.api.Assertions.assertThat;

import dev.finch.codec.http2.Frame;
import dev.finch.codec.http2.Settings;
import dev.finch.testing.H2Peer;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Http2Options.Builder#build promises to refuse "a set maxContinuationFrames [that] cannot carry a header list of that
 * size" because "a server keeping to what we advertise would end the connection with a flood error". It checks the
 * count against the advertised SETTINGS_MAX_FRAME_SIZE, but a server may send frames of any size up to it, 16 KiB
 * included (RFC 9113 §4.2, §6.10) - as build()'s own derivation of the default says ("A server may split a block into
 * frames of the minimum size whatever we advertise"). So a configuration build() accepts still kills the connection for
 * a compliant server.
 */
class Http2HeaderCapsReviewTest {
    private Http2Scripted h2;

    @AfterEach
    void tearDown() throws Exception {
        if (h2 != null) {
            h2.close();
        }
    }

    @Test
    void anAcceptedMaxContinuationFramesCarriesAnyHeaderListWithinTheAdvertisedSizeInMinimumSizeFrames()
            throws Exception {
        // 1 MiB list; 64 KiB frames advertised; 15 CONTINUATIONs: (15 + 1) x 64 KiB = 1 MiB, so build() accepts it.
        Http2Options http2 = Http2Options.builder()
                .clientSettings(Settings.builder()
                        .set(Settings.MAX_HEADER_LIST_SIZE, 1024 * 1024)
                        .set(Settings.MAX_FRAME_SIZE, 64 * 1024)
                        .build())
                .maxContinuationFrames(15)
                .build();
        int valueLength = 600_000; // well within the advertised 1 MiB list size
        h2 = Http2Scripted.start(
                (c, seen) -> {
                    c.handshake(Settings.EMPTY);
                    int stream = c.await(H2Peer.Headers.class).streamId();
                    byte[] block = literalBlock("x-big", valueLength);
                    // The server keeps to the default frame size (16 KiB): legal whatever we advertise.
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

        Exchange ex = h2.await(h2.get("/big"));

        assertThat(ex.error)
                .as("a 600 kB header list (within the advertised 1 MiB) in 16 KiB frames, with a configuration build()"
                        + " accepted")
                .isNull();
        assertThat(ex.headers.first("x-big")).hasSize(valueLength);
    }

    /** :status 200 (static index 8), then one literal field without indexing and without Huffman coding. */
    private static byte[] literalBlock(String name, int valueLength) {
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
