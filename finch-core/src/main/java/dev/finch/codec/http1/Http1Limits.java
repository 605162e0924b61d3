package dev.finch.codec.http1;

/**
 * Bounds on everything an HTTP/1.1 peer controls. Exceeding one is a typed error and the connection is closed.
 *
 * <p>Each limit is checked as bytes arrive, so a peer that streams an endless line is stopped at the limit and the
 * decoder never holds more than the limit of a partial line.
 *
 * @param maxHeaderListSize bytes in the header section (status line excluded) and, separately, in trailers: every
 *     field line with its CRLF, obs-fold continuation lines included, the empty line that ends the section not
 * @param maxHeaderCount header fields in one header section or trailer section
 * @param maxStatusLineLength bytes in the status line, CRLF excluded
 * @param maxChunkSizeLineLength bytes in a chunk-size line with its extensions, CRLF excluded
 * @param maxInterimResponses 1xx responses before the final one
 */
public record Http1Limits(
        int maxHeaderListSize,
        int maxHeaderCount,
        int maxStatusLineLength,
        int maxChunkSizeLineLength,
        int maxInterimResponses) {

    /** 256 KiB of headers (Mint's default), 500 fields, 8 KiB status line, 4 KiB chunk line, 32 interim. */
    public static final Http1Limits DEFAULTS = new Http1Limits(256 * 1024, 500, 8 * 1024, 4 * 1024, 32);

    public Http1Limits {
        positive("maxHeaderListSize", maxHeaderListSize);
        positive("maxHeaderCount", maxHeaderCount);
        positive("maxStatusLineLength", maxStatusLineLength);
        positive("maxChunkSizeLineLength", maxChunkSizeLineLength);
        positive("maxInterimResponses", maxInterimResponses);
    }

    /**
     * These limits with another {@link #maxHeaderListSize()}.
     *
     * @throws IllegalArgumentException unless positive
     */
    public Http1Limits withMaxHeaderListSize(int bytes) {
        return new Http1Limits(bytes, maxHeaderCount, maxStatusLineLength, maxChunkSizeLineLength, maxInterimResponses);
    }

    private static void positive(String name, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + " must be positive, got " + value);
        }
    }
}
