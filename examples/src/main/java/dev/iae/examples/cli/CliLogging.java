package dev.iae.examples.cli;

import java.io.PrintStream;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

/**
 * Routes {@code java.util.logging} (Tribuo's, the trainer's, and DJL's through SLF4J) for the command-line tool:
 * warnings are printed as one line each ("warning: …"); other records are shown only with {@code --verbose}. While a
 * {@link Progress} bar is attached, lines are printed above it without breaking it.
 * <p>
 * Training progress does not come from the log: the trainer reports every batch and epoch to a
 * {@link dev.iae.tribuo.TrainingListener} ({@link TrainingProgress}).
 */
public final class CliLogging extends Handler {
    /** Loggers whose records are shown only with --verbose (DJL's engine start-up, through SLF4J). */
    private static final String QUIET_PREFIX = "ai.djl";

    private final PrintStream err;
    private final boolean verbose;
    private final SimpleFormatter formatter = new SimpleFormatter();
    private volatile Progress progress;

    private CliLogging(PrintStream err, boolean verbose) {
        this.err = err;
        this.verbose = verbose;
        setLevel(Level.ALL);
    }

    /**
     * Replaces the root logger's handlers with one that prints as described in the class comment.
     * @param err where messages go (standard error).
     * @param verbose true to show informational records too.
     * @return the installed handler.
     */
    public static CliLogging install(PrintStream err, boolean verbose) {
        LogManager.getLogManager().reset();
        Logger root = Logger.getLogger("");
        CliLogging handler = new CliLogging(err, verbose);
        root.addHandler(handler);
        root.setLevel(verbose ? Level.INFO : Level.INFO);
        return handler;
    }

    /**
     * Prints log lines above a progress bar (so they do not break it) until detached.
     * @param display the display, or null to print directly again.
     */
    public void attach(Progress display) {
        this.progress = display;
    }

    @Override
    public void publish(LogRecord record) {
        if (record == null) {
            return;
        }
        String msg = formatter.formatMessage(record);
        Progress p = progress;
        String source = record.getLoggerName() == null ? "" : record.getLoggerName();
        if (!verbose && source.startsWith(QUIET_PREFIX)) {
            // DJL's start-up chatter (e.g. "Failed to detect GPU count" on CPU-only machines) is not actionable.
            return;
        }
        if (record.getLevel().intValue() >= Level.WARNING.intValue()) {
            print(p, "warning: " + firstLine(msg));
        } else if (verbose && record.getLevel().intValue() >= Level.INFO.intValue()) {
            print(p, "info: " + msg);
        }
    }

    private void print(Progress p, String line) {
        if (p != null) {
            p.println(line);
        } else {
            err.println(line);
            err.flush();
        }
    }

    private static String firstLine(String msg) {
        int nl = msg.indexOf('\n');
        return nl >= 0 ? msg.substring(0, nl) : msg;
    }

    @Override
    public void flush() {
        err.flush();
    }

    @Override
    public void close() {
        flush();
    }
}
