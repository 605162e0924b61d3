package dev.finch.conn;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Names one request (or one ping) on a connection. Compared by identity; {@link #id()} is unique in this JVM and is
 * there for logs.
 */
public final class RequestRef {
    private static final AtomicLong NEXT = new AtomicLong();

    private final long id = NEXT.incrementAndGet();

    RequestRef() {}

    /** A JVM-unique number, for logs. */
    public long id() {
        return id;
    }

    @Override
    public String toString() {
        return "#" + id;
    }
}
