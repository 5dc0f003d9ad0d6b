package dev.tuna.web.cli;

/**
 * A command line whose options cannot go together or hold a value of the wrong form, found after picocli parsed it
 * (where no {@code CommandSpec} is at hand): reported as picocli's own usage errors are, in one line with the
 * command's help hint, and with the usage error's exit code (2), not that of a failure (1).
 */
final class UsageException extends IllegalArgumentException {
    UsageException(String message) {
        super(message);
    }
}
