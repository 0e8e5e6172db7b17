package dev.iae.examples.benchmark;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Tests {@link ScoreSweep}'s arithmetic by hand; {@code OneClassBenchmarkTest} checks it against a trained model's
 * own combined score.
 */
public class ScoreSweepTest {

    @Test
    public void combineStandardisesEachPartByItsTrainingStatisticsAndWeightsTheReconstruction() {
        double[][] train = {{1, 3}, {10, 30}};
        double[] d = ScoreSweep.meanStd(train[0]);
        double[] r = ScoreSweep.meanStd(train[1]);
        assertArrayEquals(new double[]{2, 1}, d, 1e-12);
        assertArrayEquals(new double[]{20, 10}, r, 1e-12);
        double[][] test = {{2, 4}, {40, 0}};
        // dz = {0, 2}, rz = {2, -2}
        assertArrayEquals(new double[]{0, 2}, ScoreSweep.combine(test, d, r, 0), 1e-12);
        assertArrayEquals(new double[]{2, 0}, ScoreSweep.combine(test, d, r, 1), 1e-12);
        assertArrayEquals(new double[]{1, 1}, ScoreSweep.combine(test, d, r, 0.5), 1e-12);
        assertArrayEquals(new double[]{2, -2}, ScoreSweep.combine(test, d, r, Double.POSITIVE_INFINITY), 1e-12);
    }

    @Test
    public void aConstantPartGetsSpreadOneAndLabelsAreShort() {
        assertArrayEquals(new double[]{5, 1}, ScoreSweep.meanStd(new double[]{5, 5, 5}), 0);
        assertEquals("wrec=0", ScoreSweep.label(0));
        assertEquals("wrec=2", ScoreSweep.label(2));
        assertEquals("wrec=0.25", ScoreSweep.label(0.25));
        assertEquals("wrec=inf", ScoreSweep.label(Double.POSITIVE_INFINITY));
    }
}
