package dev.finch.transport;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * How a TLS connection is set up: whom to trust, whether to verify, which versions. Immutable and thread-safe; build
 * with {@link #builder()}.
 *
 * <p>By default the peer's certificate chain is verified against the JDK's trust store (the one the
 * {@code javax.net.ssl.trustStore} system properties select) and its host name is checked (RFC 6125 via the JDK's
 * "HTTPS" endpoint identification: SAN dNSName with a left-most-label wildcard, or IP SAN for IP addresses); TLS 1.3
 * and 1.2 are offered with the JDK's default cipher suites. When {@code h2} is offered over ALPN, the cipher suites of
 * the RFC 9113 section 9.2.2 (RFC 7540 Appendix A) block list are left out.
 *
 * <p>The {@link SSLContext} is built once per instance, on first use, and shared by every connection made with it:
 * building one (and loading a trust store) is expensive, while creating an engine from it is cheap. Keep one
 * {@code TlsOptions} per configuration rather than building a new one per connection.
 *
 * <p><b>Key logging</b> ({@link Builder#keyLogFile}, or the {@value #SSLKEYLOGFILE} environment variable when no file
 * is set) appends every connection's TLS secrets to a file in the NSS key log format, so that Wireshark can decrypt a
 * capture. The JDK's TLS provider exposes no secrets, so connections then run on the Bouncy Castle JSSE provider
 * ({@code org.bouncycastle:bctls-jdk18on}, an optional dependency of Finch); without key logging nothing changes.
 */
public final class TlsOptions {
    /** The environment variable naming a key log file when {@link Builder#keyLogFile} is not set. */
    public static final String SSLKEYLOGFILE = "SSLKEYLOGFILE";

    /**
     * The system property by which an operator keeps {@value #SSLKEYLOGFILE} from turning key logging on anywhere in
     * the JVM: {@code -Ddev.finch.tls.sslKeyLogFile=ignore}. It is read whenever options are built, so set it on the
     * command line (before Finch is loaded, which builds {@link #defaults()}). An explicit {@link Builder#keyLogFile}
     * still applies.
     */
    public static final String SSLKEYLOGFILE_PROPERTY = "dev.finch.tls.sslKeyLogFile";

    private static final List<String> DEFAULT_PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

    private static final Pattern PEM_CERTIFICATE =
            Pattern.compile("-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\\s]*?)-----END CERTIFICATE-----");
    /** Declared after the constants the builder reads. */
    private static final TlsOptions DEFAULTS = builder().build();

    private final Trust trust;
    private final String trustDescription;
    private final TrustManager[] trustManagers;
    private final KeyManager[] keyManagers;
    private final SSLContext callerContext;
    private final boolean verifyHostname;
    private final List<String> protocols;
    private final List<String> cipherSuites;
    private final KeyStore trustStore;
    private final KeyStore clientKeyStore;
    private final char[] clientKeyPassword;
    /** The file given to {@link Builder#keyLogFile}, or {@code null}. */
    private final Path explicitKeyLog;
    /** Where {@value #SSLKEYLOGFILE} was read, for {@link #toBuilder()}. */
    private final Function<String, String> environment;
    /** {@link Builder#ignoreSslKeyLogFile()}. */
    private final boolean ignoreSslKeyLogFile;
    /** Where secrets are logged (explicit or from the environment), or {@code null} when key logging is off. */
    private final KeyLogFile keyLog;

    /** Guards the first build of {@link #context}; reads after that go through the volatile field alone. */
    private final ReentrantLock contextLock = new ReentrantLock();

    private volatile SSLContext context;

    private TlsOptions(Builder b) {
        this.trust = b.trust;
        this.trustDescription = b.trustDescription;
        this.callerContext = b.callerContext;
        this.verifyHostname = b.trust != Trust.INSECURE && b.verifyHostname;
        this.protocols = List.copyOf(b.protocols);
        this.cipherSuites = List.copyOf(b.cipherSuites);
        this.trustStore = b.trustStore;
        this.clientKeyStore = b.clientKeyStore;
        this.clientKeyPassword = b.clientKeyPassword == null ? null : b.clientKeyPassword.clone();
        if (b.callerContext != null && b.clientKeyStore != null) {
            throw new IllegalArgumentException(
                    "a client certificate cannot be combined with a caller SSLContext: put the key in that context");
        }
        // Built now so that bad key material fails at build time, not at the first connection.
        this.trustManagers = trustManagers(b.trust, b.trustStore);
        this.keyManagers = keyManagers(b.clientKeyStore, b.clientKeyPassword);
        this.explicitKeyLog = b.keyLogFile;
        this.environment = b.environment;
        this.ignoreSslKeyLogFile = b.ignoreSslKeyLogFile;
        boolean callerContext = b.callerContext != null;
        if (b.keyLogFile != null) {
            this.keyLog = KeyLogFile.explicit(b.keyLogFile, callerContext);
        } else if (b.ignoreSslKeyLogFile) {
            this.keyLog = null;
        } else {
            this.keyLog = KeyLogFile.fromEnvironment(b.environment, callerContext);
        }
    }

    /** Verifying, system trust store, TLS 1.3 and 1.2. */
    public static TlsOptions defaults() {
        return DEFAULTS;
    }

    /** A builder with the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding these options, to derive others. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.trust = trust;
        b.trustDescription = trustDescription;
        b.trustStore = trustStore;
        b.callerContext = callerContext;
        b.verifyHostname = verifyHostname || trust == Trust.INSECURE;
        b.protocols = protocols;
        b.cipherSuites = cipherSuites;
        b.clientKeyStore = clientKeyStore;
        b.clientKeyPassword = clientKeyPassword == null ? null : clientKeyPassword.clone();
        b.keyLogFile = explicitKeyLog;
        b.environment = environment;
        b.ignoreSslKeyLogFile = ignoreSslKeyLogFile;
        return b;
    }

    /** Whether the peer's certificate chain is verified ({@code false} only after {@link Builder#insecureSkipVerify}). */
    public boolean verifyCertificates() {
        return trust != Trust.INSECURE;
    }

    /** Whether the peer's certificate must match the server name (never when certificates are not verified). */
    public boolean verifyHostname() {
        return verifyHostname;
    }

    /** The TLS versions offered, e.g. {@code [TLSv1.3, TLSv1.2]}. */
    public List<String> protocols() {
        return protocols;
    }

    /** The cipher suites offered, or an empty list for the JDK's defaults. */
    public List<String> cipherSuites() {
        return cipherSuites;
    }

    /**
     * The file TLS secrets are appended to (set with {@link Builder#keyLogFile}, or else named by
     * {@value #SSLKEYLOGFILE} when these options were built), or {@code null} when key logging is off.
     */
    public Path keyLogFile() {
        return keyLog == null ? null : keyLog.path();
    }

    /** Whether {@value #SSLKEYLOGFILE} is never followed for these options ({@link Builder#ignoreSslKeyLogFile()}). */
    public boolean ignoresSslKeyLogFile() {
        return ignoreSslKeyLogFile;
    }

    /**
     * The context connections are made with: the caller's, or one built from these options on the first call and
     * cached.
     *
     * @throws IllegalStateException if the JDK cannot build a TLS context (no TLS provider, unreadable default trust
     *     store)
     */
    public SSLContext sslContext() {
        SSLContext c = context;
        if (c != null) {
            return c;
        }
        contextLock.lock();
        try {
            if (context == null) {
                context = buildContext();
            }
            return context;
        } finally {
            contextLock.unlock();
        }
    }

    /**
     * A client engine for {@code serverName}: SNI (not for IP literals), host-name verification, protocols, cipher
     * suites (without the HTTP/2 block list when {@code h2} is offered) and ALPN set.
     *
     * @param serverName a host name or IP literal (IPv6 with or without brackets)
     * @param port the peer's port, for session resumption; {@code -1} if unknown
     */
    SSLEngine newEngine(String serverName, int port, List<String> alpnProtocols) {
        String host = HostNames.normalize(serverName);
        SSLEngine engine = sslContext().createSSLEngine(host, port);
        engine.setUseClientMode(true);
        SSLParameters p = engine.getSSLParameters();
        p.setProtocols(protocols.toArray(new String[0]));
        String[] suites =
                cipherSuites.isEmpty() ? engine.getEnabledCipherSuites() : cipherSuites.toArray(new String[0]);
        if (alpnProtocols.contains("h2")) {
            suites = Arrays.stream(suites).filter(TlsOptions::allowedWithHttp2).toArray(String[]::new);
            if (suites.length == 0) {
                throw new IllegalArgumentException(
                        "h2 offered but no cipher suite outside the RFC 7540 Appendix A block list is enabled");
            }
        }
        p.setCipherSuites(suites);
        p.setEndpointIdentificationAlgorithm(verifyHostname ? "HTTPS" : null);
        if (!HostNames.isIpLiteral(host)) {
            try {
                p.setServerNames(List.of(new SNIHostName(host)));
            } catch (IllegalArgumentException notAnSniName) {
                // e.g. a name with '_': send no SNI; the host name is still verified against the certificate.
            }
        }
        if (!alpnProtocols.isEmpty()) {
            p.setApplicationProtocols(alpnProtocols.toArray(new String[0]));
        }
        engine.setSSLParameters(p);
        return engine;
    }

    /**
     * Whether HTTP/2 may use {@code suite}: RFC 9113 section 9.2.2 allows TLS 1.3 suites and, for TLS 1.2, only
     * ephemeral key exchange (ECDHE, DHE) with an AEAD cipher (GCM, ChaCha20-Poly1305); RFC 7540 Appendix A lists
     * the rest.
     */
    static boolean allowedWithHttp2(String suite) {
        if (suite.startsWith("TLS_AES_")
                || suite.startsWith("TLS_CHACHA20_")
                || suite.equals("TLS_EMPTY_RENEGOTIATION_INFO_SCSV")) {
            return true;
        }
        boolean ephemeral = suite.startsWith("TLS_ECDHE_") || suite.startsWith("TLS_DHE_");
        boolean aead = suite.contains("_GCM_") || suite.endsWith("_CHACHA20_POLY1305_SHA256");
        return ephemeral && aead;
    }

    @Override
    public String toString() {
        return "TlsOptions[trust=" + trustDescription + ", verifyHostname=" + verifyHostname + ", protocols="
                + protocols + (cipherSuites.isEmpty() ? "" : ", cipherSuites=" + cipherSuites)
                + (keyManagers == null ? "" : ", clientCertificate")
                + (keyLog == null ? "" : ", keyLogFile=" + keyLog.path()) + "]";
    }

    private SSLContext buildContext() {
        if (callerContext != null) {
            return callerContext;
        }
        try {
            if (keyLog != null) {
                return BouncyCastleKeyLog.context(clientKeyStore, clientKeyPassword, trustManagers, keyLog);
            }
            SSLContext c = SSLContext.getInstance("TLS");
            // Null trust managers select the JDK default trust store.
            c.init(keyManagers, trustManagers, null);
            return c;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot build a TLS context: " + e.getMessage(), e);
        }
    }

    private static TrustManager[] trustManagers(Trust trust, KeyStore trustStore) {
        switch (trust) {
            case INSECURE:
                return new TrustManager[] {new TrustAll()};
            case KEY_STORE:
                try {
                    TrustManagerFactory f = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                    f.init(trustStore);
                    return f.getTrustManagers();
                } catch (GeneralSecurityException e) {
                    throw new IllegalArgumentException("cannot use the trust store: " + e.getMessage(), e);
                }
            default:
                return null;
        }
    }

    private static KeyManager[] keyManagers(KeyStore keyStore, char[] password) {
        if (keyStore == null) {
            return null;
        }
        try {
            KeyManagerFactory f = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            f.init(keyStore, password);
            return f.getKeyManagers();
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot use the client key store: " + e.getMessage(), e);
        }
    }

    /** Parses every {@code CERTIFICATE} block of a PEM text into a trust store. */
    static KeyStore parsePem(String pem, String source) {
        Matcher m = PEM_CERTIFICATE.matcher(pem);
        List<Certificate> certificates = new ArrayList<>();
        try {
            CertificateFactory factory = CertificateFactory.getInstance("X.509");
            // Bounded by the text: each match consumes at least the BEGIN/END lines.
            while (m.find()) {
                byte[] der;
                try {
                    der = Base64.getMimeDecoder().decode(m.group(1));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(
                            "certificate #" + (certificates.size() + 1) + " in " + source + " is not valid Base64", e);
                }
                try {
                    certificates.add(factory.generateCertificate(new ByteArrayInputStream(der)));
                } catch (CertificateException e) {
                    throw new IllegalArgumentException(
                            "certificate #" + (certificates.size() + 1) + " in " + source + " is invalid: "
                                    + e.getMessage(),
                            e);
                }
            }
            if (certificates.isEmpty()) {
                throw new IllegalArgumentException("no -----BEGIN CERTIFICATE----- block found in " + source);
            }
            KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
            ks.load(null, null);
            for (int i = 0; i < certificates.size(); i++) {
                ks.setCertificateEntry("ca-" + i, certificates.get(i));
            }
            return ks;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalArgumentException("cannot build a trust store from " + source + ": " + e.getMessage(), e);
        }
    }

    private enum Trust {
        /** The JDK's default trust store. */
        SYSTEM,
        /** A trust store given by the caller or parsed from PEM. */
        KEY_STORE,
        /** The caller's SSLContext decides. */
        CONTEXT,
        /** Everything: {@link Builder#insecureSkipVerify()}. */
        INSECURE
    }

    /**
     * Accepts every certificate chain. Being an {@link X509ExtendedTrustManager}, the JDK does not wrap it with its
     * own host-name check either.
     */
    private static final class TrustAll extends X509ExtendedTrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {}

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {}

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }

    /**
     * Builds {@link TlsOptions}. Not thread-safe. The trust source is whichever of {@link #trustPem},
     * {@link #trustPemFile}, {@link #trustStore}, {@link #sslContext}, {@link #trustSystemDefault} or
     * {@link #insecureSkipVerify} was called last.
     */
    public static final class Builder {
        private Trust trust = Trust.SYSTEM;
        private String trustDescription = "system";
        private KeyStore trustStore;
        private SSLContext callerContext;
        private boolean verifyHostname = true;
        private List<String> protocols = DEFAULT_PROTOCOLS;
        private List<String> cipherSuites = List.of();
        private KeyStore clientKeyStore;
        private char[] clientKeyPassword;
        private Path keyLogFile;
        private Function<String, String> environment = System::getenv;
        private boolean ignoreSslKeyLogFile;

        private Builder() {}

        /** Trusts the JDK's default trust store (the default). */
        public Builder trustSystemDefault() {
            setTrust(Trust.SYSTEM, "system", null, null);
            return this;
        }

        /**
         * Trusts exactly the CA certificates of a PEM bundle (every {@code -----BEGIN CERTIFICATE-----} block),
         * instead of the JDK's trust store.
         *
         * @throws IllegalArgumentException if the text holds no certificate block or a block is not a certificate
         */
        public Builder trustPem(String pem) {
            Objects.requireNonNull(pem, "pem");
            setTrust(Trust.KEY_STORE, "PEM text", parsePem(pem, "the PEM text"), null);
            return this;
        }

        /**
         * Trusts exactly the CA certificates of a PEM file, read now.
         *
         * @throws IllegalArgumentException if the file cannot be read, holds no certificate block, or a block is not
         *     a certificate
         */
        public Builder trustPemFile(Path file) {
            Objects.requireNonNull(file, "file");
            String pem;
            try {
                pem = Files.readString(file, StandardCharsets.US_ASCII);
            } catch (IOException | RuntimeException e) {
                throw new IllegalArgumentException("cannot read PEM file " + file + ": " + e, e);
            }
            setTrust(Trust.KEY_STORE, "PEM file " + file, parsePem(pem, "PEM file " + file), null);
            return this;
        }

        /**
         * Trusts exactly the certificate entries of {@code trustStore}, instead of the JDK's trust store. The store
         * is read at {@link #build()}; later changes to it are not seen.
         */
        public Builder trustStore(KeyStore trustStore) {
            Objects.requireNonNull(trustStore, "trustStore");
            setTrust(Trust.KEY_STORE, "key store", trustStore, null);
            return this;
        }

        /**
         * Uses {@code context} as is for trust and key material. Host-name verification, protocols and cipher suites
         * of these options still apply to each connection.
         */
        public Builder sslContext(SSLContext context) {
            Objects.requireNonNull(context, "context");
            setTrust(Trust.CONTEXT, "caller SSLContext", null, context);
            return this;
        }

        /**
         * <b>Dangerous:</b> accepts any certificate from any server, and checks no host name. The connection is then
         * encrypted but not authenticated: anyone on the path can impersonate the server and read or change the
         * traffic. Meant for tests and for development against self-signed servers, never for production; prefer
         * {@link #trustPem} with the server's CA.
         */
        public Builder insecureSkipVerify() {
            setTrust(Trust.INSECURE, "INSECURE (no verification)", null, null);
            return this;
        }

        /**
         * Whether to check that the certificate matches the server name (default {@code true}). Turning it off
         * still verifies the chain, so any certificate from a trusted CA is accepted for any host. Ignored after
         * {@link #insecureSkipVerify()}.
         */
        public Builder verifyHostname(boolean verify) {
            this.verifyHostname = verify;
            return this;
        }

        /** The TLS versions to offer (default {@code TLSv1.3, TLSv1.2}); a name the JDK does not know fails at connect. */
        public Builder protocols(String... protocols) {
            if (protocols.length == 0) {
                throw new IllegalArgumentException("at least one TLS protocol version is needed");
            }
            this.protocols = List.of(protocols);
            return this;
        }

        /** The cipher suites to offer, by JDK name; none given means the JDK's defaults. */
        public Builder cipherSuites(String... cipherSuites) {
            this.cipherSuites = List.of(cipherSuites);
            return this;
        }

        /**
         * Presents a client certificate: the private key entry of {@code keyStore} (with its chain), unlocked with
         * {@code password}. The key store is read at {@link #build()}.
         */
        public Builder clientCertificate(KeyStore keyStore, char[] password) {
            this.clientKeyStore = Objects.requireNonNull(keyStore, "keyStore");
            this.clientKeyPassword = password == null ? null : password.clone();
            return this;
        }

        /**
         * <b>For debugging:</b> appends the TLS secrets of every connection made with these options to {@code file},
         * in the NSS key log format (the {@code SSLKEYLOGFILE} format of browsers and curl), so that Wireshark or
         * tshark can decrypt a capture of the traffic. Whoever can read the file can decrypt that traffic: never turn
         * this on in production. Lines are {@code CLIENT_RANDOM} for TLS 1.2 and {@code CLIENT_HANDSHAKE_TRAFFIC_SECRET},
         * {@code SERVER_HANDSHAKE_TRAFFIC_SECRET}, {@code CLIENT_TRAFFIC_SECRET_0}, {@code SERVER_TRAFFIC_SECRET_0}
         * for TLS 1.3; they are appended as each handshake goes, whole lines at a time (see below). A new file is readable by
         * its owner only (on POSIX file systems). A warning (once per file and JVM) is logged when options using it
         * are built.
         *
         * <p>The JDK's TLS provider exposes no secrets, so connections then run on the Bouncy Castle JSSE provider,
         * which needs {@code org.bouncycastle:bctls-jdk18on} on the class path (an optional dependency of Finch).
         * Trust, host-name verification, protocols, cipher suites, ALPN, SNI and client certificates apply as
         * without key logging. When this is not set, the {@value TlsOptions#SSLKEYLOGFILE} environment variable is
         * honoured if it names a file, with a warning instead of an error if that cannot be done, unless
         * {@link #ignoreSslKeyLogFile()} or the {@value TlsOptions#SSLKEYLOGFILE_PROPERTY} system property says not
         * to.
         *
         * <p>Lines are written asynchronously, by one background thread per file, shortly after the handshake step
         * that made them: a slow or blocked file never holds up a handshake (when too many lines wait, some are
         * dropped, with a warning). An existing file readable by its group or others is used, with a warning.
         *
         * @param file the key log file; {@code null} falls back to {@value TlsOptions#SSLKEYLOGFILE}
         * @see #build()
         */
        public Builder keyLogFile(Path file) {
            this.keyLogFile = file;
            return this;
        }

        /**
         * Never follows the {@value TlsOptions#SSLKEYLOGFILE} environment variable for these options: for an
         * application that must not write TLS secrets to disk whatever its environment says. A file given to
         * {@link #keyLogFile} still applies. Operators can do the same for the whole JVM with
         * {@code -D}{@value TlsOptions#SSLKEYLOGFILE_PROPERTY}{@code =ignore}.
         */
        public Builder ignoreSslKeyLogFile() {
            this.ignoreSslKeyLogFile = true;
            return this;
        }

        /** Where {@value TlsOptions#SSLKEYLOGFILE} is read from; {@link System#getenv(String)} unless a test says. */
        Builder environment(Function<String, String> environment) {
            this.environment = Objects.requireNonNull(environment, "environment");
            return this;
        }

        /**
         * The options. Trust and key material are loaded here (the {@link SSLContext} itself on first use).
         *
         * @throws IllegalArgumentException if a key store cannot be used, a client certificate or a key log file is
         *     combined with a caller SSLContext, or the key log file cannot be created or opened for appending
         * @throws IllegalStateException if a key log file is set but {@code org.bouncycastle:bctls-jdk18on} is not on
         *     the class path
         */
        public TlsOptions build() {
            return new TlsOptions(this);
        }

        private void setTrust(Trust trust, String description, KeyStore store, SSLContext context) {
            this.trust = trust;
            this.trustDescription = description;
            this.trustStore = store;
            this.callerContext = context;
        }
    }
}
