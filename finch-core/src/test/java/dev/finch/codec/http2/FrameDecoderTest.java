package dev.finch.codec.http2;

import static dev.finch.codec.http2.Hex.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.finch.http.HttpProtocolException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What {@link FrameDecoder} delivers for well-formed input. The rules it enforces are in the validation test. */
class FrameDecoderTest {
    private final FrameDecoder decoder = new FrameDecoder();
    private final RecordingHandler handler = new RecordingHandler();

    private List<Object> decode(String hex) throws HttpProtocolException {
        decoder.decode(ByteBuffer.wrap(bytes(hex)), handler);
        return handler.events;
    }

    @Test
    void decodesEveryFrameTypeFromItsOwnEncoding() throws HttpProtocolException {
        List<Frame> frames = List.of(
                new Frame.Data(1, true, bytes("68656c6c6f")),
                new Frame.Data(1, false, bytes("6869"), 6),
                new Frame.Headers(3, true, true, null, bytes("828684")),
                new Frame.Headers(5, false, true, new Frame.PrioritySpec(3, true, 256), bytes("82")),
                new Frame.Priority(7, new Frame.PrioritySpec(0, false, 1)),
                new Frame.RstStream(7, ErrorCode.REFUSED_STREAM),
                new Frame.Settings(
                        false,
                        Settings.builder().set(Settings.MAX_FRAME_SIZE, 20_000).build()),
                new Frame.Settings(true, Settings.EMPTY),
                new Frame.PushPromise(1, 2, true, bytes("8286")),
                new Frame.Ping(false, 42),
                new Frame.Ping(true, Long.MIN_VALUE),
                new Frame.GoAway(9, ErrorCode.ENHANCE_YOUR_CALM, bytes("6869")),
                new Frame.WindowUpdate(0, Integer.MAX_VALUE),
                new Frame.WindowUpdate(1, 1));
        ByteSink out = new ByteSink();
        frames.forEach(f -> FrameEncoder.frame(out, f));

        decoder.decode(out.buffer(), handler);

        assertThat(handler.events).containsExactlyElementsOf(frames);
    }

    @Test
    void stripsPaddingAndReportsTheWholePayloadForFlowControl() throws HttpProtocolException {
        // PADDED, pad length 3: data "hi" + 1 + 3 = 6 flow-controlled bytes
        assertThat(decode("000006 00 08 00000001 | 03 | 6869 | 000000"))
                .containsExactly(new Frame.Data(1, false, bytes("6869"), 6));
    }

    @Test
    void deliversDataAsASliceOfTheInputWhenTheWholeFrameIsThere() throws HttpProtocolException {
        ByteBuffer input = ByteBuffer.wrap(bytes("000003 00 00 00000001 | 616263"));
        List<Boolean> sharesInput = new ArrayList<>();
        decoder.decode(input, new RecordingHandler() {
            @Override
            public void data(int streamId, boolean endStream, ByteBuffer data, int flowControlledLength) {
                sharesInput.add(data.hasArray() && data.array() == input.array());
            }
        });
        assertThat(sharesInput).containsExactly(true);
    }

    @Test
    void keepsASplitFrameAsideSoTheCallerMayReuseItsBuffer() throws HttpProtocolException {
        byte[] wire = bytes("000003 00 01 00000001 | 616263");
        ByteBuffer first = ByteBuffer.wrap(Arrays.copyOf(wire, 11));
        decoder.decode(first, handler);
        Arrays.fill(first.array(), (byte) 0xee); // the caller reuses its buffer
        decoder.decode(ByteBuffer.wrap(Arrays.copyOfRange(wire, 11, wire.length)), handler);

        assertThat(handler.events).containsExactly(new Frame.Data(1, true, bytes("616263")));
    }

    @Test
    void mergesHeadersAndContinuationsIntoOneEvent() throws HttpProtocolException {
        // HEADERS: END_STREAM | PADDED | PRIORITY (0x29), pad 2, dependency 1 weight 16, fragment 8286
        // CONTINUATION: 84; CONTINUATION END_HEADERS: 4185
        assertThat(decode("00000a 01 29 00000003 | 02 | 00000001 0f | 8286 | 0000"
                        + "000001 09 00 00000003 | 84"
                        + "000002 09 04 00000003 | 4185"))
                .containsExactly(
                        new Frame.Headers(3, true, true, new Frame.PrioritySpec(1, false, 16), bytes("8286844185")));
    }

    @Test
    void mergesPushPromiseAndContinuations() throws HttpProtocolException {
        // PUSH_PROMISE PADDED (0x08), pad 1, promised stream 2, fragment 82; then CONTINUATION END_HEADERS: 87
        assertThat(decode("000007 05 08 00000001 | 01 | 00000002 | 82 | 00" + "000001 09 04 00000001 | 87"))
                .containsExactly(new Frame.PushPromise(1, 2, true, bytes("8287")));
    }

    @Test
    void skipsUnknownFrameTypes() throws HttpProtocolException {
        // type 0xfa with a 3-byte payload and every flag, between two PINGs
        assertThat(decode("000008 06 00 00000000 | 0000000000000001"
                        + "000003 fa ff 00000005 | 010203"
                        + "000008 06 00 00000000 | 0000000000000002"))
                .containsExactly(new Frame.Ping(false, 1), new Frame.Ping(false, 2));
    }

    @Test
    void announcesUnknownFrameTypesBeforeSkippingThem() throws HttpProtocolException {
        RecordingHandler recording = new RecordingHandler() {
            @Override
            public void unknownFrame(int type, int streamId, int length) {
                events.add("type 0x" + Integer.toHexString(type) + " on " + streamId + ", " + length + " bytes");
            }
        };
        decoder.decode(
                ByteBuffer.wrap(bytes("000003 fa ff 00000005 | 010203" + "000008 06 00 00000000 | 0000000000000001")),
                recording);
        assertThat(recording.events).containsExactly("type 0xfa on 5, 3 bytes", new Frame.Ping(false, 1));
    }

    @Test
    void ignoresUnknownFlagsAndTheReservedBit() throws HttpProtocolException {
        // DATA with flags 0xf6 (END_STREAM, PADDED clear) and the reserved bit set on stream 1
        assertThat(decode("000001 00 f6 80000001 | 61")).containsExactly(new Frame.Data(1, false, bytes("61")));
    }

    @Test
    void readsLittleEndianInputBuffersInNetworkOrder() throws HttpProtocolException {
        ByteBuffer input =
                ByteBuffer.wrap(bytes("000004 08 00 00000103 | 00010000")).order(ByteOrder.LITTLE_ENDIAN);
        decoder.decode(input, handler);
        assertThat(handler.events).containsExactly(new Frame.WindowUpdate(259, 65_536));
    }

    @Test
    void keepsUnknownErrorCodesRaw() throws HttpProtocolException {
        decode("000008 07 00 00000000 | 00000003 | 0000dead");
        Frame.GoAway goAway = (Frame.GoAway) handler.events.get(0);

        assertThat(goAway.errorCode()).isEqualTo(0xdead);
        assertThat(goAway.error()).isEqualTo(ErrorCode.INTERNAL_ERROR);
        assertThat(goAway.toString()).contains("0xdead (unknown)");
    }

    @Test
    void acceptsLargerFramesOnceMaxFrameSizeIsRaised() throws HttpProtocolException {
        decoder.setMaxFrameSize(16_385);
        ByteSink out = new ByteSink();
        FrameEncoder.data(out, 1, ByteBuffer.allocate(16_385), false, 16_385);
        decoder.decode(out.buffer(), handler);

        assertThat(handler.events).hasSize(1);
    }

    @Test
    void tellsWhenInputEndedInsideAFrameOrFieldBlock() throws HttpProtocolException {
        assertThat(decoder.inFrame()).isFalse();
        decode("000008 06 00 0000");
        assertThat(decoder.inFrame()).isTrue();
        decode("0000 | 0000000000000001");
        assertThat(decoder.inFrame()).isFalse();
        decode("000001 01 00 00000001 | 82"); // HEADERS without END_HEADERS
        assertThat(decoder.inFrame()).isTrue();
    }

    @Test
    void reportsTheAcknowledgementOfSettingsAsEmpty() throws HttpProtocolException {
        assertThat(decode("000000 04 01 00000000")).containsExactly(new Frame.Settings(true, Settings.EMPTY));
    }

    @Test
    void refusesToDecodeAfterAHandlerFailed() {
        FrameHandler failing = new RecordingHandler() {
            @Override
            public void ping(boolean ack, long payload) {
                throw new IllegalStateException("boom");
            }
        };
        ByteBuffer ping = ByteBuffer.wrap(bytes("000008 06 00 00000000 | 0000000000000001"));
        assertThatThrownBy(() -> decoder.decode(ping, failing)).hasMessage("boom");
        assertThatThrownBy(() -> decoder.decode(ByteBuffer.allocate(0), handler))
                .isInstanceOf(IllegalStateException.class);
    }
}
