package dev.finch.pool;

import dev.finch.conn.Http2Connection;
import java.nio.channels.SelectionKey;

/**
 * One connection of an HTTP/2 shard and where it stands: its state, its selection key, when it opened and when it
 * must drain. Touched by the shard's connection thread only.
 */
final class PooledHttp2Connection {
    final Http2Connection http2;
    final SelectionKey key;
    /** Ticker time it opened. */
    final long openedAt;
    /** The server settings it started with: a different object once the server's SETTINGS arrived. */
    final Object settingsAtOpen;
    /** Ticker time it reaches maxConnectionAge (plus jitter), or MAX_VALUE. */
    long ageDeadline = Long.MAX_VALUE;
    /** Whether a response started on it: it was of use, so its end is no sign of a server turning us away. */
    boolean served;

    Http2State state = Http2State.CONNECTING;

    PooledHttp2Connection(Http2Connection http2, SelectionKey key, long openedAt) {
        this.http2 = http2;
        this.key = key;
        this.openedAt = openedAt;
        this.settingsAtOpen = http2.serverSettings();
    }

    /**
     * Moves to {@code to}.
     *
     * @throws IllegalStateException for a transition the state machine does not have (a bug)
     */
    void go(Http2State to) {
        if (!state.canGo(to)) {
            throw new IllegalStateException("HTTP/2 connection cannot go from " + state + " to " + to);
        }
        state = to;
    }
}
