package dev.iae.examples.cli;

import dev.iae.examples.plot.EvaluationPlots;
import dev.iae.tribuo.DenseFeatures;
import dev.iae.tribuo.IaeModel;
import dev.iae.tribuo.evaluation.ScoreEvaluation;
import org.tribuo.Dataset;
import org.tribuo.Example;
import org.tribuo.Model;
import org.tribuo.Prediction;
import org.tribuo.anomaly.Event;
import org.tribuo.anomaly.evaluation.AnomalyEvaluation;
import org.tribuo.anomaly.evaluation.AnomalyEvaluator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code iae evaluate}: scores labelled data with a model and reports Tribuo's anomaly metrics (from the event types
 * at the model's threshold), the AUROC and the AUPRC (average precision) of the scores, and optionally writes the
 * ROC, precision-recall and score-histogram plots.
 */
@Command(name = "evaluate", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Evaluate a model on labelled data: Tribuo's anomaly metrics at the model's threshold, AUROC, "
                + "AUPRC, and PNG plots (ROC, precision-recall, score histogram with the threshold)."},
        footer = {"", "Examples:",
                "  iae evaluate --model model.tribuo --csv test.csv --label-column label --anomaly-label 1 --plots plots",
                "  iae evaluate --model tshirt.onnx --idx /usr/share/datasets/fashion-mnist --normal-class 0",
                "  iae evaluate --model cats.onnx --images photos.tar.gz --image-subfolder test --normal-class cat"})
public final class EvaluateCommand implements Callable<Integer> {
    private static final int CHUNK = 4096;

    @ParentCommand
    private IaeCli parent;

    @Mixin
    private ModelOptions modelOptions;

    @Mixin
    private DataOptions data;

    @Option(names = "--plots", paramLabel = "DIR",
            description = "Write " + EvaluationPlots.ROC_FILE + ", " + EvaluationPlots.PR_FILE + " and "
                    + EvaluationPlots.HISTOGRAM_FILE + " into DIR.")
    private Path plots;

    @Mixin
    private CommonOptions common;

    @Override
    public Integer call() throws IOException {
        CliLogging.install(parent.err(), common.verbose);
        PrintStream out = parent.out();
        try (ModelFiles.Loaded loaded = modelOptions.load();
             ScoringModel scoring = modelOptions.scoring(loaded)) {
            Model<Event> model = scoring.model();
            Dataset<Event> dataset;
            if (data.isImages()) {
                var source = data.imageSource(false, true, DataOptions.modelChannels(model));
                DataOptions.checkImageShape(model, source.imageShape(), data.images);
                dataset = new org.tribuo.MutableDataset<>(source);
            } else if (data.isIdx() && data.csv == null && data.imageSubfolder == null && data.channels == null) {
                // (Conflicting options go to data.load below, which reports them.)
                var source = data.idxSource(false);
                DataOptions.checkImageShape(model, source.imageShape(), DataOptions.SAMPLE.equals(data.idx)
                        ? "the embedded IDX sample" : data.idx);
                dataset = new org.tribuo.MutableDataset<>(source);
            } else {
                List<String> features = null;
                if (data.csv != null) {
                    checkFeatures(model, CsvInput.header(data.csv, data.separator), data.csv);
                    checkNotLabelOrIgnored(model, data.labelColumn, data.ignoredColumns());
                    features = DenseFeatures.featureNames(model.getFeatureIDMap());
                }
                // Only the model's columns are read, as score does: other columns need not be numeric.
                dataset = data.load(false, true, parent.err(), features);
            }
            List<Prediction<Event>> predictions = predict(model, dataset, data.csv);
            AnomalyEvaluation tribuo = new AnomalyEvaluator().evaluate(model, predictions,
                    dataset.getProvenance());
            boolean[] truth = new boolean[predictions.size()];
            double[] scores = new double[predictions.size()];
            for (int i = 0; i < truth.length; i++) {
                truth[i] = predictions.get(i).getExample().getOutput().getType() == Event.EventType.ANOMALOUS;
                scores[i] = predictions.get(i).getOutput().getScore();
            }
            int positives = 0;
            for (boolean t : truth) {
                positives += t ? 1 : 0;
            }
            if (positives == 0 || positives == truth.length) {
                throw new CliException("The evaluation data has " + (positives == 0 ? "no anomalous" : "no normal")
                        + " example, so AUROC and AUPRC are undefined; check the label column and "
                        + "--anomaly-label");
            }
            ScoreEvaluation scoreEval = ScoreEvaluation.of(truth, scores);
            double t = model instanceof IaeModel m ? m.threshold() : Double.NaN;
            out.println(String.format(Locale.ROOT, "Evaluated %s (%s) on %d examples: %d anomalous, %d normal",
                    modelOptions.file, loaded.format(), truth.length, positives, truth.length - positives));
            out.println(String.format(Locale.ROOT, "Tribuo AnomalyEvaluator at threshold %.6g:", t));
            out.println(String.format(Locale.ROOT, "  TP %d  FP %d  TN %d  FN %d",
                    tribuo.getTruePositives(), tribuo.getFalsePositives(), tribuo.getTrueNegatives(),
                    tribuo.getFalseNegatives()));
            out.println(String.format(Locale.ROOT, "  precision %.4f  recall %.4f  F1 %.4f",
                    tribuo.getPrecision(), tribuo.getRecall(), tribuo.getF1()));
            out.println(String.format(Locale.ROOT, "AUROC %.4f", scoreEval.auroc()));
            out.println(String.format(Locale.ROOT, "AUPRC (average precision) %.4f", scoreEval.averagePrecision()));
            if (plots != null) {
                if (Double.isNaN(t)) {
                    throw new CliException("Plots need the model's threshold; " + modelOptions.file
                            + " has none");
                }
                String subtitle = ModelFiles.fileStem(modelOptions.file);
                List<Path> files = EvaluationPlots.of(truth, scores, t, subtitle).writeAll(plots);
                for (Path f : files) {
                    out.println("Wrote " + f);
                }
            }
        }
        return IaeCli.EXIT_OK;
    }

    /**
     * Predicts in chunks of {@value #CHUNK}, with progress; an example the model refuses is named by its position in
     * the whole input (for CSV input: its data row), not in its chunk.
     */
    private List<Prediction<Event>> predict(Model<Event> model, Dataset<Event> dataset, Path csv) {
        List<Example<Event>> chunk = new ArrayList<>(CHUNK);
        List<Prediction<Event>> all = new ArrayList<>(dataset.size());
        try (Progress progress = new Progress(parent.err(), common.progress)) {
            progress.start("scoring");
            for (Example<Event> e : dataset) {
                chunk.add(e);
                if (chunk.size() == CHUNK) {
                    all.addAll(predictChunk(model, chunk, all.size(), csv));
                    chunk.clear();
                    progress.update((double) all.size() / dataset.size(), all.size() + " examples", false);
                }
            }
            if (!chunk.isEmpty()) {
                all.addAll(predictChunk(model, chunk, all.size(), csv));
            }
            progress.update(1.0, all.size() + " examples", false);
            progress.finish(null);
        }
        return all;
    }

    private static List<Prediction<Event>> predictChunk(Model<Event> model, List<Example<Event>> chunk, long first,
                                                        Path csv) {
        try {
            return model.predict(chunk);
        } catch (IllegalArgumentException e) {
            String located = ScoringModel.relocate(e.getMessage(), first,
                    i -> csv != null ? CsvInput.at(csv, i + 1) : "Example " + i);
            throw new CliException(located != null ? located : "Cannot score examples " + first + "–"
                    + (first + chunk.size() - 1) + ": " + e.getMessage(), e);
        }
    }

    /**
     * Fails when one of the model's features is the label column or an ignored column: the dataset would not hold
     * it, and the model would silently read it as 0 in every row.
     * @param model the model.
     * @param labelColumn the {@code --label-column}, or null.
     * @param ignored the {@code --ignore-column} columns.
     */
    static void checkNotLabelOrIgnored(Model<Event> model, String labelColumn, List<String> ignored) {
        for (String name : DenseFeatures.featureNames(model.getFeatureIDMap())) {
            if (name.equals(labelColumn)) {
                throw new CliException("The column '" + name + "' is one of the model's features, so it cannot be "
                        + "the --label-column too: the model would read it as 0 in every row");
            }
            if (ignored.contains(name)) {
                throw new CliException("The column '" + name + "' is one of the model's features, so it cannot be "
                        + "skipped with --ignore-column (the model would read it as 0 in every row); drop it from "
                        + "--ignore-column");
            }
        }
    }

    /**
     * Fails when a CSV file lacks columns the model needs (Tribuo would silently count a missing feature as 0).
     * @param model the model.
     * @param columns the CSV's columns.
     * @param csv the CSV file, for the message.
     */
    static void checkFeatures(Model<Event> model, List<String> columns, Path csv) {
        java.util.Set<String> have = new java.util.HashSet<>(columns);
        List<String> missing = new ArrayList<>();
        for (String name : DenseFeatures.featureNames(model.getFeatureIDMap())) {
            if (!have.contains(name)) {
                missing.add(name);
            }
        }
        if (!missing.isEmpty()) {
            throw new CliException("The CSV file " + csv + " lacks " + missing.size() + " of the model's "
                    + model.getFeatureIDMap().size() + " feature columns (" + CsvInput.shorten(missing) + ")");
        }
    }

    @Override
    public String toString() {
        return "EvaluateCommand(model=" + modelOptions.file + ", plots=" + plots + ")";
    }
}
