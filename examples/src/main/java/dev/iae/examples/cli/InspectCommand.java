package dev.iae.examples.cli;

import ai.onnx.proto.OnnxMl;
import com.oracle.labs.mlrg.olcut.provenance.ListProvenance;
import com.oracle.labs.mlrg.olcut.provenance.ObjectProvenance;
import com.oracle.labs.mlrg.olcut.provenance.PrimitiveProvenance;
import com.oracle.labs.mlrg.olcut.provenance.Provenance;
import com.oracle.labs.mlrg.olcut.util.Pair;
import dev.iae.onnx.OnnxContract;
import dev.iae.onnx.OnnxMetadata;
import dev.iae.onnx.OnnxScoreSum;
import dev.iae.tribuo.ExecutionProvider;
import dev.iae.tribuo.IaeModel;
import org.tribuo.Model;
import org.tribuo.ONNXExportable;
import org.tribuo.anomaly.Event;
import org.tribuo.provenance.DatasetProvenance;
import org.tribuo.provenance.ModelProvenance;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;

/**
 * {@code iae inspect}: shows what a model file or an ONNX file holds — score kind, threshold, architecture, feature
 * names, graph outputs, and the Tribuo provenance (trainer settings, training data, versions). An ONNX file is read
 * from its metadata alone, without starting ONNX Runtime.
 */
@Command(name = "inspect", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Show a model's settings, feature names, threshold and provenance; FILE is a Tribuo model "
                + "file or an IAE-LSTM-KL ONNX file."},
        footer = {"", "Examples:", "  iae inspect model.tribuo", "  iae inspect model.onnx --features --provenance"})
public final class InspectCommand implements Callable<Integer> {
    private static final int SHOWN_FEATURES = 8;
    private static final Set<String> NOISY_METADATA = Set.of(ONNXExportable.PROVENANCE_METADATA_FIELD,
            OnnxContract.META_PROVENANCE_TEXT, OnnxContract.META_FEATURE_NAMES);

    @ParentCommand
    private IaeCli parent;

    @Parameters(index = "0", paramLabel = "FILE", description = "A Tribuo model file (.tribuo) or an ONNX file (.onnx).")
    private Path file;

    @Option(names = "--features", description = "List every feature name (default: the count and the first few).")
    private boolean allFeatures;

    @Option(names = "--provenance", description = "Print the full Tribuo provenance.")
    private boolean fullProvenance;

    @Mixin
    private CommonOptions common;

    @Override
    public Integer call() throws IOException {
        CliLogging.install(parent.err(), common.verbose);
        PrintStream out = parent.out();
        CsvInput.checkReadable(file);
        byte[] bytes = Files.readAllBytes(file);
        Map<String, String> onnxMeta = ModelFiles.onnxMetadata(bytes);
        if (onnxMeta != null) {
            OnnxMl.ModelProto proto = OnnxMetadata.parse(bytes);
            row(out, "File", file + " (ONNX, " + TrainCommand.size(file) + ")");
            List<String> features = OnnxMetadata.decodeStringList(onnxMeta.get(OnnxContract.META_FEATURE_NAMES));
            describeOnnx(out, proto, onnxMeta, features);
            provenance(out, ModelFiles.provenance(onnxMeta));
            return IaeCli.EXIT_OK;
        }
        try (ModelFiles.Loaded loaded = ModelFiles.load(file, ExecutionProvider.CPU)) {
            Model<Event> model = loaded.model();
            row(out, "File", file + " (Tribuo model, " + TrainCommand.size(file) + ")");
            row(out, "Model", model.getName() + " (" + model.getClass().getName() + ")");
            List<String> features = new ArrayList<>();
            for (int i = 0; i < model.getFeatureIDMap().size(); i++) {
                features.add(model.getFeatureIDMap().get(i).getName());
            }
            if (loaded.iae() != null) {
                IaeModel m = loaded.iae();
                describeOnnx(out, OnnxMetadata.parse(m.onnxBytes()), m.onnxMetadata(), features);
                row(out, "ONNX sha256", m.sha256Hex());
            } else {
                featureRows(out, features);
            }
            provenance(out, model.getProvenance());
        }
        return IaeCli.EXIT_OK;
    }

    private void describeOnnx(PrintStream out, OnnxMl.ModelProto proto, Map<String, String> meta,
                              List<String> features) {
        row(out, "Score", meta.getOrDefault(OnnxContract.META_SCORE_KIND, "?") + " (higher = more anomalous)");
        row(out, "Threshold", meta.getOrDefault(OnnxContract.META_THRESHOLD, "?") + " (score above it = ANOMALOUS)");
        for (String key : new String[]{"iae.preset", "iae.objective", IaeModel.META_THRESHOLD_RULE,
                OnnxContract.META_SCORE_STATS}) {
            if (meta.containsKey(key)) {
                row(out, capital(key.substring(4).replace('_', ' ')), meta.get(key));
            }
        }
        if (meta.containsKey(OnnxContract.META_MEMBER_COUNT)) {
            // A score sum: each member's own score kind, threshold and architecture.
            int m = Integer.parseInt(meta.get(OnnxContract.META_MEMBER_COUNT));
            for (int i = 0; i < m; i++) {
                row(out, "Member " + i, meta.getOrDefault(OnnxScoreSum.memberKey(i, OnnxContract.META_SCORE_KIND), "?")
                        + ", threshold " + meta.getOrDefault(OnnxScoreSum.memberKey(i, OnnxContract.META_THRESHOLD), "?")
                        + ", " + abbreviate(meta.getOrDefault(OnnxScoreSum.memberKey(i, OnnxContract.META_ARCHITECTURE),
                        "?"), 200));
            }
        }
        row(out, "Input", OnnxContract.INPUT_FEATURES + " float32 [N, " + features.size() + "], shape "
                + meta.getOrDefault(OnnxContract.META_INPUT_SHAPE, "?"));
        if (meta.containsKey(OnnxContract.META_ARCHITECTURE)) {
            row(out, "Architecture", meta.get(OnnxContract.META_ARCHITECTURE));
        }
        List<String> outputs = new ArrayList<>();
        for (OnnxMl.ValueInfoProto o : proto.getGraph().getOutputList()) {
            outputs.add(o.getName());
        }
        row(out, "Outputs", String.join(", ", outputs));
        featureRows(out, features);
        String opset = proto.getOpsetImportList().stream().filter(o -> o.getDomain().isEmpty())
                .map(o -> Long.toString(o.getVersion())).findFirst().orElse("?");
        row(out, "ONNX", String.format(Locale.ROOT, "IR %d, opset %s, producer %s %s, format %s, %d nodes",
                proto.getIrVersion(), opset, proto.getProducerName(), proto.getProducerVersion(),
                meta.getOrDefault(OnnxContract.META_FORMAT_VERSION, "?"), proto.getGraph().getNodeCount()));
        List<String> other = new ArrayList<>();
        for (Map.Entry<String, String> e : meta.entrySet()) {
            if (!NOISY_METADATA.contains(e.getKey()) && !e.getKey().startsWith("iae.")) {
                other.add(e.getKey() + "=" + abbreviate(e.getValue(), 60));
            }
        }
        if (!other.isEmpty()) {
            row(out, "Other metadata", String.join("; ", other));
        }
    }

    private void featureRows(PrintStream out, List<String> features) {
        if (allFeatures || features.size() <= SHOWN_FEATURES) {
            row(out, "Features", features.size() + ": " + String.join(", ", features));
        } else {
            row(out, "Features", features.size() + ": " + String.join(", ", features.subList(0, SHOWN_FEATURES))
                    + ", … (--features lists all)");
        }
    }

    private void provenance(PrintStream out, ModelProvenance p) {
        if (p == null) {
            row(out, "Provenance", "none");
            return;
        }
        row(out, "Trained", p.getTrainingTime() + " with Tribuo " + p.getTribuoVersion() + ", Java "
                + p.getJavaVersion() + ", " + p.getOS() + " " + p.getArch());
        row(out, "Trainer", p.getTrainerProvenance().getClassName());
        for (Map.Entry<String, Provenance> e : new java.util.TreeMap<>(p.getTrainerProvenance().getConfiguredParameters()).entrySet()) {
            out.println(String.format(Locale.ROOT, "    %-18s %s", e.getKey(), value(e.getValue())));
        }
        DatasetProvenance d = p.getDatasetProvenance();
        row(out, "Training data", d.getNumExamples() + " examples, " + d.getNumFeatures() + " features, "
                + d.getNumOutputs() + " output types");
        ObjectProvenance src = d.getSourceProvenance();
        if (src != null) {
            out.println(String.format(Locale.ROOT, "    %-18s %s", "source", src.getClassName()));
            for (Pair<String, Provenance> e : src) {
                if (e.getB() instanceof PrimitiveProvenance<?> prim && !e.getA().equals("class-name")) {
                    out.println(String.format(Locale.ROOT, "    %-18s %s", e.getA(), abbreviate(prim.toString(), 90)));
                }
            }
        }
        if (fullProvenance) {
            out.println();
            out.println(p);
        }
    }

    private static String value(Provenance p) {
        if (p instanceof ListProvenance<?> list) {
            List<String> items = new ArrayList<>();
            for (Provenance item : list) {
                items.add(value(item));
            }
            return "[" + String.join(", ", items) + "]";
        }
        if (p instanceof PrimitiveProvenance<?> prim) {
            return String.valueOf(prim.getValue());
        }
        return abbreviate(String.valueOf(p), 90);
    }

    private static String abbreviate(String s, int max) {
        String one = s.replace('\n', ' ');
        return one.length() <= max ? one : one.substring(0, max - 1) + "…";
    }

    private static String capital(String s) {
        return s.isEmpty() ? s : Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }

    private static void row(PrintStream out, String key, String value) {
        out.println(String.format(Locale.ROOT, "%-15s %s", key + ":", value));
    }

    @Override
    public String toString() {
        return "InspectCommand(file=" + file + ")";
    }
}
