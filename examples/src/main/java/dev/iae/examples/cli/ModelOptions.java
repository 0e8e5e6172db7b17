package dev.iae.examples.cli;

import dev.iae.tribuo.ExecutionProvider;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Options of the commands that predict with a saved model ({@code evaluate}, {@code score}): which model file, an
 * optional decision threshold that replaces the model's, and where ONNX Runtime runs it.
 */
public final class ModelOptions {
    @Option(names = {"-m", "--model"}, required = true, paramLabel = "FILE",
            description = "The model: a Tribuo model file (.tribuo) or an IAE-LSTM-KL ONNX file (.onnx).")
    Path file;

    @Option(names = "--threshold", paramLabel = "X",
            description = "Decision threshold to use instead of the model's.")
    Double threshold;

    @Option(names = "--device", paramLabel = "EP", defaultValue = "AUTO",
            description = "Where ONNX Runtime runs an IAE-LSTM-KL model: ${COMPLETION-CANDIDATES} (default "
                    + "${DEFAULT-VALUE}; other Tribuo anomaly models do not use ONNX Runtime and ignore it).")
    ExecutionProvider device = ExecutionProvider.AUTO;

    /**
     * Loads the model file on the chosen device.
     * @return the loaded model; close it after the {@link ScoringModel} made from it.
     * @throws IOException if the file cannot be read.
     */
    ModelFiles.Loaded load() throws IOException {
        return ModelFiles.load(file, device);
    }

    /**
     * Applies {@code --threshold}, if given, to a loaded model.
     * @param loaded the model from {@link #load()}.
     * @return the model to predict with.
     */
    ScoringModel scoring(ModelFiles.Loaded loaded) {
        return ScoringModel.of(loaded, threshold);
    }

    @Override
    public String toString() {
        return "ModelOptions(file=" + file + ", threshold=" + threshold + ", device=" + device + ")";
    }
}
