package dev.iae.examples.perf;

import dev.iae.examples.ProgramDefaults;

/**
 * What every perf main sets before DJL or ONNX Runtime load: no DJL telemetry or downloads, 1 libtorch thread.
 */
final class PerfSetup {

    /** Strong references: java.util.logging keeps loggers weakly, and a collected logger forgets its level. */
    private static final java.util.logging.Logger DJL = java.util.logging.Logger.getLogger("ai.djl");
    private static final java.util.logging.Logger IAE = java.util.logging.Logger.getLogger("dev.iae");

    private PerfSetup() { }

    static void init() {
        ProgramDefaults.apply();
        DJL.setLevel(java.util.logging.Level.WARNING);
        IAE.setLevel(java.util.logging.Level.WARNING);
    }

    /** @return this process's peak resident set (VmHWM) in MiB, or -1 if /proc is unavailable. */
    static double vmHwmMiB() {
        try {
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Paths.get("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
                }
            }
        } catch (java.io.IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }
}
