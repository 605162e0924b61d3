package dev.finch.client;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/** What a client leaves behind: its threads (named {@code finch-*}) and open file descriptors. */
public final class Leaks {
    private Leaks() {}

    /** Names of live platform threads the client created. */
    public static Set<String> finchThreads() {
        Set<String> names = new TreeSet<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.isAlive() && t.getName().startsWith("finch-")) {
                names.add(t.getName());
            }
        }
        return names;
    }

    /** Open file descriptors of this process (Linux). */
    public static long openFileDescriptors() {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
