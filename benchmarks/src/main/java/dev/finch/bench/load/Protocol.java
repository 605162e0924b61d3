package dev.finch.bench.load;

/** The wire protocols of the comparison. */
enum Protocol {
    /** HTTP/1.1 over cleartext TCP, keep-alive. */
    HTTP1("http1"),
    /** HTTP/2 over cleartext TCP with prior knowledge (RFC 9113 §3.3): no Upgrade, no TLS. */
    H2C("h2c");

    final String label;

    Protocol(String label) {
        this.label = label;
    }

    static Protocol of(String label) {
        for (Protocol p : values()) {
            if (p.label.equals(label)) {
                return p;
            }
        }
        throw new IllegalArgumentException("unknown protocol " + label + " (http1, h2c)");
    }
}
