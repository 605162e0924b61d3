package dev.finch.conn;

import dev.finch.codec.http1.Http1Encoder;
import dev.finch.http.TransportException;
import dev.finch.transport.Transport;
import dev.finch.transport.Transports;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
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
        long deadline = Transports.deadline(options.connectTimeout());
        Transport transport = unixSocket != null
                ? Transports.unix(unixSocket, deadline)
                : Transports.tcp(host, port, options.keepAlive(), options.preferIpv6(), deadline);
        try {
            Protocol protocol;
            if (scheme == Scheme.HTTPS) {
                transport = Transports.tls(transport, options.tls(), host, alpnOffer(protocols), deadline);
                protocol = negotiated(transport.applicationProtocol(), protocols);
            } else {
                // Plain TCP: HTTP/1.1 whenever it is allowed (no h2c upgrade, RFC 9113 §3.1 dropped it); HTTP/2
                // alone means h2c with prior knowledge (§3.3).
                protocol = protocols.contains(Protocol.HTTP1) ? Protocol.HTTP1 : Protocol.HTTP2;
            }
            String authority = Http1Encoder.authority(host, port, scheme.defaultPort());
            return protocol == Protocol.HTTP2
                    ? Http2Connection.start(transport, scheme, authority, options)
                    : new Http1Connection(transport, authority, options);
        } catch (IOException | RuntimeException e) {
            transport.close();
            throw e;
        }
    }

    /** What ALPN offers: the protocols allowed, h2 first (RFC 7301 §3.1: in order of preference). */
    static List<String> alpnOffer(Set<Protocol> protocols) {
        List<String> offer = new ArrayList<>(2);
        if (protocols.contains(Protocol.HTTP2)) {
            offer.add(Protocol.HTTP2.alpnId());
        }
        if (protocols.contains(Protocol.HTTP1)) {
            offer.add(Protocol.HTTP1.alpnId());
        }
        return offer;
    }

    private static Protocol negotiated(String chosen, Set<Protocol> protocols) throws TransportException {
        if (chosen == null || chosen.isEmpty()) {
            // No ALPN answer means HTTP/1.1 (RFC 7301 servers may ignore the extension); h2 needs ALPN (RFC 9113 §3.2).
            if (!protocols.contains(Protocol.HTTP1)) {
                throw new TransportException(
                        TransportException.Reason.PROTOCOL_NOT_NEGOTIATED, "the server chose no ALPN protocol");
            }
            return Protocol.HTTP1;
        }
        for (Protocol p : protocols) {
            if (chosen.equals(p.alpnId())) {
                return p;
            }
        }
        throw new TransportException(TransportException.Reason.BAD_ALPN_PROTOCOL, chosen);
    }
}
