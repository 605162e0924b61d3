package dev.finch.codec.http2;

import dev.finch.http.HttpProtocolException;
import java.util.Objects;

/**
 * A connection error (RFC 9113 §5.4.1): the whole connection is unusable. The owner sends GOAWAY with
 * {@link #errorCode()} and closes the connection; every stream in flight fails.
 *
 * <p>Distinct from {@link Http2StreamException}, which ends only one stream. Neither extends the other, so a
 * {@code catch} can never confuse them.
 */
public final class Http2ConnectionException extends HttpProtocolException {
    private static final long serialVersionUID = 1L;

    private final ErrorCode errorCode;

    /** A connection error whose reason follows from the code ({@link Http2StreamException#reasonFor}). */
    public Http2ConnectionException(ErrorCode errorCode, String detail) {
        this(errorCode, Http2StreamException.reasonFor(errorCode), detail, null);
    }

    /** A connection error with an explicit reason, e.g. MAX_HEADER_LIST_SIZE_EXCEEDED with ENHANCE_YOUR_CALM. */
    public Http2ConnectionException(ErrorCode errorCode, Reason reason, String detail, Throwable cause) {
        super(reason, detail, cause);
        this.errorCode = Objects.requireNonNull(errorCode, "errorCode");
    }

    /** The code to send in GOAWAY. */
    public ErrorCode errorCode() {
        return errorCode;
    }

    @Override
    public String getMessage() {
        return super.getMessage() + " (connection error " + errorCode + ")";
    }
}
