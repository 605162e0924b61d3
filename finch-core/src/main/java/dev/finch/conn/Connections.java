package dev.finch.conn;

import dev.finch.codec.http1.Http1Encoder;
import dev.finch.http.HttpHeaders;
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
    /** What we offer an https proxy with ALPN: we speak HTTP/1.1 to it. */
    private static final List<String> PROXY_ALPN = List.of(Protocol.HTTP1.alpnId());

    private Connections() {}

    /**
     * Opens the transport (TCP to the target or its proxy, or the Unix socket), then TLS and the protocol.
     *
     * @param limit an absolute end for the whole connect, {@link System#nanoTime()} based, on top of the timeouts of
     *     {@code options}; {@link Long#MAX_VALUE} for none
     */
    static HttpConnection connect(
            Scheme scheme, String host, int port, Path unixSocket, ConnectOptions options, long limit)
            throws IOException {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("host must not be blank");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port must be in 1..65535, got " + port);
        }
        Set<Protocol> protocols = options.protocols();
        Proxy proxy = unixSocket == null
                ? options.proxy().proxyFor(scheme, host).orElse(null)
                : null; // a Unix socket is local: no proxy
        if (proxy != null && scheme == Scheme.HTTP && !protocols.contains(Protocol.HTTP1)) {
            throw new IllegalArgumentException("HTTP/2 with prior knowledge cannot go through the forward proxy "
                    + proxy + " to http://" + Http1Encoder.authority(host, port, 80)
                    + "; allow HTTP1 for this pool, or reach the target directly (nonProxyHosts)");
        }
        // The connect deadline (a pool's request deadline, finch#26) bounds every step, the tunnel's too.
        long deadline = Math.min(Transports.deadline(options.connectTimeout()), limit);
        Transport transport;
        if (unixSocket != null) {
            transport = Transports.unix(unixSocket, deadline);
        } else if (proxy != null) {
            transport = Transports.tcp(proxy.host(), proxy.port(), options.keepAlive(), options.preferIpv6(), deadline);
        } else {
            transport = Transports.tcp(host, port, options.keepAlive(), options.preferIpv6(), deadline);
        }
        try {
            HttpHeaders proxyAnswer = HttpHeaders.EMPTY;
            if (proxy != null && proxy.scheme() == Scheme.HTTPS) {
                // We speak HTTP/1.1 to the proxy itself (CONNECT, or absolute-form requests).
                // A pool logging TLS secrets logs the proxy hop's too: a capture decrypts only with both.
                transport = Transports.tls(transport, proxy.tlsFor(options.tls()), proxy.host(), PROXY_ALPN, deadline);
            }
            Protocol protocol;
            if (scheme == Scheme.HTTPS) {
                if (proxy != null) {
                    proxyAnswer = ProxyTunnel.open(transport, proxy, host, port, options, limit);
                    // The tunnel's time is the proxy's tunnel timeout; the target's handshake gets its own budget,
                    // both within the connect deadline.
                    deadline = Math.min(Transports.deadline(options.connectTimeout()), limit);
                }
                transport = Transports.tls(transport, options.tls(), host, alpnOffer(protocols), deadline);
                protocol = negotiated(transport.applicationProtocol(), protocols);
            } else {
                // Plain TCP: HTTP/1.1 whenever it is allowed (no h2c upgrade, RFC 9113 §3.1 dropped it); HTTP/2
                // alone means h2c with prior knowledge (§3.3).
                protocol = protocols.contains(Protocol.HTTP1) ? Protocol.HTTP1 : Protocol.HTTP2;
            }
            String authority = Http1Encoder.authority(host, port, scheme.defaultPort());
            BaseConnection connection;
            if (protocol == Protocol.HTTP2) {
                connection = Http2Connection.start(transport, scheme, authority, options);
            } else if (proxy != null && scheme == Scheme.HTTP) {
                connection = new Http1Connection(transport, authority, options, proxy.headers());
            } else {
                connection = new Http1Connection(transport, authority, options);
            }
            connection.proxyResponseHeaders = proxyAnswer;
            return connection;
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
