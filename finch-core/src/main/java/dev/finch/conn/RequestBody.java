package dev.finch.conn;

import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * The body given to {@link HttpConnection#request}: none, bytes, or streamed later with
 * {@link HttpConnection#streamRequestBody} and {@link HttpConnection#endRequestBody}.
 */
public sealed interface RequestBody {
    /** No body: no content-length is added (GET, HEAD, DELETE ...). */
    static RequestBody none() {
        return None.INSTANCE;
    }

    /** These bytes; content-length is added unless the caller gave framing headers. The array is not copied. */
    static RequestBody of(byte[] bytes) {
        return new Bytes(ByteBuffer.wrap(bytes));
    }

    /** The remaining bytes of this buffer, which must not change until the request is sent. */
    static RequestBody of(ByteBuffer bytes) {
        return new Bytes(bytes.slice());
    }

    /**
     * A body streamed after the request line and headers are sent. With a content-length header from the caller the
     * body is sent as is; without one it is sent chunked (HTTP/1.1), and trailers may end it.
     */
    static RequestBody streaming() {
        return Streaming.INSTANCE;
    }

    /** No body. */
    enum None implements RequestBody {
        INSTANCE
    }

    /** A body whose bytes are all known now. */
    record Bytes(ByteBuffer buffer) implements RequestBody {
        public Bytes {
            Objects.requireNonNull(buffer, "buffer");
        }

        /** The body length. */
        public int length() {
            return buffer.remaining();
        }
    }

    /** A body to be streamed. */
    enum Streaming implements RequestBody {
        INSTANCE
    }
}
