package dev.finch.bench.load;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The versions of the clients on the class path, for the report. */
final class Versions {
    private Versions() {}

    static String of(String client) {
        return switch (client) {
            case "finch-conn", "finch" -> "0.1.0-SNAPSHOT";
            case "okhttp" -> okhttp3.OkHttp.VERSION;
            case "apache" -> pom("org.apache.httpcomponents.client5", "httpclient5");
            case "jetty" -> org.eclipse.jetty.util.Jetty.VERSION;
            case "reactor-netty" -> pom("io.projectreactor.netty", "reactor-netty-http");
            case "jdk" -> Runtime.version().toString();
            default -> "";
        };
    }

    private static String pom(String group, String artifact) {
        String path = "/META-INF/maven/" + group + "/" + artifact + "/pom.properties";
        try (InputStream in = Versions.class.getResourceAsStream(path)) {
            if (in == null) {
                return "?";
            }
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version", "?");
        } catch (IOException e) {
            return "?";
        }
    }
}
