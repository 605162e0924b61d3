package dev.finch.transport;

import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.SecureRandom;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import org.bouncycastle.jcajce.util.JcaJceHelper;
import org.bouncycastle.jsse.provider.BouncyCastleJsseProvider;
import org.bouncycastle.tls.ProtocolVersion;
import org.bouncycastle.tls.SecurityParameters;
import org.bouncycastle.tls.TlsUtils;
import org.bouncycastle.tls.crypto.TlsCipher;
import org.bouncycastle.tls.crypto.TlsCryptoParameters;
import org.bouncycastle.tls.crypto.TlsSecret;
import org.bouncycastle.tls.crypto.impl.AbstractTlsCrypto;
import org.bouncycastle.tls.crypto.impl.AbstractTlsSecret;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaTlsCrypto;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaTlsCryptoProvider;

/**
 * TLS contexts whose connections log their secrets: the Bouncy Castle JSSE provider ({@code bctls-jdk18on}, an
 * optional dependency) with a crypto back end that writes the NSS key log lines each time a connection changes keys.
 * Only this class names Bouncy Castle types, and it is loaded only when key logging is on, so Finch runs without the
 * jars otherwise ({@link KeyLogFile#providerAvailable()} tests for them without loading this class, whose
 * verification would need them).
 *
 * <p>The hook uses public extension points of Bouncy Castle's TLS API: the provider takes a
 * {@link JcaTlsCryptoProvider}, whose {@link JcaTlsCrypto} builds every record cipher through
 * {@link JcaTlsCrypto#createCipher}, handing it the connection's {@link SecurityParameters}. At that moment those
 * hold the client random and the secrets the new cipher is keyed from: the master secret (TLS 1.2, at
 * ChangeCipherSpec), the handshake traffic secrets and then the first application traffic secrets (TLS 1.3, RFC 8446
 * section 7.1). The secret bytes are copied through {@link AbstractTlsSecret}'s protected {@code copyData}, never
 * {@link TlsSecret#extract()}, which would destroy them. What is not public API is the order of events this relies
 * on (the cipher is built after the secrets are set, and in TLS 1.3 the server's Finished is known only at the second
 * key change): it holds for the pinned Bouncy Castle version, and {@code KeyLogOpenSslTest} checks the lines against
 * what OpenSSL logs for the same sessions.
 */
final class BouncyCastleKeyLog {
    private BouncyCastleKeyLog() {}

    /**
     * A client TLS context of a Bouncy Castle JSSE provider private to it (not registered with the JDK) whose
     * connections append their secrets to {@code keyLog}.
     *
     * @param clientKeyStore the client certificate's key store, or {@code null} for none; read with the provider's
     *     own key manager, since it does not find TLS 1.3 client keys through the JDK's
     * @param trustManagers as for {@link SSLContext#init}; {@code null} for the JDK's default trust store
     */
    static SSLContext context(
            KeyStore clientKeyStore, char[] clientKeyPassword, TrustManager[] trustManagers, KeyLogFile keyLog)
            throws GeneralSecurityException {
        BouncyCastleJsseProvider provider = new BouncyCastleJsseProvider(false, new LoggingCryptoProvider(keyLog));
        KeyManager[] keyManagers = null;
        if (clientKeyStore != null) {
            KeyManagerFactory f = KeyManagerFactory.getInstance("PKIX", provider);
            f.init(clientKeyStore, clientKeyPassword);
            keyManagers = f.getKeyManagers();
        }
        SSLContext context = SSLContext.getInstance("TLS", provider);
        // A SecureRandom of the JDK: without one Bouncy Castle asks for "DEFAULT", which only its own JCA provider
        // (bcprov, not registered here) has.
        context.init(keyManagers, trustManagers, new SecureRandom());
        return context;
    }

    /** Makes {@link LoggingCrypto}s: one per {@link SSLContext#init}. */
    private static final class LoggingCryptoProvider extends JcaTlsCryptoProvider {
        private final KeyLogFile keyLog;

        LoggingCryptoProvider(KeyLogFile keyLog) {
            this.keyLog = keyLog;
        }

        @Override
        public JcaTlsCrypto create(SecureRandom keyRandom, SecureRandom nonceRandom) {
            return new LoggingCrypto(getHelper(), keyRandom, nonceRandom, keyLog);
        }
    }

    /** The JDK-backed crypto of Bouncy Castle, logging secrets whenever a connection keys a new cipher. */
    private static final class LoggingCrypto extends JcaTlsCrypto {
        private final KeyLogFile keyLog;

        LoggingCrypto(JcaJceHelper helper, SecureRandom keyRandom, SecureRandom nonceRandom, KeyLogFile keyLog) {
            super(helper, keyRandom, nonceRandom);
            this.keyLog = keyLog;
        }

        @Override
        public TlsCipher createCipher(TlsCryptoParameters cryptoParams, int encryptionAlgorithm, int macAlgorithm)
                throws IOException {
            // Before the cipher is built: it may derive keys from the secrets, but reads them as they are now.
            if (!cryptoParams.isServer()) {
                SecurityParameters sp = cryptoParams.getSecurityParametersHandshake();
                if (sp != null) {
                    String lines;
                    try {
                        lines = lines(sp);
                    } catch (RuntimeException e) {
                        // Never fail a handshake over its key log.
                        keyLog.reportFailure("cannot read the secrets of a TLS connection", e);
                        lines = "";
                    }
                    if (!lines.isEmpty()) {
                        keyLog.log(lines);
                    }
                }
            }
            return super.createCipher(cryptoParams, encryptionAlgorithm, macAlgorithm);
        }
    }

    /** The key log lines for the secrets a cipher is about to be keyed from; empty if there are none to log. */
    private static String lines(SecurityParameters sp) {
        byte[] clientRandom = sp.getClientRandom();
        ProtocolVersion version = sp.getNegotiatedVersion();
        if (clientRandom == null || clientRandom.length != 32 || version == null) {
            return "";
        }
        if (!TlsUtils.isTLSv13(version)) {
            byte[] master = Secrets.copy(sp.getMasterSecret());
            return master == null ? "" : KeyLogFile.line(KeyLogFile.CLIENT_RANDOM, clientRandom, master);
        }
        byte[] client = Secrets.copy(sp.getTrafficSecretClient());
        byte[] server = Secrets.copy(sp.getTrafficSecretServer());
        if (client == null || server == null) {
            return "";
        }
        // The first key change (after ServerHello) uses the handshake secrets; the second comes after the client
        // has checked the server's Finished, which is what tells them apart.
        boolean application = sp.getPeerVerifyData() != null;
        return KeyLogFile.line(
                        application ? KeyLogFile.CLIENT_TRAFFIC_SECRET_0 : KeyLogFile.CLIENT_HANDSHAKE_TRAFFIC_SECRET,
                        clientRandom,
                        client)
                + KeyLogFile.line(
                        application ? KeyLogFile.SERVER_TRAFFIC_SECRET_0 : KeyLogFile.SERVER_HANDSHAKE_TRAFFIC_SECRET,
                        clientRandom,
                        server);
    }

    /** Reads secrets without destroying them, through the protected accessor of their base class. */
    private abstract static class Secrets extends AbstractTlsSecret {
        private Secrets() {
            super(null);
        }

        /** A copy of the secret's bytes, or {@code null} if there is none, it was destroyed, or is not readable. */
        static byte[] copy(TlsSecret secret) {
            if (!(secret instanceof AbstractTlsSecret s) || !s.isAlive()) {
                return null;
            }
            return copyData(s);
        }

        @Override
        protected abstract AbstractTlsCrypto getCrypto();
    }
}
