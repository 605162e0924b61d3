package dev.finch;

import dev.finch.http.HttpHeaders;

/**
 * One piece of a streamed response, as {@link FinchClient#stream}, {@link FinchClient#streamWhile} and
 * {@link AsyncHandler} see it (Finch's {@code {:status, _} | {:headers, _} | {:data, _} | {:trailers, _}}). In order:
 * one {@link Status}, one {@link Headers}, any number of {@link Data}, at most one {@link Trailers}. Interim 1xx
 * responses are consumed by the client and not shown. Java 21+ callers can {@code switch} over it.
 */
public sealed interface StreamPart {
    /** The final status code. */
    record Status(int code) implements StreamPart {}

    /** The response header fields, names lowercase. */
    record Headers(HttpHeaders headers) implements StreamPart {}

    /** A piece of the body, as it arrived; the array is this part's own. */
    record Data(byte[] bytes) implements StreamPart {
        @Override
        public String toString() {
            return "Data[" + bytes.length + " bytes]";
        }
    }

    /** Trailer fields, after the body. */
    record Trailers(HttpHeaders headers) implements StreamPart {}
}
