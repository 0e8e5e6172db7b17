package dev.iae.examples.benchmark;

import dev.iae.examples.data.FashionMnistDataSource;
import org.junit.jupiter.api.Test;
import org.tribuo.Example;
import org.tribuo.anomaly.AnomalyFactory;
import org.tribuo.anomaly.Event;
import org.tribuo.impl.ArrayExample;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Tests {@link ValidationSplit}: which images are held out, which become validation anomalies (never one the
 * training set already holds as a contaminant), the labels, and the refusals.
 */
public class ValidationSplitTest {

    private static Example<Event> image(int cls, int index) {
        ArrayExample<Event> e = new ArrayExample<>(AnomalyFactory.EXPECTED_EVENT, new String[]{"p0", "p1"},
                new double[]{cls, index});
        e.setMetadataValue(FashionMnistDataSource.METADATA_CLASS, cls);
        e.setMetadataValue(FashionMnistDataSource.METADATA_INDEX, index);
        return e;
    }

    private static List<Example<Event>> classImages(int cls, int n) {
        List<Example<Event>> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(image(cls, i));
        }
        return out;
    }

    private static String id(Example<Event> e) {
        return e.getMetadataValue(FashionMnistDataSource.METADATA_CLASS).get() + "/"
                + e.getMetadataValue(FashionMnistDataSource.METADATA_INDEX).get();
    }

    @Test
    public void holdsOutTheLastNormalsAndSkipsContaminants() {
        // Normal class 0: ten images, then two contaminants (class 1 #0, class 2 #5), as OneClassSplit orders them.
        List<Example<Event>> training = classImages(0, 10);
        training.add(image(1, 0));
        training.add(image(2, 5));
        ValidationSplit s = ValidationSplit.of(training, 0, 0.2, 3, c -> classImages(c, 8));

        List<String> fit = new ArrayList<>();
        s.fit().forEach(e -> fit.add(id(e)));
        assertEquals(List.of("0/0", "0/1", "0/2", "0/3", "0/4", "0/5", "0/6", "0/7", "1/0", "2/5"), fit);

        List<String> validation = new ArrayList<>();
        s.validation().forEach(e -> validation.add(id(e)));
        // ceil(0.2 * 10) = 2 held-out normals; 2 images of each other class, skipping 1/0 (a contaminant).
        assertEquals(List.of("0/8", "0/9", "1/1", "1/2", "2/0", "2/1"), validation);
        assertArrayEquals(new boolean[]{false, false, true, true, true, true}, s.isAnomalous());
        for (int i = 0; i < validation.size(); i++) {
            Event.EventType expected = s.isAnomalous()[i] ? Event.EventType.ANOMALOUS : Event.EventType.EXPECTED;
            assertEquals(expected, s.validation().get(i).getOutput().getType(), validation.get(i));
        }
        // Relabelled copies keep their pixels.
        Example<Event> anomaly = s.validation().get(2);
        assertEquals(1.0, anomaly.lookup("p0").getValue());
        assertEquals(1.0, anomaly.lookup("p1").getValue());
        assertTrue(s.toString().contains("2 normal, 4 anomalous"), s.toString());
    }

    /**
     * A contaminated training set keeps its contamination ratio in the fit set: with h normals held out, the surplus
     * contaminants (the last in draw order) are left out, and no contaminant becomes a validation anomaly.
     */
    @Test
    public void fitSetKeepsTheContaminationRatio() {
        // Ten normals and five contaminants (r = 1/3); h = 2 leaves eight normals, so four contaminants (1/3).
        List<Example<Event>> training = classImages(0, 10);
        training.add(image(1, 0));
        training.add(image(2, 1));
        training.add(image(1, 2));
        training.add(image(2, 3));
        training.add(image(1, 4));
        ValidationSplit s = ValidationSplit.of(training, 0, 0.2, 3, c -> classImages(c, 12));
        List<String> fit = new ArrayList<>();
        s.fit().forEach(e -> fit.add(id(e)));
        assertEquals(List.of("0/0", "0/1", "0/2", "0/3", "0/4", "0/5", "0/6", "0/7", "1/0", "2/1", "1/2", "2/3"),
                fit);
        List<String> validation = new ArrayList<>();
        s.validation().forEach(e -> validation.add(id(e)));
        // The left-out contaminant 1/4 is not a validation anomaly either: it was drawn into the training set.
        assertEquals(List.of("0/8", "0/9", "1/1", "1/3", "2/0", "2/2"), validation);
    }

    @Test
    public void foldsHoldOutDisjointWindows() {
        // Normal class 0: ten images, one contaminant (class 1 #1); h = ceil(0.2 * 10) = 2.
        List<Example<Event>> training = classImages(0, 10);
        training.add(image(1, 1));
        List<String> seen = new ArrayList<>();
        String[][] expected = {
                {"0/8", "0/9", "1/0", "1/2", "2/0", "2/1"},
                {"0/6", "0/7", "1/3", "1/4", "2/2", "2/3"},
                {"0/4", "0/5", "1/5", "1/6", "2/4", "2/5"}};
        for (int fold = 0; fold < expected.length; fold++) {
            ValidationSplit s = ValidationSplit.of(training, 0, 0.2, fold, 3, c -> classImages(c, 8));
            List<String> validation = new ArrayList<>();
            s.validation().forEach(e -> validation.add(id(e)));
            assertEquals(List.of(expected[fold]), validation, "fold " + fold);
            assertArrayEquals(new boolean[]{false, false, true, true, true, true}, s.isAnomalous());
            assertEquals(training.size() - 2, s.fit().size());
            for (Example<Event> e : s.fit()) {
                assertTrue(!validation.contains(id(e)), "fold " + fold + " trains on held-out " + id(e));
            }
            for (String v : validation) {
                assertTrue(!seen.contains(v), v + " is scored by two folds");
                seen.add(v);
            }
        }
        // Fold 0 is the five-argument split.
        List<String> fold0 = new ArrayList<>();
        ValidationSplit.of(training, 0, 0.2, 3, c -> classImages(c, 8)).validation().forEach(e -> fold0.add(id(e)));
        assertEquals(List.of(expected[0]), fold0);
        // Fold 4 holds out 0/0-0/1; fold 5 lies outside the ten normal images; class 1 runs out at fold 3.
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ValidationSplit.of(training, 0, 0.2, 5, 3, c -> classImages(c, 20)));
        assertTrue(e.getMessage().contains("Fold 5 of 2 held-out images lies outside the 10 normal images (the "
                + "normal images allow folds up to 4;"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> ValidationSplit.of(training, 0, 0.2, 3, 3, c -> classImages(c, 8)));
        assertTrue(e.getMessage().contains("Class 1 has only 7 training images outside the training set; fold 3 "
                + "of the validation split needs 8"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> ValidationSplit.of(training, 0, 0.2, -1, 3, c -> classImages(c, 8)));
        assertTrue(e.getMessage().contains("fold must be at least 0"), e.getMessage());
    }

    @Test
    public void refusesWhatCannotBeSplit() {
        List<Example<Event>> training = classImages(0, 10);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ValidationSplit.of(training, 0, 1.0, 3, c -> classImages(c, 8)));
        assertTrue(e.getMessage().contains("holdout"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> ValidationSplit.of(classImages(0, 2), 0, 0.5, 3, c -> classImages(c, 8)));
        assertTrue(e.getMessage().contains("fewer than 2"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> ValidationSplit.of(training, 0, 0.5, 3, c -> classImages(c, 3)));
        assertTrue(e.getMessage().contains("Class 1 has only 3"), e.getMessage());
        List<Example<Event>> unlabelled = new ArrayList<>(training);
        unlabelled.add(new ArrayExample<>(AnomalyFactory.EXPECTED_EVENT, new String[]{"p0"}, new double[]{1}));
        e = assertThrows(IllegalArgumentException.class,
                () -> ValidationSplit.of(unlabelled, 0, 0.2, 3, c -> classImages(c, 8)));
        assertTrue(e.getMessage().contains("Example 10 has no 'index' metadata"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> ValidationSplit.of(training, 0, 0.2, 3, c -> classImages(0, 8)));
        assertTrue(e.getMessage().contains("classImages(1) returned an example of class 0"), e.getMessage());
    }
}
