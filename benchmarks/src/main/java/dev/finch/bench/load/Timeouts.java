package dev.finch.bench.load;

import java.time.Duration;

/** The same timeouts for every client. None should fire in a healthy run; they bound a broken one. */
final class Timeouts {
    /** TCP connect. */
    static final Duration CONNECT = Duration.ofSeconds(5);
    /** Waiting for response bytes (read / response / idle timeout, whichever the client has). */
    static final Duration RESPONSE = Duration.ofSeconds(30);

    private Timeouts() {}
}
