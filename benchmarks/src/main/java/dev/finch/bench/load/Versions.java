package dev.finch.bench.load;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * The versions of the clients on the class path, for the report, from the dependency list the build writes into the
 * jar ({@code dependency-versions.txt}, lines like {@code io.projectreactor.netty:reactor-netty-http:jar:1.3.6}).
 */
final class Versions {
    private static final Map<String, String> ARTIFACTS = Map.of(
            "finch-conn", "dev.finch:finch-core",
            "okhttp", "com.squareup.okhttp3:okhttp-jvm",
            "apache", "org.apache.httpcomponents.client5:httpclient5",
            "jetty", "org.eclipse.jetty:jetty-client",
            "reactor-netty", "io.projectreactor.netty:reactor-netty-http");

    private static final Map<String, String> RESOLVED = load();

    private Versions() {}

    static String of(String client) {
        if (client.equals("jdk")) {
            return Runtime.version().toString();
        }
        String artifact = ARTIFACTS.get(client.equals("finch") ? "finch-conn" : client);
        return artifact == null ? "" : RESOLVED.getOrDefault(artifact, "?");
    }

    private static Map<String, String> load() {
        Map<String, String> versions = new HashMap<>();
        try (InputStream in = Versions.class.getResourceAsStream("/dependency-versions.txt")) {
            if (in == null) {
                return versions;
            }
            BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            for (String line; (line = reader.readLine()) != null; ) {
                String[] f = line.trim().split(":");
                if (f.length >= 4) {
                    versions.put(
                            f[0] + ":" + f[1],
                            f[f.length - 1].replaceAll("\\s.*", "").replace("(optional)", ""));
                }
            }
        } catch (IOException e) {
            // versions stay unknown
        }
        return versions;
    }
}
