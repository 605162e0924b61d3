package dev.finch.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A test certificate authority and certificates it issues, made with BouncyCastle on first use and cached for the
 * JVM (key generation and signing are slow compared with a test).
 *
 * <p>All keys are EC P-256 and all signatures SHA256withECDSA, which every JDK TLS 1.2 and 1.3 stack accepts. The
 * JVM's security providers are not changed: BouncyCastle only builds the certificates, the JDK signs them.
 *
 * <pre>{@code
 * TestCertificates certs = TestCertificates.get();
 * // server side (e.g. JettyServer.builder().tls(certs.localhost())):
 * KeyStore serverKeys = certs.localhost().keyStore();          // password TestCertificates.PASSWORD
 * // client side:
 * TlsOptions tls = TlsOptions.builder().trustPem(certs.caPem()).build();
 * }</pre>
 */
public final class TestCertificates {
    /** The password of every key store made here, and of the keys in them. */
    public static final String PASSWORD = "changeit";

    /** The alias of the key entry in {@link Credential#keyStore()} and of the CA in {@link #trustStore()}. */
    public static final String ALIAS = "finch-test";

    private static final String SIGNATURE = "SHA256withECDSA";
    private static final Duration VALIDITY = Duration.ofDays(365);

    private final AtomicLong serials = new AtomicLong(System.currentTimeMillis());
    private final KeyPair caKeys;
    private final X509Certificate ca;
    private final SSLContext clientContext;
    private final ConcurrentMap<String, Credential> cache = new ConcurrentHashMap<>();

    private TestCertificates() {
        try {
            caKeys = newKeyPair();
            Instant now = Instant.now();
            X500Name name = new X500Name("O=Finch for Java tests, CN=Finch Test Root CA");
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(
                    name,
                    serial(),
                    Date.from(now.minus(Duration.ofDays(1))),
                    Date.from(now.plus(VALIDITY.multipliedBy(2))),
                    name,
                    caKeys.getPublic());
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            b.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(caKeys.getPublic()));
            ca = sign(b, caKeys.getPrivate());
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trustStore());
            clientContext = SSLContext.getInstance("TLS");
            clientContext.init(null, tmf.getTrustManagers(), null);
        } catch (GeneralSecurityException | CertIOException | OperatorCreationException e) {
            throw new IllegalStateException("cannot create the test CA", e);
        }
    }

    /** The JVM-wide instance (one CA per test run). */
    public static TestCertificates get() {
        return Holder.INSTANCE;
    }

    /** The root CA certificate. */
    public X509Certificate caCertificate() {
        return ca;
    }

    /** The root CA certificate as PEM text, for {@code TlsOptions.builder().trustPem(...)}. */
    public String caPem() {
        return pem(ca);
    }

    /** A new trust store (PKCS12) holding only the root CA, under {@link #ALIAS}. */
    public KeyStore trustStore() {
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setCertificateEntry(ALIAS, ca);
            return ks;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A client context that trusts the root CA only (shared; do not re-initialise it). */
    public SSLContext clientSslContext() {
        return clientContext;
    }

    /** A server certificate for {@code localhost}, {@code 127.0.0.1} and {@code ::1}, signed by the CA. */
    public Credential localhost() {
        return issue("localhost", "127.0.0.1", "::1");
    }

    /**
     * A server certificate signed by the CA for the given names: each is a DNS SAN (wildcards such as
     * {@code *.example.test} allowed), or an IP SAN if it is an IPv4 or IPv6 literal. The first name is also the CN.
     * Cached per list of names.
     */
    public Credential issue(String... names) {
        if (names.length == 0) {
            throw new IllegalArgumentException("at least one name is needed");
        }
        return cache.computeIfAbsent("server:" + String.join(",", names), k -> {
            Instant now = Instant.now();
            return make(names, now.minus(Duration.ofDays(1)), now.plus(VALIDITY), false, KeyPurposeId.id_kp_serverAuth);
        });
    }

    /** A certificate for the {@link #localhost()} names, signed by the CA, that expired yesterday. */
    public Credential expired() {
        return cache.computeIfAbsent("expired", k -> {
            Instant now = Instant.now();
            return make(
                    new String[] {"localhost", "127.0.0.1", "::1"},
                    now.minus(Duration.ofDays(30)),
                    now.minus(Duration.ofDays(1)),
                    false,
                    KeyPurposeId.id_kp_serverAuth);
        });
    }

    /** A self-signed certificate for the {@link #localhost()} names: trusted by nobody. */
    public Credential selfSigned() {
        return cache.computeIfAbsent("self-signed", k -> {
            Instant now = Instant.now();
            return make(
                    new String[] {"localhost", "127.0.0.1", "::1"},
                    now.minus(Duration.ofDays(1)),
                    now.plus(VALIDITY),
                    true,
                    KeyPurposeId.id_kp_serverAuth);
        });
    }

    /** A client certificate (extended key usage clientAuth) with the given common name, signed by the CA. */
    public Credential client(String commonName) {
        return cache.computeIfAbsent("client:" + commonName, k -> {
            Instant now = Instant.now();
            return make(
                    new String[] {commonName},
                    now.minus(Duration.ofDays(1)),
                    now.plus(VALIDITY),
                    false,
                    KeyPurposeId.id_kp_clientAuth);
        });
    }

    /** PEM text of one certificate. */
    public static String pem(X509Certificate certificate) {
        try {
            String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                    .encodeToString(certificate.getEncoded());
            return "-----BEGIN CERTIFICATE-----\n" + body + "\n-----END CERTIFICATE-----\n";
        } catch (CertificateEncodingException e) {
            throw new IllegalStateException(e);
        }
    }

    private Credential make(
            String[] names, Instant notBefore, Instant notAfter, boolean selfSigned, KeyPurposeId purpose) {
        try {
            KeyPair keys = newKeyPair();
            X500Name subject = new X500Name("O=Finch for Java tests, CN=" + names[0]);
            X500Name issuer = selfSigned
                    ? subject
                    : X500Name.getInstance(ca.getSubjectX500Principal().getEncoded());
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(
                    issuer, serial(), Date.from(notBefore), Date.from(notAfter), subject, keys.getPublic());
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
            b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purpose));
            b.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(keys.getPublic()));
            PublicKey issuerKey = selfSigned ? keys.getPublic() : caKeys.getPublic();
            b.addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(issuerKey));
            if (purpose == KeyPurposeId.id_kp_serverAuth) {
                List<GeneralName> sans = new ArrayList<>();
                for (String n : names) {
                    sans.add(new GeneralName(isIpLiteral(n) ? GeneralName.iPAddress : GeneralName.dNSName, n));
                }
                b.addExtension(
                        Extension.subjectAlternativeName, false, new GeneralNames(sans.toArray(new GeneralName[0])));
            }
            X509Certificate cert = sign(b, selfSigned ? keys.getPrivate() : caKeys.getPrivate());
            List<X509Certificate> chain = selfSigned ? List.of(cert) : List.of(cert, ca);
            return new Credential(keys.getPrivate(), chain);
        } catch (GeneralSecurityException | CertIOException | OperatorCreationException e) {
            throw new IllegalStateException("cannot issue a test certificate for " + List.of(names), e);
        }
    }

    private BigInteger serial() {
        return BigInteger.valueOf(serials.incrementAndGet());
    }

    private static X509Certificate sign(X509v3CertificateBuilder b, PrivateKey key)
            throws OperatorCreationException, GeneralSecurityException {
        return new JcaX509CertificateConverter()
                .getCertificate(b.build(new JcaContentSignerBuilder(SIGNATURE).build(key)));
    }

    private static KeyPair newKeyPair() throws GeneralSecurityException {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        return g.generateKeyPair();
    }

    private static boolean isIpLiteral(String name) {
        return name.indexOf(':') >= 0 || name.matches("\\d{1,3}(\\.\\d{1,3}){3}");
    }

    /**
     * A private key with its certificate chain (leaf first, then the CA unless self-signed).
     *
     * @param privateKey the leaf's private key
     * @param chain the leaf certificate, then its issuers
     */
    public record Credential(PrivateKey privateKey, List<X509Certificate> chain) {
        public Credential {
            chain = List.copyOf(chain);
        }

        /** The leaf certificate. */
        public X509Certificate certificate() {
            return chain.get(0);
        }

        /** The leaf certificate as PEM text. */
        public String certificatePem() {
            return pem(certificate());
        }

        /**
         * A new PKCS12 key store with this key and chain under {@link #ALIAS}, store and key password
         * {@link #PASSWORD}: what Jetty's {@code SslContextFactory} or a client certificate option takes.
         */
        public KeyStore keyStore() {
            try {
                KeyStore ks = KeyStore.getInstance("PKCS12");
                ks.load(null, null);
                ks.setKeyEntry(ALIAS, privateKey, PASSWORD.toCharArray(), chain.toArray(new X509Certificate[0]));
                return ks;
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** Lazy, thread-safe creation by the class loader: the CA is made on the first {@link #get()}. */
    private static final class Holder {
        static final TestCertificates INSTANCE = new TestCertificates();
    }
}
