package dev.finch.docs;

import dev.finch.conn.ConnectOptions;
import dev.finch.conn.HttpConnection;
import dev.finch.conn.RequestBody;
import dev.finch.conn.RequestRef;
import dev.finch.conn.ResponsePart;
import dev.finch.conn.Scheme;
import dev.finch.http.HttpHeaders;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** The quick start of docs/connection.md. */
final class QuickStartExample {
    private QuickStartExample() {}

    static String fetch(String host, int port) throws IOException {
        // tag::quick-start[]
        try (HttpConnection conn = HttpConnection.connect(Scheme.HTTP, host, port, ConnectOptions.defaults())) {
            RequestRef ref = conn.request("GET", "/hello", HttpHeaders.of("accept", "text/plain"), RequestBody.none());

            int status = 0;
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            boolean done = false;
            while (!done) {
                for (ResponsePart part : conn.recv(Duration.ofSeconds(15))) {
                    if (part instanceof ResponsePart.Status s) {
                        status = s.code();
                    } else if (part instanceof ResponsePart.Data d) {
                        body.writeBytes(d.bytes());
                    } else if (part instanceof ResponsePart.Done) {
                        done = true;
                    } else if (part instanceof ResponsePart.Error e) {
                        throw e.error(); // typed: HttpProtocolException or TransportException
                    }
                }
            }
            return status + " " + body.toString(StandardCharsets.UTF_8);
        }
        // end::quick-start[]
    }
}
