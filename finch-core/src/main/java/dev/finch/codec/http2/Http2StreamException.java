package dev.finch.codec.http2;

import dev.finch.http.HttpProtocolException;
import java.util.Objects;

/**
 * A stream error (RFC 9113 §5.4.2): one stream is unusable, the connection carries on. The owner sends RST_STREAM on
 * {@link #streamId()} with {@link #errorCode()} and fails that stream's request.
 *
 * <p>Distinct from {@link Http2ConnectionException}: neither extends the other.
 */
public final class Http2StreamException extends HttpProtocolException {
    private static final long serialVersionUID = 1L;

    private final int streamId;
    private final ErrorCode errorCode;

    /** A stream error whose reason follows from the code ({@link #reasonFor}). */
    public Http2StreamException(int streamId, ErrorCode errorCode, String detail) {
        this(streamId, errorCode, reasonFor(errorCode), detail);
    }

    /** A stream error with an explicit reason, e.g. INVALID_HEADER for a malformed response (§8.1.1). */
    public Http2StreamException(int streamId, ErrorCode errorCode, Reason reason, String detail) {
        super(reason, detail);
        if (streamId <= 0) {
            throw new IllegalArgumentException("a stream error needs a stream, not " + streamId);
        }
        this.streamId = streamId;
        this.errorCode = Objects.requireNonNull(errorCode, "errorCode");
    }

    /** The stream to reset. */
    public int streamId() {
        return streamId;
    }

    /** The code to send in RST_STREAM. */
    public ErrorCode errorCode() {
        return errorCode;
    }

    @Override
    public String getMessage() {
        return super.getMessage() + " (stream error " + errorCode + " on stream " + streamId + ")";
    }

    /** The {@link Reason} that names an error code best; codes without their own reason read as PROTOCOL_ERROR. */
    static Reason reasonFor(ErrorCode code) {
        return switch (code) {
            case COMPRESSION_ERROR -> Reason.COMPRESSION_ERROR;
            case FRAME_SIZE_ERROR -> Reason.FRAME_SIZE_ERROR;
            case FLOW_CONTROL_ERROR -> Reason.FLOW_CONTROL_ERROR;
            case ENHANCE_YOUR_CALM -> Reason.ENHANCE_YOUR_CALM;
            default -> Reason.PROTOCOL_ERROR;
        };
    }

    /**
     * A stream error on {@code streamId}, or a connection error if it is 0: several rules (§6.9 WINDOW_UPDATE,
     * §6.9.1 window overflow) are stream errors on a stream and connection errors on the connection.
     */
    static HttpProtocolException onStreamOrConnection(int streamId, ErrorCode code, String detail) {
        return streamId == 0
                ? new Http2ConnectionException(code, detail)
                : new Http2StreamException(streamId, code, detail);
    }
}
