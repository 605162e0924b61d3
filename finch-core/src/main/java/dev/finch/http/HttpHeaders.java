package dev.finch.http;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * An ordered, immutable list of header fields. Names keep the case they were given; lookups ignore case.
 *
 * <p>Values are stored as given: validation happens where headers are encoded (a request with a CR, LF or NUL
 * in a value is refused there with a typed error), so that a response's headers are shown exactly as the peer
 * sent them. Instances are safe to share between threads.
 */
public final class HttpHeaders {
    /** The empty header list. */
    public static final HttpHeaders EMPTY = new HttpHeaders(new String[0], 0);

    private final String[] namesAndValues;
    private final int size;

    private HttpHeaders(String[] namesAndValues, int size) {
        this.namesAndValues = namesAndValues;
        this.size = size;
    }

    /**
     * Headers from alternating names and values: {@code of("accept", "text/plain", "x-id", "7")}.
     *
     * @throws IllegalArgumentException if the count is odd or an element is null
     */
    public static HttpHeaders of(String... namesAndValues) {
        if (namesAndValues.length % 2 != 0) {
            throw new IllegalArgumentException("expected name, value pairs but got an odd count");
        }
        String[] copy = namesAndValues.clone();
        for (String s : copy) {
            Objects.requireNonNull(s, "header names and values must not be null");
        }
        return copy.length == 0 ? EMPTY : new HttpHeaders(copy, copy.length / 2);
    }

    /** A builder for a new header list. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding a copy of these fields. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.namesAndValues = Arrays.copyOf(namesAndValues, Math.max(8, size * 2));
        b.size = size;
        return b;
    }

    /** The number of fields, counting repeated names once each. */
    public int size() {
        return size;
    }

    public boolean isEmpty() {
        return size == 0;
    }

    /** The name of field {@code i}, as given. */
    public String name(int i) {
        Objects.checkIndex(i, size);
        return namesAndValues[2 * i];
    }

    /** The value of field {@code i}. */
    public String value(int i) {
        Objects.checkIndex(i, size);
        return namesAndValues[2 * i + 1];
    }

    /** The value of the first field named {@code name} (case-insensitive), or {@code null}. */
    public String first(String name) {
        for (int i = 0; i < size; i++) {
            if (namesAndValues[2 * i].equalsIgnoreCase(name)) {
                return namesAndValues[2 * i + 1];
            }
        }
        return null;
    }

    /** Every value of fields named {@code name} (case-insensitive), in order; empty if none. */
    public List<String> all(String name) {
        List<String> out = null;
        for (int i = 0; i < size; i++) {
            if (namesAndValues[2 * i].equalsIgnoreCase(name)) {
                if (out == null) {
                    out = new ArrayList<>(2);
                }
                out.add(namesAndValues[2 * i + 1]);
            }
        }
        return out == null ? List.of() : Collections.unmodifiableList(out);
    }

    /** Whether a field named {@code name} (case-insensitive) is present. */
    public boolean contains(String name) {
        return first(name) != null;
    }

    /** The fields as a list of {@link Field} records, in order. */
    public List<Field> asList() {
        List<Field> out = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            out.add(new Field(namesAndValues[2 * i], namesAndValues[2 * i + 1]));
        }
        return Collections.unmodifiableList(out);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof HttpHeaders h
                && h.size == size
                && Arrays.equals(namesAndValues, 0, 2 * size, h.namesAndValues, 0, 2 * size);
    }

    @Override
    public int hashCode() {
        int h = 1;
        for (int i = 0; i < 2 * size; i++) {
            h = 31 * h + namesAndValues[i].hashCode();
        }
        return h;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < size; i++) {
            if (i > 0) {
                sb.append(", ");
            }
            sb.append(namesAndValues[2 * i]).append(": ").append(namesAndValues[2 * i + 1]);
        }
        return sb.append(']').toString();
    }

    /** One header field. */
    public record Field(String name, String value) {
        public Field {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(value, "value");
        }
    }

    /** Builds a {@link HttpHeaders}; not thread-safe. */
    public static final class Builder {
        private String[] namesAndValues = new String[16];
        private int size;

        private Builder() {}

        /** Appends a field, keeping any with the same name. */
        public Builder add(String name, String value) {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(value, "value");
            if (2 * size + 2 > namesAndValues.length) {
                namesAndValues = Arrays.copyOf(namesAndValues, namesAndValues.length * 2);
            }
            namesAndValues[2 * size] = name;
            namesAndValues[2 * size + 1] = value;
            size++;
            return this;
        }

        /** Removes every field named {@code name} (case-insensitive), then appends this one. */
        public Builder set(String name, String value) {
            remove(name);
            return add(name, value);
        }

        /** Removes every field named {@code name} (case-insensitive). */
        public Builder remove(String name) {
            int w = 0;
            for (int r = 0; r < size; r++) {
                if (!namesAndValues[2 * r].equalsIgnoreCase(name)) {
                    namesAndValues[2 * w] = namesAndValues[2 * r];
                    namesAndValues[2 * w + 1] = namesAndValues[2 * r + 1];
                    w++;
                }
            }
            Arrays.fill(namesAndValues, 2 * w, 2 * size, null);
            size = w;
            return this;
        }

        /** The number of fields added so far. */
        public int size() {
            return size;
        }

        public HttpHeaders build() {
            return size == 0 ? EMPTY : new HttpHeaders(Arrays.copyOf(namesAndValues, 2 * size), size);
        }
    }
}
