package dev.finch.pool;

import dev.finch.conn.HttpConnection;

/**
 * An HTTP/1 connection checked out of an {@link Http1Shard}: the caller's thread owns it and drives it in passive
 * mode until it hands it back with {@link Http1Shard#checkin} or {@link Http1Shard#discard}. One object per
 * connection, reused for each checkout, so a checkout allocates nothing.
 */
public final class PooledConnection {
    final Http1Shard shard;
    final HttpConnection connection;
    /** Ticker time of the last checkin; idle time is measured from it. */
    long lastUsed;
    /** How long the connection sat idle before this checkout (0 when fresh). */
    long idleNanos;
    /** Requests served before this checkout. */
    int uses;

    PooledConnection(Http1Shard shard, HttpConnection connection, long now) {
        this.shard = shard;
        this.connection = connection;
        this.lastUsed = now;
    }

    /** The connection, owned by the thread that checked it out. */
    public HttpConnection connection() {
        return connection;
    }

    /** Whether the connection served a request before this checkout. */
    public boolean reused() {
        return uses > 0;
    }

    /** How long the connection sat idle before this checkout, in nanoseconds (0 for a fresh one). */
    public long idleNanos() {
        return idleNanos;
    }

    /** The shard it belongs to. */
    public Http1Shard shard() {
        return shard;
    }
}
