package dev.finch.conn;

import dev.finch.codec.http1.Http1Encoder;
import dev.finch.http.TransportException;
import dev.finch.transport.Transport;
import dev.finch.transport.Transports;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/** Opens the transport and chooses the protocol (REFERENCE: "Protocol choice"). */
final class Connections {
    private Connections() {}

    static HttpConnection connect(Scheme scheme, String host, int port, Path unixSocket, ConnectOptions options)
            throws IOException {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("host must not be blank");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port must be in 1..65535, got " + port);
        }
        Set<Protocol> protocols = options.protocols();
        if (scheme == Scheme.HTTP && !protocols.contains(Protocol.HTTP1)) {
            // h2c with prior knowledge: the HTTP/2 connection work adds it.
            throw new UnsupportedOperationException("HTTP/2 is not available yet");
        }
        long deadline = Transports.deadline(options.connectTimeout());
        Transport transport = unixSocket != null
                ? Transports.unix(unixSocket, deadline)
                : Transports.tcp(host, port, options.keepAlive(), deadline);
        try {
            if (scheme == Scheme.HTTPS) {
                transport = Transports.tls(transport, options.tls(), host, alpnOffer(protocols), deadline);
                checkNegotiated(transport.applicationProtocol(), protocols);
            }
            return new Http1Connection(transport, Http1Encoder.authority(host, port, scheme.defaultPort()), options);
        } catch (IOException | RuntimeException e) {
            transport.close();
            throw e;
        }
    }

    /** What ALPN offers: only protocols we can speak, most preferred first. */
    private static List<String> alpnOffer(Set<Protocol> protocols) {
        return protocols.contains(Protocol.HTTP1) ? List.of(Protocol.HTTP1.alpnId()) : List.of();
    }

    private static void checkNegotiated(String chosen, Set<Protocol> protocols) throws TransportException {
        if (chosen == null || chosen.isEmpty()) {
            // No ALPN answer means HTTP/1.1 (RFC 7301 servers may ignore the extension).
            if (!protocols.contains(Protocol.HTTP1)) {
                throw new TransportException(TransportException.Reason.PROTOCOL_NOT_NEGOTIATED, "server chose none");
            }
            return;
        }
        if (!chosen.equals(Protocol.HTTP1.alpnId())) {
            throw new TransportException(TransportException.Reason.BAD_ALPN_PROTOCOL, chosen);
        }
    }
}
