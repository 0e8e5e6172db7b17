package dev.iae.examples.cli;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Runs the {@code iae} tool, or any other command, in a forked process as a user would, for the command-line tests:
 * {@code java -cp <test class path> IaeCli args} with DJL offline and pinned to one thread, OpenMP passive, standard
 * output and error captured in files of a working directory, and a time limit.
 */
final class CliRunner {
    /** How long one forked command may run. */
    static final long TIMEOUT_SECONDS = 180;

    /**
     * The outcome of one forked run.
     * @param exit the exit code.
     * @param out what it wrote to standard output.
     * @param err what it wrote to standard error.
     */
    record Run(int exit, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exit + "\n--- stdout\n" + out + "\n--- stderr\n" + err;
        }
    }

    private CliRunner() { }

    /**
     * @return the class path of the tests (surefire's, or this JVM's when run elsewhere).
     */
    static String classPath() {
        String cp = System.getProperty("surefire.test.class.path");
        return cp == null || cp.isBlank() ? System.getProperty("java.class.path") : cp;
    }

    /**
     * Runs {@code java -cp <test class path> IaeCli args}.
     * @param dir the directory for the captured output files.
     * @param xmx the maximum heap (e.g. "48m"), or null for 1 GiB.
     * @param args the tool's arguments.
     * @return the outcome.
     * @throws IOException if the process cannot be started or its output read.
     * @throws InterruptedException if interrupted while waiting.
     */
    static Run iae(Path dir, String xmx, String... args) throws IOException, InterruptedException {
        return exec(dir, command(xmx, args), null);
    }

    /**
     * Runs {@code java -cp <test class path> IaeCli args} with standard output sent to a given file (e.g.
     * {@code /dev/full}, to see how the tool reports a failed write); the outcome's {@code out} is then empty.
     * @param dir the directory for the captured standard error.
     * @param stdout where standard output goes.
     * @param args the tool's arguments.
     * @return the outcome.
     * @throws IOException if the process cannot be started or its output read.
     * @throws InterruptedException if interrupted while waiting.
     */
    static Run iaeWithStdout(Path dir, File stdout, String... args) throws IOException, InterruptedException {
        return exec(dir, command(null, args), stdout);
    }

    private static List<String> command(String xmx, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add(xmx == null ? "-Xmx1g" : "-Xmx" + xmx);
        cmd.add("-Xss4m");
        cmd.add("-DOPT_OUT_TRACKING=true");
        cmd.add("-Dai.djl.offline=true");
        cmd.add("-Dai.djl.pytorch.num_threads=1");
        cmd.add("-Dai.djl.pytorch.num_interop_threads=1");
        cmd.add("-cp");
        cmd.add(classPath());
        cmd.add(IaeCli.class.getName());
        cmd.addAll(List.of(args));
        return cmd;
    }

    /**
     * Runs a command with OpenMP passive and one thread, failing the test if it outlives {@link #TIMEOUT_SECONDS}.
     * @param dir the directory for the captured output files.
     * @param cmd the command and its arguments.
     * @return the outcome.
     * @throws IOException if the process cannot be started or its output read.
     * @throws InterruptedException if interrupted while waiting.
     */
    static Run exec(Path dir, List<String> cmd) throws IOException, InterruptedException {
        return exec(dir, cmd, null);
    }

    private static Run exec(Path dir, List<String> cmd, File stdout) throws IOException, InterruptedException {
        Path out = stdout == null ? Files.createTempFile(dir, "out", ".txt") : null;
        Path err = Files.createTempFile(dir, "err", ".txt");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(stdout == null ? out.toFile() : stdout)
                .redirectError(err.toFile());
        pb.environment().put("OMP_WAIT_POLICY", "PASSIVE");
        pb.environment().put("OMP_NUM_THREADS", "1");
        Process p = pb.start();
        if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("Timed out: " + cmd.subList(cmd.size() - Math.min(cmd.size(), 6), cmd.size()));
        }
        return new Run(p.exitValue(), out == null ? "" : Files.readString(out), Files.readString(err));
    }
}
