package dev.iae.examples.data;

import com.oracle.labs.mlrg.olcut.config.PropertyException;
import com.oracle.labs.mlrg.olcut.provenance.ObjectProvenance;
import com.oracle.labs.mlrg.olcut.provenance.Provenance;
import com.oracle.labs.mlrg.olcut.provenance.ProvenanceUtil;
import com.oracle.labs.mlrg.olcut.provenance.primitives.HashProvenance;
import org.junit.jupiter.api.Test;
import org.tribuo.Example;
import org.tribuo.Feature;
import org.tribuo.ImmutableFeatureMap;
import org.tribuo.MutableDataset;
import org.tribuo.anomaly.AnomalyFactory;
import org.tribuo.anomaly.Event;
import org.tribuo.provenance.DataSourceProvenance;

import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Tests for {@link OneClassSplit} and for {@link FashionMnistDataSource} on the embedded sample.
 */
public class OneClassSplitTest {

    /** 10 classes, 100 images each, in an interleaved order: label(i) = (i * 7) % 10. */
    private static int[] labels() {
        int[] labels = new int[1000];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = (i * 7) % 10;
        }
        return labels;
    }

    @Test
    public void cleanSplitKeepsTheNormalClassInOrder() {
        int[] labels = labels();
        int[] idx = new OneClassSplit(3, 0.0, 0, 1L).trainingIndices(labels);
        assertEquals(100, idx.length);
        for (int i = 0; i < idx.length; i++) {
            assertEquals(3, labels[idx[i]]);
            if (i > 0) {
                assertTrue(idx[i] > idx[i - 1], "file order");
            }
        }
        int[] capped = new OneClassSplit(3, 0.0, 40, 1L).trainingIndices(labels);
        assertArrayEquals(Arrays.copyOf(idx, 40), capped);
    }

    @Test
    public void contaminationCountsLabelsAndSeeds() {
        int[] labels = labels();
        OneClassSplit split = new OneClassSplit(0, 0.2, 0, 42L);
        assertEquals(25, split.contaminationCount(100));
        int[] idx = split.trainingIndices(labels);
        assertEquals(125, idx.length);
        Set<Integer> distinct = new HashSet<>();
        int contaminants = 0;
        for (int i : idx) {
            assertTrue(distinct.add(i), "index " + i + " drawn twice");
            if (labels[i] != 0) {
                contaminants++;
            }
        }
        assertEquals(25, contaminants);
        assertEquals(0.2, contaminants / (double) idx.length, 1e-12);
        // Contaminants are labelled EXPECTED in training: the learner does not know them.
        assertEquals(Event.EventType.EXPECTED, split.trainingEvent(5).getType());

        assertArrayEquals(idx, new OneClassSplit(0, 0.2, 0, 42L).trainingIndices(labels), "same seed");
        assertFalse(Arrays.equals(idx, new OneClassSplit(0, 0.2, 0, 43L).trainingIndices(labels)),
                "a different seed draws different contaminants");

        assertEquals(Event.EventType.EXPECTED, split.testEvent(0).getType());
        assertEquals(Event.EventType.ANOMALOUS, split.testEvent(7).getType());
        boolean[] truth = split.isAnomalous(new int[]{0, 1, 0, 9});
        assertArrayEquals(new boolean[]{false, true, false, true}, truth);
    }

    @Test
    public void invalidSettingsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> new OneClassSplit(-1, 0.0, 0, 1L));
        assertThrows(IllegalArgumentException.class, () -> new OneClassSplit(0, 1.0, 0, 1L));
        assertThrows(IllegalArgumentException.class, () -> new OneClassSplit(0, Double.NaN, 0, 1L));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new OneClassSplit(11, 0.0, 0, 1L).trainingIndices(labels()));
        assertTrue(e.getMessage().contains("11"), e.getMessage());
        // 100 normal images at r = 0.95 would need 1,900 contaminants; only 900 exist.
        e = assertThrows(IllegalArgumentException.class,
                () -> new OneClassSplit(0, 0.95, 0, 1L).trainingIndices(labels()));
        assertTrue(e.getMessage().contains("900"), e.getMessage());
        // A ratio just below 1 asks for more than 2^31 contaminants: the same named refusal, not an overflow.
        OneClassSplit extreme = new OneClassSplit(0, 0.9999999999, 0, 1L);
        assertEquals(Integer.MAX_VALUE, extreme.contaminationCount(6000));
        e = assertThrows(IllegalArgumentException.class, () -> extreme.trainingIndices(labels()));
        assertTrue(e.getMessage().contains("only 900 are available"), e.getMessage());
    }

    /** A normal class the labels do not have is a configuration error that names the setting, for both splits. */
    @Test
    public void unknownNormalClassIsAPropertyError() {
        for (FashionMnistDataSource.Split split : FashionMnistDataSource.Split.values()) {
            PropertyException e = assertThrows(PropertyException.class,
                    () -> FashionMnistDataSource.embeddedSample(split, 12));
            assertTrue(e.getMessage().contains("normalClass 12") && e.getMessage().contains("labels 0 to 9"),
                    e.getMessage());
        }
    }

    @Test
    public void embeddedSampleTrainAndTestSplits() {
        FashionMnistDataSource train = FashionMnistDataSource.embeddedSample(FashionMnistDataSource.Split.TRAIN, 0);
        assertEquals(FashionMnistSample.TRAIN_NORMAL, train.size());
        assertArrayEquals(new int[]{1, 28, 28}, train.imageShape());
        MutableDataset<Event> trainData = new MutableDataset<>(train);
        // Every pixel is a feature, zero or not, and Tribuo's id order is the pixel order.
        ImmutableFeatureMap featureMap = new ImmutableFeatureMap(trainData.getFeatureMap());
        assertEquals(784, featureMap.size());
        assertEquals("px000", featureMap.get(0).getName());
        assertEquals("px783", featureMap.get(783).getName());
        assertEquals("px029", featureMap.get(29).getName());
        for (Example<Event> ex : trainData) {
            assertEquals(Event.EventType.EXPECTED, ex.getOutput().getType());
            assertEquals(784, ex.size());
            assertEquals(0, ex.getMetadataValue(FashionMnistDataSource.METADATA_CLASS).map(Integer.class::cast)
                    .orElseThrow());
        }
        double max = 0;
        for (Feature f : trainData.getExample(0)) {
            max = Math.max(max, f.getValue());
        }
        assertTrue(max > 1.0 && max <= 255.0, "raw pixel values 0..255, max was " + max);

        FashionMnistDataSource test = FashionMnistDataSource.embeddedSample(FashionMnistDataSource.Split.TEST, 0);
        assertEquals(2000, test.size());
        int expected = 0;
        int anomalous = 0;
        int[] classes = test.classLabels();
        int i = 0;
        for (Example<Event> ex : test) {
            boolean isAnomalous = ex.getOutput().getType() == Event.EventType.ANOMALOUS;
            assertEquals(classes[i++] != 0, isAnomalous);
            if (isAnomalous) {
                anomalous++;
            } else {
                expected++;
            }
        }
        assertEquals(200, expected);
        assertEquals(1800, anomalous);
    }

    @Test
    public void contaminatedSampleAndProvenance() {
        FashionMnistDataSource train = new FashionMnistDataSource(FashionMnistDataSource.EMBEDDED_SAMPLE,
                FashionMnistDataSource.Split.TRAIN, 0, 0.1, 1000, 7L);
        assertEquals(1000 + 111, train.size());
        long others = Arrays.stream(train.classLabels()).filter(c -> c != 0).count();
        assertEquals(111, others);
        for (Example<Event> ex : train) {
            assertEquals(AnomalyFactory.EXPECTED_EVENT, ex.getOutput());
        }
        assertEquals(new OneClassSplit(0, 0.1, 1000, 7L), train.oneClassSplit());

        DataSourceProvenance prov = train.getProvenance();
        String text = prov.toString();
        assertTrue(text.contains("contamination") && text.contains("0.1"), text);
        assertTrue(text.contains("maxNormal") && text.contains("1000"), text);
        assertTrue(text.contains("normalClass") && text.contains("seed"), text);
        Provenance hash = findProvenance(prov,
                FashionMnistDataSource.FashionMnistDataSourceProvenance.IMAGES_HASH);
        assertTrue(hash instanceof HashProvenance && ((HashProvenance) hash).getValue().length() == 64,
                String.valueOf(hash));

        // Marshalling round trip through OLCUT (what Tribuo does when it serializes a model's provenance).
        ObjectProvenance back = ProvenanceUtil.unmarshalProvenance(ProvenanceUtil.marshalProvenance(prov));
        assertEquals(prov, back);

        FashionMnistDataSource otherSeed = new FashionMnistDataSource(FashionMnistDataSource.EMBEDDED_SAMPLE,
                FashionMnistDataSource.Split.TRAIN, 0, 0.1, 1000, 8L);
        assertFalse(Arrays.equals(train.classLabels(), otherSeed.classLabels())
                        && Arrays.equals(indices(train), indices(otherSeed)),
                "a different seed draws different contaminants");
        assertNotEquals(prov, otherSeed.getProvenance());
    }

    @Test
    public void missingDirectoryIsReportedClearly() {
        UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> FashionMnistDataSource.test(
                java.nio.file.Paths.get("/nonexistent/fashion"), 0));
        assertTrue(e.getMessage().contains("/nonexistent/fashion"), e.getMessage());
    }

    private static int[] indices(FashionMnistDataSource source) {
        int[] out = new int[source.size()];
        int i = 0;
        for (Example<Event> ex : source) {
            out[i++] = (Integer) ex.getMetadataValue(FashionMnistDataSource.METADATA_INDEX).orElseThrow();
        }
        return out;
    }

    private static Provenance findProvenance(ObjectProvenance prov, String key) {
        for (var pair : prov) {
            if (pair.getA().equals(key)) {
                return pair.getB();
            }
        }
        throw new AssertionError("No provenance entry " + key + " in " + prov);
    }
}
