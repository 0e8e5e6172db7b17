package dev.iae.tribuo;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Proves that training (DJL engine start-up included) and inference open no connection to anything but loopback.
 * Each scenario runs in a fresh JVM ({@link NetworkGuardMain}) whose {@link NetworkGuardMain.Guard} security manager
 * is installed from the command line ({@code -Djava.security.manager=<guard>}), so it is active before any project
 * or DJL class loads, and reports and refuses every non-loopback socket, NIO, URL or DNS permission. The child gets
 * none of surefire's DJL system properties and none of DJL's opt-out environment variables: whatever keeps DJL
 * quiet must come from the project's own code.
 * <p>
 * Limits: a security manager sees Java code only. Native code (libtorch, ONNX Runtime) could open sockets behind
 * its back; neither library has a network code path in the way the project uses them (ONNX Runtime never does;
 * libtorch's distributed package is not used).
 */
public class NoNetworkTest {

    private static final Duration TIMEOUT = Duration.ofMinutes(3);

    private static ReliabilityFixtures.ChildResult run(String scenario) {
        Map<String, String> env = new HashMap<>();
        // DJL also reads these from the environment: make sure the child does not inherit an opt-out.
        env.put("OPT_OUT_TRACKING", null);
        env.put("DJL_OFFLINE", null);
        env.put("PYTORCH_VERSION", null);
        env.put("PYTORCH_FLAVOR", null);
        return ReliabilityFixtures.runChild(NetworkGuardMain.class,
                List.of("-Xmx512m", "-Djava.security.manager=" + NetworkGuardMain.Guard.class.getName()),
                env, TIMEOUT, scenario);
    }

    @Test
    public void trainingAndInferenceStayOffTheNetwork() {
        ReliabilityFixtures.ChildResult r = run("train-predict");
        assertEquals(0, r.exitCode, r::describe);
        assertEquals(List.of(), r.reports("NET"), () -> "non-loopback network attempts\n" + r.describe());
        assertEquals("0", r.report("ATTEMPTS"), r::describe);
        String[] scores = r.report("SCORES").split(",");
        assertEquals(50, scores.length);
        for (String s : scores) {
            assertTrue(Double.isFinite(Double.parseDouble(s)), s);
        }
        assertEquals(1, r.reports("DONE").size(), r::describe);
    }

    @Test
    public void guardCatchesADeliberateConnection() {
        ReliabilityFixtures.ChildResult r = run("control");
        assertEquals(0, r.exitCode, r::describe);
        List<String> attempts = r.reports("NET");
        assertTrue(attempts.stream().anyMatch(a -> a.contains("connect") && a.contains("169.254.169.254:80")),
                () -> "plain socket attempt not caught\n" + r.describe());
        assertTrue(attempts.stream().anyMatch(a -> a.contains("connect") && a.contains("10.255.255.1:81")),
                () -> "NIO attempt not caught\n" + r.describe());
        assertEquals(List.of("socket SecurityException", "nio SecurityException"), r.reports("REFUSED"), r::describe);
        assertTrue(r.reports("CONNECTED").isEmpty(), r::describe);
        // Loopback connections work and are not reported.
        assertEquals("ok", r.report("LOOPBACK"), r::describe);
        assertFalse(attempts.stream().anyMatch(a -> a.contains("127.0.0.1") || a.contains("localhost")),
                r::describe);
    }

    @Test
    public void djlDefaultTelemetryIsCaught() {
        // Without the project's properties, DJL's engine start-up calls the EC2 metadata service (its telemetry).
        ReliabilityFixtures.ChildResult r = run("djl-default");
        assertEquals(0, r.exitCode, r::describe);
        assertTrue(r.reports("NET").stream().anyMatch(a -> a.contains("169.254.169.254")),
                () -> "DJL's telemetry attempt was not seen: the guard would not catch a regression\n" + r.describe());
    }
}
