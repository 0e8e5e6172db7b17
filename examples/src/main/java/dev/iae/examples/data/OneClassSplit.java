package dev.iae.examples.data;

import org.tribuo.anomaly.AnomalyFactory;
import org.tribuo.anomaly.Event;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The one-class protocol of Deep SVDD and IAE-LSTM-KL for a labelled multi-class data set.
 * <ul>
 *     <li><b>Training</b>: the training images of one normal class {@code k} (the first {@code maxNormal} of them
 *     in file order, or all), plus, when the contamination ratio {@code r > 0}, images of the other classes drawn
 *     uniformly without replacement with the given seed. The contaminants are labelled {@link Event.EventType#EXPECTED}
 *     like the normal images: in this setting the contamination is unknown to the learner.</li>
 *     <li><b>Test</b>: every test image; class {@code k} is {@link Event.EventType#EXPECTED}, every other class is
 *     {@link Event.EventType#ANOMALOUS}.</li>
 * </ul>
 * The contamination ratio is the fraction of the resulting training set that comes from other classes:
 * with {@code n} normal images the number of contaminants is {@code round(n * r / (1 - r))}, so {@code r = 0.1}
 * with 2,000 normal images adds 222 images (10.0 % of 2,222).
 * <p>
 * The split works on label vectors and returns indices, so any image source (IDX, CIFAR-10, …) can reuse it; it is
 * deterministic for a given seed. Instances are immutable.
 */
public final class OneClassSplit {

    private static final AnomalyFactory FACTORY = new AnomalyFactory();

    private final int normalClass;
    private final double contamination;
    private final int maxNormal;
    private final long seed;

    /**
     * Creates a split.
     * @param normalClass the normal class label k (≥ 0).
     * @param contamination the contamination ratio r, 0 ≤ r &lt; 1.
     * @param maxNormal how many normal training images to keep (the first ones in data order); ≤ 0 keeps all.
     * @param seed the seed for drawing contaminants.
     * @throws IllegalArgumentException if a setting is out of range.
     */
    public OneClassSplit(int normalClass, double contamination, int maxNormal, long seed) {
        if (normalClass < 0) {
            throw new IllegalArgumentException("normalClass must be >= 0, found " + normalClass);
        }
        if (!(contamination >= 0.0 && contamination < 1.0)) {
            throw new IllegalArgumentException("contamination must be in [0, 1), found " + contamination);
        }
        this.normalClass = normalClass;
        this.contamination = contamination;
        this.maxNormal = maxNormal;
        this.seed = seed;
    }

    /**
     * A split without contamination that keeps every normal training image.
     * @param normalClass the normal class.
     * @return the split.
     */
    public static OneClassSplit of(int normalClass) {
        return new OneClassSplit(normalClass, 0.0, 0, 0L);
    }

    /**
     * @return the normal class label.
     */
    public int normalClass() {
        return normalClass;
    }

    /**
     * @return the contamination ratio r.
     */
    public double contamination() {
        return contamination;
    }

    /**
     * @return the cap on normal training images (≤ 0 = no cap).
     */
    public int maxNormal() {
        return maxNormal;
    }

    /**
     * @return the seed used to draw contaminants.
     */
    public long seed() {
        return seed;
    }

    /**
     * The number of contaminants added to {@code normalCount} normal training images.
     * @param normalCount the number of normal images in the training set.
     * @return {@code round(normalCount * r / (1 - r))}, at most {@link Integer#MAX_VALUE} (a ratio close to 1 asks
     *     for more images than any data set has, which {@link #trainingIndices} then refuses by name).
     */
    public int contaminationCount(int normalCount) {
        return (int) Math.min(Integer.MAX_VALUE, Math.round(normalCount * contamination / (1.0 - contamination)));
    }

    /**
     * The training set: indices of the normal images (data order) followed by the contaminants (draw order).
     * @param trainLabels the class label of every training image.
     * @return the selected indices into {@code trainLabels}.
     * @throws IllegalArgumentException if the normal class has no training image or there are too few images of
     * other classes for the requested contamination.
     */
    public int[] trainingIndices(int[] trainLabels) {
        List<Integer> normal = new ArrayList<>();
        List<Integer> others = new ArrayList<>();
        for (int i = 0; i < trainLabels.length; i++) {
            if (trainLabels[i] == normalClass) {
                if (maxNormal <= 0 || normal.size() < maxNormal) {
                    normal.add(i);
                }
            } else {
                others.add(i);
            }
        }
        if (normal.isEmpty()) {
            throw new IllegalArgumentException("No training example of normal class " + normalClass + " among "
                    + trainLabels.length + " labels");
        }
        int nContam = contaminationCount(normal.size());
        if (nContam > others.size()) {
            throw new IllegalArgumentException("Contamination " + contamination + " with " + normal.size()
                    + " normal images needs " + nContam + " images of other classes, but only " + others.size()
                    + " are available");
        }
        int[] out = new int[normal.size() + nContam];
        for (int i = 0; i < normal.size(); i++) {
            out[i] = normal.get(i);
        }
        // Partial Fisher-Yates shuffle: the first nContam entries are a uniform draw without replacement.
        int[] pool = others.stream().mapToInt(Integer::intValue).toArray();
        SplittableRandom rng = new SplittableRandom(seed);
        for (int i = 0; i < nContam; i++) {
            int j = i + rng.nextInt(pool.length - i);
            int tmp = pool[i];
            pool[i] = pool[j];
            pool[j] = tmp;
            out[normal.size() + i] = pool[i];
        }
        return out;
    }

    /**
     * The training label of an image: always {@link Event.EventType#EXPECTED}, because in the one-class setting the
     * contamination is unknown.
     * @param classLabel the image's class (unused).
     * @return the EXPECTED event.
     */
    public Event trainingEvent(int classLabel) {
        return AnomalyFactory.EXPECTED_EVENT;
    }

    /**
     * The test label of an image.
     * @param classLabel the image's class.
     * @return EXPECTED for the normal class, ANOMALOUS otherwise.
     */
    public Event testEvent(int classLabel) {
        return classLabel == normalClass ? AnomalyFactory.EXPECTED_EVENT : AnomalyFactory.ANOMALOUS_EVENT;
    }

    /**
     * The ground truth for AUROC: which test labels are anomalous (the positive class).
     * @param testLabels class labels.
     * @return {@code label != normalClass} per entry.
     */
    public boolean[] isAnomalous(int[] testLabels) {
        boolean[] out = new boolean[testLabels.length];
        for (int i = 0; i < testLabels.length; i++) {
            out[i] = testLabels[i] != normalClass;
        }
        return out;
    }

    /**
     * @return the factory for the events this split produces.
     */
    public static AnomalyFactory outputFactory() {
        return FACTORY;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof OneClassSplit)) {
            return false;
        }
        OneClassSplit other = (OneClassSplit) o;
        return normalClass == other.normalClass && Double.compare(contamination, other.contamination) == 0
                && maxNormal == other.maxNormal && seed == other.seed;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(new long[]{normalClass, Double.doubleToLongBits(contamination), maxNormal, seed});
    }

    @Override
    public String toString() {
        return "OneClassSplit(normalClass=" + normalClass + ", contamination=" + contamination + ", maxNormal="
                + (maxNormal <= 0 ? "all" : Integer.toString(maxNormal)) + ", seed=" + seed + ")";
    }
}
