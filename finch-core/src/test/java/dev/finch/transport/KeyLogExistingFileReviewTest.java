package dev.finch.transport;

import static org.assertj.core.api.Assertions.assertThat;

import dev.finch.testing.TestCertificates;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Review: an existing key log file readable by others (e.g. pre-created in /tmp, the directory the docs' example
 * uses) receives the secrets without any warning about its permissions.
 */
class KeyLogExistingFileReviewTest {
    @TempDir
    Path dir;

    @Test
    void anExistingWorldReadableKeyLogFileIsUsedWithoutAWarningAboutItsPermissions() throws Exception {
        Path file = dir.resolve("finch-keys-" + System.nanoTime() + ".log");
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-rw-rw-")));
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-rw-rw-"));
        List<LogRecord> warnings;
        try (LogRecorder log = new LogRecorder(KeyLogFile.class.getName())) {
            TlsOptions.builder()
                    .trustStore(TestCertificates.get().trustStore())
                    .keyLogFile(file)
                    .build();
            warnings = log.records();
        }
        assertThat(Files.getPosixFilePermissions(file)).isEqualTo(PosixFilePermissions.fromString("rw-rw-rw-"));
        assertThat(warnings)
                .as("a warning that the key log is readable by group/others")
                .anySatisfy(r -> assertThat(r.getMessage()).containsIgnoringCase("permission"));
    }
}
