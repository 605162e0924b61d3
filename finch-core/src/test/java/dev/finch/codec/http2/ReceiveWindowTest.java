package dev.finch.codec.http2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.finch.codec.http2.ReceiveWindow.Release;
import dev.finch.http.HttpProtocolException;
import org.junit.jupiter.api.Test;

/** The receive-side accounting of RFC 9113 §6.9: limits on the peer, batched WINDOW_UPDATEs, back-pressure. */
class ReceiveWindowTest {
    private static final int MIB = 1 << 20;

    @Test
    void batchesCreditUntilTheThresholdIsOwed() throws HttpProtocolException {
        ReceiveWindow window = new ReceiveWindow(0, 16 * MIB);

        assertThat(window.receive(100_000, 100_000)).isZero();
        assertThat(window.receive(59_999, 59_999)).isZero();
        assertThat(window.window()).isEqualTo(16 * MIB - 159_999);
        assertThat(window.receive(1, 1)).isEqualTo(160_000);
        assertThat(window.window()).isEqualTo(16 * MIB);
    }

    @Test
    void capsTheThresholdAtHalfASmallWindowSoThePeerNeverStalls() throws HttpProtocolException {
        ReceiveWindow window = new ReceiveWindow(1, 65_535);
        assertThat(window.receive(32_766, 32_766)).isZero();
        assertThat(window.receive(1, 1)).isEqualTo(32_767);
    }

    @Test
    void countsPaddingAgainstTheWindow() throws HttpProtocolException {
        ReceiveWindow window = new ReceiveWindow(1, 1000, 10_000, Release.ON_RECEIVE);
        window.receive(300, 44); // 44 data bytes, pad length byte and 255 padding
        assertThat(window.window()).isEqualTo(700);
    }

    @Test
    void treatsDataBeyondAStreamWindowAsAStreamError() throws HttpProtocolException {
        ReceiveWindow window = new ReceiveWindow(7, 100, 10_000, Release.ON_CONSUME);
        window.receive(100, 100);
        Throwable thrown = catchThrowable(() -> window.receive(1, 1));

        assertThat(thrown).isInstanceOf(Http2StreamException.class);
        assertThat(((Http2StreamException) thrown).streamId()).isEqualTo(7);
        assertThat(((Http2StreamException) thrown).errorCode()).isEqualTo(ErrorCode.FLOW_CONTROL_ERROR);
    }

    @Test
    void treatsDataBeyondTheConnectionWindowAsAConnectionError() {
        ReceiveWindow window = new ReceiveWindow(0, 65_535);
        Throwable thrown = catchThrowable(() -> window.receive(65_536, 65_536));

        assertThat(thrown).isInstanceOf(Http2ConnectionException.class);
        assertThat(((Http2ConnectionException) thrown).errorCode()).isEqualTo(ErrorCode.FLOW_CONTROL_ERROR);
    }

    @Test
    void creditsOnlyConsumedBytesWhenReleasingOnConsume() throws HttpProtocolException {
        ReceiveWindow window = new ReceiveWindow(1, 4 * MIB, 160_000, Release.ON_CONSUME);

        assertThat(window.receive(200_000, 200_000)).as("nothing consumed yet").isZero();
        assertThat(window.unconsumed()).isEqualTo(200_000);
        assertThat(window.consume(100_000)).isZero();
        assertThat(window.consume(60_000)).isEqualTo(160_000);
        assertThat(window.unconsumed()).isEqualTo(40_000);
        assertThat(window.window()).isEqualTo(4 * MIB - 40_000);
    }

    @Test
    void stopsThePeerWhenTheApplicationDoesNotConsume() throws HttpProtocolException {
        ReceiveWindow window = new ReceiveWindow(1, 1000, 100, Release.ON_CONSUME);
        for (int i = 0; i < 10; i++) {
            assertThat(window.receive(100, 100)).isZero();
        }
        assertThat(window.window()).isZero();
        assertThat(catchThrowable(() -> window.receive(1, 1))).isInstanceOf(Http2StreamException.class);
    }

    @Test
    void releasesPaddingAtOnceWhenReleasingOnConsume() throws HttpProtocolException {
        ReceiveWindow window = new ReceiveWindow(1, 1000, 100, Release.ON_CONSUME);
        assertThat(window.receive(150, 10))
                .as("140 bytes of padding are owed at once")
                .isEqualTo(140);
        assertThat(window.unconsumed()).isEqualTo(10);
    }

    @Test
    void refusesToConsumeMoreThanWasReceived() throws HttpProtocolException {
        ReceiveWindow window = new ReceiveWindow(1, 1000, 100, Release.ON_CONSUME);
        window.receive(10, 10);
        assertThatThrownBy(() -> window.consume(11)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void growsTheConnectionWindowAtOnce() {
        // Mint's connection window: 65,535 to 16 MiB with one WINDOW_UPDATE after the preface
        ReceiveWindow window = new ReceiveWindow(0, 65_535);
        assertThat(window.grow(16 * MIB - 65_535)).isEqualTo(16 * MIB - 65_535);
        assertThat(window.window()).isEqualTo(16 * MIB);
        assertThatThrownBy(() -> window.grow(Integer.MAX_VALUE)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void followsAChangeOfOurInitialWindowSize() throws HttpProtocolException {
        ReceiveWindow window = new ReceiveWindow(1, 65_535, 160_000, Release.ON_CONSUME);
        window.receive(60_000, 60_000);
        window.applyInitialWindowSizeChange(16_384 - 65_535);

        assertThat(window.window()).isEqualTo(5_535 - 49_151);
        assertThat(catchThrowable(() -> window.receive(1, 1))).isInstanceOf(Http2StreamException.class);
    }

    @Test
    void acceptsAnEmptyFrameWhileTheWindowIsNegative() throws HttpProtocolException {
        // §6.9.1 counts payload only: an empty DATA (an END_STREAM on its own) needs no window.
        ReceiveWindow window = new ReceiveWindow(1, 100, 10_000, Release.ON_CONSUME); // no credit yet
        window.receive(100, 100);
        window.applyInitialWindowSizeChange(-100);
        assertThat(window.window()).isEqualTo(-100);
        assertThat(window.receive(0, 0)).isZero();
        assertThat(window.window()).isEqualTo(-100);
    }
}
