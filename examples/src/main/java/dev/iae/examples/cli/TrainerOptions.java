package dev.iae.examples.cli;

import com.oracle.labs.mlrg.olcut.config.Config;
import com.oracle.labs.mlrg.olcut.config.ConfigurationManager;
import com.oracle.labs.mlrg.olcut.config.Configurable;
import com.oracle.labs.mlrg.olcut.config.property.ListProperty;
import com.oracle.labs.mlrg.olcut.config.property.Property;
import com.oracle.labs.mlrg.olcut.config.property.SimpleProperty;
import dev.iae.onnx.Normalization;
import dev.iae.onnx.ScoreKind;
import dev.iae.tribuo.ExecutionProvider;
import dev.iae.tribuo.IaePreset;
import dev.iae.tribuo.IaeTrainer;
import dev.iae.tribuo.SvddObjective;
import dev.iae.tribuo.ThresholdRule;
import dev.iae.tribuo.WeightInit;
import picocli.CommandLine.Option;

import java.lang.reflect.Field;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The trainer settings of {@code train}: either options (one per {@link IaeTrainer} {@code @Config} field, named after
 * it — {@code lstmHidden} is {@code --lstm-hidden} — except {@code --score} for {@code scoreKind} and {@code --device}
 * for {@code executionProvider}) or an OLCUT configuration file ({@code --config}, Tribuo's way; examples ship under
 * {@code examples/src/main/resources/config/}) whose properties the options and {@code --set name=value} override.
 */
public final class TrainerOptions {
    /** Prefix of configuration files read from the class path. */
    public static final String CLASSPATH_PREFIX = "classpath:";

    @Option(names = "--config", paramLabel = "FILE",
            description = "OLCUT XML configuration of an IaeTrainer (a file, or classpath:/config/NAME.xml for the "
                    + "shipped examples). Options below override its properties.")
    String config;

    @Option(names = "--config-name", paramLabel = "NAME", defaultValue = "trainer",
            description = "Name of the trainer component in the configuration file (default: ${DEFAULT-VALUE}).")
    String configName;

    @Option(names = "--set", paramLabel = "NAME=VALUE",
            description = "Override any trainer property, e.g. --set epochs=5 --set encoderSizes=64,32 (a list "
                    + "property takes one value too: --set encoderSizes=64).")
    Map<String, String> set = new LinkedHashMap<>();

    @Option(names = "--preset", paramLabel = "PRESET",
            description = "Ablation preset: ${COMPLETION-CANDIDATES} (default IAE_LSTM_KL).")
    IaePreset preset;

    @Option(names = "--image-shape", paramLabel = "C,H,W", split = ",",
            description = "Image shape for the convolutional network; omit for tabular data (IDX input sets it).")
    int[] imageShape;

    @Option(names = "--encoder-sizes", paramLabel = "N", split = ",",
            description = "MLP hidden sizes (tabular) or convolution channels per block (images), e.g. 64,32.")
    int[] encoderSizes;

    @Option(names = "--lstm-hidden", paramLabel = "N", description = "Hidden size of the one-step LSTM.")
    Integer lstmHidden;

    @Option(names = "--rep-dim", paramLabel = "N", description = "Size of the latent vector z.")
    Integer repDim;

    @Option(names = "--objective", paramLabel = "OBJ", description = "${COMPLETION-CANDIDATES}.")
    SvddObjective objective;

    @Option(names = "--nu", paramLabel = "X", description = "nu of the soft-boundary objective, in (0, 1].")
    Double nu;

    @Option(names = "--lambda-kl", paramLabel = "X", description = "Weight of the KL penalty.")
    Double lambdaKl;

    @Option(names = "--lambda-rec", paramLabel = "X", description = "Weight of the reconstruction loss.")
    Double lambdaRec;

    @Option(names = "--normalization", paramLabel = "NORM", description = "${COMPLETION-CANDIDATES}.")
    Normalization normalization;

    @Option(names = "--weight-init", paramLabel = "INIT",
            description = "Initial weights: ${COMPLETION-CANDIDATES} (PyTorch's or DJL's defaults).")
    WeightInit weightInit;

    @Option(names = "--pretrain-lstm", paramLabel = "BOOL", arity = "0..1", fallbackValue = "true",
            description = "Pre-train the autoencoder through the LSTM module (presets with the LSTM; default false: "
                    + "a fresh LSTM is inserted after pre-training).")
    Boolean pretrainLstm;

    @Option(names = "--lstm-bias", paramLabel = "BOOL", arity = "0..1", fallbackValue = "true",
            description = "Give the LSTM module trainable gate biases (default true); false zeroes them and never "
                    + "trains them, so the path to z is bias-free as Deep SVDD asks of its network.")
    Boolean lstmBias;

    @Option(names = "--min-centre", paramLabel = "X",
            description = "Smallest absolute centre coordinate (default 0.1, Deep SVDD's rule; 0 keeps the mean "
                    + "latent as it is).")
    Double minCentre;

    @Option(names = "--pretrain-epochs", paramLabel = "N", description = "Autoencoder pre-training epochs.")
    Integer pretrainEpochs;

    @Option(names = "--epochs", paramLabel = "N", description = "Joint training epochs.")
    Integer epochs;

    @Option(names = "--batch-size", paramLabel = "N", description = "Mini-batch size.")
    Integer batchSize;

    @Option(names = "--learning-rate", paramLabel = "X", description = "Adam learning rate.")
    Double learningRate;

    @Option(names = "--lr-milestone", paramLabel = "N",
            description = "Joint epoch after which the learning rate is multiplied by 0.1 (0 = never).")
    Integer lrMilestone;

    @Option(names = "--weight-decay", paramLabel = "X", description = "L2 weight decay.")
    Double weightDecay;

    @Option(names = "--score", paramLabel = "KIND", description = "Anomaly score: SVDD, RECONSTRUCTION or COMBINED "
            + "(SUM is the score of a score sum: see train --sum-normalizations).")
    ScoreKind scoreKind;

    @Option(names = "--rec-weight", paramLabel = "W",
            description = "Weight (> 0) of the reconstruction part of the COMBINED score (default 1).")
    Double recWeight;

    @Option(names = "--warm-up-epochs", paramLabel = "N",
            description = "Soft-boundary objective: joint epochs before the radius R is first updated (default 5).")
    Integer warmUpEpochs;

    @Option(names = "--threshold-rule", paramLabel = "RULE", description = "${COMPLETION-CANDIDATES}.")
    ThresholdRule thresholdRule;

    @Option(names = "--contamination", paramLabel = "X",
            description = "Fraction of training scores above the QUANTILE threshold, in [0, 1).")
    Double contamination;

    @Option(names = "--seed", paramLabel = "N", description = "Random seed.")
    Long seed;

    @Option(names = "--threads", paramLabel = "N", description = "libtorch threads for training (default 1).")
    Integer threads;

    @Option(names = "--device", paramLabel = "EP",
            description = "Where ONNX Runtime runs the model: ${COMPLETION-CANDIDATES}.")
    ExecutionProvider executionProvider;

    /**
     * The explicitly given options as trainer property name → OLCUT property (lists for arrays).
     * @return the properties, in option order, followed by {@code --set}.
     */
    Map<String, Property> explicitProperties() {
        Map<String, Property> p = new LinkedHashMap<>();
        putSimple(p, "preset", preset);
        putList(p, "imageShape", imageShape);
        putList(p, "encoderSizes", encoderSizes);
        putSimple(p, "lstmHidden", lstmHidden);
        putSimple(p, "repDim", repDim);
        putSimple(p, "objective", objective);
        putSimple(p, "nu", nu);
        putSimple(p, "lambdaKl", lambdaKl);
        putSimple(p, "lambdaRec", lambdaRec);
        putSimple(p, "normalization", normalization);
        putSimple(p, "pretrainEpochs", pretrainEpochs);
        putSimple(p, "pretrainLstm", pretrainLstm);
        putSimple(p, "lstmBias", lstmBias);
        putSimple(p, "minCentre", minCentre);
        putSimple(p, "epochs", epochs);
        putSimple(p, "batchSize", batchSize);
        putSimple(p, "learningRate", learningRate);
        putSimple(p, "lrMilestone", lrMilestone);
        putSimple(p, "weightDecay", weightDecay);
        putSimple(p, "weightInit", weightInit);
        putSimple(p, "scoreKind", scoreKind);
        putSimple(p, "recWeight", recWeight);
        putSimple(p, "warmUpEpochs", warmUpEpochs);
        putSimple(p, "thresholdRule", thresholdRule);
        putSimple(p, "contamination", contamination);
        putSimple(p, "seed", seed);
        putSimple(p, "threads", threads);
        putSimple(p, "executionProvider", executionProvider);
        for (Map.Entry<String, String> e : set.entrySet()) {
            String v = e.getValue().trim();
            Boolean list = isListField(e.getKey());
            // A list field takes a list whatever the number of values (encoderSizes=64 is [64]); a scalar field
            // takes the value as it is; an unknown name (OLCUT reports it) follows the comma.
            if (list != null ? list : v.contains(",")) {
                List<String> items = new ArrayList<>();
                for (String s : v.split(",")) {
                    items.add(s.trim());
                }
                p.put(e.getKey(), ListProperty.createFromStringList(items));
            } else {
                p.put(e.getKey(), new SimpleProperty(v));
            }
        }
        return p;
    }

    /**
     * Whether the trainer's {@code @Config} field of a name holds several values (an array or a collection), so that
     * {@code --set} gives it a list property even for one value.
     * @param name the property name.
     * @return true for a list field, false for a single-valued one, null when {@link IaeTrainer} has no such
     *     configurable field.
     */
    static Boolean isListField(String name) {
        for (Class<?> c = IaeTrainer.class; c != null && c != Object.class; c = c.getSuperclass()) {
            Field f;
            try {
                f = c.getDeclaredField(name);
            } catch (NoSuchFieldException e) {
                continue;
            }
            if (!f.isAnnotationPresent(Config.class)) {
                return null;
            }
            return f.getType().isArray() || Collection.class.isAssignableFrom(f.getType());
        }
        return null;
    }

    private static void putSimple(Map<String, Property> p, String name, Object value) {
        if (value != null) {
            p.put(name, new SimpleProperty(value instanceof Enum<?> en ? en.name() : value.toString()));
        }
    }

    private static void putList(Map<String, Property> p, String name, int[] values) {
        if (values != null) {
            List<String> items = new ArrayList<>();
            for (int v : values) {
                items.add(Integer.toString(v));
            }
            p.put(name, ListProperty.createFromStringList(items));
        }
    }

    /**
     * Builds the trainer. Without {@code --config} it starts from the trainer's defaults, or — when
     * {@code imageDefaults} is given — from the small image network of the shipped Fashion-MNIST configuration.
     * @param imageDefaults the image shape of IDX input (null for CSV input).
     * @return the trainer.
     * @throws CliException if the configuration cannot be read, a setting is invalid, or the model could not run on
     *     the chosen execution provider ({@link IaeTrainer#checkExecutionProvider}).
     */
    public IaeTrainer build(int[] imageDefaults) {
        return build(imageDefaults, null);
    }

    /**
     * Builds the member trainers of a score sum ({@code train --sum-normalizations}): one trainer per
     * pre-processing, every other setting as {@link #build(int[])} gives it.
     * @param imageDefaults the image shape of IDX input (null for CSV input).
     * @param normalizations the members' pre-processings (at least two, distinct).
     * @return the trainers, in the order of {@code normalizations}.
     * @throws CliException if the list is too short or repeats itself, the normalization is also set otherwise
     *     ({@code --normalization}, {@code --set normalization=...}), or a member cannot be built (see
     *     {@link #build(int[])}).
     */
    public List<IaeTrainer> buildMembers(int[] imageDefaults, List<Normalization> normalizations) {
        if (normalizations.size() < 2 || new java.util.HashSet<>(normalizations).size() != normalizations.size()) {
            throw new CliException("--sum-normalizations needs at least two different pre-processings, found "
                    + normalizations);
        }
        if (normalization != null || set.containsKey("normalization")) {
            throw new CliException("--sum-normalizations sets each member's pre-processing; drop --normalization "
                    + "(or --set normalization=...)");
        }
        List<IaeTrainer> members = new ArrayList<>();
        for (Normalization n : normalizations) {
            members.add(build(imageDefaults, n));
        }
        return members;
    }

    private IaeTrainer build(int[] imageDefaults, Normalization override) {
        Map<String, Property> props = explicitProperties();
        if (override != null) {
            props.put("normalization", new SimpleProperty(override.name()));
        }
        String location = config;
        if (location == null && imageDefaults != null) {
            location = CLASSPATH_PREFIX + "/config/iae-lstm-kl-fashion-mnist.xml";
            if (!props.containsKey("imageShape")) {
                putList(props, "imageShape", imageDefaults);
            }
        }
        IaeTrainer trainer = location == null ? fromOptions(props) : fromConfig(location, props);
        // A provider the trained model could not run on is refused now, before the data is read and the model trained.
        try {
            trainer.checkExecutionProvider();
        } catch (IllegalStateException e) {
            throw new CliException(e.getMessage(), e);
        }
        return trainer;
    }

    private IaeTrainer fromConfig(String location, Map<String, Property> props) {
        ConfigurationManager cm;
        try {
            if (location.startsWith(CLASSPATH_PREFIX)) {
                String resource = location.substring(CLASSPATH_PREFIX.length());
                URL url = TrainerOptions.class.getResource(resource.startsWith("/") ? resource : "/" + resource);
                if (url == null) {
                    throw new CliException("No configuration file " + resource + " on the class path");
                }
                cm = new ConfigurationManager(url);
            } else {
                Path file = Path.of(location);
                if (!Files.isRegularFile(file)) {
                    throw new CliException("Configuration file not found: " + location);
                }
                cm = new ConfigurationManager(file.toAbsolutePath().toString());
            }
        } catch (CliException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new CliException("Cannot read the configuration file " + location + ": " + oneLine(e), e);
        }
        try (cm) {
            if (!cm.getComponentNames().contains(configName)) {
                throw new CliException("The configuration file " + location + " has no component named '"
                        + configName + "' (components: " + String.join(", ", cm.getComponentNames())
                        + "); choose one with --config-name");
            }
            for (Map.Entry<String, Property> e : props.entrySet()) {
                cm.overrideConfigurableProperty(configName, e.getKey(), e.getValue());
            }
            Configurable c = cm.lookup(configName);
            if (!(c instanceof IaeTrainer trainer)) {
                throw new CliException("Component '" + configName + "' in " + location + " is a "
                        + c.getClass().getName() + ", not a " + IaeTrainer.class.getName());
            }
            return trainer;
        } catch (CliException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new CliException("Invalid trainer configuration: " + oneLine(e), e);
        }
    }

    private IaeTrainer fromOptions(Map<String, Property> props) {
        // Every option is a property of the trainer: configure it through OLCUT too, so that options and
        // configuration files share one code path and one set of validation messages.
        ConfigurationManager cm = new ConfigurationManager();
        try (cm) {
            cm.addConfiguration(IaeTrainer.class, configName);
            for (Map.Entry<String, Property> e : props.entrySet()) {
                cm.overrideConfigurableProperty(configName, e.getKey(), e.getValue());
            }
            return (IaeTrainer) cm.lookup(configName);
        } catch (RuntimeException e) {
            throw new CliException("Invalid trainer setting: " + oneLine(e), e);
        }
    }

    static String oneLine(Throwable e) {
        Throwable t = e;
        String m = t.getMessage();
        while ((m == null || m.isBlank()) && t.getCause() != null) {
            t = t.getCause();
            m = t.getMessage();
        }
        if (m == null) {
            return t.getClass().getSimpleName();
        }
        int nl = m.indexOf('\n');
        return nl >= 0 ? m.substring(0, nl) : m;
    }

    @Override
    public String toString() {
        return "TrainerOptions(config=" + config + ", overrides=" + explicitProperties().keySet()
                + ", imageShape=" + Arrays.toString(imageShape) + ")";
    }
}
