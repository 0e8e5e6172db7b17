package dev.iae.examples.perf;

import dev.iae.onnx.FloatTensor;
import dev.iae.onnx.IaeArchitecture;
import org.tribuo.Example;
import org.tribuo.anomaly.Event;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Writes the trained weights of each benchmark fixture for the PyTorch peer, so that it runs on the same weights:
 * {@code <dir>/<config>.json} (architecture and a tensor index) and {@code <dir>/<config>.bin} (the tensors,
 * float32 little-endian, concatenated), plus 256 input rows ({@code .input.bin}) and ONNX Runtime's and DJL's
 * scores for them ({@code .ort.bin}, {@code .djl.bin}) for a parity check.
 * <p>Usage: {@code WeightExport dir}.
 */
public final class WeightExport {

    private WeightExport() { }

    /**
     * Runs the export.
     * @param args the output directory.
     * @throws IOException if a file cannot be written.
     */
    public static void main(String[] args) throws IOException {
        PerfSetup.init();
        Path dir = Paths.get(args.length > 0 ? args[0] : "benchmarks/results/perf-weights");
        Files.createDirectories(dir);
        for (PerfFixtures.Config config : PerfFixtures.Config.values()) {
            try (PerfFixtures.Fixture f = PerfFixtures.build(config)) {
                IaeArchitecture a = f.architecture();
                Map<String, FloatTensor> tensors = f.trained.description().tensors();
                StringBuilder json = new StringBuilder();
                json.append("{\n  \"config\": \"").append(config).append("\",\n");
                json.append("  \"inputDim\": ").append(a.inputDim()).append(",\n");
                json.append("  \"imageShape\": ").append(Arrays.toString(a.isImage() ? a.imageShape() : new int[0]))
                        .append(",\n");
                json.append("  \"encoderSizes\": ").append(Arrays.toString(a.encoderSizes())).append(",\n");
                json.append("  \"lstmHidden\": ").append(a.lstmHidden()).append(",\n");
                json.append("  \"repDim\": ").append(a.repDim()).append(",\n");
                json.append("  \"hasDecoder\": ").append(a.hasDecoder()).append(",\n");
                json.append("  \"hasSvdd\": ").append(a.hasSvdd()).append(",\n");
                json.append("  \"scoreKind\": \"").append(a.scoreKind()).append("\",\n");
                json.append("  \"normalization\": \"").append(a.normalization()).append("\",\n");
                json.append("  \"bnEpsilon\": ").append(a.batchNormEpsilon()).append(",\n");
                json.append("  \"paddedHeight\": ").append(a.paddedHeight()).append(",\n");
                json.append("  \"paddedWidth\": ").append(a.paddedWidth()).append(",\n");
                json.append("  \"padTop\": ").append(a.padTop()).append(",\n");
                json.append("  \"padLeft\": ").append(a.padLeft()).append(",\n");
                json.append("  \"tensors\": [\n");
                long offset = 0;
                int total = 0;
                for (FloatTensor t : tensors.values()) {
                    total += t.size();
                }
                ByteBuffer bin = ByteBuffer.allocate(total * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
                int k = 0;
                for (Map.Entry<String, FloatTensor> e : tensors.entrySet()) {
                    FloatTensor t = e.getValue();
                    json.append("    {\"name\": \"").append(e.getKey()).append("\", \"shape\": ")
                            .append(Arrays.stream(t.shape()).mapToObj(Long::toString)
                                    .collect(Collectors.joining(", ", "[", "]")))
                            .append(", \"offset\": ").append(offset).append("}")
                            .append(++k < tensors.size() ? ",\n" : "\n");
                    for (float v : t.data()) {
                        bin.putFloat(v);
                    }
                    offset += t.size();
                }
                json.append("  ]\n}\n");
                Files.writeString(dir.resolve(config + ".json"), json.toString());
                Files.write(dir.resolve(config + ".bin"), bin.array());
                List<Example<Event>> examples = PerfFixtures.examples(config, 256, 11L);
                float[] rows = f.rows(examples);
                write(dir.resolve(config + ".input.bin"), rows);
                float[][] matrix = new float[256][];
                int d = a.inputDim();
                for (int i = 0; i < 256; i++) {
                    matrix[i] = Arrays.copyOfRange(rows, i * d, (i + 1) * d);
                }
                write(dir.resolve(config + ".ort.bin"), f.model.outputs(matrix).get("score").data());
                write(dir.resolve(config + ".djl.bin"), f.trained.network().infer(rows, 256).score);
                System.out.println("WEIGHTS " + config + " -> " + dir.resolve(config + ".json") + " (" + total
                        + " floats)");
            }
        }
    }

    private static void write(Path p, float[] v) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(v.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (float x : v) {
            b.putFloat(x);
        }
        Files.write(p, b.array());
    }
}
