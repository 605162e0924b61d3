package dev.finch.codec.http1;

import dev.finch.http.HttpHeaders;
import java.nio.ByteBuffer;

/**
 * Receives what {@link Http1Decoder} decodes, in wire order, for the response at the head of its queue:
 * {@code (status headers)* status headers data* trailers? done}.
 */
public interface Http1ResponseHandler {
    /** A status line: interim (1xx other than 101) or final. */
    void status(int code);

    /** The header section that followed the last status line; names lowercase. */
    void headers(HttpHeaders headers);

    /**
     * Body bytes as they arrive. The buffer is a view of the decoder's input, valid only during this call: copy what
     * you keep.
     */
    void data(ByteBuffer data);

    /** Trailer fields after a chunked body; names lowercase. Not called when there were none. */
    void trailers(HttpHeaders trailers);

    /**
     * The response ended.
     *
     * @param keepAlive whether the connection may carry more responses; {@code false} after {@code connection:
     *     close}, an HTTP/1.0 response without keep-alive (or with Transfer-Encoding, RFC 9112 §6.1), a
     *     close-delimited body, 101, or a 2xx to CONNECT (the connection is now a tunnel: see {@link
     *     Http1Decoder#decode} for where its bytes start)
     */
    void done(boolean keepAlive);
}
