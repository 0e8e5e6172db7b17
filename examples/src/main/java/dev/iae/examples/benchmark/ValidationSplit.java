package dev.iae.examples.benchmark;

import dev.iae.examples.data.FashionMnistDataSource;
import org.tribuo.Example;
import org.tribuo.anomaly.AnomalyFactory;
import org.tribuo.anomaly.Event;
import org.tribuo.impl.ArrayExample;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.IntFunction;

import static dev.iae.examples.data.FashionMnistDataSource.METADATA_CLASS;
import static dev.iae.examples.data.FashionMnistDataSource.METADATA_INDEX;

/**
 * A validation split made from TRAINING images only, for choosing settings once per data set without test labels.
 * <p>
 * From the one-class training set of normal class {@code k} (normal images in data order, then any contaminants),
 * the last {@code h = ceil(holdout · n)} normal images are held out as validation normals and the rest is the fit
 * set, with the contaminants cut to {@code round((n − h) · c / n)} (the first in draw order) so that it has the
 * training set's contamination ratio ({@code c} contaminants with {@code n} normals). For every other class
 * {@code j}, the first {@code h} training images of class {@code j} (data order) that are not in the training set as
 * contaminants become validation anomalies, so the validation set has the test set's 1 : (classes − 1) mix of normal
 * and anomalous images.
 * <p>
 * Fold {@code f} (0 is the split above) moves both windows by {@code f · h} images: it holds out the normal images
 * {@code f · h} to {@code (f + 1) · h} counted from the end, and takes the other classes' eligible images
 * {@code f · h} to {@code (f + 1) · h} counted from the start. Different folds therefore score disjoint image sets,
 * which tests whether a choice follows the settings or the particular held-out images. Examples are identified by their
 * class and index metadata ({@link FashionMnistDataSource#METADATA_CLASS},
 * {@link FashionMnistDataSource#METADATA_INDEX}), which both image data sources of this module write under the same
 * keys.
 * <p>
 * Deterministic: no randomness beyond the training split it starts from. Instances are immutable.
 */
public final class ValidationSplit {

    private final List<Example<Event>> fit;
    private final List<Example<Event>> validation;
    private final boolean[] isAnomalous;

    private ValidationSplit(List<Example<Event>> fit, List<Example<Event>> validation, boolean[] isAnomalous) {
        this.fit = Collections.unmodifiableList(fit);
        this.validation = Collections.unmodifiableList(validation);
        this.isAnomalous = isAnomalous;
    }

    /**
     * Splits a one-class training set with fold 0 (the last normal images, the first images of the other classes).
     * @param training the one-class training set of {@code normalClass} (all EXPECTED), in data-source order.
     * @param normalClass the normal class k.
     * @param holdout the fraction of normal images held out, in (0, 1).
     * @param numClasses the number of classes in the data set (10 for Fashion-MNIST and CIFAR-10).
     * @param classImages the training images of one class, in data order (called once per other class).
     * @return the split.
     * @throws IllegalArgumentException as {@link #of(List, int, double, int, int, IntFunction)}.
     */
    public static ValidationSplit of(List<Example<Event>> training, int normalClass, double holdout, int numClasses,
                                     IntFunction<Iterable<Example<Event>>> classImages) {
        return of(training, normalClass, holdout, 0, numClasses, classImages);
    }

    /**
     * Splits a one-class training set.
     * @param training the one-class training set of {@code normalClass} (all EXPECTED), in data-source order.
     * @param normalClass the normal class k.
     * @param holdout the fraction of normal images held out, in (0, 1).
     * @param fold which window of {@code h} images to hold out (0 = the last normal images, see the class
     * documentation); at least 0.
     * @param numClasses the number of classes in the data set (10 for Fashion-MNIST and CIFAR-10).
     * @param classImages the training images of one class, in data order (called once per other class).
     * @return the split.
     * @throws IllegalArgumentException if the fraction or fold is out of range (the fold's window must lie inside the
     * normal images), an example lacks the class/index metadata, fewer than two normal images would remain, or
     * another class has too few images left.
     */
    public static ValidationSplit of(List<Example<Event>> training, int normalClass, double holdout, int fold,
                                     int numClasses, IntFunction<Iterable<Example<Event>>> classImages) {
        if (!(holdout > 0.0 && holdout < 1.0)) {
            throw new IllegalArgumentException("holdout must be in (0, 1), found " + holdout);
        }
        if (fold < 0) {
            throw new IllegalArgumentException("fold must be at least 0, found " + fold);
        }
        List<Integer> normalPositions = new ArrayList<>();
        Set<String> inTraining = new HashSet<>();
        for (int i = 0; i < training.size(); i++) {
            Example<Event> e = training.get(i);
            inTraining.add(key(e, i));
            if (classOf(e, i) == normalClass) {
                normalPositions.add(i);
            }
        }
        int h = (int) Math.ceil(holdout * normalPositions.size());
        if (normalPositions.size() - h < 2) {
            throw new IllegalArgumentException("Holding out " + h + " of " + normalPositions.size()
                    + " normal images leaves fewer than 2 to train on");
        }
        long skip = (long) fold * h;
        long end = normalPositions.size() - skip;
        if (end - h < 0) {
            throw new IllegalArgumentException("Fold " + fold + " of " + h + " held-out images lies outside the "
                    + normalPositions.size() + " normal images (the normal images allow folds up to "
                    + (normalPositions.size() / h - 1) + "; each other class also needs (fold + 1) * " + h
                    + " training images outside the training set)");
        }
        Set<Integer> heldOut = new HashSet<>(normalPositions.subList((int) end - h, (int) end));
        // Contaminants in the fit set: as many as keep the training set's contamination ratio with h fewer normals
        // (the first ones in draw order); all of them would make a contaminated fit set more contaminated than r.
        int normals = normalPositions.size();
        int contaminants = training.size() - normals;
        long keep = Math.round((normals - h) * (double) contaminants / normals);
        List<Example<Event>> fit = new ArrayList<>(training.size() - h);
        List<Example<Event>> validation = new ArrayList<>(h * numClasses);
        int kept = 0;
        for (int i = 0; i < training.size(); i++) {
            Example<Event> e = training.get(i);
            if (heldOut.contains(i)) {
                validation.add(e);
            } else if (classOf(e, i) == normalClass) {
                fit.add(e);
            } else if (kept < keep) {
                fit.add(e);
                kept++;
            }
        }
        for (int j = 0; j < numClasses; j++) {
            if (j == normalClass) {
                continue;
            }
            int taken = 0;
            long eligible = 0;
            int position = 0;
            for (Example<Event> e : classImages.apply(j)) {
                if (taken == h) {
                    break;
                }
                if (classOf(e, position) != j) {
                    throw new IllegalArgumentException("classImages(" + j + ") returned an example of class "
                            + classOf(e, position) + " at position " + position);
                }
                if (!inTraining.contains(key(e, position)) && eligible++ >= skip) {
                    validation.add(relabel(e, AnomalyFactory.ANOMALOUS_EVENT));
                    taken++;
                }
                position++;
            }
            if (taken < h) {
                throw new IllegalArgumentException("Class " + j + " has only " + eligible
                        + " training images outside the training set; fold " + fold + " of the validation split needs "
                        + (skip + h));
            }
        }
        boolean[] anomalous = new boolean[validation.size()];
        for (int i = h; i < anomalous.length; i++) {
            anomalous[i] = true;
        }
        return new ValidationSplit(fit, validation, anomalous);
    }

    /**
     * @return the examples to train on (the training set without the held-out normal images).
     */
    public List<Example<Event>> fit() {
        return fit;
    }

    /**
     * @return the validation examples: the held-out normal images (EXPECTED) first, then the other classes'
     * images (ANOMALOUS).
     */
    public List<Example<Event>> validation() {
        return validation;
    }

    /**
     * @return per validation example, whether it is anomalous (a copy).
     */
    public boolean[] isAnomalous() {
        return isAnomalous.clone();
    }

    private static int classOf(Example<Event> e, int position) {
        Object c = e.getMetadataValue(METADATA_CLASS).orElseThrow(() -> new IllegalArgumentException(
                "Example " + position + " has no '" + METADATA_CLASS + "' metadata"));
        return ((Number) c).intValue();
    }

    private static String key(Example<Event> e, int position) {
        Object index = e.getMetadataValue(METADATA_INDEX).orElseThrow(() -> new IllegalArgumentException(
                "Example " + position + " has no '" + METADATA_INDEX + "' metadata"));
        return classOf(e, position) + "/" + index;
    }

    private static Example<Event> relabel(Example<Event> e, Event event) {
        ArrayExample<Event> copy = new ArrayExample<>(event, e, e.getWeight());
        for (String k : e.getMetadata().keySet()) {
            if (!copy.containsMetadata(k)) {
                copy.setMetadataValue(k, e.getMetadataValue(k).orElseThrow());
            }
        }
        return copy;
    }

    @Override
    public String toString() {
        int normals = 0;
        for (boolean a : isAnomalous) {
            normals += a ? 0 : 1;
        }
        return "ValidationSplit(fit=" + fit.size() + ", validation=" + validation.size() + " (" + normals
                + " normal, " + (validation.size() - normals) + " anomalous))";
    }
}
