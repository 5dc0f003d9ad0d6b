package dev.tuna.web.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ApiTokenTest {
    @TempDir
    Path dir;

    @Test
    void theTokenIsWrittenWholeOnceAndReadAfter() throws IOException {
        ApiToken made = ApiToken.loadOrCreate(dir);
        assertThat(made.created()).isTrue();
        Path file = dir.resolve(ApiToken.FILE);
        assertThat(Files.readString(file)).isEqualTo(made.value() + "\n");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        // Nothing else is left beside it (it is written to a file of its own first, then linked in).
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files).containsExactly(file);
        }
        ApiToken again = ApiToken.loadOrCreate(dir);
        assertThat(again).isEqualTo(new ApiToken(made.value(), false));
    }

    @Test
    void anEmptyTokenFileIsRefusedInOneLine() throws IOException {
        Files.writeString(dir.resolve(ApiToken.FILE), "");
        assertThatThrownBy(() -> ApiToken.loadOrCreate(dir)).hasMessage("the API token file " + dir.resolve(ApiToken.FILE)
                + " is empty: delete it, and the next start makes a new token");
    }
}
