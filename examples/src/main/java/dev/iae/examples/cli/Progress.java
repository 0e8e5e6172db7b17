package dev.iae.examples.cli;

import java.io.PrintStream;
import java.util.Locale;

/**
 * Progress display on standard error: a live one-line bar (percentage, detail text such as epoch and loss, elapsed
 * time and ETA) redrawn in place when the output is a terminal, and plain log lines otherwise (CI logs, pipes,
 * files), so that the output stays readable in both.
 * <p>
 * Thread-safe: the trainer's {@link dev.iae.tribuo.TrainingListener} ({@link TrainingProgress}) updates it from the
 * training thread.
 */
public final class Progress implements AutoCloseable {
    /** How progress is shown. */
    public enum Mode {
        /** A bar on a terminal, log lines otherwise. */
        AUTO,
        /** Always a live bar (carriage-return redraws). */
        BAR,
        /** Plain log lines. */
        LOG,
        /** Nothing. */
        NONE
    }

    private static final int BAR_WIDTH = 28;
    private static final long REDRAW_NANOS = 100_000_000L;
    private static final long LOG_INTERVAL_NANOS = 5_000_000_000L;

    private final PrintStream out;
    private final Mode mode;
    private String task = "";
    private long start;
    private long lastDraw;
    private long lastLog;
    private int lastLoggedDecile = -1;
    private int lastWidth;
    private boolean active;

    /**
     * Creates a progress display.
     * @param out where it is drawn (standard error).
     * @param mode the mode; {@link Mode#AUTO} becomes a bar when a console is attached, log lines otherwise.
     */
    public Progress(PrintStream out, Mode mode) {
        this.out = out;
        this.mode = mode == Mode.AUTO ? (System.console() != null ? Mode.BAR : Mode.LOG) : mode;
    }

    /** @return the effective mode (never AUTO). */
    public Mode mode() {
        return mode;
    }

    /**
     * Starts a task.
     * @param name what is being done, e.g. "training" or "scoring".
     */
    public synchronized void start(String name) {
        task = name;
        start = System.nanoTime();
        lastDraw = 0;
        lastLog = start;
        lastLoggedDecile = -1;
        active = true;
    }

    /**
     * Reports progress.
     * @param fraction done so far, in [0, 1] (NaN if unknown).
     * @param detail what to show after the bar (epoch, loss, rows …).
     * @param milestone true if this update is worth a log line of its own (e.g. the end of an epoch).
     */
    public synchronized void update(double fraction, String detail, boolean milestone) {
        draw(fraction, detail, milestone, true);
    }

    /**
     * Reports fine-grained progress (e.g. one mini-batch): redraws the bar, but in log mode prints a line only when
     * no line was printed for a while (every 5 s), not at every tenth of the work.
     * @param fraction done so far, in [0, 1].
     * @param detail what to show after the bar.
     */
    public synchronized void tick(double fraction, String detail) {
        draw(fraction, detail, false, false);
    }

    private void draw(double fraction, String detail, boolean milestone, boolean deciles) {
        if (!active || mode == Mode.NONE) {
            return;
        }
        long now = System.nanoTime();
        double elapsed = (now - start) / 1e9;
        String eta = "";
        if (fraction > 0 && fraction < 1 && Double.isFinite(fraction)) {
            eta = " ETA " + clock(elapsed / fraction * (1 - fraction));
        }
        if (mode == Mode.BAR) {
            if (!milestone && now - lastDraw < REDRAW_NANOS && fraction < 1) {
                return;
            }
            lastDraw = now;
            StringBuilder sb = new StringBuilder("\r").append(task).append(" [");
            int filled = Double.isFinite(fraction) ? (int) Math.round(Math.min(1, fraction) * BAR_WIDTH) : 0;
            for (int i = 0; i < BAR_WIDTH; i++) {
                sb.append(i < filled ? '=' : (i == filled ? '>' : ' '));
            }
            sb.append("] ");
            if (Double.isFinite(fraction)) {
                sb.append(String.format(Locale.ROOT, "%3.0f%% ", 100 * fraction));
            }
            sb.append(detail).append(" ").append(clock(elapsed)).append(eta);
            int width = sb.length();
            for (int i = width; i < lastWidth; i++) {
                sb.append(' ');
            }
            lastWidth = width;
            out.print(sb);
            out.flush();
        } else {
            int decile = Double.isFinite(fraction) ? (int) Math.floor(fraction * 10) : -1;
            boolean due = milestone || now - lastLog >= LOG_INTERVAL_NANOS
                    || (deciles && decile > lastLoggedDecile && decile >= 0);
            if (!due) {
                return;
            }
            lastLog = now;
            lastLoggedDecile = Math.max(lastLoggedDecile, decile);
            String pct = Double.isFinite(fraction) ? String.format(Locale.ROOT, " %3.0f%%", 100 * fraction) : "";
            out.println(task + pct + ": " + detail + " (" + clock(elapsed) + eta + ")");
            out.flush();
        }
    }

    /**
     * Prints a line without breaking the bar (the bar is redrawn by the next update).
     * @param line the line.
     */
    public synchronized void println(String line) {
        if (mode == Mode.BAR && active && lastWidth > 0) {
            out.print("\r" + " ".repeat(lastWidth) + "\r");
            lastWidth = 0;
        }
        out.println(line);
        out.flush();
    }

    /**
     * Ends the task.
     * @param summary a final line (null for none).
     */
    public synchronized void finish(String summary) {
        if (!active) {
            return;
        }
        active = false;
        if (mode == Mode.BAR && lastWidth > 0) {
            out.println();
            lastWidth = 0;
        }
        if (summary != null && mode != Mode.NONE) {
            out.println(task + " done: " + summary + " (" + clock((System.nanoTime() - start) / 1e9) + ")");
            out.flush();
        }
    }

    /**
     * Ends the task without a summary if it is still running (a no-op after {@link #finish}): on a failure the live
     * bar's line is ended, so that the error printed next starts on a line of its own. Use the display in a
     * try-with-resources statement.
     */
    @Override
    public synchronized void close() {
        finish(null);
    }

    /**
     * Formats seconds as m:ss or h:mm:ss.
     * @param seconds the duration.
     * @return the text.
     */
    public static String clock(double seconds) {
        long s = Math.max(0, Math.round(seconds));
        if (s >= 3600) {
            return String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, (s % 3600) / 60, s % 60);
        }
        return String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }
}
