package dev.finch.docs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Keeps the code in docs/ honest: every block introduced by {@code <!-- snippet: PATH#TAG -->} must equal the region
 * between {@code // tag::TAG[]} and {@code // end::TAG[]} of that source file, which the build compiles and a test
 * runs.
 */
class DocsSnippetsTest {
    private static final Pattern SNIPPET =
            Pattern.compile("<!-- snippet: (\\S+)#(\\S+) -->\\s*\\n```java\\n(.*?)```", Pattern.DOTALL);

    static Path root() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.isDirectory(dir.resolve("docs"))) {
            dir = dir.getParent();
        }
        if (dir == null) {
            throw new IllegalStateException(
                    "docs/ not found above " + Path.of("").toAbsolutePath());
        }
        return dir;
    }

    @Test
    void everyDocumentedSnippetMatchesItsCompiledSource() throws IOException {
        Path root = root();
        List<String> checked = new ArrayList<>();
        List<Path> docs;
        try (Stream<Path> files = Files.walk(root.resolve("docs"))) {
            docs = files.filter(p -> p.toString().endsWith(".md")).toList();
        }
        for (Path doc : docs) {
            Matcher m = SNIPPET.matcher(Files.readString(doc));
            while (m.find()) {
                Path source = root.resolve(m.group(1));
                assertThat(source).as("snippet source named in " + doc).exists();
                String region = region(Files.readString(source), m.group(2));
                assertThat(m.group(3))
                        .as("snippet %s#%s in %s", m.group(1), m.group(2), doc.getFileName())
                        .isEqualTo(region);
                checked.add(m.group(2));
            }
        }
        assertThat(checked).contains("connection-process", "many-connections");
    }

    private static String region(String source, String tag) {
        String start = "// tag::" + tag + "[]\n";
        String end = "// end::" + tag + "[]";
        int s = source.indexOf(start);
        int e = source.indexOf(end);
        assertThat(s).as("tag %s", tag).isNotNegative();
        assertThat(e).as("end of tag %s", tag).isGreaterThan(s);
        return source.substring(s + start.length(), e);
    }
}
