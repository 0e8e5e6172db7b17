package dev.iae.examples.usage;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Runs an example's {@code main} in a forked JVM, as {@code examples/bin/run} does ({@code -Xss4m}, the test class
 * path), so that tests see its exit code and its standard error (the examples end with {@code System.exit} on bad
 * input).
 */
final class Forked {
    /** How long one forked run may take. */
    private static final long TIMEOUT_SECONDS = 180;

    /**
     * The outcome of one run.
     * @param exit the exit code.
     * @param out standard output.
     * @param err standard error.
     */
    record Run(int exit, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exit + "\n--- stdout\n" + out + "\n--- stderr\n" + err;
        }
    }

    private Forked() { }

    /**
     * The run's one {@code error:} line, failing the test unless there is exactly one and no stack trace (standard
     * error may also hold log lines, e.g. ONNX Runtime's execution-provider notice).
     * @param run the outcome.
     * @return the line.
     */
    static String errorLine(Run run) {
        List<String> errors = run.err().lines().filter(l -> l.startsWith("error: ")).toList();
        boolean trace = run.err().contains("Exception") || run.err().lines().anyMatch(l -> l.startsWith("\tat "));
        if (errors.size() != 1 || trace) {
            fail("Expected one error line and no stack trace: " + run);
        }
        return errors.get(0);
    }

    /**
     * Runs {@code java -cp <test class path> main args}.
     * @param dir a directory for the captured output.
     * @param main the class whose main method runs.
     * @param args its arguments.
     * @return the outcome.
     * @throws IOException if the process cannot be started or its output read.
     * @throws InterruptedException if interrupted while waiting.
     */
    static Run main(Path dir, Class<?> main, String... args) throws IOException, InterruptedException {
        String cp = System.getProperty("surefire.test.class.path");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx1g", "-Xss4m", "-DOPT_OUT_TRACKING=true", "-Dai.djl.offline=true", "-cp",
                cp == null || cp.isBlank() ? System.getProperty("java.class.path") : cp, main.getName()));
        cmd.addAll(List.of(args));
        Path out = Files.createTempFile(dir, "out", ".txt");
        Path err = Files.createTempFile(dir, "err", ".txt");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().put("OMP_WAIT_POLICY", "PASSIVE");
        pb.environment().put("OMP_NUM_THREADS", "1");
        Process p = pb.start();
        if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("Timed out: " + main.getSimpleName() + " " + List.of(args));
        }
        return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
    }
}
