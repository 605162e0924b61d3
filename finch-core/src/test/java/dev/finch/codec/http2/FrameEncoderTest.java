package dev.finch.codec.http2;

import static dev.finch.codec.http2.Hex.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** Byte-exact frames, the expected bytes written by hand from the layouts of RFC 9113 §4.1 and §6. */
class FrameEncoderTest {

    private static byte[] encode(Consumer<ByteSink> write) {
        ByteSink out = new ByteSink();
        write.accept(out);
        return out.toByteArray();
    }

    private static ByteBuffer ascii(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.US_ASCII));
    }

    @Test
    void writesClientConnectionPreface() {
        assertThat(encode(FrameEncoder::connectionPreface))
                .isEqualTo(bytes("505249202a20485454502f322e300d0a0d0a534d0d0a0d0a"));
    }

    @Test
    void writesDataWithEndStream() {
        // length 5 | type 0 | flags END_STREAM | stream 1 | "hello"
        assertThat(encode(out -> FrameEncoder.data(out, 1, ascii("hello"), true, 16_384)))
                .isEqualTo(bytes("000005 00 01 00000001 | 68656c6c6f"));
    }

    @Test
    void splitsDataByMaxFrameSizeWithEndStreamOnLastFrameOnly() {
        byte[] payload = new byte[20_000];
        Arrays.fill(payload, (byte) 'x');
        byte[] wire = encode(out -> FrameEncoder.data(out, 3, ByteBuffer.wrap(payload), true, 16_384));

        assertThat(wire).hasSize(9 + 16_384 + 9 + 3_616);
        assertThat(Arrays.copyOfRange(wire, 0, 9)).isEqualTo(bytes("004000 00 00 00000003"));
        assertThat(Arrays.copyOfRange(wire, 9 + 16_384, 18 + 16_384)).isEqualTo(bytes("000e20 00 01 00000003"));
    }

    @Test
    void writesOneEmptyDataFrameForEndStreamWithoutData() {
        assertThat(encode(out -> FrameEncoder.data(out, 3, ByteBuffer.allocate(0), true, 16_384)))
                .isEqualTo(bytes("000000 00 01 00000003"));
    }

    @Test
    void writesNothingForEmptyDataWithoutEndStream() {
        assertThat(encode(out -> FrameEncoder.data(out, 3, ByteBuffer.allocate(0), false, 16_384)))
                .isEmpty();
    }

    @Test
    void leavesTheInputBufferPositionAlone() {
        ByteBuffer data = ascii("abc");
        encode(out -> FrameEncoder.data(out, 1, data, false, 16_384));
        assertThat(data.position()).isZero();
        assertThat(data.remaining()).isEqualTo(3);
    }

    @Test
    void writesHeadersInOneFrameWhenTheBlockFits() {
        // length 3 | type 1 | flags END_HEADERS | stream 3 | block
        assertThat(encode(out -> FrameEncoder.headers(out, 3, ByteBuffer.wrap(bytes("828684")), false, 16_384)))
                .isEqualTo(bytes("000003 01 04 00000003 | 828684"));
    }

    @Test
    void splitsALargeHeaderBlockIntoHeadersAndContinuation() {
        byte[] block = new byte[16_384 + 10];
        Arrays.fill(block, (byte) 0x82);
        byte[] wire = encode(out -> FrameEncoder.headers(out, 5, ByteBuffer.wrap(block), true, 16_384));

        // HEADERS: full frame, END_STREAM without END_HEADERS; CONTINUATION: the rest, END_HEADERS.
        assertThat(Arrays.copyOfRange(wire, 0, 9)).isEqualTo(bytes("004000 01 01 00000005"));
        assertThat(Arrays.copyOfRange(wire, 9 + 16_384, 18 + 16_384)).isEqualTo(bytes("00000a 09 04 00000005"));
        assertThat(wire).hasSize(18 + block.length);
    }

    @Test
    void writesPriority() {
        // exclusive dependency on stream 3, weight 16 (sent as 15)
        assertThat(encode(out -> FrameEncoder.priority(out, 5, new Frame.PrioritySpec(3, true, 16))))
                .isEqualTo(bytes("000005 02 00 00000005 | 80000003 0f"));
    }

    @Test
    void writesRstStream() {
        assertThat(encode(out -> FrameEncoder.rstStream(out, 7, ErrorCode.CANCEL)))
                .isEqualTo(bytes("000004 03 00 00000007 | 00000008"));
    }

    @Test
    void writesSettingsInIdentifierOrder() {
        Settings settings = Settings.builder()
                .set(Settings.MAX_HEADER_LIST_SIZE, 262_144)
                .set(Settings.ENABLE_PUSH, 0)
                .set(Settings.INITIAL_WINDOW_SIZE, 4_194_304)
                .build();
        assertThat(encode(out -> FrameEncoder.settings(out, settings)))
                .isEqualTo(bytes("000012 04 00 00000000 | 0002 00000000 | 0004 00400000 | 0006 00040000"));
    }

    @Test
    void writesSettingsAck() {
        assertThat(encode(FrameEncoder::settingsAck)).isEqualTo(bytes("000000 04 01 00000000"));
    }

    @Test
    void writesPushPromise() {
        assertThat(encode(out -> FrameEncoder.pushPromise(out, 1, 2, ByteBuffer.wrap(bytes("82")), 16_384)))
                .isEqualTo(bytes("000005 05 04 00000001 | 00000002 | 82"));
    }

    @Test
    void writesPingAndPingAck() {
        assertThat(encode(out -> FrameEncoder.ping(out, false, 0x0102030405060708L)))
                .isEqualTo(bytes("000008 06 00 00000000 | 0102030405060708"));
        assertThat(encode(out -> FrameEncoder.ping(out, true, -1L)))
                .isEqualTo(bytes("000008 06 01 00000000 | ffffffffffffffff"));
    }

    @Test
    void writesGoAwayWithDebugData() {
        assertThat(encode(out -> FrameEncoder.goAway(out, 7, ErrorCode.PROTOCOL_ERROR, ascii("hi"))))
                .isEqualTo(bytes("00000a 07 00 00000000 | 00000007 | 00000001 | 6869"));
    }

    @Test
    void writesWindowUpdateForTheConnection() {
        // 16 MiB - 65,535 = 16,711,681 = 0x00ff0001
        assertThat(encode(out -> FrameEncoder.windowUpdate(out, 0, 16_711_681)))
                .isEqualTo(bytes("000004 08 00 00000000 | 00ff0001"));
    }

    @Test
    void writesContinuationFromItsRecord() {
        assertThat(encode(out -> FrameEncoder.frame(out, new Frame.Continuation(3, true, bytes("8485")))))
                .isEqualTo(bytes("000002 09 04 00000003 | 8485"));
    }

    @Test
    void writesPaddedDataFromItsRecord() {
        // 2 data bytes + pad length byte + 3 padding = 6 flow-controlled bytes
        Frame.Data padded = new Frame.Data(1, false, bytes("6869"), 6);
        assertThat(encode(out -> FrameEncoder.frame(out, padded)))
                .isEqualTo(bytes("000006 00 08 00000001 | 03 | 6869 | 000000"));
    }

    @Test
    void writesHeadersWithPriorityFromItsRecord() {
        Frame.Headers headers = new Frame.Headers(3, true, true, new Frame.PrioritySpec(1, false, 256), bytes("82"));
        // flags: PRIORITY | END_HEADERS | END_STREAM = 0x25; weight 256 sent as 0xff
        assertThat(encode(out -> FrameEncoder.frame(out, headers)))
                .isEqualTo(bytes("000006 01 25 00000003 | 00000001 ff | 82"));
    }

    @Test
    void writesUnknownErrorCodesVerbatim() {
        assertThat(encode(out -> FrameEncoder.frame(out, new Frame.RstStream(1, 0xdead))))
                .isEqualTo(bytes("000004 03 00 00000001 | 0000dead"));
    }

    @Test
    void refusesArgumentsAPeerWouldReject() {
        ByteSink out = new ByteSink();
        assertThatThrownBy(() -> FrameEncoder.data(out, 0, ByteBuffer.allocate(1), false, 16_384))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> FrameEncoder.windowUpdate(out, 1, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> FrameEncoder.headers(out, 1, ByteBuffer.allocate(1), false, 16_383))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> FrameEncoder.rstStream(out, 0, ErrorCode.CANCEL))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(out.size()).isZero();
    }
}
