package dev.iae.examples.perf;

import dev.iae.onnx.IaeArchitecture;
import dev.iae.onnx.Normalization;
import dev.iae.tribuo.DenseFeatures;
import dev.iae.tribuo.ExecutionProvider;
import dev.iae.tribuo.IaeModel;
import dev.iae.tribuo.IaePreset;
import dev.iae.tribuo.IaeTrainer;
import org.tribuo.Example;
import org.tribuo.MutableDataset;
import org.tribuo.anomaly.AnomalyFactory;
import org.tribuo.anomaly.Event;
import org.tribuo.impl.ArrayExample;
import org.tribuo.provenance.ModelProvenance;
import org.tribuo.provenance.SimpleDataSourceProvenance;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * The two benchmark configurations and their synthetic data, shared by the JMH benchmarks, the training-throughput
 * main and the weight exporter, so that every measurement (and the PyTorch peer) uses the same network shapes.
 * <ul>
 *     <li>{@link Config#TABULAR}: 100 features, MLP encoder 64/32, LSTM 32, repDim 16, batch 128;</li>
 *     <li>{@link Config#IMAGE}: the Fashion-MNIST configuration of {@code Demo.demoTrainer}: 1×28×28 (padded to
 *     32×32), channels 16/32/64, LSTM 128, repDim 64, batch 64, min-max normalisation, SVDD score.</li>
 * </ul>
 * Data are synthetic (seeded Gaussian rows; uniform [0, 1] pixels): throughput does not depend on the values.
 */
public final class PerfFixtures {

    private PerfFixtures() { }

    /** The benchmark configurations. */
    public enum Config {
        /** 100 features, MLP 64/32, LSTM 32, repDim 16, batch 128. */
        TABULAR,
        /** 1×28×28, channels 16/32/64, LSTM 128, repDim 64, batch 64 (Demo.demoTrainer). */
        IMAGE
    }

    /** Tabular feature count. */
    public static final int TABULAR_FEATURES = 100;

    /**
     * The trainer of a configuration, 1 libtorch thread, the given epochs.
     * @param config the configuration.
     * @param pretrainEpochs autoencoder pre-training epochs.
     * @param epochs joint epochs.
     * @param seed the seed.
     * @return the trainer.
     */
    public static IaeTrainer trainer(Config config, int pretrainEpochs, int epochs, long seed) {
        IaeTrainer.Builder b = IaeTrainer.builder().preset(IaePreset.IAE_LSTM_KL).pretrainEpochs(pretrainEpochs)
                .epochs(epochs).seed(seed).threads(1).executionProvider(ExecutionProvider.CPU);
        if (config == Config.IMAGE) {
            // Demo.demoTrainer's network and optimiser.
            b.imageShape(1, 28, 28).encoderSizes(16, 32, 64).repDim(64).lstmHidden(128)
                    .normalization(Normalization.MIN_MAX).scoreKind(dev.iae.onnx.ScoreKind.SVDD)
                    .batchSize(64).learningRate(1e-3);
        } else {
            b.encoderSizes(64, 32).lstmHidden(32).repDim(16).batchSize(128).learningRate(1e-3);
        }
        return b.build();
    }

    /**
     * Synthetic data of a configuration: Gaussian rows (feature j has mean j mod 7) or uniform [0, 1] pixels.
     * Feature names are zero-padded so the model's feature order is the creation order.
     * @param config the configuration.
     * @param n the number of examples.
     * @param seed the seed.
     * @return an all-EXPECTED dataset.
     */
    public static MutableDataset<Event> data(Config config, int n, long seed) {
        AnomalyFactory factory = new AnomalyFactory();
        MutableDataset<Event> ds = new MutableDataset<>(new SimpleDataSourceProvenance("perf-" + config, factory),
                factory);
        for (Example<Event> e : examples(config, n, seed)) {
            ds.add(e);
        }
        return ds;
    }

    /**
     * Synthetic examples (see {@link #data}).
     * @param config the configuration.
     * @param n the number of examples.
     * @param seed the seed.
     * @return the examples.
     */
    public static List<Example<Event>> examples(Config config, int n, long seed) {
        int d = dim(config);
        String[] names = names(config);
        Random rng = new Random(seed);
        List<Example<Event>> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            double[] v = new double[d];
            for (int j = 0; j < d; j++) {
                v[j] = config == Config.IMAGE ? rng.nextDouble() : rng.nextGaussian() + (j % 7);
            }
            out.add(new ArrayExample<>(AnomalyFactory.EXPECTED_EVENT, names, v));
        }
        return out;
    }

    /**
     * @param config the configuration.
     * @return its feature count.
     */
    public static int dim(Config config) {
        return config == Config.IMAGE ? 28 * 28 : TABULAR_FEATURES;
    }

    /**
     * Copies packed rows into a new native-order direct buffer, which ONNX Runtime wraps without copying.
     * @param rows the packed feature rows.
     * @return the buffer, positioned at 0.
     */
    public static FloatBuffer directBuffer(float[] rows) {
        FloatBuffer direct = ByteBuffer.allocateDirect(rows.length * Float.BYTES).order(ByteOrder.nativeOrder())
                .asFloatBuffer();
        direct.put(rows).rewind();
        return direct;
    }

    /**
     * @param config the configuration.
     * @return its feature names, in model order.
     */
    public static String[] names(Config config) {
        int d = dim(config);
        String[] names = new String[d];
        for (int j = 0; j < d; j++) {
            names[j] = String.format(Locale.ROOT, config == Config.IMAGE ? "p%03d" : "f%03d", j);
        }
        return names;
    }

    /**
     * A small trained network, its ORT-backed model (1 intra-op thread) and the DJL network, from one training
     * run, so all three runtimes hold the same weights.
     */
    public static final class Fixture implements AutoCloseable {
        /** The configuration. */
        public final Config config;
        /** The DJL network and its description. */
        public final IaeTrainer.TrainedNetwork trained;
        /** The ONNX Runtime-backed model on the same weights. */
        public final IaeModel model;

        Fixture(Config config, IaeTrainer.TrainedNetwork trained, IaeModel model) {
            this.config = config;
            this.trained = trained;
            this.model = model;
        }

        /**
         * Dense rows of the given examples in the model's feature order.
         * @param examples the examples.
         * @return row-major values.
         */
        public float[] rows(List<Example<Event>> examples) {
            int d = trained.featureMap().size();
            float[] rows = new float[examples.size() * d];
            for (int i = 0; i < examples.size(); i++) {
                DenseFeatures.fill(examples.get(i), trained.featureMap(), i, rows, i * d);
            }
            return rows;
        }

        /** @return the architecture. */
        public IaeArchitecture architecture() {
            return trained.description().architecture();
        }

        @Override
        public void close() {
            model.close();
            trained.close();
        }

        @Override
        public String toString() {
            return "Fixture(" + config + ", " + architecture() + ")";
        }
    }

    /**
     * Trains a small network (1 pre-training + 1 joint epoch on a few hundred synthetic examples: the weights only
     * need to be realistic, not good) and wraps it for the three runtimes.
     * @param config the configuration.
     * @return the fixture.
     */
    public static Fixture build(Config config) {
        MutableDataset<Event> train = data(config, config == Config.IMAGE ? 256 : 1024, 7L);
        IaeTrainer trainer = trainer(config, 1, 1, 42L);
        IaeTrainer.TrainedNetwork trained = trainer.trainNetwork(train);
        ModelProvenance provenance = new ModelProvenance(IaeModel.class.getName(), OffsetDateTime.now(),
                train.getProvenance(), trainer.getProvenance());
        IaeModel created = IaeModel.create("perf-" + config, provenance, trained.featureMap(),
                train.getOutputIDInfo(), trained.description(), ExecutionProvider.CPU);
        IaeModel model = created.withIntraOpThreads(1);
        created.close();
        return new Fixture(config, trained, model);
    }
}
