package dev.finch.bench.load;

import java.util.Arrays;

/** What one request of a workload does, and how many body bytes its response must have. */
enum Workload {
    GET_100B("get-100B", "/100b", 100),
    GET_1MIB("get-1MiB", "/1m", 1024 * 1024),
    /** nginx reads the whole 64 KiB body, then answers "ok" (see benchmarks/nginx/nginx.conf). */
    POST_64KIB("post-64KiB", "/post", 2);

    /** The POST body; shared by all clients and never modified. */
    static final byte[] POST_BODY = postBody();

    final String label;
    final String path;
    final long responseBytes;

    Workload(String label, String path, long responseBytes) {
        this.label = label;
        this.path = path;
        this.responseBytes = responseBytes;
    }

    boolean isPost() {
        return this == POST_64KIB;
    }

    /** Runs one request on {@code client}; returns the response body length. */
    long run(BenchClient client) throws Exception {
        return isPost() ? client.post(path, POST_BODY) : client.get(path);
    }

    static Workload of(String label) {
        for (Workload w : values()) {
            if (w.label.equals(label)) {
                return w;
            }
        }
        throw new IllegalArgumentException("unknown workload " + label + " (get-100B, get-1MiB, post-64KiB)");
    }

    private static byte[] postBody() {
        byte[] body = new byte[64 * 1024];
        Arrays.fill(body, (byte) 'y');
        return body;
    }
}
