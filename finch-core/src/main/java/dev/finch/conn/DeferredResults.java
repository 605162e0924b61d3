package dev.finch.conn;

import dev.finch.http.TransportException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Results that arose outside recv/stream (a write failed, a body was refused mid-stream) and are handed out by the
 * next call: parts first, then an error that no request could carry. Not thread-safe; owned by the connection.
 */
final class DeferredResults {
    private List<ResponsePart> parts;
    private IOException error;

    /** The list to add deferred parts to. */
    List<ResponsePart> parts() {
        if (parts == null) {
            parts = new ArrayList<>(2);
        }
        return parts;
    }

    /** Keeps {@code e} to be thrown by the next call, unless an earlier error waits already. */
    void error(IOException e) {
        if (error == null) {
            error = e;
        }
    }

    /**
     * At the start of recv/stream: the deferred parts, else the deferred error thrown, else CLOSED thrown for a closed
     * connection, else null (go on reading).
     */
    List<ResponsePart> takeOrThrow(boolean closed) throws IOException {
        if (parts != null) {
            List<ResponsePart> out = parts;
            parts = null;
            if (!out.isEmpty()) {
                return out;
            }
        }
        if (error != null) {
            IOException e = error;
            error = null;
            throw e;
        }
        if (closed) {
            throw new TransportException(TransportException.Reason.CLOSED, "connection is closed");
        }
        return null;
    }

    /**
     * At the end of recv/stream: {@code out} with any parts deferred meanwhile; the deferred error is thrown only if
     * there are no parts to return first (then the next call throws it).
     */
    List<ResponsePart> finish(List<ResponsePart> out) throws IOException {
        if (parts != null) {
            out.addAll(parts);
            parts = null;
        }
        if (error != null && out.isEmpty()) {
            IOException e = error;
            error = null;
            throw e;
        }
        return out;
    }
}
