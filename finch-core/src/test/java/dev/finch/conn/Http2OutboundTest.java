package dev.finch.conn;

import static org.assertj.core.api.Assertions.assertThat;

import dev.finch.codec.http2.ByteSink;
import dev.finch.codec.http2.FlowWindow;
import dev.finch.codec.http2.FrameEncoder;
import dev.finch.codec.http2.Hpack;
import dev.finch.codec.http2.ReceiveWindow;
import dev.finch.codec.http2.Settings;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** What {@link Http2Outbound} hands the socket for a request body, without any I/O. */
class Http2OutboundTest {

    @Test
    void dataFramesCarrySlicesOfTheBodyInsteadOfCopies() {
        Http2Outbound outbound = new Http2Outbound(
                new Hpack(Hpack.DEFAULT_MAX_HEADER_LIST_SIZE, Settings.DEFAULT_HEADER_TABLE_SIZE),
                new OutputQueue(null, 1 << 20),
                1 << 20);
        Http2Stream s = new Http2Stream(
                1,
                new RequestRef(),
                false,
                new FlowWindow(1, Settings.DEFAULT_INITIAL_WINDOW_SIZE),
                new ReceiveWindow(1, Settings.DEFAULT_INITIAL_WINDOW_SIZE));
        s.onSent(Http2Stream.Event.SEND_HEADERS);
        byte[] body = new byte[20_000];
        for (int i = 0; i < body.length; i++) {
            body[i] = (byte) (i * 31 + 7);
        }
        outbound.queueBody(s, ByteBuffer.wrap(body));
        outbound.queueEnd(s, null);
        outbound.drain();

        ByteBuffer[] out = outbound.output();
        assertThat(Arrays.stream(out).filter(b -> b.hasArray() && b.array() == body))
                .as("both DATA payloads are the body's own memory (our frame buffer is read-only)")
                .hasSize(2);
        ByteArrayOutputStream written = new ByteArrayOutputStream();
        for (ByteBuffer b : out) {
            byte[] bytes = new byte[b.remaining()];
            b.duplicate().get(bytes);
            written.writeBytes(bytes);
        }
        ByteSink expected = new ByteSink();
        FrameEncoder.data(expected, 1, ByteBuffer.wrap(body), true, Settings.MIN_MAX_FRAME_SIZE);
        assertThat(written.toByteArray()).isEqualTo(expected.toByteArray());
        assertThat(outbound.outputSize()).isEqualTo(expected.size());
    }
}
