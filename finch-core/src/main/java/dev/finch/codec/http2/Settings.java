package dev.finch.codec.http2;

/**
 * An immutable set of HTTP/2 settings (RFC 9113 §6.5.2): the parameters one SETTINGS frame carries, or the
 * accumulated settings of one endpoint. Each of the six identifiers is either set or absent; {@link #get(int)} falls
 * back to the RFC's initial value for an absent one.
 *
 * <p>Values are unsigned 32-bit numbers on the wire. HEADER_TABLE_SIZE, MAX_CONCURRENT_STREAMS and
 * MAX_HEADER_LIST_SIZE may exceed {@code Integer.MAX_VALUE}; such values are clamped to {@code Integer.MAX_VALUE}
 * ("unlimited" for every practical purpose) so that all values fit an {@code int}. The other three have ranges that
 * fit by their validation rules.
 */
public final class Settings {
    /** SETTINGS_HEADER_TABLE_SIZE: the largest HPACK dynamic table the sender's decoder accepts. */
    public static final int HEADER_TABLE_SIZE = 0x1;
    /** SETTINGS_ENABLE_PUSH: 0 or 1; whether the sender accepts PUSH_PROMISE. */
    public static final int ENABLE_PUSH = 0x2;
    /** SETTINGS_MAX_CONCURRENT_STREAMS: how many streams the sender lets its peer open. */
    public static final int MAX_CONCURRENT_STREAMS = 0x3;
    /** SETTINGS_INITIAL_WINDOW_SIZE: the sender's initial stream receive window. */
    public static final int INITIAL_WINDOW_SIZE = 0x4;
    /** SETTINGS_MAX_FRAME_SIZE: the largest frame payload the sender accepts. */
    public static final int MAX_FRAME_SIZE = 0x5;
    /** SETTINGS_MAX_HEADER_LIST_SIZE: advisory limit on the field sections the sender accepts. */
    public static final int MAX_HEADER_LIST_SIZE = 0x6;

    /** The initial (and smallest) SETTINGS_MAX_FRAME_SIZE: 2^14. */
    public static final int MIN_MAX_FRAME_SIZE = 16_384;
    /** The largest allowed SETTINGS_MAX_FRAME_SIZE: 2^24-1. */
    public static final int MAX_MAX_FRAME_SIZE = 16_777_215;
    /** The largest flow-control window and INITIAL_WINDOW_SIZE: 2^31-1 (§6.9.1). */
    public static final int MAX_WINDOW_SIZE = Integer.MAX_VALUE;
    /** The initial flow-control window of streams and of the connection: 2^16-1 (§6.9.2). */
    public static final int DEFAULT_INITIAL_WINDOW_SIZE = 65_535;
    /** The initial HPACK dynamic table size: 4096 (§6.5.2). */
    public static final int DEFAULT_HEADER_TABLE_SIZE = 4096;

    /** No settings: every {@link #get(int)} answers the RFC's initial value. */
    public static final Settings EMPTY = new Settings(new int[7], 0);

    // The RFC's initial values, indexed by identifier; "unlimited" is Integer.MAX_VALUE.
    private static final int[] DEFAULTS = {
        0,
        DEFAULT_HEADER_TABLE_SIZE,
        1,
        Integer.MAX_VALUE,
        DEFAULT_INITIAL_WINDOW_SIZE,
        MIN_MAX_FRAME_SIZE,
        Integer.MAX_VALUE
    };

    private static final String[] NAMES = {
        "",
        "HEADER_TABLE_SIZE",
        "ENABLE_PUSH",
        "MAX_CONCURRENT_STREAMS",
        "INITIAL_WINDOW_SIZE",
        "MAX_FRAME_SIZE",
        "MAX_HEADER_LIST_SIZE"
    };

    private final int[] values; // indexed by identifier 1..6
    private final int setMask; // bit i is set when identifier i is present

    private Settings(int[] values, int setMask) {
        this.values = values;
        this.setMask = setMask;
    }

    /** A builder for a new set of settings. */
    public static Builder builder() {
        return new Builder(new int[7], 0);
    }

    /** Whether {@code id} is a setting RFC 9113 §6.5.2 defines (1..6); others are ignored on receipt. */
    public static boolean isKnown(int id) {
        return id >= HEADER_TABLE_SIZE && id <= MAX_HEADER_LIST_SIZE;
    }

    /** The initial value RFC 9113 §6.5.2 gives {@code id}. */
    public static int defaultValue(int id) {
        checkKnown(id);
        return DEFAULTS[id];
    }

    /** Whether this set carries a value for {@code id}. */
    public boolean isSet(int id) {
        checkKnown(id);
        return (setMask & (1 << id)) != 0;
    }

    /** The value of {@code id}, or its RFC initial value when absent. */
    public int get(int id) {
        return isSet(id) ? values[id] : DEFAULTS[id];
    }

    /** How many identifiers are set. */
    public int size() {
        return Integer.bitCount(setMask);
    }

    /** SETTINGS_HEADER_TABLE_SIZE, or 4096. */
    public int headerTableSize() {
        return get(HEADER_TABLE_SIZE);
    }

    /** Whether SETTINGS_ENABLE_PUSH is 1 (the default). */
    public boolean enablePush() {
        return get(ENABLE_PUSH) == 1;
    }

    /** SETTINGS_MAX_CONCURRENT_STREAMS, or {@code Integer.MAX_VALUE} (unlimited). */
    public int maxConcurrentStreams() {
        return get(MAX_CONCURRENT_STREAMS);
    }

    /** SETTINGS_INITIAL_WINDOW_SIZE, or 65,535. */
    public int initialWindowSize() {
        return get(INITIAL_WINDOW_SIZE);
    }

    /** SETTINGS_MAX_FRAME_SIZE, or 16,384. */
    public int maxFrameSize() {
        return get(MAX_FRAME_SIZE);
    }

    /** SETTINGS_MAX_HEADER_LIST_SIZE, or {@code Integer.MAX_VALUE} (unlimited). */
    public int maxHeaderListSize() {
        return get(MAX_HEADER_LIST_SIZE);
    }

    /**
     * These settings updated by a received or sent SETTINGS frame: values set in {@code update} replace ours
     * (§6.5.3: each parameter in a SETTINGS frame replaces its current value).
     */
    public Settings merge(Settings update) {
        int[] merged = values.clone();
        for (int id = HEADER_TABLE_SIZE; id <= MAX_HEADER_LIST_SIZE; id++) {
            if (update.isSet(id)) {
                merged[id] = update.values[id];
            }
        }
        return new Settings(merged, setMask | update.setMask);
    }

    /**
     * Checks one received parameter (§6.5.2), clamping values above {@code Integer.MAX_VALUE} where they are
     * allowed.
     *
     * @param value the unsigned 32-bit value as read from the wire
     * @throws Http2ConnectionException PROTOCOL_ERROR for ENABLE_PUSH not 0/1 or MAX_FRAME_SIZE outside [2^14,
     *     2^24-1]; FLOW_CONTROL_ERROR for INITIAL_WINDOW_SIZE above 2^31-1
     */
    static int checkValue(int id, long value) throws Http2ConnectionException {
        switch (id) {
            case ENABLE_PUSH -> {
                if (value != 0 && value != 1) {
                    throw new Http2ConnectionException(ErrorCode.PROTOCOL_ERROR, "SETTINGS_ENABLE_PUSH " + value);
                }
            }
            case INITIAL_WINDOW_SIZE -> {
                if (value > MAX_WINDOW_SIZE) {
                    throw new Http2ConnectionException(
                            ErrorCode.FLOW_CONTROL_ERROR, "SETTINGS_INITIAL_WINDOW_SIZE " + value + " above 2^31-1");
                }
            }
            case MAX_FRAME_SIZE -> {
                if (value < MIN_MAX_FRAME_SIZE || value > MAX_MAX_FRAME_SIZE) {
                    throw new Http2ConnectionException(
                            ErrorCode.PROTOCOL_ERROR,
                            "SETTINGS_MAX_FRAME_SIZE " + value + " outside [16384, 16777215]");
                }
            }
            default -> checkKnown(id);
        }
        return (int) Math.min(value, Integer.MAX_VALUE);
    }

    private static void checkKnown(int id) {
        if (!isKnown(id)) {
            throw new IllegalArgumentException("unknown setting identifier " + id);
        }
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof Settings s) || s.setMask != setMask) {
            return false;
        }
        for (int id = HEADER_TABLE_SIZE; id <= MAX_HEADER_LIST_SIZE; id++) {
            if (isSet(id) && values[id] != s.values[id]) {
                return false;
            }
        }
        return true;
    }

    @Override
    public int hashCode() {
        int h = setMask;
        for (int id = HEADER_TABLE_SIZE; id <= MAX_HEADER_LIST_SIZE; id++) {
            h = 31 * h + (isSet(id) ? values[id] : 0);
        }
        return h;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("Settings{");
        String sep = "";
        for (int id = HEADER_TABLE_SIZE; id <= MAX_HEADER_LIST_SIZE; id++) {
            if (isSet(id)) {
                sb.append(sep).append(NAMES[id]).append('=').append(values[id]);
                sep = ", ";
            }
        }
        return sb.append('}').toString();
    }

    /** Builds {@link Settings}; not thread-safe. */
    public static final class Builder {
        private final int[] values;
        private int setMask;

        private Builder(int[] values, int setMask) {
            this.values = values;
            this.setMask = setMask;
        }

        /**
         * Sets {@code id} to {@code value}, replacing an earlier value.
         *
         * @throws IllegalArgumentException for an unknown identifier, a negative value, or a value RFC 9113 §6.5.2
         *     forbids (ENABLE_PUSH not 0/1, INITIAL_WINDOW_SIZE above 2^31-1, MAX_FRAME_SIZE out of range)
         */
        public Builder set(int id, long value) {
            checkKnown(id);
            if (value < 0 || value > 0xFFFF_FFFFL) {
                throw new IllegalArgumentException("setting " + id + " is not an unsigned 32-bit value: " + value);
            }
            try {
                values[id] = checkValue(id, value);
            } catch (Http2ConnectionException e) {
                throw new IllegalArgumentException(e.detail(), e);
            }
            setMask |= 1 << id;
            return this;
        }

        /** The settings set so far; the builder stays usable. */
        public Settings build() {
            return new Settings(values.clone(), setMask);
        }

        /** Adds a value already checked by {@link #checkValue}; for the decoder. */
        void setChecked(int id, int value) {
            values[id] = value;
            setMask |= 1 << id;
        }
    }
}
