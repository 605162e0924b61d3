package dev.finch.conn;

import dev.finch.codec.http2.FrameDecoder;
import dev.finch.codec.http2.Hpack;
import dev.finch.codec.http2.ReceiveWindow;
import dev.finch.codec.http2.Settings;
import java.time.Duration;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * How an HTTP/2 connection runs: the settings we send, our receive windows, and the flood budgets that bound what a
 * peer can make us do. Immutable; build with {@link #builder()} and pass with {@link
 * ConnectOptions.Builder#http2(Http2Options)}. Every value is validated when set.
 *
 * <h2>Flood budgets</h2>
 *
 * A peer can send frames that cost us work but carry no response: PINGs and SETTINGS we must acknowledge, empty or
 * ignored frames, frames on streams that are already closed. Each kind has a budget of events per {@link
 * #floodWindow()} (a fixed window that restarts with the first event after it ends); past a budget the connection
 * ends with GOAWAY ENHANCE_YOUR_CALM and every request in flight gets an {@code Error} with that reason. The budget
 * for frames on closed streams also grows with useful work: each stream we open adds {@link
 * #CLOSED_STREAM_FRAMES_PER_STREAM} (a server may legitimately send a late WINDOW_UPDATE or RST_STREAM for each,
 * RFC 9113 §5.1). Time comes from {@link #nanoClock()}, so tests can advance it instead of sleeping.
 */
public final class Http2Options {
    /** Frames on closed streams each opened stream adds to the budget of the current window. */
    public static final int CLOSED_STREAM_FRAMES_PER_STREAM = 4;

    /** The settings we send by default: push disabled, 4 MiB stream windows, 256 KiB header lists (as Mint). */
    public static final Settings DEFAULT_CLIENT_SETTINGS = Settings.builder()
            .set(Settings.ENABLE_PUSH, 0)
            .set(Settings.INITIAL_WINDOW_SIZE, 4 * 1024 * 1024)
            .set(Settings.MAX_HEADER_LIST_SIZE, Hpack.DEFAULT_MAX_HEADER_LIST_SIZE)
            .build();

    private static final Http2Options DEFAULTS = builder().build();

    private final Settings clientSettings;
    private final int connectionWindowSize;
    private final int windowUpdateThreshold;
    private final ReceiveWindow.Release receiveWindowRelease;
    private final Integer explicitMaxHeaderBlockSize;
    private final Integer explicitMaxContinuationFrames;
    private final int maxHeaderBlockSize;
    private final int maxContinuationFrames;
    private final Duration floodWindow;
    private final int maxPingsPerWindow;
    private final int maxSettingsPerWindow;
    private final int maxEmptyFramesPerWindow;
    private final int maxClosedStreamFramesPerWindow;
    private final int outputHighWaterMark;
    private final int maxQueuedOutput;
    private final LongSupplier nanoClock;

    private Http2Options(Builder b, int maxHeaderBlockSize, int maxContinuationFrames) {
        this.clientSettings = b.clientSettings;
        this.connectionWindowSize = b.connectionWindowSize;
        this.windowUpdateThreshold = b.windowUpdateThreshold;
        this.receiveWindowRelease = b.receiveWindowRelease;
        this.explicitMaxHeaderBlockSize = b.maxHeaderBlockSize;
        this.explicitMaxContinuationFrames = b.maxContinuationFrames;
        this.maxHeaderBlockSize = maxHeaderBlockSize;
        this.maxContinuationFrames = maxContinuationFrames;
        this.floodWindow = b.floodWindow;
        this.maxPingsPerWindow = b.maxPingsPerWindow;
        this.maxSettingsPerWindow = b.maxSettingsPerWindow;
        this.maxEmptyFramesPerWindow = b.maxEmptyFramesPerWindow;
        this.maxClosedStreamFramesPerWindow = b.maxClosedStreamFramesPerWindow;
        this.outputHighWaterMark = b.outputHighWaterMark;
        this.maxQueuedOutput = b.maxQueuedOutput;
        this.nanoClock = b.nanoClock;
    }

    /** All defaults. */
    public static Http2Options defaults() {
        return DEFAULTS;
    }

    /** A builder holding the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding these options. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.clientSettings = clientSettings;
        b.connectionWindowSize = connectionWindowSize;
        b.windowUpdateThreshold = windowUpdateThreshold;
        b.receiveWindowRelease = receiveWindowRelease;
        b.maxHeaderBlockSize = explicitMaxHeaderBlockSize;
        b.maxContinuationFrames = explicitMaxContinuationFrames;
        b.floodWindow = floodWindow;
        b.maxPingsPerWindow = maxPingsPerWindow;
        b.maxSettingsPerWindow = maxSettingsPerWindow;
        b.maxEmptyFramesPerWindow = maxEmptyFramesPerWindow;
        b.maxClosedStreamFramesPerWindow = maxClosedStreamFramesPerWindow;
        b.outputHighWaterMark = outputHighWaterMark;
        b.maxQueuedOutput = maxQueuedOutput;
        b.nanoClock = nanoClock;
        return b;
    }

    /**
     * The SETTINGS sent after the preface: {@link #DEFAULT_CLIENT_SETTINGS} with the builder's values merged in.
     * SETTINGS_ENABLE_PUSH is always 0.
     */
    public Settings clientSettings() {
        return clientSettings;
    }

    /** The connection receive window we maintain (RFC 9113 §6.9.2 starts it at 65,535). Default 16 MiB, as Mint. */
    public int connectionWindowSize() {
        return connectionWindowSize;
    }

    /** WINDOW_UPDATEs are batched until this many bytes are owed (capped at half a window). Default 160,000. */
    public int windowUpdateThreshold() {
        return windowUpdateThreshold;
    }

    /**
     * When received DATA is credited back to the server. {@link ReceiveWindow.Release#ON_RECEIVE} (the default) as
     * it arrives; {@link ReceiveWindow.Release#ON_CONSUME} only when the owner reports it consumed with {@link
     * Http2Connection#consumed}, so that a slow consumer slows the server down (back-pressure).
     */
    public ReceiveWindow.Release receiveWindowRelease() {
        return receiveWindowRelease;
    }

    /**
     * Cap on one compressed field block, HEADERS plus CONTINUATIONs (a CONTINUATION flood); beyond it the connection
     * ends with GOAWAY ENHANCE_YOUR_CALM. Unless set, twice the advertised SETTINGS_MAX_HEADER_LIST_SIZE and at least
     * 512 KiB ({@link FrameDecoder#DEFAULT_MAX_HEADER_BLOCK_SIZE}), so that a server that keeps to the list size we
     * advertise never reaches it: a header list too large gets the documented stream error instead.
     */
    public int maxHeaderBlockSize() {
        return maxHeaderBlockSize;
    }

    /**
     * Cap on CONTINUATION frames in one field block. Unless set, enough frames of the RFC's minimum size (16 KiB) for
     * a block of {@link #maxHeaderBlockSize()}, and at least 128 ({@link
     * FrameDecoder#DEFAULT_MAX_CONTINUATION_FRAMES}).
     */
    public int maxContinuationFrames() {
        return maxContinuationFrames;
    }

    /** The time window of every flood budget. Default 10 s. */
    public Duration floodWindow() {
        return floodWindow;
    }

    /** PING frames (not acknowledgements) per window, each of which we must answer. Default 1,000. */
    public int maxPingsPerWindow() {
        return maxPingsPerWindow;
    }

    /** SETTINGS frames (not acknowledgements) per window, each of which we must apply and answer. Default 100. */
    public int maxSettingsPerWindow() {
        return maxSettingsPerWindow;
    }

    /**
     * Frames that carry nothing per window: DATA without payload or END_STREAM, empty field blocks, PRIORITY
     * (ignored), extension frames (ignored), empty DATA on a stream we reset, unsolicited PING and SETTINGS
     * acknowledgements. Default 1,000.
     */
    public int maxEmptyFramesPerWindow() {
        return maxEmptyFramesPerWindow;
    }

    /**
     * Frames on closed streams per window (RST_STREAM and WINDOW_UPDATE storms, DATA and HEADERS for streams that
     * ended), plus {@link #CLOSED_STREAM_FRAMES_PER_STREAM} for each stream opened in the window. DATA for a stream we
     * reset ourselves is not counted: it was in flight, and flow control bounds it. Default 1,000.
     */
    public int maxClosedStreamFramesPerWindow() {
        return maxClosedStreamFramesPerWindow;
    }

    /**
     * Output bytes waiting for the socket above which request bodies wait too: no more DATA is framed and {@link
     * HttpConnection#requestBodyWindow} is 0 until the socket has taken the excess. Only active mode keeps output
     * waiting (passive mode blocks on the socket instead), and there it is what keeps an upload to a peer that reads
     * slowly, or not at all, from piling up in memory. Default 1 MiB.
     */
    public int outputHighWaterMark() {
        return outputHighWaterMark;
    }

    /**
     * Cap on output bytes waiting for the socket in active mode, control frames included: a peer that stops reading
     * while it makes us answer (PINGs, SETTINGS, WINDOW_UPDATEs) or while the owner sends requests must not make the
     * connection buffer without bound. Beyond it the connection fails with a {@link dev.finch.http.TransportException}
     * {@code IO_ERROR} (the active-mode counterpart of the send timeout in passive mode). At least {@link
     * #outputHighWaterMark()}. Default 16 MiB.
     */
    public int maxQueuedOutput() {
        return maxQueuedOutput;
    }

    /** The time source of the flood budgets, in {@link System#nanoTime()} units. Default {@code System::nanoTime}. */
    public LongSupplier nanoClock() {
        return nanoClock;
    }

    /** Builds {@link Http2Options}; validates each value as it is set. */
    public static final class Builder {
        private Settings clientSettings = DEFAULT_CLIENT_SETTINGS;
        private int connectionWindowSize = 16 * 1024 * 1024;
        private int windowUpdateThreshold = ReceiveWindow.DEFAULT_UPDATE_THRESHOLD;
        private ReceiveWindow.Release receiveWindowRelease = ReceiveWindow.Release.ON_RECEIVE;
        // null: derived from the advertised MAX_HEADER_LIST_SIZE in build()
        private Integer maxHeaderBlockSize;
        private Integer maxContinuationFrames;
        private Duration floodWindow = Duration.ofSeconds(10);
        private int maxPingsPerWindow = 1000;
        private int maxSettingsPerWindow = 100;
        private int maxEmptyFramesPerWindow = 1000;
        private int maxClosedStreamFramesPerWindow = 1000;
        private int outputHighWaterMark = 1024 * 1024;
        private int maxQueuedOutput = 16 * 1024 * 1024;
        private LongSupplier nanoClock = System::nanoTime;

        private Builder() {}

        /**
         * Settings to send instead of the defaults; they are merged over {@link #DEFAULT_CLIENT_SETTINGS}.
         *
         * @throws IllegalArgumentException if they enable push (server push is not supported)
         */
        public Builder clientSettings(Settings settings) {
            Objects.requireNonNull(settings, "settings");
            if (settings.isSet(Settings.ENABLE_PUSH) && settings.enablePush()) {
                throw new IllegalArgumentException("clientSettings: server push is not supported");
            }
            this.clientSettings = DEFAULT_CLIENT_SETTINGS.merge(settings);
            return this;
        }

        /**
         * Sets {@link Http2Options#connectionWindowSize()}.
         *
         * @throws IllegalArgumentException unless in 65,535..2^31-1
         */
        public Builder connectionWindowSize(int size) {
            if (size < Settings.DEFAULT_INITIAL_WINDOW_SIZE) {
                throw new IllegalArgumentException("connectionWindowSize must be at least 65535, got " + size);
            }
            this.connectionWindowSize = size;
            return this;
        }

        /**
         * Sets {@link Http2Options#windowUpdateThreshold()}.
         *
         * @throws IllegalArgumentException unless positive
         */
        public Builder windowUpdateThreshold(int bytes) {
            this.windowUpdateThreshold = positive("windowUpdateThreshold", bytes);
            return this;
        }

        /** Sets {@link Http2Options#receiveWindowRelease()}. */
        public Builder receiveWindowRelease(ReceiveWindow.Release release) {
            this.receiveWindowRelease = Objects.requireNonNull(release, "receiveWindowRelease");
            return this;
        }

        /**
         * Sets {@link Http2Options#maxHeaderBlockSize()} instead of deriving it from the advertised
         * SETTINGS_MAX_HEADER_LIST_SIZE.
         *
         * @throws IllegalArgumentException unless positive ({@link #build()} also checks it against the advertised
         *     MAX_HEADER_LIST_SIZE)
         */
        public Builder maxHeaderBlockSize(int bytes) {
            this.maxHeaderBlockSize = positive("maxHeaderBlockSize", bytes);
            return this;
        }

        /**
         * Sets {@link Http2Options#maxContinuationFrames()} instead of deriving it from the header block cap.
         *
         * @throws IllegalArgumentException if negative ({@link #build()} also checks that it carries the advertised
         *     MAX_HEADER_LIST_SIZE in frames of the minimum size, 16 KiB)
         */
        public Builder maxContinuationFrames(int frames) {
            if (frames < 0) {
                throw new IllegalArgumentException("maxContinuationFrames must not be negative, got " + frames);
            }
            this.maxContinuationFrames = frames;
            return this;
        }

        /**
         * Sets {@link Http2Options#floodWindow()}.
         *
         * @throws IllegalArgumentException unless a positive duration
         */
        public Builder floodWindow(Duration window) {
            if (window == null || window.isNegative() || window.isZero()) {
                throw new IllegalArgumentException("floodWindow must be a positive duration, got " + window);
            }
            this.floodWindow = window;
            return this;
        }

        /**
         * Sets {@link Http2Options#maxPingsPerWindow()}.
         *
         * @throws IllegalArgumentException unless positive
         */
        public Builder maxPingsPerWindow(int count) {
            this.maxPingsPerWindow = positive("maxPingsPerWindow", count);
            return this;
        }

        /**
         * Sets {@link Http2Options#maxSettingsPerWindow()}.
         *
         * @throws IllegalArgumentException unless positive
         */
        public Builder maxSettingsPerWindow(int count) {
            this.maxSettingsPerWindow = positive("maxSettingsPerWindow", count);
            return this;
        }

        /**
         * Sets {@link Http2Options#maxEmptyFramesPerWindow()}.
         *
         * @throws IllegalArgumentException unless positive
         */
        public Builder maxEmptyFramesPerWindow(int count) {
            this.maxEmptyFramesPerWindow = positive("maxEmptyFramesPerWindow", count);
            return this;
        }

        /**
         * Sets {@link Http2Options#maxClosedStreamFramesPerWindow()}.
         *
         * @throws IllegalArgumentException unless positive
         */
        public Builder maxClosedStreamFramesPerWindow(int count) {
            this.maxClosedStreamFramesPerWindow = positive("maxClosedStreamFramesPerWindow", count);
            return this;
        }

        /**
         * Sets {@link Http2Options#outputHighWaterMark()}.
         *
         * @throws IllegalArgumentException unless positive
         */
        public Builder outputHighWaterMark(int bytes) {
            this.outputHighWaterMark = positive("outputHighWaterMark", bytes);
            return this;
        }

        /**
         * Sets {@link Http2Options#maxQueuedOutput()}.
         *
         * @throws IllegalArgumentException unless positive ({@link #build()} also checks it against the high-water
         *     mark)
         */
        public Builder maxQueuedOutput(int bytes) {
            this.maxQueuedOutput = positive("maxQueuedOutput", bytes);
            return this;
        }

        /** The flood budgets' time source, e.g. a test clock; {@link System#nanoTime()} units. */
        public Builder nanoClock(LongSupplier clock) {
            this.nanoClock = Objects.requireNonNull(clock, "nanoClock");
            return this;
        }

        /**
         * The options as set so far; the builder stays usable.
         *
         * @throws IllegalArgumentException if {@code maxQueuedOutput} is below {@code outputHighWaterMark}; if a set
         *     {@code maxHeaderBlockSize} is below the advertised MAX_HEADER_LIST_SIZE, or a set {@code
         *     maxContinuationFrames} cannot carry a header list of that size in frames of the minimum size, 16 KiB,
         *     which a server may send whatever MAX_FRAME_SIZE we advertise (RFC 9113 §4.2): a server keeping to what
         *     we advertise would end the connection with a flood error
         */
        public Http2Options build() {
            if (maxQueuedOutput < outputHighWaterMark) {
                throw new IllegalArgumentException(
                        "maxQueuedOutput " + maxQueuedOutput + " is below outputHighWaterMark " + outputHighWaterMark);
            }
            int listSize = clientSettings.maxHeaderListSize();
            if (maxHeaderBlockSize != null && maxHeaderBlockSize < listSize) {
                throw new IllegalArgumentException("maxHeaderBlockSize " + maxHeaderBlockSize
                        + " is below the advertised MAX_HEADER_LIST_SIZE " + listSize
                        + ": a header list the server may send would end the connection; raise it, or leave it unset"
                        + " to derive it (2 x MAX_HEADER_LIST_SIZE)");
            }
            // A server may send frames of the minimum size whatever MAX_FRAME_SIZE we advertise (§4.2).
            if (maxContinuationFrames != null
                    && (maxContinuationFrames + 1L) * Settings.MIN_MAX_FRAME_SIZE < listSize) {
                throw new IllegalArgumentException("maxContinuationFrames " + maxContinuationFrames
                        + " cannot carry the advertised MAX_HEADER_LIST_SIZE " + listSize
                        + " in frames of the minimum size " + Settings.MIN_MAX_FRAME_SIZE
                        + ", which a server may send whatever MAX_FRAME_SIZE we advertise (RFC 9113 §4.2); raise it,"
                        + " or leave it unset to derive it");
            }
            // §6.5.2 counts a header list decoded, plus 32 bytes per field; the compressed block of a list within
            // the limit is smaller unless the server uses Huffman codes longer than the bytes they stand for, so
            // twice the list size leaves ample room. The largest Java array bounds it.
            int blockSize = maxHeaderBlockSize != null
                    ? maxHeaderBlockSize
                    : (int) Math.max(
                            FrameDecoder.DEFAULT_MAX_HEADER_BLOCK_SIZE, Math.min(2L * listSize, Integer.MAX_VALUE - 8));
            // A server may split a block into frames of the minimum size whatever we advertise (§4.2).
            int continuations = maxContinuationFrames != null
                    ? maxContinuationFrames
                    : (int) Math.max(
                            FrameDecoder.DEFAULT_MAX_CONTINUATION_FRAMES,
                            (blockSize + (long) Settings.MIN_MAX_FRAME_SIZE - 1) / Settings.MIN_MAX_FRAME_SIZE - 1);
            return new Http2Options(this, blockSize, continuations);
        }

        private static int positive(String name, int value) {
            if (value <= 0) {
                throw new IllegalArgumentException(name + " must be positive, got " + value);
            }
            return value;
        }
    }
}
