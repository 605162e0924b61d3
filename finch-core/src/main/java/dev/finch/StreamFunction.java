package dev.finch;

import java.io.IOException;

/**
 * Folds the parts of a response into an accumulator, for {@link FinchClient#stream} (Finch's {@code stream/5}
 * function). Runs on the thread that called {@code stream}; what it throws ends the request and is rethrown.
 */
@FunctionalInterface
public interface StreamFunction<A> {
    /** Returns the accumulator after {@code part}. */
    A apply(StreamPart part, A acc) throws IOException;
}
