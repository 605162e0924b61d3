package dev.finch.conn;

import dev.finch.codec.http2.Http2ConnectionException;
import java.util.function.LongSupplier;

/**
 * The flood budgets of one connection (see {@link Http2Options} for what each bounds and why). Each method counts
 * one event and throws {@link Http2ConnectionException} ENHANCE_YOUR_CALM past its budget; the connection then
 * sends GOAWAY with that code and closes. Not thread-safe.
 *
 * <p>Bounded elsewhere: field blocks and CONTINUATION frames by {@link dev.finch.codec.http2.FrameDecoder}, decoded
 * header lists by {@link dev.finch.codec.http2.Hpack} (an HPACK bomb becomes a stream error), interim responses per
 * stream by {@link Http2ResponseReader}, pushed streams by refusing push outright, and DATA by flow control.
 */
final class Http2FloodGuard {
    private final LongSupplier clock;
    private final FloodBudget pings;
    private final FloodBudget settings;
    private final FloodBudget emptyFrames;
    private final FloodBudget closedStreamFrames;

    Http2FloodGuard(Http2Options options) {
        this.clock = options.nanoClock();
        long window = options.floodWindow().toNanos();
        this.pings = new FloodBudget("PING frames", options.maxPingsPerWindow(), window);
        this.settings = new FloodBudget("SETTINGS frames", options.maxSettingsPerWindow(), window);
        this.emptyFrames = new FloodBudget("empty or ignored frames", options.maxEmptyFramesPerWindow(), window);
        this.closedStreamFrames =
                new FloodBudget("frames on closed streams", options.maxClosedStreamFramesPerWindow(), window);
    }

    /** A PING we must acknowledge. */
    void ping() throws Http2ConnectionException {
        pings.spend(clock.getAsLong());
    }

    /** A SETTINGS frame we must apply and acknowledge. */
    void settings() throws Http2ConnectionException {
        settings.spend(clock.getAsLong());
    }

    /** A frame that carries nothing: empty DATA without END_STREAM, an empty field block, PRIORITY, a stray ACK. */
    void emptyFrame() throws Http2ConnectionException {
        emptyFrames.spend(clock.getAsLong());
    }

    /** A frame on a stream that has closed (RST_STREAM and WINDOW_UPDATE storms, late DATA and HEADERS). */
    void closedStreamFrame() throws Http2ConnectionException {
        closedStreamFrames.spend(clock.getAsLong());
    }

    /** We opened a stream: useful work that may be followed by a few late frames after it closes. */
    void streamOpened() {
        closedStreamFrames.allow(clock.getAsLong(), Http2Options.CLOSED_STREAM_FRAMES_PER_STREAM);
    }
}
