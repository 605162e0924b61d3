package dev.finch;

/**
 * What a {@link StreamWhileFunction} answers: go on with the accumulator, or halt (Finch's {@code {:cont, acc}} and
 * {@code {:halt, acc}}). Halting cancels the rest of the response; on HTTP/1 it closes the connection, on HTTP/2 it
 * resets the stream.
 *
 * @param acc the accumulator
 * @param halted whether to stop
 */
public record Step<A>(A acc, boolean halted) {
    /** Go on. */
    public static <A> Step<A> cont(A acc) {
        return new Step<>(acc, false);
    }

    /** Stop here; {@code streamWhile} returns {@code acc}. */
    public static <A> Step<A> halt(A acc) {
        return new Step<>(acc, true);
    }
}
