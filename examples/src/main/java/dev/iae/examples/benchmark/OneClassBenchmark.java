package dev.iae.examples.benchmark;

import dev.iae.examples.ProgramDefaults;
import dev.iae.examples.data.Cifar10DataSource;
import dev.iae.examples.data.FashionMnistDataSource;
import dev.iae.examples.data.OneClassSplit;
import dev.iae.onnx.Normalization;
import dev.iae.onnx.ScoreKind;
import dev.iae.tribuo.ExecutionProvider;
import dev.iae.tribuo.IaeEnsembleTrainer;
import dev.iae.tribuo.IaeModel;
import dev.iae.tribuo.IaePreset;
import dev.iae.tribuo.IaeTrainer;
import dev.iae.tribuo.WeightInit;
import dev.iae.tribuo.evaluation.ScoreEvaluation;
import org.tribuo.DataSource;
import org.tribuo.Example;
import org.tribuo.Feature;
import org.tribuo.Model;
import org.tribuo.MutableDataset;
import org.tribuo.Prediction;
import org.tribuo.anomaly.Event;
import org.tribuo.anomaly.libsvm.LibSVMAnomalyTrainer;
import org.tribuo.anomaly.libsvm.SVMAnomalyType;
import org.tribuo.common.libsvm.KernelType;
import org.tribuo.common.libsvm.SVMParameters;
import org.tribuo.provenance.SimpleDataSourceProvenance;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * The one-class benchmark runner (a command, not a test): for a data set, normal classes, seeds and methods, trains
 * on the one-class training split, scores the FULL test set and writes Markdown and CSV results.
 * <p>
 * Methods: the IAE presets ({@code IAE_LSTM_KL}, {@code CAE}, {@code DEEP_SVDD}, {@code IAE}, {@code IAE_LSTM},
 * {@code IAE_KL}; hyper-parameters from {@link BenchmarkConfig}) and {@code OCSVM_TRIBUO}, Tribuo's
 * {@link LibSVMAnomalyTrainer} one-class SVM (RBF, ν = 0.1, γ = 1/(D·var(X)) like scikit-learn's {@code 'scale'};
 * its decision value is positive for normal points, so it is negated to get an anomaly score).
 * <p>
 * Options: {@link #USAGE} (printed by {@code --help}).
 * Run it with {@code benchmarks/run-all.sh}, which also runs the Python peers and combines the tables.
 */
public final class OneClassBenchmark {

    /** The options, printed by {@code --help}. */
    public static final String USAGE = """
            Usage: OneClassBenchmark [options] (all optional except --data for CIFAR-10)
              --dataset fashion-mnist|cifar10     (default fashion-mnist)
              --data PATH                         IDX directory (default /usr/share/datasets/fashion-mnist) or CIFAR-10
                                                  archive/directory (e.g. ../shared/data/cifar10-jpg.tar.gz)
              --classes 0,1,...                   normal classes (default 0-9; ranges like 0-9 allowed)
              --seeds 1,2,3                       seeds (training and contamination draw; default 1,2,3)
              --methods IAE_LSTM_KL,...,OCSVM_TRIBUO  (default: all six presets and OCSVM_TRIBUO)
              --max-normal N                      keep the first N normal training images (default 0 = all)
              --contamination r[,r...]            contamination ratios (default 0)
              --pretrain-epochs N --epochs N      override the configured schedule (smoke runs)
              --lstm-hidden N                     override the LSTM width (e.g. the paper's 2048)
              --normalization NONE|MIN_MAX|GLOBAL_MIN_MAX|GCN_L1_MIN_MAX|GCN_L1_AND_GLOBAL_MIN_MAX  override the input
                                                  pre-processing
              --score SVDD|RECONSTRUCTION|COMBINED         override the anomaly score
              --rec-weight W                      override the weight (> 0) of the reconstruction part of the COMBINED score
              --lambda-rec X --lambda-kl X        override the loss weights
              --weight-init PYTORCH|DJL           override the initial weights
              --pretrain-lstm true|false          override whether the autoencoder is pre-trained through the LSTM
              --lstm-bias true|false              override whether the LSTM module has trainable gate biases
              --min-centre X                      override the floor of |c_j| (Deep SVDD's 0.1; 0 = the plain mean latent)
                                                  (every override is appended to the rows' method name, e.g.
                                                  IAE_LSTM_KL@lstm2048;norm=MIN_MAX, so tables can be combined)
              --sum-normalizations N1,N2[,...]    train each IAE method as a score sum (IaeEnsembleTrainer) of one model per
                                                  listed pre-processing, all other settings alike; rows marked
                                                  sum=N1+N2 (COMBINED scores only; not with --normalization or
                                                  --rec-weights)
              --rec-weights W[,W...]              also score each IAE model with these weights of the reconstruction part of
                                                  the combined score (ScoreSweep; 0 = distance only, inf =
                                                  reconstruction only); extra rows marked wrec=W, from the same training run
                                                  (models with both the hypersphere and the decoder; others get none)
              --validate F                        VALIDATION mode for choosing settings without test labels: hold out the
                                                  last fraction F of the normal training images and evaluate on them plus
                                                  as many images of each other class's TRAINING set (ValidationSplit);
                                                  the test set is not read; rows are marked with the data set name
                                                  "<dataset>-validation"
              --validate-fold K                   with --validate: hold out the K-th window of that size instead (0, the
                                                  default, is the last normal images and the first of each other class;
                                                  K moves both windows by K windows, so folds score disjoint images); rows
                                                  of K > 0 are marked "<dataset>-validation-foldK"
              --save-scores true|false            also write every row's per-example scores to NAME-scores.csv.gz (ScoreFile),
                                                  for score combinations evaluated later without training again
                                                  (benchmarks/peers.py add-scores; default false)
              --threads N                         libtorch threads (default 1)
              --out DIR                           output directory (default benchmarks/results)
              --name NAME                         file base name (default <dataset>-java)
              --label TEXT                        added to the title (e.g. "SMOKE RUN")
              --command TEXT                      the command line to record (default: the JVM's main class and arguments)
            """;

    /** Name of the Tribuo one-class SVM method. */
    public static final String OCSVM = "OCSVM_TRIBUO";
    /**
     * Environment variable with the code a run used ({@code benchmarks/run-all.sh} sets it to the commit and whether
     * the tree had uncommitted changes), written into the result header as "Code: ...".
     */
    public static final String CODE_ENV = "IAE_BENCH_CODE";

    private String dataset = "fashion-mnist";
    private String data = null;
    private int[] classes = range(0, 9);
    private long[] seeds = {1, 2, 3};
    private List<String> methods = defaultMethods();
    private int maxNormal = 0;
    private double[] contaminations = {0.0};
    private int pretrainEpochs = -1;
    private int epochs = -1;
    private int lstmHidden = -1;
    /** The IAE trainer settings overridden on the command line, in {@link Setting} order. */
    private final Map<Setting, SettingOverride> trainerOverrides = new EnumMap<>(Setting.class);
    private double validate = 0.0;
    private int validateFold = 0;
    /** The pre-processings of a score sum ({@code --sum-normalizations}), or null for single models. */
    private List<Normalization> sumNormalizations = null;
    /** Extra scorings of each IAE model ({@code --rec-weights}), or null. */
    private ScoreSweep sweep = null;
    /** Whether each row's per-example scores are written to {@code NAME-scores.csv.gz} ({@code --save-scores}). */
    private boolean saveScores = false;
    private int threads = 1;
    private Path out = Paths.get("benchmarks", "results");
    private String name = null;
    private String label = "";
    private String command = null;

    private OneClassBenchmark() { }

    private static List<String> defaultMethods() {
        List<String> m = new ArrayList<>();
        m.add(IaePreset.IAE_LSTM_KL.name());
        for (IaePreset p : IaePreset.values()) {
            if (p != IaePreset.IAE_LSTM_KL) {
                m.add(p.name());
            }
        }
        m.add(OCSVM);
        return m;
    }

    /**
     * Runs the benchmark.
     * @param args see the class comment.
     * @throws Exception if an option is invalid, the data cannot be read, or training fails.
     */
    public static void main(String[] args) throws Exception {
        ProgramDefaults.apply();
        OneClassBenchmark b = parse(args);
        b.run(args);
    }

    static OneClassBenchmark parse(String[] args) {
        OneClassBenchmark b = new OneClassBenchmark();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--help") || a.equals("-h")) {
                System.out.print(USAGE);
                System.exit(0);
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException("Option " + a + " needs a value");
            }
            String v = args[++i];
            switch (a) {
                case "--dataset": b.dataset = v; BenchmarkConfig.isCifar(v); break;
                case "--data": b.data = v; break;
                case "--classes": b.classes = parseInts(v, a); break;
                case "--seeds": b.seeds = Arrays.stream(parseInts(v, a)).asLongStream().toArray(); break;
                case "--methods": b.methods = parseMethods(v); break;
                case "--max-normal": b.maxNormal = Integer.parseInt(v); break;
                case "--contamination":
                    b.contaminations = Arrays.stream(v.split(",")).mapToDouble(Double::parseDouble).toArray();
                    for (double r : b.contaminations) {
                        if (!(r >= 0 && r < 1)) {
                            throw new IllegalArgumentException("--contamination values must be in [0, 1), found "
                                    + r);
                        }
                    }
                    break;
                case "--pretrain-epochs": b.pretrainEpochs = Integer.parseInt(v); break;
                case "--epochs": b.epochs = Integer.parseInt(v); break;
                case "--lstm-hidden":
                    b.lstmHidden = Integer.parseInt(v);
                    if (b.lstmHidden < 1) {
                        throw new IllegalArgumentException("--lstm-hidden must be at least 1, found " + v);
                    }
                    break;
                case "--normalization":
                    b.override(Setting.NORMALIZATION, "norm", Normalization.valueOf(enumName(v)),
                            IaeTrainer.Builder::normalization);
                    break;
                case "--score":
                    b.override(Setting.SCORE, "score", ScoreKind.valueOf(enumName(v)), IaeTrainer.Builder::scoreKind);
                    break;
                case "--rec-weight": {
                    double w = nonNegative(v, a);
                    if (w == 0.0) {
                        throw new IllegalArgumentException(a + " must be > 0 (a zero weight drops the reconstruction "
                                + "part: use --score SVDD), found " + v);
                    }
                    // Labelled like the score sweep's rows (wrec=1, wrec=0.25), so the two never name one weight
                    // two ways.
                    b.override(Setting.REC_WEIGHT, ScoreSweep.label(w), tb -> tb.recWeight(w));
                    break;
                }
                case "--lambda-rec":
                    b.override(Setting.LAMBDA_REC, "rec", nonNegative(v, a), IaeTrainer.Builder::lambdaRec);
                    break;
                case "--lambda-kl":
                    b.override(Setting.LAMBDA_KL, "kl", nonNegative(v, a), IaeTrainer.Builder::lambdaKl);
                    break;
                case "--weight-init":
                    b.override(Setting.WEIGHT_INIT, "init", WeightInit.valueOf(enumName(v)),
                            IaeTrainer.Builder::weightInit);
                    break;
                case "--pretrain-lstm":
                    b.override(Setting.PRETRAIN_LSTM, "pretrainLstm", parseBoolean(v, a),
                            IaeTrainer.Builder::pretrainLstm);
                    break;
                case "--lstm-bias":
                    b.override(Setting.LSTM_BIAS, "lstmBias", parseBoolean(v, a), IaeTrainer.Builder::lstmBias);
                    break;
                case "--min-centre":
                    b.override(Setting.MIN_CENTRE, "minCentre", nonNegative(v, a), IaeTrainer.Builder::minCentre);
                    break;
                case "--sum-normalizations": b.sumNormalizations = parseSumNormalizations(v, a); break;
                case "--rec-weights": b.sweep = ScoreSweep.parse(v, a); break;
                case "--validate":
                    b.validate = Double.parseDouble(v);
                    if (!(b.validate > 0.0 && b.validate < 1.0)) {
                        throw new IllegalArgumentException("--validate must be a fraction in (0, 1), found " + v);
                    }
                    break;
                case "--validate-fold":
                    b.validateFold = Integer.parseInt(v);
                    if (b.validateFold < 0) {
                        throw new IllegalArgumentException("--validate-fold must be at least 0, found " + v);
                    }
                    break;
                case "--save-scores": b.saveScores = parseBoolean(v, a); break;
                case "--threads": b.threads = Integer.parseInt(v); break;
                case "--out": b.out = Paths.get(v); break;
                case "--name": b.name = v; break;
                case "--label": b.label = v; break;
                case "--command": b.command = v; break;
                default: throw new IllegalArgumentException("Unknown option " + a);
            }
        }
        boolean cifar = BenchmarkConfig.isCifar(b.dataset);
        if (b.data == null) {
            if (cifar) {
                throw new IllegalArgumentException("--data is required for cifar10 (the JPEG archive or directory)");
            }
            b.data = FashionMnistDataSource.DEBIAN_DIRECTORY;
        }
        if (b.name == null) {
            b.name = (cifar ? "cifar10" : "fashion-mnist") + "-java";
        }
        if (b.sumNormalizations != null && b.trainerOverrides.containsKey(Setting.NORMALIZATION)) {
            throw new IllegalArgumentException("--sum-normalizations sets each member's pre-processing; it cannot be "
                    + "combined with --normalization");
        }
        if (b.sumNormalizations != null && b.sweep != null) {
            throw new IllegalArgumentException("--rec-weights re-weighs one model's distance and reconstruction outputs; "
                    + "a score sum (--sum-normalizations) has neither");
        }
        if (b.validateFold > 0 && b.validate == 0.0) {
            throw new IllegalArgumentException("--validate-fold " + b.validateFold + " needs --validate F");
        }
        // Build every IAE method's trainer once now, so a setting that does not fit a preset (e.g. --score COMBINED
        // for CAE, which has no hypersphere) fails before any data is read, not after hours of training.
        int[] shape = cifar ? new int[]{3, 32, 32} : new int[]{1, 28, 28};
        for (String method : b.methods) {
            if (!method.equals(OCSVM)) {
                try {
                    b.iaeTrainer(method, shape, 1L).build();
                    for (Normalization n : b.sumNormalizations == null ? List.<Normalization>of() : b.sumNormalizations) {
                        IaeTrainer member = b.iaeTrainer(method, shape, 1L).normalization(n).build();
                        if (member.effectiveScoreKind() != ScoreKind.COMBINED) {
                            // Raw distances (or errors) of different pre-processings are on different scales.
                            throw new IllegalArgumentException("a score sum adds its members' scores, which must be "
                                    + "standardised (the COMBINED score); this method's score is "
                                    + member.effectiveScoreKind() + " (use --score combined, or a method with both "
                                    + "the hypersphere and the decoder)");
                        }
                    }
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("Method " + method + " cannot run with these options: "
                            + e.getMessage(), e);
                }
            }
        }
        return b;
    }

    /** The trainer builder of an IAE method: the data set's configured settings, then the command-line overrides. */
    private IaeTrainer.Builder iaeTrainer(String method, int[] shape, long seed) {
        IaeTrainer.Builder tb = BenchmarkConfig.builder(dataset, IaePreset.valueOf(method), shape, seed,
                pretrainEpochs, epochs, lstmHidden, threads);
        trainerOverrides.values().forEach(o -> o.apply().accept(tb));
        return tb;
    }

    /** The IAE trainer settings the command line can override; their order is the order in row names. */
    private enum Setting {
        NORMALIZATION, SCORE, REC_WEIGHT, LAMBDA_REC, LAMBDA_KL, WEIGHT_INIT, PRETRAIN_LSTM, LSTM_BIAS, MIN_CENTRE
    }

    /**
     * One overridden trainer setting.
     * @param label its short form in row names and headers (e.g. "norm=MIN_MAX").
     * @param apply sets it on a trainer builder.
     */
    private record SettingOverride(String label, Consumer<IaeTrainer.Builder> apply) { }

    /**
     * Records an override as "key=value" for row names and as the builder call that applies it.
     * @param setting which setting (fixes its place in row names).
     * @param key its short name in row names (e.g. "norm").
     * @param value the parsed value.
     * @param setter the builder method that sets it.
     * @param <T> the value type.
     */
    private <T> void override(Setting setting, String key, T value, BiConsumer<IaeTrainer.Builder, T> setter) {
        override(setting, key + "=" + value, tb -> setter.accept(tb, value));
    }

    /**
     * Records an override whose row-name label is not plain "key=value".
     * @param setting which setting (fixes its place in row names).
     * @param label its text in row names (e.g. "wrec=0.25").
     * @param apply the builder call that sets it.
     */
    private void override(Setting setting, String label, Consumer<IaeTrainer.Builder> apply) {
        trainerOverrides.put(setting, new SettingOverride(label, apply));
    }

    private static String enumName(String v) {
        return v.trim().toUpperCase(Locale.ROOT).replace('-', '_');
    }

    private static boolean parseBoolean(String v, String option) {
        String b = v.trim().toLowerCase(Locale.ROOT);
        if (!b.equals("true") && !b.equals("false")) {
            throw new IllegalArgumentException(option + " must be true or false, found " + v);
        }
        return Boolean.parseBoolean(b);
    }

    private static double nonNegative(String v, String option) {
        double x = Double.parseDouble(v);
        if (!(x >= 0.0 && Double.isFinite(x))) {
            throw new IllegalArgumentException(option + " must be a finite number >= 0, found " + v);
        }
        return x;
    }

    private static List<String> parseMethods(String v) {
        List<String> out = new ArrayList<>();
        for (String m : v.split(",")) {
            String s = m.trim().toUpperCase(Locale.ROOT).replace('-', '_');
            if (s.equals("OCSVM")) {
                s = OCSVM;
            }
            if (!s.equals(OCSVM)) {
                try {
                    IaePreset.valueOf(s);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("Unknown method '" + m + "': use one of "
                            + Arrays.toString(IaePreset.values()) + " or " + OCSVM);
                }
            }
            out.add(s);
        }
        return out;
    }

    private static List<Normalization> parseSumNormalizations(String v, String option) {
        List<Normalization> list = new ArrayList<>();
        for (String part : v.split(",")) {
            Normalization n = Normalization.valueOf(enumName(part.trim()));
            if (list.contains(n)) {
                throw new IllegalArgumentException(option + " lists " + n + " twice");
            }
            list.add(n);
        }
        if (list.size() < 2) {
            throw new IllegalArgumentException(option + " needs at least two pre-processings, found " + v);
        }
        return list;
    }

    private static int[] parseInts(String v, String option) {
        List<Integer> out = new ArrayList<>();
        for (String part : v.split(",")) {
            String p = part.trim();
            try {
                if (p.matches("\\d+-\\d+")) {
                    String[] ab = p.split("-");
                    for (int x : range(Integer.parseInt(ab[0]), Integer.parseInt(ab[1]))) {
                        out.add(x);
                    }
                } else {
                    out.add(Integer.parseInt(p));
                }
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(option + " expects integers or ranges like 0-9, found '" + v
                        + "'");
            }
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    private static int[] range(int from, int toInclusive) {
        int[] r = new int[Math.max(0, toInclusive - from + 1)];
        for (int i = 0; i < r.length; i++) {
            r[i] = from + i;
        }
        return r;
    }

    /** One split of the configured data set, with what the benchmark needs besides the examples. */
    private static final class Split {
        final DataSource<Event> source;
        final int[] imageShape;
        final String fingerprint;

        Split(DataSource<Event> source, int[] imageShape, String fingerprint) {
            this.source = source;
            this.imageShape = imageShape;
            this.fingerprint = fingerprint;
        }
    }

    private Split load(boolean train, int normalClass, double r, long seed) {
        if (BenchmarkConfig.isCifar(dataset)) {
            Cifar10DataSource s = new Cifar10DataSource(data, train ? Cifar10DataSource.Split.TRAIN
                    : Cifar10DataSource.Split.TEST, normalClass, train ? r : 0.0, train ? maxNormal : 0, seed);
            return new Split(s, s.imageShape(), "sha256 " + s.fingerprint());
        }
        FashionMnistDataSource s = new FashionMnistDataSource(data, train ? FashionMnistDataSource.Split.TRAIN
                : FashionMnistDataSource.Split.TEST, normalClass, train ? r : 0.0, train ? maxNormal : 0, seed);
        return new Split(s, s.imageShape(), "see the data source provenance (IDX file SHA-256)");
    }

    private void run(String[] args) throws IOException {
        Files.createDirectories(out);
        String startLoad = loadAverage();
        OffsetDateTime start = OffsetDateTime.now();
        long t0All = System.nanoTime();
        ResultTable table = new ResultTable();
        String cmd = command != null ? command : "java ... " + System.getProperty("sun.java.command",
                OneClassBenchmark.class.getName() + " " + String.join(" ", args));
        String fingerprint = "";
        System.out.printf("OneClassBenchmark: %s, data %s, classes %s, seeds %s, methods %s, maxNormal %d, r %s%n",
                dataset, data, Arrays.toString(classes), Arrays.toString(seeds), methods, maxNormal,
                Arrays.toString(contaminations));
        Path scorePath = out.resolve(name + "-scores.csv.gz");
        ScoreFile scoreFile = null;
        if (saveScores) {
            scoreFile = ScoreFile.create(scorePath);
        } else {
            Files.deleteIfExists(scorePath);  // an earlier run's scores must not sit beside this run's table
        }
        if (validate > 0) {
            runValidation(table, cmd, start, startLoad, t0All, scoreFile);
            return;
        }
        for (int k : classes) {
            long tl = System.nanoTime();
            Split testSplit = load(false, k, 0.0, 0L);
            MutableDataset<Event> test = new MutableDataset<>(testSplit.source);
            fingerprint = testSplit.fingerprint;
            boolean[] isAnomalous = new boolean[test.size()];
            int i = 0;
            for (Example<Event> e : test) {
                isAnomalous[i++] = e.getOutput().getType() == Event.EventType.ANOMALOUS;
            }
            System.out.printf("class %d: test set %d images loaded in %.1f s%n", k, test.size(), secs(tl));
            for (double r : contaminations) {
                for (long seed : seeds) {
                    Split trainSplit = load(true, k, r, seed);
                    MutableDataset<Event> train = new MutableDataset<>(trainSplit.source);
                    for (String method : methods) {
                        for (ResultTable.Row row : runOne(method, k, r, seed, trainSplit.imageShape, train, test,
                                isAnomalous, scoreFile)) {
                            table.add(row);
                            System.out.printf("  class %d r=%.2f seed %d %-12s AUROC %.4f  AP %.4f  train %.1f s  "
                                    + "score %.1f s%n", k, r, seed, row.method(), row.auroc(),
                                    row.averagePrecision(), row.trainSeconds(), row.scoreSeconds());
                        }
                        // Write after every run, so a long run that is stopped still leaves its results.
                        write(table, cmd, start, startLoad, fingerprint, secs(t0All));
                    }
                }
            }
        }
        write(table, cmd, start, startLoad, fingerprint, secs(t0All));
        System.out.printf("Done in %.1f s: %s%n", secs(t0All), out.resolve(name + ".md"));
    }

    /** Fashion-MNIST and CIFAR-10 both have ten classes. */
    private static final int NUM_CLASSES = 10;

    /** The {@code --validate} loop: like {@link #run}, but scoring a {@link ValidationSplit} of the training data. */
    private void runValidation(ResultTable table, String cmd, OffsetDateTime start, String startLoad, long t0All,
                               ScoreFile scoreFile) throws IOException {
        Map<Integer, List<Example<Event>>> classImages = new HashMap<>();
        String fingerprint = "";
        for (int k : classes) {
            for (double r : contaminations) {
                for (long seed : seeds) {
                    long tl = System.nanoTime();
                    Split trainSplit = load(true, k, r, seed);
                    fingerprint = trainSplit.fingerprint;
                    ValidationSplit split = ValidationSplit.of(examples(trainSplit.source), k, validate, validateFold,
                            NUM_CLASSES,
                            j -> classImages.computeIfAbsent(j, c -> examples(load(true, c, 0.0, 0L).source)));
                    String what = "class " + k + " r=" + r + " seed " + seed + " holdout " + validate
                            + (validateFold > 0 ? " fold " + validateFold : "");
                    MutableDataset<Event> fit = dataset(split.fit(), "validation fit set, " + what);
                    MutableDataset<Event> val = dataset(split.validation(), "validation set, " + what);
                    System.out.printf("class %d r=%.2f seed %d: %s in %.1f s%n", k, r, seed, split, secs(tl));
                    for (String method : methods) {
                        for (ResultTable.Row row : runOne(method, k, r, seed, trainSplit.imageShape, fit, val,
                                split.isAnomalous(), scoreFile)) {
                            table.add(row);
                            System.out.printf("  VALIDATION class %d r=%.2f seed %d %-12s AUROC %.4f  AP %.4f  "
                                    + "train %.1f s%n", k, r, seed, row.method(), row.auroc(), row.averagePrecision(),
                                    row.trainSeconds());
                        }
                        write(table, cmd, start, startLoad, fingerprint, secs(t0All));
                    }
                }
            }
        }
        write(table, cmd, start, startLoad, fingerprint, secs(t0All));
        System.out.printf("Done in %.1f s: %s%n", secs(t0All), out.resolve(name + ".md"));
    }

    private static List<Example<Event>> examples(DataSource<Event> source) {
        List<Example<Event>> list = new ArrayList<>();
        for (Example<Event> e : source) {
            list.add(e);
        }
        return list;
    }

    private static MutableDataset<Event> dataset(List<Example<Event>> examples, String description) {
        MutableDataset<Event> d = new MutableDataset<>(new SimpleDataSourceProvenance(description,
                OneClassSplit.outputFactory()), OneClassSplit.outputFactory());
        d.addAll(examples);
        return d;
    }

    /**
     * Trains one method and scores the test (or validation) set.
     * @param scoreFile where each row's per-example scores go ({@code --save-scores}), or null.
     * @return the method's row, then one row per {@code --rec-weights} weight for IAE models that have both parts
     *     of the combined score.
     * @throws IOException if the score file cannot be written.
     */
    private List<ResultTable.Row> runOne(String method, int k, double r, long seed, int[] shape,
                                         MutableDataset<Event> train, MutableDataset<Event> test,
                                         boolean[] isAnomalous, ScoreFile scoreFile) throws IOException {
        long t0 = System.nanoTime();
        Model<Event> model;
        boolean negate;
        if (method.equals(OCSVM)) {
            SVMParameters<Event> params = new SVMParameters<>(new SVMAnomalyType(SVMAnomalyType.SVMMode.ONE_CLASS),
                    KernelType.RBF);
            params.setNu(BenchmarkConfig.OCSVM_NU);
            params.setGamma(scaleGamma(train));
            params.setCacheSize(500);
            model = new LibSVMAnomalyTrainer(params, seed).train(train);
            negate = true;
        } else if (sumNormalizations != null) {
            // One member per pre-processing, every other setting alike; the members' COMBINED scores are each
            // standardised on their training data, so the sum weighs them alike.
            List<IaeTrainer> members = new ArrayList<>();
            for (Normalization n : sumNormalizations) {
                members.add(iaeTrainer(method, shape, seed).normalization(n).build());
            }
            // The trainers' defaults: threshold at the 95 % training quantile (AUROC does not depend on it), AUTO.
            model = new IaeEnsembleTrainer(members, 0.05, ExecutionProvider.AUTO).train(train);
            negate = false;
        } else {
            IaeTrainer trainer = iaeTrainer(method, shape, seed).build();
            model = trainer.train(train);
            negate = false;
        }
        double trainSeconds = secs(t0);
        try {
            long t1 = System.nanoTime();
            List<Prediction<Event>> predictions = model.predict(test);
            double scoreSeconds = secs(t1);
            double[] scores = new double[predictions.size()];
            for (int i = 0; i < scores.length; i++) {
                double s = predictions.get(i).getOutput().getScore();
                scores[i] = negate ? -s : s;
            }
            ScoreEvaluation eval = ScoreEvaluation.of(isAnomalous, scores);
            List<ResultTable.Row> rows = new ArrayList<>();
            ResultTable.Row own = new ResultTable.Row("java", rowDataset(), rowMethod(method), k, seed, r, maxNormal,
                    train.size(), test.size(), eval.auroc(), eval.averagePrecision(), trainSeconds, scoreSeconds);
            rows.add(own);
            if (scoreFile != null) {
                scoreFile.append(own, isAnomalous, scores);
            }
            if (model instanceof IaeModel iae && sweep != null && ScoreSweep.appliesTo(iae)) {
                long t2 = System.nanoTime();
                List<double[]> weighted = sweep.scores(ScoreSweep.scoreStats(iae), ScoreSweep.parts(iae, test));
                double sweepSeconds = secs(t2);
                double[] w = sweep.weights();
                for (int i = 0; i < w.length; i++) {
                    ScoreEvaluation e = ScoreEvaluation.of(isAnomalous, weighted.get(i));
                    ResultTable.Row row = new ResultTable.Row("java", rowDataset(),
                            withLabel(rowMethod(method), ScoreSweep.label(w[i])), k, seed, r, maxNormal,
                            train.size(), test.size(), e.auroc(), e.averagePrecision(), trainSeconds, sweepSeconds);
                    rows.add(row);
                    if (scoreFile != null) {
                        scoreFile.append(row, isAnomalous, weighted.get(i));
                    }
                }
            }
            return rows;
        } finally {
            if (model instanceof IaeModel iae) {
                iae.close();
            }
        }
    }

    /** A row method name with one more "key=value" label (after '@', or ';' when it already has labels). */
    private static String withLabel(String method, String label) {
        return method + (method.contains("@") ? ";" : "@") + label;
    }

    /** The settings overridden on the command line, in a short form (e.g. "lstm2048", "norm=MIN_MAX"). */
    private List<String> overrides() {
        List<String> o = new ArrayList<>();
        if (lstmHidden > 0) {
            o.add("lstm" + lstmHidden);
        }
        if (sumNormalizations != null) {
            o.add("sum=" + sumNormalizations.stream().map(Enum::name).collect(java.util.stream.Collectors.joining("+")));
        }
        trainerOverrides.values().forEach(t -> o.add(t.label()));
        return o;
    }

    /** The method name written to the tables: the preset, plus the overridden settings (IAE presets only). */
    private String rowMethod(String method) {
        List<String> o = overrides();
        return o.isEmpty() || method.equals(OCSVM) ? method : method + "@" + String.join(";", o);
    }

    /** The data set name written to the tables; validation rows say so, so they never mix with test results. */
    private String rowDataset() {
        return datasetName() + (validate > 0 ? "-validation" : "") + (validateFold > 0 ? "-fold" + validateFold : "");
    }

    /** scikit-learn's gamma='scale': 1 / (D · var(X)) over all training values. */
    static double scaleGamma(MutableDataset<Event> train) {
        double sum = 0;
        double sumSq = 0;
        long n = 0;
        int dim = train.getFeatureMap().size();
        for (Example<Event> e : train) {
            for (Feature f : e) {
                sum += f.getValue();
                sumSq += f.getValue() * f.getValue();
            }
        }
        n = (long) train.size() * dim; // features absent from an example are zeros
        double mean = sum / n;
        double var = sumSq / n - mean * mean;
        return var > 0 ? 1.0 / (dim * var) : 1.0 / dim;
    }

    private String datasetName() {
        return BenchmarkConfig.isCifar(dataset) ? "cifar10-jpeg" : "fashion-mnist";
    }

    private void write(ResultTable table, String cmd, OffsetDateTime start, String startLoad, String fingerprint,
                       double elapsed) throws IOException {
        table.writeCsv(out.resolve(name + ".csv"));
        List<String> header = new ArrayList<>();
        header.add("Command: `" + cmd + "`");
        String code = System.getenv(CODE_ENV);
        if (code != null && !code.isBlank()) {
            header.add("Code: " + code);
        }
        header.add("Started " + start.format(DateTimeFormatter.ISO_OFFSET_DATE_TIME) + ", elapsed "
                + String.format(Locale.ROOT, "%.0f s", elapsed) + "; machine: nproc "
                + Runtime.getRuntime().availableProcessors() + ", load average at start " + startLoad + ", now "
                + loadAverage() + " (the CPU is shared with other work: times are upper bounds); CPU " + CPU);
        header.add("Java " + System.getProperty("java.version") + ", libtorch threads " + threads
                + ", OMP_WAIT_POLICY=" + System.getenv().getOrDefault("OMP_WAIT_POLICY", "(unset)"));
        header.add("Data: " + datasetName() + " from `" + data + "` (" + fingerprint + "); one-class protocol: "
                + "train on the normal class" + (maxNormal > 0 ? " (first " + maxNormal + " images)" : "")
                + ", contamination r " + Arrays.toString(contaminations) + " drawn from other classes with the "
                + "seed; " + (validate > 0 ? "no test data (validation run, below)"
                : "FULL test set, other classes anomalous"));
        header.add("Classes " + Arrays.toString(classes) + ", seeds " + Arrays.toString(seeds) + ", methods "
                + methods);
        header.add("Hyper-parameters (fixed per data set, not tuned on test labels): " + BenchmarkConfig.describe()
                + (pretrainEpochs >= 0 || epochs >= 0 ? "; OVERRIDDEN for this run: pretrain epochs "
                + (pretrainEpochs >= 0 ? pretrainEpochs : BenchmarkConfig.PRETRAIN_EPOCHS) + ", joint epochs "
                + (epochs >= 0 ? epochs : BenchmarkConfig.EPOCHS) : "")
                + (overrides().isEmpty() ? "" : "; OVERRIDDEN for this run (IAE presets): " + overrides()));
        if (sweep != null) {
            header.add("Rows marked wrec=W re-score the model of the row without it (same training run) with "
                    + "(d - m_d)/s_d + W (r - m_r)/s_r: squared distance d and reconstruction error r standardised by "
                    + "their training-set mean and spread as the trainer computed them (W = the model's own "
                    + "reconstruction weight, 1 unless configured, is its COMBINED score; 0 the distance alone, inf "
                    + "the reconstruction error alone); their score time is the time to "
                    + "compute both parts on the scored set");
        }
        if (validate > 0) {
            header.add("VALIDATION run (training data only; the test set was not read): "
                    + (validateFold == 0 ? "the last " + validate + " of the normal training images are held out and "
                    + "scored with as many training images of each other class (the first ones)"
                    : "fold " + validateFold + ": the normal training images " + validateFold + " windows of "
                    + validate + " before the end are held out and scored with as many training images of each "
                    + "other class, taken after the first " + validateFold + " such windows")
                    + " (ValidationSplit); the models train on the rest, with the contaminants cut to keep the "
                    + "ratio r");
        }
        String title = "One-class benchmark: " + datasetName() + " (Java: IAE presets and Tribuo one-class SVM)"
                + (label.isEmpty() ? "" : " — " + label);
        Files.writeString(out.resolve(name + ".md"), table.toMarkdown(title, header), StandardCharsets.UTF_8);
    }

    private static String loadAverage() {
        try {
            String s = Files.readString(Paths.get("/proc/loadavg")).trim();
            String[] p = s.split("\\s+");
            return p[0] + " " + p[1] + " " + p[2];
        } catch (IOException | RuntimeException e) {
            return String.format(Locale.ROOT, "%.2f",
                    ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        }
    }

    /**
     * The CPU's model name and the widest vector instruction set it offers, read once (every incremental write of
     * the result header names it). libtorch picks its CPU kernels by instruction set, so the same code and seed can
     * give slightly different models on an AVX2 and an AVX-512 machine; result headers record which one ran.
     */
    private static final String CPU = cpu();

    /** @return {@link #CPU}'s text, from {@code /proc/cpuinfo}. */
    private static String cpu() {
        try {
            String model = "unknown model";
            List<String> flags = List.of();
            for (String line : Files.readAllLines(Paths.get("/proc/cpuinfo"))) {
                int colon = line.indexOf(':');
                if (colon < 0) {
                    continue;
                }
                String key = line.substring(0, colon).trim();
                if (key.equals("model name") && model.equals("unknown model")) {
                    model = line.substring(colon + 1).trim();
                } else if (key.equals("flags") && flags.isEmpty()) {
                    flags = Arrays.asList(line.substring(colon + 1).trim().split("\\s+"));
                }
            }
            String isa = flags.contains("avx512f") ? "AVX-512" : flags.contains("avx2") ? "AVX2"
                    : flags.contains("avx") ? "AVX" : "no AVX";
            return model + " (" + isa + ")";
        } catch (IOException | RuntimeException e) {
            return System.getProperty("os.arch") + " (/proc/cpuinfo unreadable)";
        }
    }

    private static double secs(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }

    @Override
    public String toString() {
        return "OneClassBenchmark(dataset=" + dataset + ", data=" + data + ", classes=" + Arrays.toString(classes)
                + ", seeds=" + Arrays.toString(seeds) + ", methods=" + methods + ", maxNormal=" + maxNormal
                + ", contamination=" + Arrays.toString(contaminations)
                + (overrides().isEmpty() ? "" : ", overrides=" + overrides())
                + (validate > 0 ? ", validate=" + validate : "")
                + (validateFold > 0 ? ", validateFold=" + validateFold : "") + (sweep != null ? ", " + sweep : "")
                + (saveScores ? ", saveScores" : "")
                + ", out=" + out + ")";
    }
}
