package dev.iae.spark;

import dev.iae.onnx.OnnxContract;
import dev.iae.onnx.ScoreGraphPruner;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Benchmark helper ({@code benchmarks/run-spark.sh}): writes the score-only cut of an IAE-LSTM-KL ONNX file (the
 * graph {@code IaeModel} itself runs for score-only prediction, see {@link ScoreGraphPruner}), so that the Spark side
 * of the benchmark computes exactly what the single-JVM scorer computes. The metadata is kept; scores are identical.
 * <pre>ScoreOnlyGraph IN.onnx OUT.onnx</pre>
 */
public final class ScoreOnlyGraph {

    private ScoreOnlyGraph() { }

    /**
     * @param args input file, output file.
     * @throws IOException if a file cannot be read or written.
     */
    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            throw new IllegalArgumentException("usage: ScoreOnlyGraph IN.onnx OUT.onnx");
        }
        byte[] in = Files.readAllBytes(Path.of(args[0]));
        byte[] pruned = ScoreGraphPruner.prune(in, OnnxContract.OUTPUT_SCORE);
        Files.write(Path.of(args[1]), pruned == null ? in : pruned);
        System.err.println(pruned == null ? "Nothing to prune: copied " + args[0] + " to " + args[1]
                : "Wrote the score-only graph " + args[1] + " (" + pruned.length + " of " + in.length + " bytes)");
    }
}
