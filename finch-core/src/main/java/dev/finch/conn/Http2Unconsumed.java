package dev.finch.conn;

import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Data bytes handed out in parts and not yet reported consumed, per request: what holds the server's connection
 * window back with {@link dev.finch.codec.http2.ReceiveWindow.Release#ON_CONSUME} until the owner is done with them.
 * A request that ends with an Error (cancelled, reset, refused) will never be consumed, and its bytes would stay
 * charged to the connection window for ever, stalling every other stream: they are discarded instead, that is given
 * back at once, and later reports for that request are ignored. Not thread-safe; owned by the connection.
 */
final class Http2Unconsumed {
    /** How many discarded requests are remembered, so that a late {@code consumed} for one is ignored, not refused. */
    static final int DISCARDED_HISTORY = 1024;

    private final Map<RequestRef, Long> outstanding = new HashMap<>();
    private final Set<RequestRef> discarded = Collections.newSetFromMap(new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<RequestRef, Boolean> eldest) {
            return size() > DISCARDED_HISTORY;
        }
    });

    /** {@code bytes} of {@code ref}'s response went out in a Data part. */
    void handedOut(RequestRef ref, int bytes) {
        outstanding.merge(ref, (long) bytes, Long::sum);
    }

    /**
     * The owner consumed {@code bytes} of {@code ref}'s Data.
     *
     * @return how many bytes to credit back: {@code bytes}, or 0 for a request whose bytes were discarded
     * @throws IllegalArgumentException if {@code bytes} is negative or more than {@code ref} has outstanding
     */
    int consumed(RequestRef ref, int bytes) {
        long left = outstanding.getOrDefault(ref, 0L);
        if (bytes < 0 || (bytes > left && !discarded.contains(ref))) {
            throw new IllegalArgumentException(
                    "consumed " + bytes + " bytes of " + ref + ", which has " + left + " unconsumed");
        }
        if (left == 0) {
            return 0;
        }
        if (bytes >= left) {
            outstanding.remove(ref);
            return (int) left;
        }
        outstanding.put(ref, left - bytes);
        return bytes;
    }

    /**
     * {@code ref} ended without the owner wanting the rest of its bytes: forgets them.
     *
     * @return the bytes it had outstanding, to give back to the connection window now
     */
    int discard(RequestRef ref) {
        Long left = outstanding.remove(ref);
        if (left == null) {
            return 0;
        }
        discarded.add(ref);
        return (int) (long) left;
    }

    /** Bytes {@code ref} has outstanding, for tests. */
    long outstanding(RequestRef ref) {
        return outstanding.getOrDefault(ref, 0L);
    }
}
