package dev.finch.conn;

/** The HTTP version a connection speaks. */
public enum Protocol {
    HTTP1("http/1.1"),
    HTTP2("h2");

    private final String alpnId;

    Protocol(String alpnId) {
        this.alpnId = alpnId;
    }

    /** The ALPN protocol id (RFC 7301): {@code http/1.1} or {@code h2}. */
    public String alpnId() {
        return alpnId;
    }
}
