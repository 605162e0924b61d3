package dev.finch.docs;

import dev.finch.conn.ConnectOptions;
import dev.finch.transport.TlsOptions;
import java.nio.file.Path;
import java.security.KeyStore;

/** The TLS examples of docs/connection.md. */
final class TlsExamples {
    private TlsExamples() {}

    static ConnectOptions privateCa(Path caBundle) {
        // tag::tls-private-ca[]
        TlsOptions tls = TlsOptions.builder()
                .trustPemFile(caBundle) // every certificate in the PEM bundle becomes a trust anchor
                .protocols("TLSv1.3") // default: TLSv1.3 and TLSv1.2
                .build(); // build once and share: the SSLContext is made once per TlsOptions
        ConnectOptions options = ConnectOptions.builder().tls(tls).build();
        // end::tls-private-ca[]
        return options;
    }

    static TlsOptions clientCertificate(KeyStore trust, KeyStore identity, char[] password) {
        // tag::tls-mutual[]
        TlsOptions tls = TlsOptions.builder()
                .trustStore(trust)
                .clientCertificate(identity, password) // mutual TLS
                .build();
        // end::tls-mutual[]
        return tls;
    }

    static TlsOptions keyLogging(Path caBundle, Path keyLogFile) {
        // tag::tls-key-log[]
        TlsOptions tls = TlsOptions.builder()
                .trustPemFile(caBundle)
                .keyLogFile(keyLogFile) // e.g. ~/finch-keys.log, created owner-only; for debugging only
                .build();
        // end::tls-key-log[]
        return tls;
    }
}
