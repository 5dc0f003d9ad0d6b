package dev.tuna.web.cli;

import dev.tuna.core.storage.StorageException;
import java.io.PrintWriter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.ParseResult;

/**
 * Turns an exception that ends a command into one line on stderr and a non-zero exit code: people read the
 * message, not a stack trace. The stack trace is logged at debug level for those who want it
 * ({@code -Dorg.slf4j.simpleLogger.defaultLogLevel=debug}).
 */
public final class OneLineErrorHandler implements IExecutionExceptionHandler {
    private static final Logger LOG = LoggerFactory.getLogger(OneLineErrorHandler.class);

    @Override
    public int handleExecutionException(Exception ex, CommandLine commandLine, ParseResult parseResult) {
        LOG.debug("'{}' failed", commandLine.getCommandSpec().qualifiedName(), ex);
        PrintWriter err = commandLine.getErr();
        err.println(commandLine.getColorScheme().errorText(commandLine.getCommandSpec().qualifiedName() + ": " + message(ex)));
        err.flush();
        return commandLine.getCommandSpec().exitCodeOnExecutionException();
    }

    /** The exception's message on one line; unexpected kinds of exception also say what they are. */
    static String message(Throwable ex) {
        String message = ex.getMessage();
        // Tuna's own failures explain themselves; anything else (a bug, most likely) is named too.
        boolean expected = ex instanceof StorageException || ex instanceof IllegalArgumentException
                || ex instanceof IllegalStateException;
        if (message == null || message.isBlank()) {
            return ex.getClass().getSimpleName();
        }
        String line = message.strip().lines().findFirst().orElse("");
        return expected ? line : ex.getClass().getSimpleName() + ": " + line;
    }
}
