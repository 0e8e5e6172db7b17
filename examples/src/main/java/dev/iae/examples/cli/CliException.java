package dev.iae.examples.cli;

/**
 * A user mistake (a missing file, a wrong option, data the command cannot use). The command-line tool prints its
 * message as one sentence on standard error, without a stack trace, and exits with {@link IaeCli#EXIT_USER_ERROR}.
 */
public final class CliException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     * @param message one sentence saying what is wrong and, where possible, how to fix it.
     */
    public CliException(String message) {
        super(message);
    }

    /**
     * Creates the exception with its cause (kept for {@code --verbose}).
     * @param message one sentence saying what is wrong and, where possible, how to fix it.
     * @param cause the underlying exception.
     */
    public CliException(String message, Throwable cause) {
        super(message, cause);
    }
}
