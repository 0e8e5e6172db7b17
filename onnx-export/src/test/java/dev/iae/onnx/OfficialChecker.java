package dev.iae.onnx;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The official ONNX checker ({@code onnx.checker.check_model(full_check=True)}) run through Debian's
 * {@code python3-onnx}, for tests that check written graphs against the ONNX specification.
 */
final class OfficialChecker {

    private OfficialChecker() { }

    /** @return true if {@code /usr/bin/python3} can import onnx (CI installs python3-onnx). */
    static boolean available() {
        Path python = Path.of("/usr/bin/python3");
        if (!Files.isExecutable(python)) {
            return false;
        }
        try {
            Process p = new ProcessBuilder(python.toString(), "-c", "import onnx").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    /**
     * Runs the full check on a model file and fails the test if the checker rejects it.
     * @param file the ONNX file.
     * @param what what the file is, for the failure message.
     */
    static void check(Path file, String what) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("/usr/bin/python3", "-c",
                "import sys, onnx; m = onnx.load(sys.argv[1]); onnx.checker.check_model(m, full_check=True); "
                        + "print('ok', len(m.graph.node))", file.toString())
                .redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "checker timed out");
        assertEquals(0, p.exitValue(), "onnx.checker rejected " + what + ":\n" + output);
        assertTrue(output.startsWith("ok"), output);
    }
}
