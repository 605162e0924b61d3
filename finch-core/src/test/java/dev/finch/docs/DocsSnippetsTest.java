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
        // The region ends at the line before the end marker; common indentation is removed, as in the docs.
        String[] lines = source.substring(s + start.length(), source.lastIndexOf('\n', e) + 1)
                .split("\n", -1);
        int indent = Integer.MAX_VALUE;
        for (String line : lines) {
            if (!line.isBlank()) {
                indent = Math.min(indent, line.length() - line.stripLeading().length());
            }
        }
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < lines.length - 1; i++) {
            out.append(lines[i].isBlank() ? lines[i] : lines[i].substring(indent))
                    .append('\n');
        }
        return out.toString();
    }
}
