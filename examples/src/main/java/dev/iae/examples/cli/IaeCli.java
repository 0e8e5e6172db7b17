package dev.iae.examples.cli;

import com.oracle.labs.mlrg.olcut.config.PropertyException;
import dev.iae.examples.ProgramDefaults;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The {@code iae} command-line tool: one entry point with the subcommands {@code train}, {@code evaluate},
 * {@code score} and {@code inspect} (picocli). Every command has {@code --help}. A user mistake (missing file,
 * bad option, unusable data) prints one sentence on standard error and exits with {@link #EXIT_USER_ERROR}; a
 * usage error (unknown option, missing required option) exits with {@link #EXIT_USAGE}; anything else is an
 * unexpected failure ({@link #EXIT_INTERNAL}). Stack traces are shown only with {@code --verbose}, which shows the
 * trace of every failure (user mistake or not), so that a confusing message can be traced to its origin.
 * <p>
 * Run it with {@code examples/bin/iae ...} from the repository root (after {@code mvn install -DskipTests}), or
 * {@code java -cp <class path> dev.iae.examples.cli.IaeCli ...}.
 */
@Command(name = "iae", mixinStandardHelpOptions = true, version = "iae 0.1.0 (IAE-LSTM-KL for Tribuo)",
        description = {"IAE-LSTM-KL deep anomaly detection for Tribuo: train, evaluate, score and inspect models.",
                "Models are written as a Tribuo model file (.tribuo) and a self-contained ONNX file (.onnx)."},
        subcommands = {TrainCommand.class, EvaluateCommand.class, ScoreCommand.class, InspectCommand.class,
                CommandLine.HelpCommand.class},
        footer = {"", "Run 'iae COMMAND --help' for a command's options."})
public final class IaeCli implements Runnable {
    /** Exit code: success. */
    public static final int EXIT_OK = 0;
    /** Exit code: a user mistake (file, data, setting), explained in one sentence. */
    public static final int EXIT_USER_ERROR = 1;
    /** Exit code: the command line itself is wrong (unknown or missing option). */
    public static final int EXIT_USAGE = 2;
    /** Exit code: an unexpected internal failure. */
    public static final int EXIT_INTERNAL = 3;

    private final PrintStream out;
    private final PrintStream err;

    @Spec
    private CommandSpec spec;

    /**
     * Creates the tool writing to the given streams.
     * @param out standard output (results).
     * @param err standard error (progress, warnings, errors).
     */
    public IaeCli(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    /** @return standard output of this run. */
    PrintStream out() {
        return out;
    }

    /** @return standard error of this run. */
    PrintStream err() {
        return err;
    }

    /** Without a subcommand: print the usage. */
    @Override
    public void run() {
        spec.commandLine().usage(out);
    }

    /**
     * Entry point: runs the command line and exits with its code.
     * @param args the arguments.
     */
    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /**
     * Runs a command line without exiting (for embedding and tests).
     * @param args the arguments.
     * @param out standard output.
     * @param err standard error.
     * @return the exit code.
     */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        // Before anything loads DJL or AWT: no telemetry, no downloads, headless plots.
        ProgramDefaults.setIfAbsent("OPT_OUT_TRACKING", "true");
        ProgramDefaults.setIfAbsent("ai.djl.offline", "true");
        ProgramDefaults.setIfAbsent("java.awt.headless", "true");
        boolean verbose = false;
        for (String a : args) {
            verbose |= a.equals("-v") || a.equals("--verbose");
        }
        final boolean showStack = verbose;
        CommandLine cl = new CommandLine(new IaeCli(out, err));
        cl.setOut(new PrintWriter(out, true, StandardCharsets.UTF_8));
        cl.setErr(new PrintWriter(err, true, StandardCharsets.UTF_8));
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setParameterExceptionHandler((ex, arguments) -> {
            err.println("error: " + firstLine(ex.getMessage()));
            err.println("Try '" + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help'.");
            return EXIT_USAGE;
        });
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            if (isUserError(ex)) {
                err.println("error: " + sentence(ex));
                if (showStack) {
                    ex.printStackTrace(err);
                }
                return EXIT_USER_ERROR;
            }
            err.println("error: unexpected failure: " + ex.getClass().getSimpleName()
                    + (ex.getMessage() == null ? "" : ": " + firstLine(ex.getMessage()))
                    + (showStack ? "" : " (run with --verbose for the stack trace)"));
            if (showStack) {
                ex.printStackTrace(err);
            }
            return EXIT_INTERNAL;
        });
        return cl.execute(args);
    }

    /**
     * Whether a failure is a user mistake (exit code 1) rather than an unexpected one (exit code 3): the tool's own
     * {@link CliException}s, OLCUT's configuration errors, I/O errors, and the argument and state exceptions with
     * which Tribuo and the trainer refuse data or settings (e.g. "Training diverged …; lower the learning rate").
     */
    private static boolean isUserError(Throwable ex) {
        return ex instanceof CliException || ex instanceof IllegalArgumentException
                || ex instanceof IllegalStateException || ex instanceof PropertyException
                || ex instanceof IOException || ex instanceof UncheckedIOException;
    }

    private static String sentence(Throwable ex) {
        String m = ex instanceof CliException ? ex.getMessage() : TrainerOptions.oneLine(ex);
        if (ex instanceof java.nio.file.NoSuchFileException nsf) {
            m = "File not found: " + nsf.getFile();
        }
        return firstLine(m);
    }

    private static String firstLine(String m) {
        if (m == null) {
            return "";
        }
        int nl = m.indexOf('\n');
        return nl >= 0 ? m.substring(0, nl) : m;
    }


    @Override
    public String toString() {
        return "IaeCli";
    }
}
