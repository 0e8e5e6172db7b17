package dev.iae.examples.usage;

import dev.iae.tribuo.IaeModel;
import dev.iae.tribuo.IaeTrainer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tribuo.Dataset;
import org.tribuo.Model;
import org.tribuo.MutableDataset;
import org.tribuo.anomaly.AnomalyFactory;
import org.tribuo.anomaly.Event;
import org.tribuo.anomaly.example.GaussianAnomalyDataSource;
import org.tribuo.anomaly.libsvm.LibSVMAnomalyTrainer;
import org.tribuo.anomaly.libsvm.SVMAnomalyType;
import org.tribuo.common.libsvm.KernelType;
import org.tribuo.common.libsvm.SVMParameters;
import org.tribuo.impl.ArrayExample;
import org.tribuo.provenance.SimpleDataSourceProvenance;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link AdjustThreshold} with model files of its own Gaussian data (features A-D), of other features (as
 * {@code iae train} writes them), of extra features, of another Tribuo model class, and a file that is no model.
 */
class AdjustThresholdTest {
    private static final Set<String> GAUSSIAN = Set.of("A", "B", "C", "D");

    private static IaeModel train(Dataset<Event> data) {
        return IaeTrainer.builder().encoderSizes(8).lstmHidden(4).repDim(2).pretrainEpochs(1).epochs(1).seed(1)
                .build().train(data);
    }

    private static Dataset<Event> gaussian(int dims) {
        double[] zeros = new double[dims];
        double[] ones = new double[dims];
        Arrays.fill(ones, 1);
        return new MutableDataset<>(new GaussianAnomalyDataSource(200, zeros, ones, ones, ones, 0.0f, 5));
    }

    /** Rows with the features f0..f3, as a model from {@code iae train} on a CSV file has them. */
    private static Dataset<Event> csvLike() {
        AnomalyFactory factory = new AnomalyFactory();
        MutableDataset<Event> data = new MutableDataset<>(new SimpleDataSourceProvenance("csv", factory), factory);
        Random rng = new Random(3);
        String[] names = {"f0", "f1", "f2", "f3"};
        for (int i = 0; i < 200; i++) {
            double[] v = {rng.nextGaussian(), rng.nextGaussian(), rng.nextGaussian(), rng.nextGaussian()};
            data.add(new ArrayExample<>(new Event(Event.EventType.EXPECTED), names, v));
        }
        return data;
    }

    @Test
    void loadAcceptsOnlyIaeModelsOnTheGeneratedFeatures(@TempDir Path dir) throws Exception {
        assertEquals(GAUSSIAN, gaussian(4).getFeatureMap().keySet(), "the generator's feature names");
        Path good = dir.resolve("good.tribuo");
        try (IaeModel m = train(gaussian(4))) {
            m.serializeToFile(good);
        }
        try (IaeModel loaded = AdjustThreshold.load(good, GAUSSIAN)) {
            assertEquals(GAUSSIAN, Set.copyOf(loaded.featureNames()));
        }

        Path other = dir.resolve("other.tribuo");
        try (IaeModel m = train(csvLike())) {
            m.serializeToFile(other);
        }
        IllegalArgumentException otherFeatures = assertThrows(IllegalArgumentException.class,
                () -> AdjustThreshold.load(other, GAUSSIAN));
        assertTrue(otherFeatures.getMessage().contains("has the features [f0, f1, f2, f3], but this example validates "
                + "and tests on generated data with the features [A, B, C, D]"), otherFeatures.getMessage());

        Path text = dir.resolve("notes.tribuo");
        Files.writeString(text, "f0,f1\n1,2\n");
        IllegalArgumentException notModel = assertThrows(IllegalArgumentException.class,
                () -> AdjustThreshold.load(text, GAUSSIAN));
        assertTrue(notModel.getMessage().startsWith(text + " is not a Tribuo model file"), notModel.getMessage());
        IllegalArgumentException absent = assertThrows(IllegalArgumentException.class,
                () -> AdjustThreshold.load(dir.resolve("absent.tribuo"), GAUSSIAN));
        assertTrue(absent.getMessage().startsWith("No such model file"), absent.getMessage());

        assertThrows(IllegalArgumentException.class, () -> AdjustThreshold.thresholdForFalsePositiveRate(
                new double[]{1, 2}, 1.0));
        assertThrows(IllegalArgumentException.class, () -> AdjustThreshold.thresholdForFalsePositiveRate(
                new double[]{1, 2}, Double.NaN));
        assertEquals(2.0, AdjustThreshold.thresholdForFalsePositiveRate(new double[]{2, 1}, 0.0));
    }

    @Test
    void mainRefusesAModelWithExtraFeaturesInsteadOfScoringThemAsZero(@TempDir Path dir) throws Exception {
        Path wide = dir.resolve("wide.tribuo");
        try (IaeModel m = train(gaussian(5))) {
            m.serializeToFile(wide);
        }
        Forked.Run run = Forked.main(dir, AdjustThreshold.class, wide.toString());
        assertEquals(1, run.exit(), run.toString());
        assertTrue(Forked.errorLine(run).startsWith("error: " + wide + " has the features [A, B, C, D, E], but"),
                run.toString());
        assertFalse(run.out().contains("threshold"), run.toString());
    }

    @Test
    void mainRefusesAnotherKindOfTribuoModel(@TempDir Path dir) throws Exception {
        SVMParameters<Event> params = new SVMParameters<>(new SVMAnomalyType(SVMAnomalyType.SVMMode.ONE_CLASS),
                KernelType.RBF);
        Model<Event> svm = new LibSVMAnomalyTrainer(params, 1L).train(gaussian(4));
        Path file = dir.resolve("svm.tribuo");
        svm.serializeToFile(file);
        Forked.Run run = Forked.main(dir, AdjustThreshold.class, file.toString(), "0.05");
        assertEquals(1, run.exit(), run.toString());
        assertEquals("error: " + file + " holds a org.tribuo.anomaly.libsvm.LibSVMAnomalyModel, not an IAE-LSTM-KL "
                + "model (dev.iae.tribuo.IaeModel)", Forked.errorLine(run), run.toString());
    }
}
