package dev.finch;

import dev.finch.http.HttpHeaders;

/**
 * Runs around every request a {@link FinchClient} sends: {@link #intercept} on the calling thread before the request
 * goes out, where it may add, replace or remove header fields, and the {@link Completion} it returns once the request
 * has ended. This is the hook for tracing and observation: an interceptor can start a span with the caller's context,
 * put its propagation headers ({@code traceparent}, say) on the request, and end the span with the status or the
 * error.
 *
 * <p>When each part runs:
 *
 * <ul>
 *   <li>{@code request}, {@code stream}, {@code streamWhile}: both on the calling thread; the completion before the
 *       call returns or throws.
 *   <li>{@code asyncRequest}, {@code requestAsync}: {@code intercept} on the thread that submits the request, so that
 *       whatever the caller has in thread-local context (the current span or observation) is the parent; the
 *       completion on the thread where the request ends (an async executor thread, or the thread that cancelled a
 *       request before it started), before the {@link AsyncHandler} or the future hears of it.
 * </ul>
 *
 * <p>Interceptors run in the order they were added to the {@link FinchClient.Builder}, each seeing the headers the
 * ones before it left; completions run in the reverse order, each exactly once. What {@code intercept} throws fails
 * the call on the calling thread (before anything is sent; interceptors already run are completed with that error).
 * What a completion throws (short of a {@link VirtualMachineError}) is swallowed: the request has ended and its
 * outcome stands.
 *
 * <p>The interceptor must be thread-safe: one instance serves every request of the client, concurrently.
 */
@FunctionalInterface
public interface RequestInterceptor {
    /**
     * Called before {@code request} is sent, on the calling thread.
     *
     * @param request the request as the caller built it (its headers are the ones before any interceptor ran)
     * @param headers the header fields that will be sent, to change in place; the request goes out with what this
     *     builder holds when the last interceptor returns
     * @return what to tell when the request ends, or {@link Completion#NONE}
     */
    Completion intercept(Request request, HttpHeaders.Builder headers);

    /** Told how one request ended, once. */
    @FunctionalInterface
    interface Completion {
        /** A completion that does nothing. */
        Completion NONE = (status, error) -> {};

        /**
         * The request ended.
         *
         * @param status the final response status, or 0 if none arrived (the request failed before it)
         * @param error null if the request succeeded (a {@code streamWhile} halt is a success); otherwise what the
         *     call throws or the async handler gets: an {@link java.io.IOException} (a
         *     {@link dev.finch.pool.FinchException} with reason {@code CANCELLED} for a cancelled request), or what
         *     a stream function threw
         */
        void onComplete(int status, Throwable error);
    }
}
