package dev.iae.examples.cli;

import java.io.BufferedWriter;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where {@code iae score} writes its CSV, so that a failed run never passes for a successful one:
 * <ul>
 *     <li>standard output ({@code -}): a write error, which {@link PrintStream} would swallow (a full disk, a
 *     closed pipe), stops the run with an error instead of exit code 0;</li>
 *     <li>a regular file: the scores go to a temporary file in the same directory, moved into place by
 *     {@link #commit()} only when the run succeeds, so an error leaves no partial file and an earlier output
 *     unchanged; the input file itself is refused as the output (writing it would truncate what is still to be
 *     read), and so is the model file (the scores would replace the model);</li>
 *     <li>an existing file that is not a regular file (a device such as {@code /dev/null}, a named pipe) or lies
 *     below {@code /dev} or {@code /proc} (such as {@code /dev/stdout}): written in place, as there is nothing to
 *     replace.</li>
 * </ul>
 * Use it in a try-with-resources statement: {@link #close()} discards the output unless {@link #commit()} ran.
 */
final class ScoreOutput implements AutoCloseable {
    /** The buffer of the writer, in characters. */
    private static final int BUFFER = 1 << 16;

    private final PrintStream stdout;
    private final Path shown;
    private final Path destination;
    private final Path temporary;
    private final Writer writer;
    private boolean committed;

    private ScoreOutput(PrintStream stdout, Path shown, Path destination, Path temporary, Writer writer) {
        this.stdout = stdout;
        this.shown = shown;
        this.destination = destination;
        this.temporary = temporary;
        this.writer = writer;
    }

    /**
     * Opens the output.
     * @param output the {@code --output} value: a file, or {@code -} for standard output.
     * @param stdout standard output of this run.
     * @param model the model file (null to skip); it may not be the output.
     * @param inputs the command's input files or folders (null entries are skipped); none may be the output.
     * @return the output, ready to write.
     * @throws CliException if the output is the model file, an input, a directory, or cannot be created.
     */
    static ScoreOutput open(String output, PrintStream stdout, Path model, Path... inputs) {
        if ("-".equals(output)) {
            return new ScoreOutput(stdout, null, null, null, new BufferedWriter(
                    new OutputStreamWriter(new CheckedStdout(stdout), StandardCharsets.UTF_8), BUFFER));
        }
        Path out = Path.of(output);
        if (Files.isDirectory(out)) {
            throw new CliException("The output " + out + " is a directory, not a file");
        }
        if (model != null && sameFile(out, model)) {
            throw new CliException("The output " + out + " is the model file " + model
                    + "; write the scores to another file");
        }
        for (Path input : inputs) {
            if (input != null && sameFile(out, input)) {
                throw new CliException("The output " + out + " is the input file " + input
                        + "; write the scores to another file");
            }
        }
        ModelFiles.createParent(out);
        try {
            Path target = Files.exists(out) ? inPlace(out) : out;
            if (target == null) {
                return new ScoreOutput(null, out, out, null, new BufferedWriter(
                        Files.newBufferedWriter(out, StandardCharsets.UTF_8), BUFFER));
            }
            Path temporary = OutputFiles.createTemporary(target);
            try {
                return new ScoreOutput(null, out, target, temporary, new BufferedWriter(
                        Files.newBufferedWriter(temporary, StandardCharsets.UTF_8), BUFFER));
            } catch (IOException e) {
                Files.deleteIfExists(temporary);
                throw e;
            }
        } catch (IOException e) {
            throw new CliException("Cannot write " + out + ": " + CsvInput.message(e), e);
        }
    }

    /**
     * The regular file an existing output path stands for (following symbolic links), or null when it is to be
     * written in place: a device or pipe, anything below {@code /dev} or {@code /proc} (e.g. {@code /dev/stdout},
     * which may point at a file that other programs also write to), or a path that cannot be resolved.
     */
    private static Path inPlace(Path out) {
        Path absolute = out.toAbsolutePath().normalize();
        if (absolute.startsWith("/dev") || absolute.startsWith("/proc")) {
            return null;
        }
        try {
            Path real = out.toRealPath();
            return Files.isRegularFile(real) ? real : null;
        } catch (IOException e) {
            return null;
        }
    }

    private static boolean sameFile(Path a, Path b) {
        try {
            return Files.exists(a) && Files.exists(b) && Files.isSameFile(a, b);
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * @return the writer for the CSV text.
     */
    Writer writer() {
        return writer;
    }

    /**
     * @return the output file as given, for messages, or null for standard output.
     */
    Path file() {
        return shown;
    }

    /**
     * Finishes a successful run: flushes the text and, for a file, moves the temporary file into place.
     * @throws CliException if the text could not be written or moved into place.
     */
    void commit() {
        try {
            writer.close();
        } catch (IOException e) {
            throw new CliException("Cannot write " + shown + ": " + CsvInput.message(e), e);
        }
        if (stdout != null && stdout.checkError()) {
            throw CheckedStdout.failure();
        }
        if (temporary != null) {
            try {
                OutputFiles.moveIntoPlace(temporary, destination);
            } catch (IOException e) {
                throw new CliException("Cannot move the scores into " + shown + ": " + CsvInput.message(e), e);
            }
        }
        committed = true;
    }

    /** Unless {@link #commit()} ran: closes the file and deletes the temporary file (nothing more goes out). */
    @Override
    public void close() {
        if (committed || stdout != null) {
            return;
        }
        try {
            writer.close();
        } catch (IOException | RuntimeException e) {
            // The run already failed; that error is the one to report.
        }
        OutputFiles.deleteQuietly(temporary);
    }

    @Override
    public String toString() {
        return "ScoreOutput(" + (stdout != null ? "standard output" : shown) + ")";
    }

    /** Standard output that fails on a write error (and stays open when the writer is closed). */
    private static final class CheckedStdout extends FilterOutputStream {
        private final PrintStream stream;

        CheckedStdout(PrintStream stream) {
            super(stream);
            this.stream = stream;
        }

        static CliException failure() {
            return new CliException("Could not write the scores to standard output (a full disk or a closed pipe?)");
        }

        @Override
        public void write(int b) {
            write(new byte[]{(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            stream.write(b, off, len);
            if (stream.checkError()) {
                throw failure();
            }
        }

        @Override
        public void flush() {
            if (stream.checkError()) {
                throw failure();
            }
        }

        @Override
        public void close() {
            flush();
        }
    }
}
