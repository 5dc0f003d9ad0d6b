package dev.tuna.web.cli;

import static dev.tuna.web.cli.TunaRun.tuna;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tuna.core.storage.StorageException;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;

class OneLineErrorHandlerTest {

    @Test
    void tunasOwnExceptionsShowTheirMessageAlone() {
        assertThat(OneLineErrorHandler.message(new StorageException("cannot open x.db: it is already open in another process")))
                .isEqualTo("cannot open x.db: it is already open in another process");
        assertThat(OneLineErrorHandler.message(new IllegalArgumentException("trials must not be negative, got -1")))
                .isEqualTo("trials must not be negative, got -1");
    }

    @Test
    void otherExceptionsAreNamed() {
        assertThat(OneLineErrorHandler.message(new UnsupportedOperationException("not here")))
                .isEqualTo("UnsupportedOperationException: not here");
        assertThat(OneLineErrorHandler.message(new NullPointerException())).isEqualTo("NullPointerException");
    }

    @Test
    void aMessageOfSeveralLinesKeepsItsFirst() {
        assertThat(OneLineErrorHandler.message(new IllegalStateException("first line\nsecond line\n\tat somewhere")))
                .isEqualTo("first line");
    }

    @Command(name = "boom")
    static final class Boom implements Runnable {
        @Override
        public void run() {
            throw new StorageException("the disk is full", new java.io.IOException("ENOSPC"));
        }
    }

    @Test
    void printsOneLineNamedAfterTheCommandAndReturnsTheExecutionErrorCode() {
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(new Boom()).setExecutionExceptionHandler(new OneLineErrorHandler());
        cl.setErr(new PrintWriter(err, true));
        cl.setColorScheme(CommandLine.Help.defaultColorScheme(CommandLine.Help.Ansi.OFF));

        int code = cl.execute();

        assertThat(code).isEqualTo(1);
        assertThat(err.toString()).isEqualTo("boom: the disk is full" + System.lineSeparator());
    }

    @Test
    void aDataFolderThatIsAFileGetsOneLineSayingSo(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        java.nio.file.Path file = java.nio.file.Files.writeString(dir.resolve("afile"), "");
        java.nio.file.Path spec = java.nio.file.Files.writeString(dir.resolve("s.json"), """
                {"name": "s", "trials": 1, "trainable": {"type": "branin"},
                 "space": {"x1": {"type": "float", "low": -5, "high": 10}, "x2": {"type": "float", "low": 0, "high": 15}}}
                """);
        TunaRun run = tuna("run", spec.toString(), "--data", file.toString());

        assertThat(run.code()).isEqualTo(1);
        assertThat(run.err().strip()).isEqualTo("tuna run: --data " + file + ": already exists, and is not a folder: "
                + file);
    }

    @Test
    void aMistypedCommandGetsPicocliSuggestionsOnTheSameLine() {
        TunaRun run = tuna("studys");

        assertThat(run.code()).isEqualTo(2);
        assertThat(run.err().strip()).startsWith("tuna: Unmatched argument at index 0: 'studys'; did you mean studies")
                .endsWith("? (see 'tuna --help')").doesNotContain("\n");
    }
}
