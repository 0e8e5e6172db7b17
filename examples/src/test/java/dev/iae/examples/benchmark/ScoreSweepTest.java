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
    public void combineStandardisesEachPartByTheTrainerStatisticsAndWeightsTheReconstruction() {
        double[] stats = {2, 1, 20, 10};
        double[][] test = {{2, 4}, {40, 0}};
        // dz = {0, 2}, rz = {2, -2}
        assertArrayEquals(new double[]{0, 2}, ScoreSweep.combine(test, stats, 0), 1e-12);
        assertArrayEquals(new double[]{2, 0}, ScoreSweep.combine(test, stats, 1), 1e-12);
        assertArrayEquals(new double[]{1, 1}, ScoreSweep.combine(test, stats, 0.5), 1e-12);
        assertArrayEquals(new double[]{2, -2}, ScoreSweep.combine(test, stats, Double.POSITIVE_INFINITY), 1e-12);
    }

    @Test
    public void labelsAreShort() {
        assertEquals("wrec=0", ScoreSweep.label(0));
        assertEquals("wrec=2", ScoreSweep.label(2));
        assertEquals("wrec=0.25", ScoreSweep.label(0.25));
        assertEquals("wrec=inf", ScoreSweep.label(Double.POSITIVE_INFINITY));
    }
}
