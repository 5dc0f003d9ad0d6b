package dev.tuna.core.storage;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;

/** What went wrong with a file, in words: java.nio's exceptions about a file carry only its path as their message. */
public final class FileErrors {
    private FileErrors() {
    }

    /** {@code e} in words: "no such file or folder: x", "permission denied: x", or its own message. */
    public static String describe(IOException e) {
        String file = e instanceof FileSystemException f && f.getFile() != null ? f.getFile() : null;
        if (e instanceof NoSuchFileException) {
            return "no such file or folder: " + file;
        }
        if (e instanceof FileAlreadyExistsException) {
            return "already exists, and is not a folder: " + file;
        }
        if (e instanceof AccessDeniedException) {
            return "permission denied: " + file;
        }
        return e.getMessage();
    }
}
