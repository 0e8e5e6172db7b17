package dev.iae.examples.cli;

import com.oracle.labs.mlrg.olcut.provenance.Provenance;
import com.oracle.labs.mlrg.olcut.provenance.primitives.IntProvenance;
import dev.iae.onnx.Normalization;
import dev.iae.tribuo.ExecutionProvider;
import dev.iae.tribuo.IaeEnsembleTrainer;
import dev.iae.tribuo.IaeModel;
import dev.iae.tribuo.IaeTrainer;
import org.tribuo.Dataset;
import org.tribuo.Trainer;
import org.tribuo.anomaly.Event;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code iae train}: trains an IAE-LSTM-KL detector on a CSV file, an IDX image directory or an image folder/archive
 * and writes the Tribuo model file ({@code BASE.tribuo}) and the deployable ONNX file ({@code BASE.onnx}). Progress
 * (epoch, batch, loss, ETA) comes from the trainer's {@link dev.iae.tribuo.TrainingListener}.
 */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train an IAE-LSTM-KL anomaly detector and write BASE.tribuo (Tribuo model) and BASE.onnx "
                + "(deployable ONNX graph).",
                "Training uses the normal (EXPECTED) rows only; labelled anomalies are dropped with a warning."},
        footer = {"", "Examples:",
                "  iae train --csv normal.csv --output model --epochs 20",
                "  iae train --csv data.csv --label-column label --anomaly-label 1 --output model",
                "  iae train --config classpath:/config/iae-lstm-kl-tabular.xml --set epochs=5 --csv data.csv -o model",
                "  iae train --idx /usr/share/datasets/fashion-mnist --normal-class 0 --output tshirt",
                "  iae train --images photos.tar.gz --image-subfolder train --normal-class cat --output cats",
                "  iae train --images photos.tar.gz --normal-class cat --score COMBINED "
                        + "--sum-normalizations GCN_L1_MIN_MAX,GLOBAL_MIN_MAX --output cats-sum"})
public final class TrainCommand implements Callable<Integer> {
    @ParentCommand
    private IaeCli parent;

    @Mixin
    private DataOptions data;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "BASE",
            description = "Output path without extension: writes BASE.tribuo and BASE.onnx.")
    private Path output;

    @Mixin
    private TrainerOptions trainer;

    @Option(names = "--sum-normalizations", paramLabel = "NORM", split = ",",
            description = "Train one model per listed pre-processing (every other setting alike) and save the sum of "
                    + "their scores as one model (IaeEnsembleTrainer), e.g. GCN_L1_MIN_MAX,GLOBAL_MIN_MAX; the "
                    + "threshold is the --contamination quantile of the summed training scores. Not with "
                    + "--normalization.")
    private List<Normalization> sumNormalizations;

    @Mixin
    private CommonOptions common;

    @Override
    public Integer call() {
        CliLogging logging = CliLogging.install(parent.err(), common.verbose);
        Path base = stripExtension(output);
        Path tribuoFile = base.resolveSibling(base.getFileName() + ModelFiles.TRIBUO_EXTENSION);
        Path onnxFile = base.resolveSibling(base.getFileName() + ModelFiles.ONNX_EXTENSION);
        // An output that cannot be written is refused now, not after the data is read and the model trained.
        ModelFiles.checkWritable(tribuoFile, onnxFile);

        // Settings first (a configuration mistake should not wait for the data to load); IDX input gives the
        // image shape, so its source is read first.
        Dataset<Event> dataset;
        List<IaeTrainer> members;
        if (data.isIdx()) {
            var source = data.idxSource(true);
            members = trainers(source.imageShape());
            dataset = new org.tribuo.MutableDataset<>(source);
        } else if (data.isImages()) {
            var source = data.imageSource(true, false, null);
            members = trainers(source.imageShape());
            dataset = new org.tribuo.MutableDataset<>(source);
            parent.err().println(String.format(Locale.ROOT, "Read %d images of %dx%dx%d from %s (classes: %s)",
                    source.size(), source.imageShape()[0], source.imageShape()[1], source.imageShape()[2],
                    data.images, String.join(", ", source.classes().stream()
                            .map(c -> c.isEmpty() ? "(none)" : c).toList())));
        } else {
            members = trainers(null);
            dataset = data.load(true, false, parent.err());
        }
        Map<String, Provenance> settings = members.get(0).getProvenance().getConfiguredParameters();
        int pretrain = intSetting(settings, "pretrainEpochs");
        int joint = intSetting(settings, "epochs");
        String what = members.size() == 1 ? String.valueOf(settings.get("preset"))
                : "a score sum of " + members.size() + " " + settings.get("preset") + " models (" + String.join(" + ",
                        sumNormalizations.stream().map(Enum::name).toList()) + ")";
        parent.err().println(String.format(Locale.ROOT, "Training %s on %d examples with %d features (%d + %d epochs%s)",
                what, dataset.size(), dataset.getFeatureMap().size(), pretrain, joint,
                members.size() == 1 ? "" : " each"));
        // One trainer, or the score sum of the members with the members' contamination and execution provider.
        Trainer<Event> toTrain = members.size() == 1 ? members.get(0) : new IaeEnsembleTrainer(members,
                Double.parseDouble(settings.get("contamination").toString()),
                ExecutionProvider.valueOf(settings.get("executionProvider").toString()));

        Progress progress = new Progress(parent.err(), common.progress);
        List<TrainingProgress> listeners = new ArrayList<>();
        for (int i = 0; i < members.size(); i++) {
            listeners.add(new TrainingProgress(progress, i, members.size()));
        }
        long start = System.nanoTime();
        IaeModel model;
        double seconds;
        try (progress) {
            progress.start("training");
            logging.attach(progress);
            for (int i = 0; i < members.size(); i++) {
                members.get(i).setListener(listeners.get(i));
            }
            try {
                model = (IaeModel) toTrain.train(dataset);
            } finally {
                members.forEach(m -> m.setListener(null));
                logging.attach(null);
            }
            seconds = (System.nanoTime() - start) / 1e9;
            progress.finish(String.format(Locale.ROOT, "%d epochs", members.size() * (pretrain + joint)));
        }
        // The trainer keeps the EXPECTED examples only (it warns about the others): report what it trained on.
        int trained = listeners.get(0).examples() >= 0 ? listeners.get(0).examples() : dataset.size();
        try (model) {
            ModelFiles.write(model, tribuoFile, onnxFile);
            parent.out().println(String.format(Locale.ROOT,
                    "Trained %s on %d examples x %d features in %.1f s; score %s, threshold %.6g",
                    what, trained, model.getFeatureIDMap().size(), seconds,
                    model.scoreKind(), model.threshold()));
            parent.out().println("Wrote " + tribuoFile + " (Tribuo model) and " + onnxFile + " (ONNX, "
                    + size(onnxFile) + ")");
        }
        return IaeCli.EXIT_OK;
    }

    /** The trainer, or with {@code --sum-normalizations} the members of the score sum. */
    private List<IaeTrainer> trainers(int[] imageShape) {
        return sumNormalizations == null ? List.of(trainer.build(imageShape))
                : trainer.buildMembers(imageShape, sumNormalizations);
    }

    private static int intSetting(Map<String, Provenance> settings, String name) {
        Provenance p = settings.get(name);
        if (p instanceof IntProvenance ip) {
            return ip.getValue();
        }
        try {
            return p == null ? 0 : Integer.parseInt(p.toString());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    static Path stripExtension(Path p) {
        String name = p.getFileName().toString();
        for (String ext : new String[]{ModelFiles.TRIBUO_EXTENSION, ModelFiles.ONNX_EXTENSION}) {
            if (name.endsWith(ext) && name.length() > ext.length()) {
                return p.resolveSibling(name.substring(0, name.length() - ext.length()));
            }
        }
        return p;
    }

    static String size(Path file) {
        try {
            long b = Files.size(file);
            return b >= 1 << 20 ? String.format(Locale.ROOT, "%.1f MB", b / 1048576.0)
                    : String.format(Locale.ROOT, "%.1f kB", b / 1024.0);
        } catch (java.io.IOException e) {
            return "?";
        }
    }

    @Override
    public String toString() {
        return "TrainCommand(output=" + output + ", " + trainer + ")";
    }
}
