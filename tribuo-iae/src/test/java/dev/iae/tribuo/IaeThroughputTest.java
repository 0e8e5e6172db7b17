package dev.iae.tribuo;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.tribuo.MutableDataset;
import org.tribuo.anomaly.AnomalyFactory;
import org.tribuo.anomaly.Event;
import org.tribuo.impl.ArrayExample;
import org.tribuo.provenance.SimpleDataSourceProvenance;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Measures DJL training throughput (examples per second over pre-training and joint training, 1 libtorch
 * thread). Off by default because it takes about a minute; run with
 * {@code -Dtest=IaeThroughputTest -Diae.throughput=true}.
 */
@EnabledIfSystemProperty(named = "iae.throughput", matches = "true")
public class IaeThroughputTest {

    private static MutableDataset<Event> gaussian(int n, int d, long seed) {
        Random rng = new Random(seed);
        AnomalyFactory factory = new AnomalyFactory();
        MutableDataset<Event> ds = new MutableDataset<>(new SimpleDataSourceProvenance("throughput", factory), factory);
        String[] names = new String[d];
        for (int j = 0; j < d; j++) {
            names[j] = String.format("f%03d", j);
        }
        for (int i = 0; i < n; i++) {
            double[] v = new double[d];
            for (int j = 0; j < d; j++) {
                v[j] = rng.nextGaussian() + (j % 7);
            }
            ds.add(new ArrayExample<>(AnomalyFactory.EXPECTED_EVENT, names, v));
        }
        return ds;
    }

    private static double measure(String label, IaeTrainer trainer, MutableDataset<Event> data) {
        try (IaeTrainer.TrainedNetwork t = trainer.trainNetwork(data)) {
            System.out.printf("THROUGHPUT %s: %.0f examples/s (%d examples)%n", label, t.examplesPerSecond(),
                    t.trainingExamples());
            return t.examplesPerSecond();
        }
    }

    @Test
    public void tabular() {
        IaeTrainer t = IaeTrainer.builder().preset(IaePreset.IAE_LSTM_KL).encoderSizes(64, 32).lstmHidden(32)
                .repDim(16).pretrainEpochs(2).epochs(3).batchSize(128).build();
        assertTrue(measure("tabular 100 features, MLP 64/32, LSTM 32, batch 128", t, gaussian(5000, 100, 1L)) > 0);
    }

    @Test
    public void image() {
        MutableDataset<Event> images = IaeNetworkTest.images(1000, 2L);
        IaeTrainer small = IaeTrainer.builder().preset(IaePreset.IAE_LSTM_KL).imageShape(1, 28, 28)
                .encoderSizes(8, 16, 32).lstmHidden(128).repDim(32).pretrainEpochs(1).epochs(1).batchSize(128).build();
        assertTrue(measure("image 1x28x28, channels 8/16/32, LSTM 128, batch 128", small, images) > 0);
        IaeTrainer paper = IaeTrainer.builder().preset(IaePreset.IAE_LSTM_KL).imageShape(1, 28, 28)
                .encoderSizes(32, 64, 128).lstmHidden(512).repDim(128).pretrainEpochs(1).epochs(1).batchSize(128).build();
        assertTrue(measure("image 1x28x28, channels 32/64/128, LSTM 512, batch 128", paper, images) > 0);
    }
}
