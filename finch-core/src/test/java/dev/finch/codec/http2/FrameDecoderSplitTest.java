package dev.finch.codec.http2;

import static dev.finch.codec.http2.Hex.bytes;
import static org.assertj.core.api.Assertions.assertThat;

import dev.finch.codec.http2.RecordingHandler.StreamError;
import dev.finch.http.HttpProtocolException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Property: however the bytes of a connection are split between {@link FrameDecoder#decode} calls, down to one byte
 * per call, the events are the same. The input holds every frame type, padding, field blocks split over
 * CONTINUATION frames, an extension frame and two stream errors.
 */
class FrameDecoderSplitTest {
    private static byte[] wire;
    private static List<Object> expected;

    @BeforeAll
    static void buildConnection() {
        ByteSink out = new ByteSink();
        List<Object> events = new ArrayList<>();
        Random random = new Random(7);

        Settings settings = Settings.builder()
                .set(Settings.HEADER_TABLE_SIZE, 8192)
                .set(Settings.MAX_CONCURRENT_STREAMS, 100)
                .set(Settings.INITIAL_WINDOW_SIZE, 1 << 20)
                .build();
        add(out, events, new Frame.Settings(false, settings));
        add(out, events, new Frame.Settings(true, Settings.EMPTY));

        // HEADERS with PADDED (pad 4) and PRIORITY, its block split over two CONTINUATION frames
        byte[] block = randomBytes(random, 40);
        out.write(bytes("00001e 01 28 00000001 | 04 | 80000000 1f"), 0, 15);
        out.write(block, 0, 20);
        out.writeZeros(4);
        FrameEncoder.frame(out, new Frame.Continuation(1, false, Arrays.copyOfRange(block, 20, 30)));
        FrameEncoder.frame(out, new Frame.Continuation(1, true, Arrays.copyOfRange(block, 30, 40)));
        events.add(new Frame.Headers(1, false, true, new Frame.PrioritySpec(0, true, 32), block));

        add(out, events, new Frame.Data(1, false, randomBytes(random, 100), 100 + 1 + 17));
        add(out, events, new Frame.Data(1, false, randomBytes(random, 16_384)));
        add(out, events, new Frame.Data(1, false, new byte[0]));
        add(out, events, new Frame.Priority(3, new Frame.PrioritySpec(1, false, 200)));

        // an extension frame: skipped
        out.write(bytes("000004 be 0f 00000001 | cafebabe"), 0, 13);

        // PUSH_PROMISE with padding, its block split over one CONTINUATION
        byte[] promise = randomBytes(random, 12);
        out.write(bytes("00000b 05 08 00000001 | 02 | 00000002"), 0, 14);
        out.write(promise, 0, 4);
        out.writeZeros(2);
        FrameEncoder.frame(out, new Frame.Continuation(1, true, Arrays.copyOfRange(promise, 4, 12)));
        events.add(new Frame.PushPromise(1, 2, true, promise));

        add(out, events, new Frame.Ping(false, 0x0102030405060708L));
        add(out, events, new Frame.Ping(true, -2));

        // stream errors: PRIORITY of 6 bytes, WINDOW_UPDATE of 0 on a stream
        out.write(bytes("000006 02 00 00000003 | 000000010f00"), 0, 15);
        events.add(new StreamError(3, ErrorCode.FRAME_SIZE_ERROR));
        out.write(bytes("000004 08 00 00000003 | 00000000"), 0, 13);
        events.add(new StreamError(3, ErrorCode.PROTOCOL_ERROR));

        add(out, events, new Frame.WindowUpdate(0, 1 << 24));
        add(out, events, new Frame.WindowUpdate(1, 65_535));
        add(out, events, new Frame.Headers(1, true, true, null, randomBytes(random, 5)));
        add(out, events, new Frame.Data(1, true, randomBytes(random, 3), 3 + 1));
        add(out, events, new Frame.RstStream(1, 0xbad));
        add(out, events, new Frame.GoAway(1, ErrorCode.NO_ERROR, randomBytes(random, 30)));

        wire = out.toByteArray();
        expected = events;
    }

    private static void add(ByteSink out, List<Object> events, Frame frame) {
        FrameEncoder.frame(out, frame);
        events.add(frame);
    }

    private static byte[] randomBytes(Random random, int n) {
        byte[] bytes = new byte[n];
        random.nextBytes(bytes);
        return bytes;
    }

    /** Feeds {@code wire} cut at {@code cuts}, each piece in its own buffer that is scribbled over afterwards. */
    private static List<Object> decodeSplit(int[] cuts, boolean direct) throws HttpProtocolException {
        FrameDecoder decoder = new FrameDecoder();
        RecordingHandler handler = new RecordingHandler();
        int from = 0;
        for (int i = 0; i <= cuts.length; i++) {
            int to = i < cuts.length ? cuts[i] : wire.length;
            ByteBuffer piece = direct ? ByteBuffer.allocateDirect(to - from) : ByteBuffer.allocate(to - from);
            piece.put(wire, from, to - from).flip();
            decoder.decode(piece, handler);
            assertThat(piece.hasRemaining()).as("every call consumes all input").isFalse();
            piece.clear();
            while (piece.hasRemaining()) {
                piece.put((byte) 0x5a); // the caller reuses its buffer
            }
            from = to;
        }
        assertThat(decoder.inFrame()).isFalse();
        return handler.events;
    }

    @Test
    void wholeInputGivesTheExpectedEvents() throws HttpProtocolException {
        assertThat(decodeSplit(new int[0], false)).containsExactlyElementsOf(expected);
    }

    @Test
    void oneByteAtATimeGivesTheSameEvents() throws HttpProtocolException {
        int[] cuts = new int[wire.length - 1];
        Arrays.setAll(cuts, i -> i + 1);
        assertThat(decodeSplit(cuts, false)).containsExactlyElementsOf(expected);
    }

    @Test
    void randomSplitsGiveTheSameEvents() throws HttpProtocolException {
        Random random = new Random(20_240_403);
        for (int iteration = 0; iteration < 500; iteration++) {
            TreeSet<Integer> cutSet = new TreeSet<>();
            int count = 1 + random.nextInt(iteration % 10 == 0 ? 2_000 : 40);
            for (int i = 0; i < count; i++) {
                cutSet.add(1 + random.nextInt(wire.length - 1));
            }
            int[] cuts = cutSet.stream().mapToInt(Integer::intValue).toArray();
            assertThat(decodeSplit(cuts, random.nextBoolean()))
                    .as("iteration %d, cuts %s", iteration, cutSet)
                    .containsExactlyElementsOf(expected);
        }
    }

    @Test
    void everySingleCutPointGivesTheSameEvents() throws HttpProtocolException {
        for (int cut = 1; cut < wire.length; cut += 7) {
            assertThat(decodeSplit(new int[] {cut}, false)).as("cut at %d", cut).containsExactlyElementsOf(expected);
        }
    }
}
