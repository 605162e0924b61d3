package dev.finch.conn;

import java.util.Locale;

/** The URL scheme of a connection: plain or TLS. */
public enum Scheme {
    HTTP(80),
    HTTPS(443);

    private final int defaultPort;

    Scheme(int defaultPort) {
        this.defaultPort = defaultPort;
    }

    /** 80 or 443: the port left out of Host and :authority. */
    public int defaultPort() {
        return defaultPort;
    }

    /** {@code "http"} or {@code "https"}. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * The scheme named {@code s}, ignoring case.
     *
     * @throws IllegalArgumentException for anything but http and https
     */
    public static Scheme of(String s) {
        if ("http".equalsIgnoreCase(s)) {
            return HTTP;
        }
        if ("https".equalsIgnoreCase(s)) {
            return HTTPS;
        }
        throw new IllegalArgumentException("scheme must be http or https, got: " + s);
    }
}
