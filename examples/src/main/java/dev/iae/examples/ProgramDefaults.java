package dev.iae.examples;

import dev.iae.tribuo.DjlRuntime;

import java.util.Locale;

/**
 * What the example programs set first, before anything can load DJL: no DJL telemetry and no downloads (always;
 * DESIGN §4), one libtorch thread unless the command line chose a count, one-line log records unless the command
 * line chose a format, and the root locale so numbers print the same everywhere.
 * <p>
 * The trainer sets the DJL switches itself too ({@link DjlRuntime#configure(int)}); setting them here also covers
 * code that touches DJL before a trainer exists. Only compile-time constants of {@link DjlRuntime} are read, so
 * calling this loads no DJL class.
 */
public final class ProgramDefaults {

    private ProgramDefaults() { }

    /** Applies the defaults; call it first in {@code main}. */
    public static void apply() {
        System.setProperty(DjlRuntime.OPT_OUT_TRACKING, "true");
        System.setProperty(DjlRuntime.OFFLINE, "true");
        setIfAbsent(DjlRuntime.NUM_THREADS, "1");
        setIfAbsent(DjlRuntime.NUM_INTEROP_THREADS, "1");
        setIfAbsent("java.util.logging.SimpleFormatter.format", "%1$tT %4$s %5$s%6$s%n");
        Locale.setDefault(Locale.ROOT);
    }

    /**
     * Sets a system property unless the command line (or earlier code) already set it.
     * @param key the property.
     * @param value the value to use when it is unset.
     */
    public static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }
}
