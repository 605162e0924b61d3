package dev.finch.codec.http1;

import dev.finch.http.HttpProtocolException;
import dev.finch.http.HttpProtocolException.Reason;

/** The CRLF-terminated lines of a response, each with the reasons its faults are reported under. */
enum LineKind {
    STATUS_LINE("status line", Reason.INVALID_STATUS_LINE, Reason.STATUS_LINE_TOO_LONG),
    HEADER("header section", Reason.INVALID_HEADER, Reason.MAX_HEADER_LIST_SIZE_EXCEEDED),
    TRAILER("trailer section", Reason.INVALID_TRAILER, Reason.MAX_HEADER_LIST_SIZE_EXCEEDED),
    CHUNK_SIZE("chunk-size line", Reason.INVALID_CHUNK_SIZE, Reason.INVALID_CHUNK_SIZE);

    private final String text;
    private final Reason invalid;
    private final Reason tooLong;

    LineKind(String text, Reason invalid, Reason tooLong) {
        this.text = text;
        this.invalid = invalid;
        this.tooLong = tooLong;
    }

    /** A malformed line; the detail names the fault, this adds where it was. */
    HttpProtocolException invalid(String detail) {
        return new HttpProtocolException(invalid, detail + " in the " + text);
    }

    /** A line (or the section it belongs to) that would exceed {@code limit} bytes. */
    HttpProtocolException tooLong(int limit) {
        return new HttpProtocolException(tooLong, text + " exceeds the limit of " + limit + " bytes");
    }
}
