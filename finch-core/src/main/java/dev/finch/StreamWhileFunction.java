package dev.finch;

import java.io.IOException;

/**
 * Folds the parts of a response into an accumulator until it halts, for {@link FinchClient#streamWhile} (Finch's
 * {@code stream_while/5} function). Runs on the thread that called {@code streamWhile}; what it throws ends the
 * request and is rethrown.
 */
@FunctionalInterface
public interface StreamWhileFunction<A> {
    /** Returns {@link Step#cont} to go on or {@link Step#halt} to stop, with the accumulator. */
    Step<A> apply(StreamPart part, A acc) throws IOException;
}
