package dev.finch.conn;

import dev.finch.codec.http2.Settings;
import java.util.ArrayDeque;
import java.util.Iterator;

/**
 * The connection-level exchanges that span a round trip: our SETTINGS waiting for acknowledgement (§6.5.3), the
 * server's settings as they stand, and our PINGs waiting for their answer (§6.7). Not thread-safe.
 */
final class Http2Control {
    /**
     * What we assume of the server until its SETTINGS arrive (Mint's choice): the RFC's initial values, except at
     * most 100 concurrent streams instead of "unlimited" (§6.5.2 recommends no fewer than 100).
     */
    static final Settings ASSUMED_SERVER_SETTINGS =
            Settings.builder().set(Settings.MAX_CONCURRENT_STREAMS, 100).build();

    private Settings server = ASSUMED_SERVER_SETTINGS;
    private boolean serverSettingsReceived;
    private Settings client = Settings.EMPTY;
    private final ArrayDeque<Settings> unacknowledged = new ArrayDeque<>();
    private final ArrayDeque<Ping> pings = new ArrayDeque<>();

    private record Ping(RequestRef ref, long payload) {}

    /** The server's settings as they stand (assumed values until its first SETTINGS). */
    Settings server() {
        return server;
    }

    boolean serverSettingsReceived() {
        return serverSettingsReceived;
    }

    /**
     * Applies a SETTINGS frame from the server. Its first SETTINGS replaces the assumptions: from then on a setting
     * it never sent has the RFC's initial value.
     *
     * @return the settings before the change
     */
    Settings applyServer(Settings update) {
        Settings before = server;
        server = (serverSettingsReceived ? server : Settings.EMPTY).merge(update);
        serverSettingsReceived = true;
        return before;
    }

    /** Our settings the server has acknowledged (RFC initial values for those never sent). */
    Settings client() {
        return client;
    }

    /** We sent {@code settings}; they apply once acknowledged. */
    void sent(Settings settings) {
        unacknowledged.addLast(settings);
    }

    /**
     * The server acknowledged our oldest unacknowledged SETTINGS (§6.5.3: in order).
     *
     * @return the settings that now apply, or null if none were waiting (a stray ACK)
     */
    Settings acknowledged() {
        Settings applied = unacknowledged.pollFirst();
        if (applied != null) {
            client = client.merge(applied);
        }
        return applied;
    }

    /**
     * How far the stream windows will grow once every SETTINGS we sent is acknowledged, at the highest point: the
     * largest INITIAL_WINDOW_SIZE sent and not yet acknowledged, less the one in force; 0 if none is higher.
     */
    long pendingInitialWindowGrowth() {
        long growth = 0;
        for (Settings s : unacknowledged) {
            if (s.isSet(Settings.INITIAL_WINDOW_SIZE)) {
                growth = Math.max(growth, (long) s.initialWindowSize() - client.initialWindowSize());
            }
        }
        return growth;
    }

    /** SETTINGS frames sent and not yet acknowledged. */
    int unacknowledgedCount() {
        return unacknowledged.size();
    }

    /** We sent a PING. */
    void pingSent(RequestRef ref, long payload) {
        pings.addLast(new Ping(ref, payload));
    }

    /**
     * A PING ACK arrived: the oldest of our pings with that payload is answered.
     *
     * @return its reference, or null if no ping of ours carries that payload
     */
    RequestRef pongReceived(long payload) {
        for (Iterator<Ping> it = pings.iterator(); it.hasNext(); ) {
            Ping p = it.next();
            if (p.payload == payload) {
                it.remove();
                return p.ref;
            }
        }
        return null;
    }
}
