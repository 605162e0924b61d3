package dev.finch.bench.load;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads nginx's stub_status "accepts" counter, to count the connections each client opened. Counts every connection
 * nginx accepted on any port (its own keep-alive upstream connections for POST included, which settle after the
 * first POST cell), minus the one this request uses.
 */
final class NginxStatus {
    private static final Pattern COUNTERS = Pattern.compile("\\s*(\\d+)\\s+(\\d+)\\s+(\\d+)\\s*");

    private final URI status;

    NginxStatus(URI status) {
        this.status = status;
    }

    /** nginx's accepted-connections counter, or -1 if it cannot be read. */
    long accepts() {
        if (status == null) {
            return -1;
        }
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(status.getHost(), status.getPort()), 2_000);
            s.setSoTimeout(2_000);
            OutputStream out = s.getOutputStream();
            out.write(("GET " + status.getRawPath() + " HTTP/1.1\r\nhost: " + status.getHost()
                            + "\r\nconnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            String text = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
            for (String line : text.split("\r?\n")) {
                Matcher m = COUNTERS.matcher(line);
                if (m.matches()) {
                    return Long.parseLong(m.group(1));
                }
            }
            return -1;
        } catch (IOException e) {
            return -1;
        }
    }
}
