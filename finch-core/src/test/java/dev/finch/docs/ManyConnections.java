package dev.finch.docs;

import dev.finch.conn.ConnectOptions;
import dev.finch.conn.HttpConnection;
import dev.finch.conn.RequestBody;
import dev.finch.conn.ResponsePart;
import dev.finch.conn.Scheme;
import dev.finch.http.HttpHeaders;
import dev.finch.http.TransportException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

// tag::many-connections[]
/** One thread driving many connections through one Selector: Mint's "many connections in one process". */
public final class ManyConnections {
    private ManyConnections() {}

    /** Fetches every URL at once, one connection each, on the calling thread; returns the bodies by URL. */
    public static Map<URI, String> fetchAll(List<URI> urls, Duration timeout) throws IOException {
        Map<URI, String> bodies = new LinkedHashMap<>();
        List<HttpConnection> conns = new ArrayList<>();
        try (Selector selector = Selector.open()) {
            Map<HttpConnection, ByteArrayOutputStream> received = new LinkedHashMap<>();
            Map<HttpConnection, URI> urlOf = new LinkedHashMap<>();
            for (URI url : urls) {
                HttpConnection conn = HttpConnection.connect(
                        Scheme.of(url.getScheme()), url.getHost(), url.getPort(), ConnectOptions.defaults());
                conns.add(conn);
                conn.request("GET", url.getRawPath(), HttpHeaders.EMPTY, RequestBody.none());
                conn.register(selector).attach(conn); // the attachment is ours to use
                received.put(conn, new ByteArrayOutputStream());
                urlOf.put(conn, url);
            }
            long deadline = System.nanoTime() + timeout.toNanos();
            while (bodies.size() < urls.size()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new TransportException(TransportException.Reason.TIMEOUT, "fetchAll after " + timeout);
                }
                selector.select(Math.max(1, left / 1_000_000));
                for (SelectionKey key : selector.selectedKeys()) {
                    HttpConnection conn = (HttpConnection) key.attachment();
                    for (ResponsePart part : conn.stream(key)) {
                        if (part instanceof ResponsePart.Data d) {
                            received.get(conn).writeBytes(d.bytes());
                        } else if (part instanceof ResponsePart.Done) {
                            bodies.put(urlOf.get(conn), received.get(conn).toString(StandardCharsets.UTF_8));
                        } else if (part instanceof ResponsePart.Error e) {
                            throw e.error();
                        }
                    }
                }
                selector.selectedKeys().clear();
            }
            return bodies;
        } finally {
            conns.forEach(HttpConnection::close);
        }
    }
}
// end::many-connections[]
