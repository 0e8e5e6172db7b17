package dev.iae.tribuo;

import com.oracle.labs.mlrg.olcut.config.Config;
import com.oracle.labs.mlrg.olcut.provenance.ListProvenance;
import com.oracle.labs.mlrg.olcut.provenance.Provenance;
import com.oracle.labs.mlrg.olcut.provenance.primitives.DoubleProvenance;
import dev.iae.onnx.OnnxContract;
import dev.iae.onnx.OnnxMetadata;
import dev.iae.onnx.OnnxScoreSum;
import dev.iae.onnx.ScoreKind;
import org.tribuo.Dataset;
import org.tribuo.ImmutableFeatureMap;
import org.tribuo.Trainer;
import org.tribuo.anomaly.Event;
import org.tribuo.provenance.EnsembleModelProvenance;
import org.tribuo.provenance.ModelProvenance;
import org.tribuo.provenance.TrainerProvenance;
import org.tribuo.provenance.impl.TimestampedTrainerProvenance;
import org.tribuo.provenance.impl.TrainerProvenanceImpl;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.logging.Logger;

/**
 * Trains several IAE-LSTM-KL models on the same data and serves the <em>sum of their scores</em> as one
 * {@link IaeModel} over one ONNX graph ({@link OnnxScoreSum}): e.g. one network on the GCN view of the
 * pre-processing and one on the global-range view, whose mistakes differ. On CIFAR-10 this sum was chosen on
 * held-out training images (+0.036 AUROC over the GCN model alone on two validation folds; see
 * {@code benchmarks/README.md} step 17). Each member is an ordinary {@link IaeTrainer} with its own settings;
 * give the members the {@link ScoreKind#COMBINED} or another score that is on a comparable scale (COMBINED is
 * standardised on each member's training data, so the members weigh alike).
 * <p>
 * The summed model's threshold is the (1 − contamination)-quantile of its own (ONNX Runtime's) scores of the
 * {@code EXPECTED} training examples, as {@link ThresholdRule#QUANTILE} for one model; the members' thresholds
 * are kept in the metadata only. The returned model's provenance is an {@link EnsembleModelProvenance}: this
 * trainer's settings (the members' trainers included) and each member model's own provenance.
 * {@link #combine} builds the same sum from models trained elsewhere.
 * <p>
 * Invocation count: invocation k of this trainer trains every member with invocation count k, so the same
 * trainer configuration and invocation count give the same members.
 */
public final class IaeEnsembleTrainer implements Trainer<Event> {
    private static final Logger logger = Logger.getLogger(IaeEnsembleTrainer.class.getName());

    /** Name given to the models this trainer returns. */
    public static final String MODEL_NAME = "iae-lstm-kl-score-sum";
    /** Instance provenance key of the contamination used by {@link #combine}. */
    public static final String PROVENANCE_CONTAMINATION = "score-sum-contamination";

    @Config(mandatory = true, description = "Trainers of the member models (at least two), all trained on the same "
            + "data; the model's score is the sum of their scores.")
    private List<IaeTrainer> members;

    @Config(description = "Fraction of the summed training scores above the threshold (the (1 - contamination)-"
            + "quantile of the EXPECTED training examples' summed scores), in [0, 1).")
    private double contamination = 0.05;

    @Config(description = "Where ONNX Runtime runs the summed model: AUTO, CPU or CUDA.")
    private ExecutionProvider executionProvider = ExecutionProvider.AUTO;

    private int trainInvocationCounter = 0;

    /**
     * For OLCUT.
     */
    private IaeEnsembleTrainer() { }

    /**
     * A trainer of the score sum of the given members.
     * @param members the member trainers (at least two).
     * @param contamination fraction of the summed training scores above the threshold, in [0, 1).
     * @param executionProvider where ONNX Runtime runs the summed model.
     * @throws IllegalArgumentException if there are fewer than two members, a null member, or contamination is
     *     outside [0, 1).
     */
    public IaeEnsembleTrainer(List<IaeTrainer> members, double contamination, ExecutionProvider executionProvider) {
        this.members = members == null ? null : new ArrayList<>(members);
        this.contamination = contamination;
        this.executionProvider = executionProvider;
        postConfig();
    }

    /**
     * Used by the OLCUT configuration system, and should not be called by external code. Validates the settings.
     * @throws IllegalArgumentException naming the first invalid setting.
     */
    @Override
    public synchronized void postConfig() {
        Objects.requireNonNull(members, "members must be set");
        Objects.requireNonNull(executionProvider, "executionProvider must be set");
        if (members.size() < 2) {
            throw new IllegalArgumentException("A score sum needs at least two member trainers, found " + members.size());
        }
        for (int i = 0; i < members.size(); i++) {
            if (members.get(i) == null) {
                throw new IllegalArgumentException("Member trainer " + i + " is null");
            }
            for (int j = 0; j < i; j++) {
                if (members.get(j) == members.get(i)) {
                    throw new IllegalArgumentException("Member trainers " + j + " and " + i + " are the same trainer: "
                            + "its two models would be the same model, counted twice");
                }
            }
        }
        checkContamination(contamination);
        List<String> kinds = new ArrayList<>();
        for (IaeTrainer t : members) {
            kinds.add(t.effectiveScoreKind().name());
        }
        if (!kinds.stream().allMatch(k -> k.equals(ScoreKind.COMBINED.name()))) {
            logger.warning("Score sum of members with the scores " + kinds + ": only COMBINED scores are standardised "
                    + "on their training data; raw distances or reconstruction errors of different members can differ "
                    + "in scale by orders of magnitude, and the largest then decides the sum");
        }
    }

    /**
     * Checks that the members could train and that the summed model could be served on the configured execution
     * providers (CUDA needs an ONNX Runtime build with the CUDA provider). {@link #train} calls it before training.
     * @throws IllegalStateException if a provider is CUDA and this ONNX Runtime build has none.
     */
    public void checkExecutionProvider() {
        for (IaeTrainer t : members) {
            t.checkExecutionProvider();
        }
        if (executionProvider == ExecutionProvider.CUDA) {
            OrtSessions.requireCudaBuild(" to serve the summed model (checked before training)");
        }
    }

    /** @return the member trainers, in order (unmodifiable). */
    public List<IaeTrainer> members() {
        return Collections.unmodifiableList(members);
    }

    @Override
    public IaeModel train(Dataset<Event> examples) {
        return train(examples, Collections.emptyMap());
    }

    @Override
    public IaeModel train(Dataset<Event> examples, Map<String, Provenance> runProvenance) {
        return train(examples, runProvenance, INCREMENT_INVOCATION_COUNT);
    }

    /**
     * Trains every member on {@code examples}, one after the other, and returns the model of their score sum.
     * @param examples the training data (only {@code EXPECTED} examples are used, by every member and by the
     *     threshold).
     * @param runProvenance extra provenance for this run (given to every member too).
     * @param invocationCount the invocation count to use, or {@link Trainer#INCREMENT_INVOCATION_COUNT}.
     * @return the summed model (AutoCloseable: close it to free its ONNX Runtime session); the member models are
     *     closed (their graphs live on inside it).
     * @throws IllegalArgumentException or IllegalStateException as {@link IaeTrainer#train(Dataset, Map, int)}.
     */
    @Override
    public IaeModel train(Dataset<Event> examples, Map<String, Provenance> runProvenance, int invocationCount) {
        Objects.requireNonNull(examples, "examples");
        Objects.requireNonNull(runProvenance, "runProvenance");
        checkExecutionProvider();
        int count;
        TrainerProvenance provenance;
        synchronized (this) {
            if (invocationCount != INCREMENT_INVOCATION_COUNT) {
                setInvocationCount(invocationCount);
            }
            count = trainInvocationCounter;
            // The members' own counters are set to the count they will train with first, so that this trainer's
            // provenance (which holds theirs) records what ran.
            for (IaeTrainer t : members) {
                t.setInvocationCount(count);
            }
            provenance = getProvenance();
            trainInvocationCounter++;
        }
        // Each member is closed as soon as it is trained (its graph and provenance are all the sum needs), so only
        // one member's native sessions are open at a time.
        List<Member> trained = new ArrayList<>(members.size());
        for (int i = 0; i < members.size(); i++) {
            logger.info(String.format(Locale.ROOT, "Score sum: training member %d of %d", i + 1, members.size()));
            try (IaeModel m = members.get(i).train(examples, runProvenance, count)) {
                trained.add(Member.of(m));
            }
        }
        return sum(MODEL_NAME, trained, examples, contamination, executionProvider, provenance,
                new LinkedHashMap<>(runProvenance));
    }

    /** What a score sum keeps of a member model: its graph, provenance and feature map (no native session). */
    private record Member(String name, ai.onnx.proto.OnnxMl.ModelProto graph, ModelProvenance provenance,
                          ImmutableFeatureMap featureMap) {
        static Member of(IaeModel m) {
            return new Member(m.getName(), OnnxMetadata.parse(m.onnxBytes()), m.getProvenance(), m.getFeatureIDMap());
        }
    }

    /**
     * The score sum of models trained elsewhere, with the threshold fitted on {@code trainingData} as
     * {@link #train} fits it. The provenance records the members' provenances, the training data's and the
     * contamination ({@link #PROVENANCE_CONTAMINATION}); its trainer provenance is a timestamp only, as in Tribuo's
     * {@code WeightedEnsembleModel.createEnsembleFromExistingModels}. The members are unchanged; only their ONNX
     * graphs and provenances are read, so closed models are fine.
     * @param name the model name.
     * @param models the member models (at least two, same feature map).
     * @param trainingData the data to fit the threshold on (its {@code EXPECTED} examples), normally the members'
     *     training data.
     * @param contamination fraction of the summed training scores above the threshold, in [0, 1).
     * @param provider where ONNX Runtime runs the summed model.
     * @return the summed model, with its own session.
     * @throws IllegalArgumentException if there are fewer than two models, the feature maps differ, the data has no
     *     {@code EXPECTED} example, or contamination is outside [0, 1).
     * @throws IllegalStateException if the provider is CUDA and CUDA is unavailable.
     */
    public static IaeModel combine(String name, List<IaeModel> models, Dataset<Event> trainingData,
                                   double contamination, ExecutionProvider provider) {
        Objects.requireNonNull(models, "models");
        List<Member> members = new ArrayList<>(models.size());
        for (int i = 0; i < models.size(); i++) {
            members.add(Member.of(Objects.requireNonNull(models.get(i), "model " + i)));
        }
        Map<String, Provenance> instance = new LinkedHashMap<>();
        instance.put(PROVENANCE_CONTAMINATION, new DoubleProvenance(PROVENANCE_CONTAMINATION, contamination));
        return sum(name, members, trainingData, contamination, provider, new TimestampedTrainerProvenance(), instance);
    }

    private static IaeModel sum(String name, List<Member> members, Dataset<Event> data, double contamination,
                                ExecutionProvider provider, TrainerProvenance trainerProvenance,
                                Map<String, Provenance> instance) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(data, "trainingData");
        Objects.requireNonNull(provider, "provider");
        checkContamination(contamination);
        if (members.size() < 2) {
            throw new IllegalArgumentException("A score sum needs at least two member models, found " + members.size());
        }
        ImmutableFeatureMap featureMap = members.get(0).featureMap();
        List<ai.onnx.proto.OnnxMl.ModelProto> graphs = new ArrayList<>(members.size());
        List<ModelProvenance> memberProvenances = new ArrayList<>(members.size());
        for (int i = 0; i < members.size(); i++) {
            Member m = members.get(i);
            if (!m.featureMap().domainEquals(featureMap)) {
                throw new IllegalArgumentException("Member model " + i + " ('" + m.name() + "') has another "
                        + "feature map than member 0: the members of a score sum must read the same features");
            }
            graphs.add(m.graph());
            memberProvenances.add(m.provenance());
        }
        EnsembleModelProvenance provenance = new EnsembleModelProvenance(IaeModel.class.getName(),
                OffsetDateTime.now(), data.getProvenance(), trainerProvenance, instance,
                new ListProvenance<>(memberProvenances));
        Map<String, String> rule = Map.of(IaeModel.META_THRESHOLD_RULE, ThresholdRule.QUANTILE.name());
        // First without a threshold (+inf: nothing anomalous), to score the training data with the very graph the
        // model serves; then the same graph with the fitted threshold.
        byte[] provisional = OnnxScoreSum.write(graphs, Double.POSITIVE_INFINITY, rule).toByteArray();
        double threshold;
        try (IaeModel unthresholded = IaeModel.fromOnnx(name, provenance, featureMap, data.getOutputIDInfo(),
                provisional, provider)) {
            double[] scores = IaeTrainer.servedTrainingScores(unthresholded, data);
            if (scores.length == 0) {
                throw new IllegalArgumentException("The training data has no EXPECTED example to fit the score "
                        + "sum's threshold on (" + data.size() + " examples)");
            }
            threshold = IaeLoss.quantile(scores, 1.0 - contamination);
        }
        byte[] bytes = OnnxMetadata.withEntries(OnnxMetadata.parse(provisional),
                Map.of(OnnxContract.META_THRESHOLD, Double.toString(threshold))).toByteArray();
        logger.info(String.format(Locale.ROOT, "Score sum of %d models: threshold %.6g (QUANTILE, contamination %s)",
                members.size(), threshold, contamination));
        return IaeModel.fromOnnx(name, provenance, featureMap, data.getOutputIDInfo(), bytes, provider);
    }

    private static void checkContamination(double c) {
        if (!(c >= 0 && c < 1)) {
            throw new IllegalArgumentException("contamination must be in [0, 1), found " + c);
        }
    }

    // ------------------------------------------------------------------------------------------------ provenance

    @Override
    public int getInvocationCount() {
        return trainInvocationCounter;
    }

    @Override
    public synchronized void setInvocationCount(int invocationCount) {
        if (invocationCount < 0) {
            throw new IllegalArgumentException("The supplied invocationCount is less than zero.");
        }
        trainInvocationCounter = invocationCount;
    }

    @Override
    public TrainerProvenance getProvenance() {
        return new TrainerProvenanceImpl(this);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("IaeEnsembleTrainer(members=[");
        for (int i = 0; i < members.size(); i++) {
            sb.append(i == 0 ? "" : ", ").append(members.get(i));
        }
        return sb.append("],contamination=").append(contamination)
                .append(",executionProvider=").append(executionProvider).append(')').toString();
    }
}
