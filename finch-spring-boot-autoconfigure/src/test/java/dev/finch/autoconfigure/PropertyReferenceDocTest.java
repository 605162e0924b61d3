package dev.finch.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** docs/spring-boot.md's property reference lists exactly the generated metadata's properties, with its defaults. */
class PropertyReferenceDocTest {
    private static final Pattern ROW = Pattern.compile("^\\| `([^`]+)` \\| ([^|]+) \\|", Pattern.MULTILINE);
    private static final Set<String> NAMED_POOL_ONLY = Set.of("url", "unix-socket", "unix-socket-tls", "tag");

    @Test
    void everyPropertyIsDocumentedWithItsDefault() throws IOException {
        Map<String, String> documented = documented();
        Map<String, String> metadata = metadata();
        metadata.forEach((name, def) -> {
            assertThat(documented).as("docs/spring-boot.md documents %s", name).containsKey(name);
            assertThat(documented.get(name)).as("default of %s", name).isEqualTo(def);
        });
    }

    @Test
    void everyDocumentedPropertyExists() throws IOException {
        Map<String, String> metadata = metadata();
        for (String name : documented().keySet()) {
            if (name.startsWith("finch.pools.<name>.")) {
                String rest = name.substring("finch.pools.<name>.".length());
                assertThat(NAMED_POOL_ONLY.contains(rest) || metadata.containsKey("finch.default-pool." + rest))
                        .as("%s is a named-pool property", name)
                        .isTrue();
            } else if (!name.equals("management.health.finch.enabled")) {
                assertThat(metadata).as("metadata has %s", name).containsKey(name);
            }
        }
    }

    private static Map<String, String> documented() throws IOException {
        String doc = Files.readString(Path.of("../docs/spring-boot.md"));
        String table = doc.substring(doc.indexOf("<!-- properties:start -->"), doc.indexOf("<!-- properties:end -->"));
        Map<String, String> out = new LinkedHashMap<>();
        Matcher m = ROW.matcher(table);
        while (m.find()) {
            out.put(m.group(1), m.group(2).trim().replace("`", ""));
        }
        return out;
    }

    private static Map<String, String> metadata() throws IOException {
        JsonNode root;
        try (InputStream in =
                PropertyReferenceDocTest.class.getResourceAsStream("/META-INF/spring-configuration-metadata.json")) {
            root = JsonMapper.builder().build().readTree(in);
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (JsonNode p : root.get("properties")) {
            JsonNode def = p.get("defaultValue");
            String text;
            if (def == null || def.isNull()) {
                text = "none";
            } else if (def.isArray()) {
                StringBuilder b = new StringBuilder("[");
                def.forEach(v -> b.append(b.length() > 1 ? ", " : "").append(v.asString()));
                text = b.append("]").toString();
            } else {
                text = def.asString();
            }
            out.put(p.get("name").asString(), text);
        }
        return out;
    }
}
