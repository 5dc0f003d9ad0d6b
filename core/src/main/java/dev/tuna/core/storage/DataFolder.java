package dev.tuna.core.storage;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Makes the folders a data file lives in: readable by their owner only (on a file system with POSIX permissions),
 * as the API token beside the data file is, since the studies in it are no other user's to read either (a folder
 * made with the usual umask let every user of a shared machine read them). Folders already there are left as they
 * are: a folder shared on purpose stays shared.
 */
public final class DataFolder {
    private DataFolder() {
    }

    /** Makes {@code folder} and any missing folders above it, owner-only; nothing if it is there. */
    public static void create(Path folder) throws IOException {
        if (Files.isDirectory(folder)) {
            return;
        }
        if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
            Files.createDirectories(folder, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } else {
            Files.createDirectories(folder);
        }
    }
}
