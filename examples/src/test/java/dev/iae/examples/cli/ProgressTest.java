package dev.iae.examples.cli;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The progress display's end of a task: closing it (as the commands do when they fail) ends a live bar's line, so
 * the error printed next starts on a line of its own; after a normal finish, closing adds nothing.
 */
public class ProgressTest {
    private static String text(ByteArrayOutputStream bytes) {
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    public void closingARunningBarEndsItsLine() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        try (Progress progress = new Progress(out, Progress.Mode.BAR)) {
            progress.start("scoring");
            progress.update(0.5, "64 rows", false);
            assertTrue(text(bytes).startsWith("\rscoring ["), text(bytes));
            assertTrue(!text(bytes).endsWith("\n"), text(bytes));
        }
        assertTrue(text(bytes).endsWith("\n"), text(bytes));
        out.println("error: something");
        assertTrue(text(bytes).contains("\nerror: something"), text(bytes));
    }

    @Test
    public void closingAfterFinishAddsNothing() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        Progress progress = new Progress(out, Progress.Mode.BAR);
        progress.start("training");
        progress.update(1.0, "epoch 1/1", true);
        progress.finish("1 epochs");
        String finished = text(bytes);
        progress.close();
        assertEquals(finished, text(bytes));
        assertTrue(finished.endsWith("training done: 1 epochs (0:00)\n"), finished);
    }
}
