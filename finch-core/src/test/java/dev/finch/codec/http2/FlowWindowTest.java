package dev.finch.codec.http2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.finch.http.HttpProtocolException;
import dev.finch.http.HttpProtocolException.Reason;
import org.junit.jupiter.api.Test;

/** The send window of RFC 9113 §6.9. */
class FlowWindowTest {

    @Test
    void shrinksAsWeSendAndGrowsWithWindowUpdates() throws HttpProtocolException {
        FlowWindow window = new FlowWindow(1, 65_535);
        window.consume(65_535);
        assertThat(window.available()).isZero();

        window.increment(100);
        assertThat(window.size()).isEqualTo(100);
        assertThat(window.available()).isEqualTo(100);
    }

    @Test
    void refusesToSendMoreThanIsAvailable() {
        FlowWindow window = new FlowWindow(1, 10);
        assertThatThrownBy(() -> window.consume(11)).isInstanceOf(IllegalArgumentException.class);
        assertThat(window.size()).isEqualTo(10);
    }

    @Test
    void acceptsAnUpdateToExactlyTheMaximumWindow() throws HttpProtocolException {
        FlowWindow window = new FlowWindow(0, 65_535);
        window.increment(Integer.MAX_VALUE - 65_535);
        assertThat(window.size()).isEqualTo(Integer.MAX_VALUE);
    }

    @Test
    void treatsAStreamWindowOverflowAsAStreamError() {
        FlowWindow window = new FlowWindow(3, 65_535);
        Throwable thrown = catchThrowable(() -> window.increment(Integer.MAX_VALUE - 65_534));

        assertThat(thrown).isInstanceOf(Http2StreamException.class);
        Http2StreamException e = (Http2StreamException) thrown;
        assertThat(e.streamId()).isEqualTo(3);
        assertThat(e.errorCode()).isEqualTo(ErrorCode.FLOW_CONTROL_ERROR);
        assertThat(e.reason()).isEqualTo(Reason.FLOW_CONTROL_ERROR);
        assertThat(window.size()).isEqualTo(65_535);
    }

    @Test
    void treatsAConnectionWindowOverflowAsAConnectionError() {
        FlowWindow window = new FlowWindow(0, 65_535);
        Throwable thrown = catchThrowable(() -> window.increment(Integer.MAX_VALUE));

        assertThat(thrown).isInstanceOf(Http2ConnectionException.class);
        assertThat(((Http2ConnectionException) thrown).errorCode()).isEqualTo(ErrorCode.FLOW_CONTROL_ERROR);
    }

    @Test
    void goesNegativeWhenThePeerShrinksTheInitialWindowSize() throws HttpProtocolException {
        // §6.9.2: 60,000 of 65,535 sent, then the peer lowers INITIAL_WINDOW_SIZE to 16,384
        FlowWindow window = new FlowWindow(1, 65_535);
        window.consume(60_000);
        window.applyInitialWindowSizeChange(16_384 - 65_535);

        assertThat(window.size()).isEqualTo(5_535 - 49_151);
        assertThat(window.available()).isZero();
        assertThatThrownBy(() -> window.consume(1)).isInstanceOf(IllegalArgumentException.class);

        window.increment(43_616); // back to exactly 0: still nothing to send
        assertThat(window.size()).isZero();
        window.increment(1);
        assertThat(window.available()).isEqualTo(1);
    }

    @Test
    void treatsAnOverflowFromASettingsChangeAsAConnectionError() throws HttpProtocolException {
        // §6.9.2: even though it is a stream window, the overflow is a connection error
        FlowWindow window = new FlowWindow(5, 65_535);
        window.increment(Integer.MAX_VALUE - 65_535);
        Throwable thrown = catchThrowable(() -> window.applyInitialWindowSizeChange(1));

        assertThat(thrown).isInstanceOf(Http2ConnectionException.class);
        assertThat(((Http2ConnectionException) thrown).errorCode()).isEqualTo(ErrorCode.FLOW_CONTROL_ERROR);
    }

    @Test
    void keepsTheConnectionWindowOutOfInitialWindowSizeChanges() {
        assertThatThrownBy(() -> new FlowWindow(0, 65_535).applyInitialWindowSizeChange(1))
                .isInstanceOf(IllegalStateException.class);
    }
}
