package dev.tuna.web.cli;

import dev.tuna.core.storage.FileErrors;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reads a spec's JSON text from a file, or from standard input for {@code -}. */
final class SpecFile {
    private SpecFile() {
    }

    /** How messages name the spec's file: standard input for {@code -}. */
    static String shown(Path file) {
        return file.toString().equals("-") ? "standard input" : file.toString();
    }

    /**
     * The text of the spec: UTF-8, with a leading byte order mark (as some editors write) dropped.
     *
     * @throws IllegalArgumentException naming the file, if it cannot be read or is not UTF-8 text
     */
    static String read(Path file) {
        byte[] bytes;
        try {
            bytes = file.toString().equals("-") ? System.in.readAllBytes() : Files.readAllBytes(file);
        } catch (IOException e) {
            throw new IllegalArgumentException(shown(file) + ": cannot read: " + FileErrors.describe(e));
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException(shown(file) + ": not UTF-8 text (save the spec as UTF-8)");
        }
        return text.startsWith("\uFEFF") ? text.substring(1) : text;
    }
}
