package dev.finch.codec.http2;

import static dev.finch.codec.http2.Hex.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.finch.codec.http2.RecordingHandler.StreamError;
import dev.finch.http.HttpProtocolException;
import dev.finch.http.HttpProtocolException.Reason;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** One test per rule of RFC 9113 §4-§6 that {@link FrameDecoder} enforces, and per flood defence. */
class FrameDecoderValidationTest {
    private final RecordingHandler handler = new RecordingHandler();

    private static Http2ConnectionException connectionError(FrameDecoder decoder, String hex) {
        Throwable thrown = catchThrowable(() -> decoder.decode(ByteBuffer.wrap(bytes(hex)), new RecordingHandler()));
        assertThat(thrown).isInstanceOf(Http2ConnectionException.class);
        return (Http2ConnectionException) thrown;
    }

    private static Http2ConnectionException connectionError(String hex) {
        return connectionError(new FrameDecoder(), hex);
    }

    private static void assertConnectionError(String hex, ErrorCode code) {
        assertThat(connectionError(hex).errorCode()).isEqualTo(code);
    }

    // --- §4.2 frame size

    @Test
    void rejectsAFrameLargerThanOurMaxFrameSizeFromItsHeaderAlone() {
        // DATA of 16,385 bytes: the 9-byte header is enough to refuse it, nothing is buffered
        Http2ConnectionException e = connectionError("004001 00 00 00000001");
        assertThat(e.errorCode()).isEqualTo(ErrorCode.FRAME_SIZE_ERROR);
        assertThat(e.reason()).isEqualTo(Reason.FRAME_SIZE_ERROR);
    }

    @Test
    void acceptsAFrameOfExactlyMaxFrameSize() throws HttpProtocolException {
        ByteSink out = new ByteSink();
        FrameEncoder.data(out, 1, ByteBuffer.allocate(16_384), false, 16_384);
        new FrameDecoder().decode(out.buffer(), handler);
        assertThat(handler.events).hasSize(1);
    }

    // --- §6.1 padding

    @Test
    void rejectsDataWhosePaddingIsAsLongAsThePayload() {
        // length 3, pad length 3: padding would swallow the pad length byte itself
        assertConnectionError("000003 00 08 00000001 | 03 | 6869", ErrorCode.PROTOCOL_ERROR);
    }

    @Test
    void acceptsDataWhosePaddingFillsTheRestOfThePayload() throws HttpProtocolException {
        new FrameDecoder().decode(ByteBuffer.wrap(bytes("000003 00 08 00000001 | 02 | 0000")), handler);
        assertThat(handler.events).containsExactly(new Frame.Data(1, false, new byte[0], 3));
    }

    @Test
    void rejectsPaddedDataTooShortForThePadLength() {
        assertConnectionError("000000 00 08 00000001", ErrorCode.FRAME_SIZE_ERROR);
    }

    @Test
    void rejectsHeadersWhosePaddingExceedsTheFragment() {
        // PADDED | PRIORITY | END_HEADERS, length 7: 1 + 5 mandatory bytes leave 1 for padding, pad length says 2
        assertConnectionError("000007 01 2c 00000001 | 02 | 00000000 0f | 00", ErrorCode.PROTOCOL_ERROR);
    }

    @Test
    void rejectsHeadersTooShortForThePriorityFields() {
        assertConnectionError("000004 01 24 00000001 | 00000000", ErrorCode.FRAME_SIZE_ERROR);
    }

    @Test
    void rejectsPushPromiseWhosePaddingExceedsTheFragment() {
        assertConnectionError("000006 05 0c 00000001 | 02 | 00000002 | 82", ErrorCode.PROTOCOL_ERROR);
    }

    // --- §6 stream identifier rules

    @ParameterizedTest(name = "{0} on stream 0")
    @CsvSource({
        "DATA,         000001 00 00 00000000 | 61",
        "HEADERS,      000001 01 04 00000000 | 82",
        "PRIORITY,     000005 02 00 00000000 | 00000001 0f",
        "RST_STREAM,   000004 03 00 00000000 | 00000008",
        "PUSH_PROMISE, 000005 05 04 00000000 | 00000002 82",
    })
    void rejectsStreamFramesOnStreamZero(String type, String hex) {
        Http2ConnectionException e = connectionError(hex);
        assertThat(e.errorCode()).isEqualTo(ErrorCode.PROTOCOL_ERROR);
        assertThat(e.detail()).contains(type);
    }

    @ParameterizedTest(name = "{0} on stream 1")
    @CsvSource({
        "SETTINGS, 000000 04 00 00000001",
        "PING,     000008 06 00 00000001 | 0000000000000000",
        "GOAWAY,   000008 07 00 00000001 | 00000000 00000000",
    })
    void rejectsConnectionFramesOnAStream(String type, String hex) {
        Http2ConnectionException e = connectionError(hex);
        assertThat(e.errorCode()).isEqualTo(ErrorCode.PROTOCOL_ERROR);
        assertThat(e.detail()).contains(type);
    }

    @Test
    void rejectsContinuationOnStreamZero() {
        assertConnectionError("000001 09 04 00000000 | 82", ErrorCode.PROTOCOL_ERROR);
    }

    // --- §6 fixed lengths

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "PING of 7 bytes,            000007 06 00 00000000 | 00000000000000",
        "RST_STREAM of 3 bytes,      000003 03 00 00000001 | 000008",
        "WINDOW_UPDATE of 5 bytes,   000005 08 00 00000000 | 0000000100",
        "SETTINGS of 5 bytes,        000005 04 00 00000000 | 0001000010",
        "SETTINGS ACK with payload,  000006 04 01 00000000 | 000100001000",
        "GOAWAY of 7 bytes,          000007 07 00 00000000 | 00000000000000",
    })
    void rejectsWrongFixedLengthsAsFrameSizeErrors(String what, String hex) {
        assertConnectionError(hex, ErrorCode.FRAME_SIZE_ERROR);
    }

    @Test
    void reportsPriorityOfTheWrongLengthAsAStreamErrorAndGoesOn() throws HttpProtocolException {
        // §6.3: PRIORITY of 4 bytes on stream 3 is a stream error; the next frame is still decoded
        new FrameDecoder()
                .decode(
                        ByteBuffer.wrap(bytes(
                                "000004 02 00 00000003 | 00000001" + "000008 06 00 00000000 | " + "0000000000000007")),
                        handler);
        assertThat(handler.events)
                .containsExactly(new StreamError(3, ErrorCode.FRAME_SIZE_ERROR), new Frame.Ping(false, 7));
    }

    // --- §6.9 WINDOW_UPDATE

    @Test
    void reportsAZeroWindowIncrementOnAStreamAsAStreamErrorAndGoesOn() throws HttpProtocolException {
        new FrameDecoder()
                .decode(
                        ByteBuffer.wrap(bytes("000004 08 00 00000005 | 00000000" + "000004 08 00 00000005 | 00000010")),
                        handler);
        assertThat(handler.events)
                .containsExactly(new StreamError(5, ErrorCode.PROTOCOL_ERROR), new Frame.WindowUpdate(5, 16));
    }

    @Test
    void rejectsAZeroWindowIncrementOnTheConnection() {
        assertConnectionError("000004 08 00 00000000 | 00000000", ErrorCode.PROTOCOL_ERROR);
    }

    @Test
    void ignoresTheReservedBitOfAWindowIncrement() throws HttpProtocolException {
        new FrameDecoder().decode(ByteBuffer.wrap(bytes("000004 08 00 00000000 | 80000001")), handler);
        assertThat(handler.events).containsExactly(new Frame.WindowUpdate(0, 1));
    }

    // --- §6.5.2 settings values

    @Test
    void rejectsEnablePushOtherThanZeroOrOne() {
        assertConnectionError("000006 04 00 00000000 | 0002 00000002", ErrorCode.PROTOCOL_ERROR);
    }

    @Test
    void rejectsInitialWindowSizeAboveTheMaximumWindow() {
        Http2ConnectionException e = connectionError("000006 04 00 00000000 | 0004 80000000");
        assertThat(e.errorCode()).isEqualTo(ErrorCode.FLOW_CONTROL_ERROR);
        assertThat(e.reason()).isEqualTo(Reason.FLOW_CONTROL_ERROR);
    }

    @ParameterizedTest(name = "MAX_FRAME_SIZE {0}")
    @CsvSource({"00003fff", "01000000"})
    void rejectsMaxFrameSizeOutsideItsRange(String value) {
        assertConnectionError("000006 04 00 00000000 | 0005 " + value, ErrorCode.PROTOCOL_ERROR);
    }

    @Test
    void acceptsSettingsAtTheirLimitsAndIgnoresUnknownIdentifiers() throws HttpProtocolException {
        new FrameDecoder()
                .decode(
                        ByteBuffer.wrap(bytes("00001e 04 00 00000000 | 0004 7fffffff | 0005 00ffffff | 0005 00004000"
                                + " | 00ff 12345678 | 0003 ffffffff")),
                        handler);
        Settings expected = Settings.builder()
                .set(Settings.INITIAL_WINDOW_SIZE, Integer.MAX_VALUE)
                .set(Settings.MAX_FRAME_SIZE, 16_384) // the last value of a repeated identifier wins
                .set(Settings.MAX_CONCURRENT_STREAMS, 0xffff_ffffL) // clamped to Integer.MAX_VALUE
                .build();
        assertThat(handler.events).containsExactly(new Frame.Settings(false, expected));
    }

    // --- §6.10 CONTINUATION sequencing

    private static final String OPEN_BLOCK = "000001 01 00 00000001 | 82"; // HEADERS without END_HEADERS

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "DATA on the same stream,         000001 00 00 00000001 | 61",
        "HEADERS on another stream,       000001 01 04 00000003 | 82",
        "CONTINUATION on another stream,  000001 09 04 00000003 | 82",
        "PING,                            000008 06 00 00000000 | 0000000000000000",
        "an extension frame,              000000 fa 00 00000001",
    })
    void rejectsAnythingButContinuationOnTheSameStreamInsideAFieldBlock(String what, String hex) {
        assertConnectionError(OPEN_BLOCK + hex, ErrorCode.PROTOCOL_ERROR);
    }

    @Test
    void rejectsContinuationWithoutAFieldBlock() {
        assertConnectionError("000001 09 04 00000001 | 82", ErrorCode.PROTOCOL_ERROR);
    }

    @Test
    void rejectsContinuationAfterTheFieldBlockEnded() {
        assertConnectionError("000001 01 04 00000001 | 82" + "000001 09 04 00000001 | 84", ErrorCode.PROTOCOL_ERROR);
    }

    // --- flood defences

    @Test
    void endsAFloodOfEmptyContinuationFramesWithEnhanceYourCalm() {
        FrameDecoder decoder = new FrameDecoder();
        StringBuilder flood = new StringBuilder(OPEN_BLOCK);
        for (int i = 0; i < FrameDecoder.DEFAULT_MAX_CONTINUATION_FRAMES; i++) {
            flood.append("000000 09 00 00000001");
        }
        assertThat(catchThrowable(() -> decoder.decode(ByteBuffer.wrap(bytes(flood.toString())), handler)))
                .as("the cap itself is allowed")
                .isNull();

        Http2ConnectionException e = connectionError(decoder, "000000 09 00 00000001");
        assertThat(e.errorCode()).isEqualTo(ErrorCode.ENHANCE_YOUR_CALM);
        assertThat(e.reason()).isEqualTo(Reason.ENHANCE_YOUR_CALM);
    }

    @Test
    void capsTheMergedFieldBlockBeforeBufferingTheFrameThatWouldExceedIt() {
        FrameDecoder decoder = new FrameDecoder(16_384, 100, 10);
        String sixty = "00".repeat(60);
        // 60 bytes in HEADERS, then only the header of a 41-byte CONTINUATION: 101 > 100
        Http2ConnectionException e =
                connectionError(decoder, "00003c 01 00 00000001 | " + sixty + "000029 09 04 00000001");
        assertThat(e.errorCode()).isEqualTo(ErrorCode.ENHANCE_YOUR_CALM);
    }

    @Test
    void capsASingleHeadersFrameToo() {
        FrameDecoder decoder = new FrameDecoder(16_384, 100, 10);
        assertThat(connectionError(decoder, "000065 01 04 00000001 | " + "00".repeat(101))
                        .errorCode())
                .isEqualTo(ErrorCode.ENHANCE_YOUR_CALM);
    }

    @Test
    void acceptsAFieldBlockOfExactlyTheCap() throws HttpProtocolException {
        FrameDecoder decoder = new FrameDecoder(16_384, 100, 10);
        decoder.decode(
                ByteBuffer.wrap(bytes(
                        "00003c 01 00 00000001 | " + "00".repeat(60) + "000028 09 04 00000001 | " + "00".repeat(40))),
                handler);
        assertThat(handler.events).hasSize(1);
    }

    // --- after a connection error

    @Test
    void isFinishedAfterAConnectionError() {
        FrameDecoder decoder = new FrameDecoder();
        connectionError(decoder, "000001 00 00 00000000 | 61");
        assertThatThrownBy(() -> decoder.decode(ByteBuffer.wrap(bytes("000000 04 01 00000000")), handler))
                .isInstanceOf(IllegalStateException.class);
        assertThat(handler.events).isEmpty();
    }

    @Test
    void distinguishesConnectionErrorsFromStreamErrorsByType() {
        assertThat(Http2StreamException.class.isAssignableFrom(Http2ConnectionException.class))
                .isFalse();
        assertThat(Http2ConnectionException.class.isAssignableFrom(Http2StreamException.class))
                .isFalse();
        assertThat(connectionError("000001 00 00 00000000 | 61")).isNotInstanceOf(Http2StreamException.class);
    }
}
