package dev.tuna.core.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import org.junit.jupiter.api.Test;

class FileErrorsTest {
    @Test
    void fileProblemsAreSaidInWordsNotAsABarePath() {
        assertThat(FileErrors.describe(new NoSuchFileException("/x/y.json"))).isEqualTo("no such file or folder: /x/y.json");
        assertThat(FileErrors.describe(new AccessDeniedException("/root/z"))).isEqualTo("permission denied: /root/z");
        assertThat(FileErrors.describe(new FileAlreadyExistsException("/d"))).isEqualTo("already exists, and is not a folder: /d");
        assertThat(FileErrors.describe(new IOException("No space left on device"))).isEqualTo("No space left on device");
    }
}
