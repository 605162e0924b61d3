package dev.finch.bench.load;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Counts the established TCP connections to a server port on this machine, client side (remote port = the server's),
 * from {@code /proc/net/tcp} and {@code /proc/net/tcp6}: the connections a client holds open at one moment, sampled
 * near the end of its window. Linux only; elsewhere -1.
 */
final class OpenConnections {
    private static final String ESTABLISHED = "01";

    private OpenConnections() {}

    static int to(int port) {
        int count = 0;
        boolean read = false;
        for (String file : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            List<String> lines;
            try {
                lines = Files.readAllLines(Path.of(file));
            } catch (IOException e) {
                continue;
            }
            read = true;
            for (int i = 1; i < lines.size(); i++) {
                String[] f = lines.get(i).trim().split("\\s+");
                if (f.length > 3 && f[3].equals(ESTABLISHED) && portOf(f[2]) == port) {
                    count++;
                }
            }
        }
        return read ? count : -1;
    }

    private static int portOf(String address) {
        int colon = address.lastIndexOf(':');
        return colon < 0 ? -1 : Integer.parseInt(address.substring(colon + 1), 16);
    }
}
