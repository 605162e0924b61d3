package dev.finch;

import java.io.IOException;

/**
 * Receives the parts of an {@link FinchClient#asyncRequest asynchronous request} (Finch's messages to the caller):
 * {@link #onPart} for the status, headers, body pieces and trailers in order, then exactly one of {@link #onComplete}
 * or {@link #onError}. Calls come one at a time from the client's async executor thread, never concurrently; only a
 * request cancelled before it started gets its {@code onError} on the thread that cancelled it.
 *
 * <p>After {@link FinchClient#cancel(AsyncRef)}, at most the part being delivered at that moment still arrives, then
 * {@code onError} with a {@link dev.finch.pool.FinchException} of reason {@code CANCELLED}. What a handler method throws
 * cancels the request; the exception goes to {@code onError}.
 */
public interface AsyncHandler {
    /** A status, headers, data or trailers part. */
    void onPart(StreamPart part) throws IOException;

    /** The response ended normally. */
    void onComplete();

    /**
     * The request failed or was cancelled: a {@link dev.finch.pool.FinchException}, a
     * {@link dev.finch.http.TransportException} or a {@link dev.finch.http.HttpProtocolException}.
     */
    void onError(IOException error);
}
