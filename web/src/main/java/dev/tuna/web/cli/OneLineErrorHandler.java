package dev.tuna.web.cli;

import dev.tuna.core.storage.StorageException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * Turns an exception that ends a command, or a command line that does not parse, into one line on stderr and a
 * non-zero exit code: people read the message, not a stack trace or a page of usage. The stack trace is logged at
 * debug level for those who want it ({@code -Dorg.slf4j.simpleLogger.defaultLogLevel=debug}).
 */
public final class OneLineErrorHandler implements IExecutionExceptionHandler, IParameterExceptionHandler {
    private static final Logger LOG = LoggerFactory.getLogger(OneLineErrorHandler.class);

    /** Makes {@code commandLine} report both kinds of error in one line, and refuse an empty path; returns it. */
    public static CommandLine install(CommandLine commandLine) {
        // An empty path is the current folder to Path.of: "--data ''" wrote tuna.db where the command ran.
        commandLine.registerConverter(java.nio.file.Path.class, text -> {
            if (text.isBlank()) {
                throw new picocli.CommandLine.TypeConversionException("an empty path");
            }
            return java.nio.file.Path.of(text);
        });
        OneLineErrorHandler handler = new OneLineErrorHandler();
        return commandLine.setExecutionExceptionHandler(handler).setParameterExceptionHandler(handler);
    }

    /**
     * A command line that does not parse: {@code CMD: problem (see 'CMD --help')}, with picocli's suggestions for
     * a mistyped command or option, and the usage error's exit code.
     */
    @Override
    public int handleParseException(ParameterException ex, String[] args) {
        CommandLine commandLine = ex.getCommandLine();
        String name = commandLine.getCommandSpec().qualifiedName();
        String message = ex.getMessage() == null ? "invalid command line" : ex.getMessage();
        String line = name + ": " + message.strip().lines().findFirst().orElse("");
        if (ex instanceof UnmatchedArgumentException unmatched && !unmatched.getSuggestions().isEmpty()) {
            line += "; did you mean " + String.join(" or ", unmatched.getSuggestions()) + "?";
        }
        PrintWriter err = commandLine.getErr();
        err.println(commandLine.getColorScheme().errorText(line + " (see '" + name + " --help')"));
        err.flush();
        return commandLine.getCommandSpec().exitCodeOnInvalidInput();
    }

    @Override
    public int handleExecutionException(Exception ex, CommandLine commandLine, ParseResult parseResult) {
        if (ex instanceof UsageException) {
            // Escaped as failures are: it quotes what was typed.
            return handleParseException(new ParameterException(commandLine, Terminal.printable(ex.getMessage())), null);
        }
        LOG.debug("'{}' failed", commandLine.getCommandSpec().qualifiedName(), ex);
        PrintWriter err = commandLine.getErr();
        // Escaped: a message may quote a study's name or a value, and those may hold anything.
        err.println(commandLine.getColorScheme().errorText(commandLine.getCommandSpec().qualifiedName() + ": "
                + Terminal.printable(message(ex))));
        err.flush();
        return commandLine.getCommandSpec().exitCodeOnExecutionException();
    }

    /** The exception's message on one line; unexpected kinds of exception also say what they are. */
    static String message(Throwable ex) {
        String message = ex.getMessage();
        // Tuna's own failures explain themselves; anything else (a bug, most likely) is named too.
        boolean expected = ex instanceof StorageException || ex instanceof IllegalArgumentException
                || ex instanceof IllegalStateException || ex instanceof UncheckedIOException;
        if (message == null || message.isBlank()) {
            return ex.getClass().getSimpleName();
        }
        String line = message.strip().lines().findFirst().orElse("");
        return expected ? line : ex.getClass().getSimpleName() + ": " + line;
    }
}
