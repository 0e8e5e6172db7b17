package dev.iae.examples.cli;

import picocli.CommandLine.Option;

/**
 * Options every subcommand has: how progress is shown and how much is logged.
 */
public final class CommonOptions {
    @Option(names = "--progress", paramLabel = "MODE", defaultValue = "AUTO",
            description = "Progress display: ${COMPLETION-CANDIDATES} (AUTO: a live bar on a terminal, plain log "
                    + "lines otherwise; default ${DEFAULT-VALUE}).")
    Progress.Mode progress = Progress.Mode.AUTO;

    @Option(names = {"-v", "--verbose"},
            description = "Also show informational log records, and the stack trace of any error.")
    boolean verbose;

    @Override
    public String toString() {
        return "CommonOptions(progress=" + progress + ", verbose=" + verbose + ")";
    }
}
