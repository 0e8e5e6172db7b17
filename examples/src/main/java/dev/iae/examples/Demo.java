package dev.iae.examples;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.iae.examples.benchmark.BenchmarkConfig;
import dev.iae.examples.data.FashionMnistDataSource;
import dev.iae.examples.data.OneClassSplit;
import dev.iae.tribuo.IaeModel;
import dev.iae.tribuo.IaePreset;
import dev.iae.tribuo.IaeTrainer;
import org.tribuo.Example;
import org.tribuo.Feature;
import org.tribuo.Model;
import org.tribuo.MutableDataset;
import org.tribuo.Prediction;
import org.tribuo.anomaly.Event;
import org.tribuo.anomaly.evaluation.AnomalyEvaluation;
import org.tribuo.anomaly.evaluation.AnomalyEvaluator;
import org.tribuo.classification.evaluation.LabelEvaluationUtil;

import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The project's demo: IAE-LSTM-KL on Fashion-MNIST, end to end, in a few minutes on a laptop CPU.
 * <ol>
 *     <li>loads the Fashion-MNIST sample embedded in this module (2,000 "T-shirt/top" training images; a stratified
 *     2,000-image test set, 200 per class) as Tribuo datasets of raw pixel values;</li>
 *     <li>trains IAE-LSTM-KL (DJL, PyTorch engine) on the normal class only, printing progress;</li>
 *     <li>evaluates the model on the test set, where every other class is an anomaly, with Tribuo's
 *     {@link AnomalyEvaluator} (from the model's EXPECTED / ANOMALOUS decisions) and with the AUROC of its scores
 *     ({@link LabelEvaluationUtil#binaryAUCROC}, ANOMALOUS = positive);</li>
 *     <li>writes the model as a Tribuo protobuf file and as a self-contained ONNX file, reloads both — the ONNX file
 *     with plain ONNX Runtime and nothing from this project, taking the feature order from the file's metadata — and
 *     shows that their scores equal the model's.</li>
 * </ol>
 * The last line printed is the test AUROC.
 * <p>
 * Usage: {@code Demo [--out DIR] [--data DIR] [--normal-class K] [--max-normal N] [--seed S]}. {@code --out} is
 * where the model files go (default {@code target/demo}); {@code --data} uses a full Fashion-MNIST directory (e.g.
 * {@value FashionMnistDataSource#DEBIAN_DIRECTORY}) instead of the embedded sample, with the first
 * {@code --max-normal} images of the normal class (default 2,000) for training and the full test set.
 * <p>
 * DJL's telemetry and downloads are switched off, and libtorch is pinned to one thread, before DJL loads. For the
 * best speed also set the environment variable {@code OMP_WAIT_POLICY=PASSIVE} (the Maven {@code exec:exec} set-up of
 * this module does).
 */
public final class Demo {

    /** The ONNX graph's input name, per the file's contract (spelled out here: no project classes in step 4). */
    private static final String ONNX_INPUT = "features";
    /** The ONNX graph's score output name. */
    private static final String ONNX_SCORE = "score";
    /** The ONNX metadata key holding the feature names in input order (a JSON array). */
    private static final String ONNX_FEATURE_NAMES = "iae.feature_names";

    /** Autoencoder pre-training epochs of the demo's trainer. */
    public static final int PRETRAIN_EPOCHS = 10;
    /** Joint-training epochs of the demo's trainer. */
    public static final int EPOCHS = 10;

    /**
     * DJL's loggers, held strongly so that the levels set in {@link #main} are not lost to garbage collection;
     * created in {@code main} after the log format property is set.
     */
    private static final List<Logger> QUIETED_LOGGERS = new ArrayList<>();

    private final Path out;
    private final String dataLocation;
    private final int normalClass;
    private final int maxNormal;
    private final long seed;

    private Demo(Path out, String dataLocation, int normalClass, int maxNormal, long seed) {
        this.out = out;
        this.dataLocation = dataLocation;
        this.normalClass = normalClass;
        this.maxNormal = maxNormal;
        this.seed = seed;
    }

    /**
     * The trainer the demo uses: the full IAE-LSTM-KL model with a LeNet-style convolutional autoencoder sized for a
     * two-core CPU (channels 16/32/64 instead of the paper's 32/64/128, latent size 64, LSTM 128 instead of 2048),
     * one min-max range for all pixels fitted on the training images, the combined score (SVDD distance and
     * reconstruction error, each standardised on the training set), and a short schedule (10 autoencoder
     * pre-training epochs, 10 joint epochs, Adam with learning rate 1e-3, batch 64). The pre-processing, the
     * score and the KL weight are the Fashion-MNIST benchmark's ({@link BenchmarkConfig#FASHION_NORMALIZATION},
     * {@link BenchmarkConfig#FASHION_SCORE}, {@link BenchmarkConfig#FASHION_LAMBDA_KL}), chosen there on held-out
     * training images, not on this demo's test images.
     * <p>
     * Measured on class 0 with 2,000 training images (2 shared CPU cores, 1 thread; AUROC on the full test set):
     * this configuration 0.921 (seed 17, {@code FashionMnistOneClassTest}; 0.919 with λ_kl 1e-3); with per-pixel
     * min-max and the score ‖z − c‖², 0.90–0.915 over three seeds in 75–95 s of training; with channels 8/16/32 and
     * latent 32, 0.87 in 35 s; with the paper's GCN-l1 + min-max pre-processing instead of per-pixel min-max,
     * 0.85–0.87.
     * @param imageShape the image shape {channels, rows, cols}.
     * @param seed the training seed.
     * @return the trainer.
     */
    public static IaeTrainer demoTrainer(int[] imageShape, long seed) {
        return IaeTrainer.builder()
                .preset(IaePreset.IAE_LSTM_KL)
                .imageShape(imageShape)
                .encoderSizes(16, 32, 64)
                .repDim(64)
                .lstmHidden(128)
                .normalization(BenchmarkConfig.FASHION_NORMALIZATION)
                .scoreKind(BenchmarkConfig.FASHION_SCORE)
                .lambdaKl(BenchmarkConfig.FASHION_LAMBDA_KL)
                .pretrainEpochs(PRETRAIN_EPOCHS)
                .epochs(EPOCHS)
                .batchSize(64)
                .learningRate(1e-3)
                .seed(seed)
                .threads(1)
                .build();
    }

    /**
     * Runs the demo.
     * @param args see the class comment.
     * @throws Exception if anything fails (bad arguments, unreadable data, an unwritable output directory).
     */
    public static void main(String[] args) throws Exception {
        // Before anything can load DJL: no telemetry, no downloads, one libtorch thread, one-line logs.
        ProgramDefaults.apply();
        // DJL logs (through SLF4J -> java.util.logging) its engine start-up at INFO and, on machines without a GPU,
        // a misleading CUDA warning; the demo keeps DJL's warnings and errors only and drops the CUDA probe's.
        Logger djl = Logger.getLogger("ai.djl");
        djl.setLevel(Level.WARNING);
        Logger cuda = Logger.getLogger("ai.djl.util.cuda");
        cuda.setLevel(Level.SEVERE);
        QUIETED_LOGGERS.add(djl);
        QUIETED_LOGGERS.add(cuda);

        Path out = Paths.get("target", "demo");
        String data = FashionMnistDataSource.EMBEDDED_SAMPLE;
        int normalClass = 0;
        int maxNormal = 2000;
        long seed = 1L;
        for (int i = 0; i < args.length; i++) {
            String a = args[i].trim();
            if (a.isEmpty()) {
                continue;
            }
            if (i + 1 >= args.length && a.startsWith("--")) {
                usage("missing value after " + a);
            }
            switch (a) {
                case "--out":
                    out = Paths.get(args[++i]);
                    break;
                case "--data":
                    data = args[++i];
                    break;
                case "--normal-class":
                    normalClass = parseInt(a, args[++i]);
                    break;
                case "--max-normal":
                    maxNormal = parseInt(a, args[++i]);
                    break;
                case "--seed":
                    seed = parseInt(a, args[++i]);
                    break;
                default:
                    usage("unknown argument '" + a + "'");
            }
        }
        if (normalClass < 0 || normalClass > 9) {
            usage("--normal-class must be 0..9");
        }
        new Demo(out, data, normalClass, maxNormal, seed).run();
    }

    private static int parseInt(String flag, String value) {
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            usage(flag + " needs an integer, got '" + value + "'");
            return -1;
        }
    }

    private static void usage(String problem) {
        System.err.println("Demo: " + problem);
        System.err.println("usage: Demo [--out DIR] [--data DIR] [--normal-class 0-9] [--max-normal N] [--seed S]");
        System.exit(2);
    }

    private void run() throws Exception {
        long start = System.nanoTime();
        String className = FashionMnistDataSource.CLASS_NAMES.get(normalClass);
        System.out.println("IAE-LSTM-KL demo: one-class anomaly detection on Fashion-MNIST");
        System.out.printf("Normal class %d (%s); every other class is an anomaly.%n", normalClass, className);

        // 1. Data.
        boolean sample = dataLocation.equals(FashionMnistDataSource.EMBEDDED_SAMPLE);
        System.out.println();
        System.out.println("[1/4] Loading data from " + (sample ? "the embedded sample (" + dataLocation + ")"
                : dataLocation));
        FashionMnistDataSource trainSource = new FashionMnistDataSource(dataLocation,
                FashionMnistDataSource.Split.TRAIN, normalClass, 0.0, sample ? 0 : maxNormal, seed);
        FashionMnistDataSource testSource = new FashionMnistDataSource(dataLocation,
                FashionMnistDataSource.Split.TEST, normalClass, 0.0, 0, seed);
        MutableDataset<Event> train = new MutableDataset<>(trainSource);
        MutableDataset<Event> test = new MutableDataset<>(testSource);
        int[] testClasses = testSource.classLabels();
        OneClassSplit split = testSource.oneClassSplit();
        boolean[] isAnomalous = split.isAnomalous(testClasses);
        int anomalies = 0;
        for (boolean b : isAnomalous) {
            anomalies += b ? 1 : 0;
        }
        int[] shape = trainSource.imageShape();
        System.out.printf("      training: %,d images of class %d, %d features (%dx%dx%d raw pixels 0..255)%n",
                train.size(), normalClass, train.getFeatureMap().size(), shape[0], shape[1], shape[2]);
        System.out.printf("      test:     %,d images, %,d normal + %,d anomalous%n", test.size(),
                test.size() - anomalies, anomalies);

        // 2. Training.
        IaeTrainer trainer = demoTrainer(shape, seed);
        System.out.println();
        System.out.println("[2/4] Training (DJL, PyTorch engine, 1 thread): " + trainer);
        long t0 = System.nanoTime();
        IaeModel model = trainer.train(train);
        double trainSeconds = seconds(t0);
        System.out.printf("      trained in %.1f s (%.0f examples/s over all epochs)%n", trainSeconds,
                (double) train.size() * (PRETRAIN_EPOCHS + EPOCHS) / trainSeconds);
        try {
            // 3. Evaluation.
            System.out.println();
            System.out.println("[3/4] Evaluating on the test set");
            t0 = System.nanoTime();
            List<Prediction<Event>> predictions = model.predict(test);
            double predictSeconds = seconds(t0);
            double[] scores = scores(predictions);
            AnomalyEvaluation evaluation = new AnomalyEvaluator().evaluate(model, predictions,
                    test.getProvenance());
            double auroc = LabelEvaluationUtil.binaryAUCROC(isAnomalous, scores);
            System.out.printf("      scored %,d images in %.2f s with ONNX Runtime; threshold %.6g (from training)"
                    + "%n", test.size(), predictSeconds, model.threshold());
            System.out.println("      Tribuo AnomalyEvaluator (decisions at the threshold):");
            System.out.printf("        TP %d  FP %d  TN %d  FN %d   precision %.3f  recall %.3f  F1 %.3f%n",
                    evaluation.getTruePositives(), evaluation.getFalsePositives(), evaluation.getTrueNegatives(),
                    evaluation.getFalseNegatives(), evaluation.getPrecision(), evaluation.getRecall(),
                    evaluation.getF1());
            for (String line : evaluation.confusionString().split("\n")) {
                System.out.println("        " + line);
            }
            System.out.printf("      score AUROC (ANOMALOUS = positive): %.4f%n", auroc);
            System.out.println("      AUROC of class " + normalClass + " against each anomalous class:");
            StringBuilder perClass = new StringBuilder("       ");
            for (int c = 0; c < FashionMnistDataSource.CLASS_NAMES.size(); c++) {
                if (c == normalClass) {
                    continue;
                }
                double a = pairAuroc(testClasses, scores, normalClass, c);
                if (!Double.isNaN(a)) {
                    perClass.append(String.format(" %s %.3f;", FashionMnistDataSource.CLASS_NAMES.get(c), a));
                }
            }
            System.out.println(perClass);

            // 4. Files and reloading.
            System.out.println();
            System.out.println("[4/4] Writing and reloading the model in " + out.toAbsolutePath());
            Files.createDirectories(out);
            Path protoFile = out.resolve("iae-fashion-mnist.tribuo");
            Path onnxFile = out.resolve("iae-fashion-mnist.onnx");
            model.serializeToFile(protoFile);
            model.saveONNXModel("dev.iae.demo", 1, onnxFile);
            System.out.printf("      Tribuo protobuf: %s (%,d bytes)%n", protoFile.getFileName(),
                    Files.size(protoFile));
            System.out.printf("      ONNX:            %s (%,d bytes)%n", onnxFile.getFileName(),
                    Files.size(onnxFile));

            Model<Event> reloaded = Model.deserializeFromFile(protoFile).castModel(Event.class);
            double[] reloadedScores;
            try {
                reloadedScores = scores(reloaded.predict(test));
            } finally {
                if (reloaded instanceof AutoCloseable) {
                    ((AutoCloseable) reloaded).close();
                }
            }
            double reloadedDiff = maxAbsDiff(scores, reloadedScores);
            System.out.printf("      reloaded Tribuo model: max |score difference| = %s over %,d images%n",
                    formatDiff(reloadedDiff), scores.length);

            double[] ortScores = scoreWithPlainOnnxRuntime(onnxFile, test);
            double ortDiff = maxAbsDiff(scores, ortScores);
            System.out.printf("      plain ONNX Runtime on the .onnx file: max |score difference| = %s over "
                    + "%,d images%n", formatDiff(ortDiff), scores.length);
            // The same graph on the same bytes: anything beyond float rounding is a broken round trip.
            checkEqual("the reloaded Tribuo model", reloadedDiff, scores);
            checkEqual("plain ONNX Runtime on the .onnx file", ortDiff, scores);

            System.out.println();
            System.out.printf("Total wall time: %.1f s%n", seconds(start));
            System.out.printf("Test AUROC (class %d = normal): %.4f%n", normalClass, auroc);
        } finally {
            model.close();
        }
    }

    /**
     * Scores a dataset with nothing but ONNX Runtime and the ONNX file: the feature order comes from the file's
     * metadata, the input is the raw feature values, the score is the graph's "score" output.
     */
    private static double[] scoreWithPlainOnnxRuntime(Path onnxFile, Iterable<Example<Event>> data)
            throws OrtException {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(1);
            try (OrtSession session = env.createSession(onnxFile.toString(), options)) {
                String namesJson = session.getMetadata().getCustomMetadata().get(ONNX_FEATURE_NAMES);
                if (namesJson == null) {
                    throw new IllegalStateException(onnxFile + " has no '" + ONNX_FEATURE_NAMES + "' metadata");
                }
                List<String> names = parseJsonStringArray(namesJson);
                Map<String, Integer> index = new HashMap<>();
                for (int i = 0; i < names.size(); i++) {
                    index.put(names.get(i), i);
                }
                int d = names.size();
                List<Example<Event>> examples = new ArrayList<>();
                data.forEach(examples::add);
                double[] scores = new double[examples.size()];
                int chunk = 500;
                for (int begin = 0; begin < examples.size(); begin += chunk) {
                    int n = Math.min(chunk, examples.size() - begin);
                    float[] input = new float[n * d];
                    for (int i = 0; i < n; i++) {
                        for (Feature f : examples.get(begin + i)) {
                            Integer j = index.get(f.getName());
                            if (j != null) {
                                input[i * d + j] = (float) f.getValue();
                            }
                        }
                    }
                    try (OnnxTensor tensor = OnnxTensor.createTensor(env, FloatBuffer.wrap(input),
                            new long[]{n, d});
                         OrtSession.Result result = session.run(Map.of(ONNX_INPUT, tensor))) {
                        float[] s = (float[]) result.get(ONNX_SCORE).orElseThrow(() ->
                                new IllegalStateException(onnxFile + " has no '" + ONNX_SCORE + "' output"))
                                .getValue();
                        for (int i = 0; i < n; i++) {
                            scores[begin + i] = s[i];
                        }
                    }
                }
                return scores;
            }
        }
    }

    /**
     * Parses a JSON array of strings (the format of the feature-name metadata) without a JSON library.
     * @param json the text, e.g. {@code ["px000","px001"]}.
     * @return the strings.
     */
    static List<String> parseJsonStringArray(String json) {
        List<String> out = new ArrayList<>();
        String s = json.trim();
        if (!s.startsWith("[") || !s.endsWith("]")) {
            throw new IllegalArgumentException("Not a JSON array: " + abbreviate(s));
        }
        int i = 1;
        int end = s.length() - 1;
        while (i < end) {
            char c = s.charAt(i);
            if (Character.isWhitespace(c) || c == ',') {
                i++;
            } else if (c == '"') {
                StringBuilder sb = new StringBuilder();
                i++;
                while (i < end && s.charAt(i) != '"') {
                    char ch = s.charAt(i);
                    if (ch == '\\') {
                        char esc = s.charAt(++i);
                        switch (esc) {
                            case 'n': sb.append('\n'); break;
                            case 't': sb.append('\t'); break;
                            case 'r': sb.append('\r'); break;
                            case 'b': sb.append('\b'); break;
                            case 'f': sb.append('\f'); break;
                            case 'u':
                                sb.append((char) Integer.parseInt(s.substring(i + 1, i + 5), 16));
                                i += 4;
                                break;
                            default: sb.append(esc);
                        }
                    } else {
                        sb.append(ch);
                    }
                    i++;
                }
                if (i >= end) {
                    throw new IllegalArgumentException("Unterminated string in JSON array: " + abbreviate(s));
                }
                out.add(sb.toString());
                i++;
            } else {
                throw new IllegalArgumentException("Unexpected '" + c + "' at " + i + " in JSON array: "
                        + abbreviate(s));
            }
        }
        return out;
    }

    private static String abbreviate(String s) {
        return s.length() > 80 ? s.substring(0, 80) + "..." : s;
    }

    private static double[] scores(List<Prediction<Event>> predictions) {
        double[] s = new double[predictions.size()];
        for (int i = 0; i < s.length; i++) {
            s[i] = predictions.get(i).getOutput().getScore();
        }
        return s;
    }

    private static double pairAuroc(int[] classes, double[] scores, int normal, int anomalous) {
        int n = 0;
        for (int c : classes) {
            if (c == normal || c == anomalous) {
                n++;
            }
        }
        boolean[] truth = new boolean[n];
        double[] s = new double[n];
        int j = 0;
        boolean hasNormal = false;
        boolean hasAnomalous = false;
        for (int i = 0; i < classes.length; i++) {
            if (classes[i] == normal || classes[i] == anomalous) {
                truth[j] = classes[i] == anomalous;
                hasNormal |= !truth[j];
                hasAnomalous |= truth[j];
                s[j++] = scores[i];
            }
        }
        return hasNormal && hasAnomalous ? LabelEvaluationUtil.binaryAUCROC(truth, s) : Double.NaN;
    }

    private static double maxAbsDiff(double[] a, double[] b) {
        if (a.length != b.length) {
            throw new IllegalStateException("Score arrays differ in length: " + a.length + " vs " + b.length);
        }
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            double diff = Math.abs(a[i] - b[i]);
            if (Double.isNaN(diff)) {
                return Double.NaN;
            }
            max = Math.max(max, diff);
        }
        return max;
    }

    /**
     * Fails the demo when a reloaded copy's scores differ from the model's by more than float rounding (1e-5
     * relative to the largest score, the bound the project's tests use between chunkings and graphs), or are NaN.
     */
    private static void checkEqual(String what, double maxDiff, double[] scores) {
        double scale = 1.0;
        for (double s : scores) {
            scale = Math.max(scale, Math.abs(s));
        }
        if (!(maxDiff <= 1e-5 * scale)) {
            throw new IllegalStateException("The scores of " + what + " differ from the model's by " + maxDiff
                    + " (more than 1e-5 of the largest score, " + scale + "): the saved model does not round-trip");
        }
    }

    private static String formatDiff(double diff) {
        return diff == 0.0 ? "0 (identical)" : String.format("%.3g", diff);
    }

    private static double seconds(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    @Override
    public String toString() {
        return "Demo(out=" + out + ", data=" + dataLocation + ", normalClass=" + normalClass + ", maxNormal="
                + maxNormal + ", seed=" + seed + ")";
    }
}
