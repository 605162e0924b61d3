package dev.finch.conn;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The streams of one connection: the live ones by id and by request, the next id to use, and a bounded memory of
 * streams that closed recently, so that late frames on them can be told from frames on idle streams and from
 * floods (RFC 9113 §5.1). Not thread-safe.
 */
final class Http2Streams {
    /** How many closed streams are remembered; older ones count as "closed long ago". */
    static final int CLOSED_HISTORY = 1024;

    /** How a remembered stream closed. */
    enum Closed {
        /** Both sides ended it, or the server reset it: late frames other than WINDOW_UPDATE/RST_STREAM are errors. */
        NORMALLY,
        /** We reset it: §5.1 lets the server's frames already in flight arrive; they are ignored. */
        RESET_BY_US
    }

    private final Map<Integer, Http2Stream> byId = new HashMap<>();
    private final Map<RequestRef, Http2Stream> byRef = new HashMap<>();
    private final LinkedHashMap<Integer, Closed> recentlyClosed = new LinkedHashMap<>(64, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Integer, Closed> eldest) {
            return size() > CLOSED_HISTORY;
        }
    };
    /** The next client stream id (§5.1.1: odd, increasing); negative once the id space is used up. */
    private int nextId = 1;

    private int highestOpened;

    /** Whether another stream can be opened: ids are left (§5.1.1: they may not be reused). */
    boolean idsLeft() {
        return nextId > 0;
    }

    /** Reserves the next stream id. */
    int allocateId() {
        if (!idsLeft()) {
            throw new IllegalStateException("stream ids exhausted");
        }
        int id = nextId;
        nextId += 2; // overflows to a negative number after 2^31-1
        highestOpened = id;
        return id;
    }

    /** For tests: starts numbering at {@code id} (odd). */
    void skipTo(int id) {
        nextId = id;
    }

    void add(Http2Stream s) {
        byId.put(s.id, s);
        byRef.put(s.ref, s);
    }

    Http2Stream get(int id) {
        return byId.get(id);
    }

    Http2Stream get(RequestRef ref) {
        return ref == null ? null : byRef.get(ref);
    }

    /** Forgets a stream that closed, remembering how. */
    void remove(Http2Stream s, Closed how) {
        byId.remove(s.id);
        byRef.remove(s.ref);
        recentlyClosed.put(s.id, how);
    }

    /** Live streams: the requests in flight, all of which count toward MAX_CONCURRENT_STREAMS (§5.1.2). */
    int size() {
        return byId.size();
    }

    boolean isEmpty() {
        return byId.isEmpty();
    }

    /** A copy of the live streams, in no particular order. */
    List<Http2Stream> all() {
        return new ArrayList<>(byId.values());
    }

    /**
     * Whether {@code id} names a stream in the idle state (§5.1): one we never opened. With push disabled the server
     * opens none, so every even id is idle, as is every odd id above the last we used.
     */
    boolean isIdle(int id) {
        return id % 2 == 0 || id > highestOpened;
    }

    /** How a closed stream closed, or null if it closed too long ago to remember. */
    Closed howClosed(int id) {
        return recentlyClosed.get(id);
    }

    /** The highest stream id we opened, 0 if none. */
    int highestOpened() {
        return highestOpened;
    }
}
