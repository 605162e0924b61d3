package dev.finch.pool;

/**
 * The states of an HTTP/2 pool connection (Finch's HTTP/2 pool state machine), with the transitions allowed between
 * them. See {@link Http2Driver} for what each state means for requests.
 *
 * <pre>
 * DISCONNECTED ──connect──▶ CONNECTING ──SETTINGS (or at once)──▶ CONNECTED ──GOAWAY, age, pong lost──▶ READ_ONLY
 *      ▲                        │                                     │                                    │
 *      └──────failed (backoff)──┘◀────────────closed or failed────────┘◀──────last stream ended───────────┘
 * </pre>
 */
enum Http2State {
    DISCONNECTED("disconnected"),
    CONNECTING("connecting"),
    CONNECTED("connected"),
    READ_ONLY("read_only");

    private final String id;

    Http2State(String id) {
        this.id = id;
    }

    /** Finch's name for the state, as metrics report it. */
    String id() {
        return id;
    }

    /** Whether the diagram allows going to {@code to}; anything else is a bug. */
    boolean canGo(Http2State to) {
        return switch (this) {
            case DISCONNECTED -> to == CONNECTING;
            case CONNECTING -> to == CONNECTED || to == DISCONNECTED;
            case CONNECTED -> to == READ_ONLY || to == DISCONNECTED;
            case READ_ONLY -> to == DISCONNECTED;
        };
    }
}
