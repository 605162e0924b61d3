package dev.finch.conn;

import dev.finch.http.HttpHeaders;
import dev.finch.http.HttpProtocolException;
import java.io.IOException;
import java.util.Objects;

/**
 * One piece of a response, as a connection hands it out. For each request the parts come in this order:
 *
 * <pre>
 *   (Status Headers)*            interim 1xx responses, zero or more (100 Continue, 103 Early Hints, ...)
 *   Status Headers               the final response
 *   Data*                        the body, as it arrives
 *   Trailers?                    trailer fields, if the server sent any
 *   Done | Error                 exactly one of these ends the request
 * </pre>
 *
 * An {@link Error} may end a request at any point after it was sent. {@link Pong} answers an HTTP/2 ping.
 * Java 21+ callers can {@code switch} over this sealed interface.
 */
public sealed interface ResponsePart {
    /** The request this part belongs to. */
    RequestRef ref();

    /** The status code of an interim (1xx) or final response. */
    record Status(RequestRef ref, int code) implements ResponsePart {
        /** Whether this is an interim (1xx) status: more Status parts follow. */
        public boolean isInformational() {
            return code >= 100 && code < 200;
        }
    }

    /** The header fields of the response whose {@link Status} came just before. Names are lowercase. */
    record Headers(RequestRef ref, HttpHeaders headers) implements ResponsePart {}

    /**
     * A piece of the body. The array is this part's own; pieces follow the wire, so a body may come in many parts.
     */
    record Data(RequestRef ref, byte[] bytes) implements ResponsePart {
        @Override
        public String toString() {
            return "Data[ref=" + ref + ", " + bytes.length + " bytes]";
        }
    }

    /** Trailer fields sent after the body (HTTP/1 chunked trailers or an HTTP/2 trailing HEADERS). */
    record Trailers(RequestRef ref, HttpHeaders headers) implements ResponsePart {}

    /** The response is complete. */
    record Done(RequestRef ref) implements ResponsePart {}

    /**
     * The request failed; no more parts follow for it. The error is a {@link dev.finch.http.HttpProtocolException} or
     * a {@link dev.finch.http.TransportException}; ask the connection whether it can still be used.
     */
    record Error(RequestRef ref, IOException error) implements ResponsePart {
        public Error {
            Objects.requireNonNull(error, "error");
        }

        /**
         * Whether the server certainly did not process the request, so that sending it again (on another
         * connection) is safe whatever its method: an HTTP/2 stream above the server's GOAWAY last-stream-id, or one
         * the server refused with REFUSED_STREAM (RFC 9113 §8.7). Both carry reason {@code UNPROCESSED}.
         */
        public boolean isRetrySafe() {
            return error instanceof HttpProtocolException p && p.reason() == HttpProtocolException.Reason.UNPROCESSED;
        }
    }

    /** The answer to an HTTP/2 ping; {@code ref} is what {@code ping} returned. */
    record Pong(RequestRef ref) implements ResponsePart {}
}
