package dev.finch.conn;

import dev.finch.http.HttpHeaders;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** One request's parts gathered from a connection in passive mode, for assertions. */
final class Exchange {
    final List<ResponsePart> parts = new ArrayList<>();
    final List<Integer> statuses = new ArrayList<>();
    HttpHeaders headers;
    HttpHeaders trailers;
    final ByteArrayOutputStream body = new ByteArrayOutputStream();
    IOException error;
    boolean done;

    /** Calls recv until {@code ref} ends with Done or Error, keeping parts of other requests in {@code others}. */
    static Exchange await(HttpConnection conn, RequestRef ref, Duration timeout) throws IOException {
        Exchange ex = new Exchange();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!ex.done && ex.error == null) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError("no end for " + ref + " within " + timeout + "; got " + ex.parts);
            }
            for (ResponsePart p : conn.recv(Duration.ofNanos(left))) {
                if (p.ref() == ref) {
                    ex.add(p);
                }
            }
        }
        return ex;
    }

    /** Records the parts of several pipelined requests at once. */
    static List<Exchange> awaitAll(HttpConnection conn, List<RequestRef> refs, Duration timeout) throws IOException {
        List<Exchange> all = new ArrayList<>();
        for (int i = 0; i < refs.size(); i++) {
            all.add(new Exchange());
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        while (all.stream().anyMatch(e -> !e.done && e.error == null)) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError("requests did not end within " + timeout);
            }
            for (ResponsePart p : conn.recv(Duration.ofNanos(left))) {
                all.get(refs.indexOf(p.ref())).add(p);
            }
        }
        return all;
    }

    void add(ResponsePart p) {
        parts.add(p);
        if (p instanceof ResponsePart.Status s) {
            statuses.add(s.code());
        } else if (p instanceof ResponsePart.Headers h) {
            headers = h.headers();
        } else if (p instanceof ResponsePart.Data d) {
            body.writeBytes(d.bytes());
        } else if (p instanceof ResponsePart.Trailers t) {
            trailers = t.headers();
        } else if (p instanceof ResponsePart.Done) {
            done = true;
        } else if (p instanceof ResponsePart.Error e) {
            error = e.error();
        }
    }

    int status() {
        return statuses.get(statuses.size() - 1);
    }

    String bodyText() {
        return body.toString(java.nio.charset.StandardCharsets.ISO_8859_1);
    }
}
