package dev.finch.bench.load;

/**
 * One HTTP client under test, configured for one protocol and one concurrency: the load harness calls it from {@code
 * concurrency} worker threads at once. Every call reads the whole response body and discards it, and returns how many
 * body bytes it read (the harness checks the count); a status other than 200 is an exception.
 */
interface BenchClient extends AutoCloseable {
    /** GET {@code path}; returns the body length read. */
    long get(String path) throws Exception;

    /** POST {@code body} (application/octet-stream, not modified) to {@code path}; returns the body length read. */
    long post(String path, byte[] body) throws Exception;

    /** Releases connections and threads. */
    @Override
    void close() throws Exception;

    /** A status other than 200. */
    final class BadStatus extends Exception {
        private static final long serialVersionUID = 1L;

        BadStatus(int status) {
            super("status " + status, null, false, false);
        }
    }
}
