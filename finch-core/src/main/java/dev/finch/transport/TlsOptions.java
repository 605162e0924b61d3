package dev.finch.transport;

/**
 * How a TLS connection is set up: whom to trust, whether to verify, which versions. Immutable.
 *
 * <p>By default the peer's certificate chain is verified against the JDK's trust store and its host name is checked
 * (RFC 6125: SAN dNSName with a left-most-label wildcard, or IP SAN for IP addresses); TLS 1.3 and 1.2 are offered.
 *
 * <p>STUB: the transport work fills this in (builder: trust from a PEM CA bundle, a KeyStore or an SSLContext;
 * verification opt-out; protocols; cipher suites; client certificate).
 */
public final class TlsOptions {
    private static final TlsOptions DEFAULTS = new TlsOptions();

    private TlsOptions() {}

    /** Verifying, system trust store, TLS 1.3 and 1.2. */
    public static TlsOptions defaults() {
        return DEFAULTS;
    }
}
