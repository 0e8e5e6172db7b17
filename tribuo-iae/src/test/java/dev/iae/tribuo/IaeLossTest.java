package dev.iae.tribuo;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.iae.onnx.Normalization;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.tribuo.MutableDataset;
import org.tribuo.anomaly.AnomalyFactory;
import org.tribuo.anomaly.Event;
import org.tribuo.impl.ArrayExample;
import org.tribuo.provenance.SimpleDataSourceProvenance;

import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The loss terms and the input normalisation against hand-computed values, and the divergence guard.
 */
public class IaeLossTest {

    @BeforeAll
    public static void engine() {
        DjlRuntime.engine(1);
    }

    @Test
    public void lossTermsMatchTheirFormulas() {
        float[] z = {1f, 2f, 3f, 6f, -1f, 0f};           // 3 examples, r = 2
        float[] c = {1f, 1f};
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray zArr = m.create(z, new Shape(3, 2));
            NDArray cArr = m.create(c);
            NDArray dist = IaeLoss.distances(zArr, cArr);
            assertArrayEquals(new float[]{1f, 29f, 5f}, dist.toFloatArray(), 1e-6f);
            IaeLoss hard = new IaeLoss(true, SvddObjective.ONE_CLASS, 0.1f, 0f, 0f);
            assertEquals(35f / 3, hard.svddTerm(dist, 0f).getFloat(), 1e-5f);
            IaeLoss soft = new IaeLoss(true, SvddObjective.SOFT_BOUNDARY, 0.5f, 0f, 0f);
            // R = 2: R² + (1/ν)·mean(max(0, d − 4)) = 4 + 2·(0 + 25 + 1)/3
            assertEquals(4f + 2f * 26f / 3f, soft.svddTerm(dist, 2f).getFloat(), 1e-4f);
            // KL: per dimension mean and biased variance of the batch.
            double expected = 0;
            for (int j = 0; j < 2; j++) {
                double mu = (z[j] + z[2 + j] + z[4 + j]) / 3.0;
                double var = (Math.pow(z[j] - mu, 2) + Math.pow(z[2 + j] - mu, 2) + Math.pow(z[4 + j] - mu, 2)) / 3.0;
                expected += 0.5 * (mu * mu + var - 1 - Math.log(var + IaeLoss.KL_EPSILON));
            }
            assertEquals(expected / 2, IaeLoss.klTerm(zArr).getFloat(), 1e-4);
            NDArray x = m.create(new float[]{0f, 1f, 1f, 1f}, new Shape(2, 2));
            NDArray xh = m.create(new float[]{1f, 1f, 1f, 3f}, new Shape(2, 2));
            assertEquals(5f / 4, IaeLoss.reconstructionTerm(x, xh).getFloat(), 1e-6f);
            // Joint: L_svdd + λ_kl·L_kl + λ_rec·L_rec.
            IaeLoss joint = new IaeLoss(true, SvddObjective.ONE_CLASS, 0.1f, 0.5f, 2f);
            NDArray z2 = m.create(new float[]{1f, 2f, 3f, 6f}, new Shape(2, 2));
            IaeLoss.Terms t = joint.joint(x, z2, xh, cArr, 0f);
            assertEquals(t.svdd.getFloat() + 0.5f * t.kl.getFloat() + 2f * t.rec.getFloat(), t.total.getFloat(), 1e-4f);
        }
    }

    @Test
    public void radiusIsTheQuantileOfRawDistances() {
        float[] squared = {0f, 1f, 4f, 9f, 16f};          // distances 0..4
        assertEquals(3.6f, IaeLoss.radiusQuantile(squared, 0.1), 1e-6f);   // 0.9-quantile of {0,1,2,3,4}
        assertEquals(2f, IaeLoss.radiusQuantile(squared, 0.5), 1e-6f);
        assertEquals(4.0, IaeLoss.quantile(new double[]{4, 1, 3}, 1.0), 0);
    }

    /**
     * R² for the RADIUS threshold: when the quantile lands on an order statistic it is that squared distance bit for
     * bit (the square of the float R is not: (float) √2 squared is 1.99999993), otherwise it lies between the two
     * squared distances it interpolates between and equals R² to double precision.
     */
    @Test
    public void squaredRadiusIsNeverBelowTheOrderStatisticItLandsOn() {
        float[] squared = {0.5f, 0.1f, 3f, 0.2f, 0.3f, 2f, 0.4f, 0.6f, 0.7f, 0.8f, 0.9f}; // sorted: 2 is 10th of 11
        float r = IaeLoss.radiusQuantile(squared, 0.1);                               // (1 − ν)(n − 1) = 9 exactly
        assertTrue((double) r * r < 2.0, "premise: the rounded R squared falls below the order statistic");
        assertEquals(2.0, IaeLoss.squaredRadius(squared, 0.1), 0.0);
        Random rng = new Random(3);
        for (int trial = 0; trial < 2000; trial++) {
            int n = 2 + rng.nextInt(60);
            float[] s = new float[n];
            for (int i = 0; i < n; i++) {
                s[i] = rng.nextFloat() * (rng.nextBoolean() ? 1e-3f : 10f);
            }
            double nu = rng.nextInt(4) == 0 ? 1.0 / (n - 1) * rng.nextInt(n) : rng.nextDouble();
            float[] sorted = s.clone();
            Arrays.sort(sorted);
            double pos = (1.0 - nu) * (n - 1);
            int lo = (int) Math.floor(pos);
            int hi = Math.min(lo + 1, n - 1);
            double t = IaeLoss.squaredRadius(s, nu);
            assertTrue(t >= sorted[lo] && t <= sorted[hi], "R² " + t + " outside [" + sorted[lo] + ", " + sorted[hi]
                    + "] at ν " + nu);
            double d = Math.sqrt(sorted[lo]) + (pos - lo) * (Math.sqrt(sorted[hi]) - Math.sqrt(sorted[lo]));
            assertEquals(d * d, t, 1e-12 * Math.max(1.0, d * d));
            // Flagged = strictly above R²: never the example the quantile lands on.
            int above = 0;
            for (float v : s) {
                above += v > t ? 1 : 0;
            }
            assertTrue(above <= n - 1 - lo, above + " of " + n + " above R² at position " + pos);
        }
        assertThrows(IllegalArgumentException.class, () -> IaeLoss.squaredRadius(new float[0], 0.1));
    }

    @Test
    public void minMaxNormalisationGuardsZeroRange() {
        float[] rows = {1f, 5f, 2f, 3f, 5f, 4f};        // 2 rows, 3 features; the middle one is constant
        FeatureNormalizer n = FeatureNormalizer.fit(Normalization.MIN_MAX, rows, 2, 3);
        assertArrayEquals(new float[]{1f, 5f, 2f}, n.offset(), 0f);
        assertArrayEquals(new float[]{0.5f, 1f, 0.5f}, n.scale(), 1e-7f);
        assertArrayEquals(new float[]{0f, 0f, 0f, 1f, 0f, 1f}, n.apply(rows), 1e-7f);
        FeatureNormalizer none = FeatureNormalizer.fit(Normalization.NONE, rows, 2, 3);
        assertArrayEquals(rows, none.apply(rows), 0f);
    }

    @Test
    public void globalMinMaxGivesEveryFeatureTheSameRange() {
        float[] rows = {0f, 0f, 51f, 0f, 255f, 102f};     // 2 rows, 3 features; the first is constant (border pixel)
        FeatureNormalizer n = FeatureNormalizer.fit(Normalization.GLOBAL_MIN_MAX, rows, 2, 3);
        assertArrayEquals(new float[]{0f, 0f, 0f}, n.offset(), 0f);
        assertArrayEquals(new float[]{1f / 255, 1f / 255, 1f / 255}, n.scale(), 1e-9f);
        assertArrayEquals(new float[]{0f, 0f, 0.2f, 0f, 1f, 0.4f}, n.apply(rows), 1e-6f);
        // A value the constant feature never took in training is scaled like every other pixel (per-feature
        // MIN_MAX would give it scale 1 and pass 255 through).
        assertArrayEquals(new float[]{1f, 0f, 0f}, n.apply(new float[]{255f, 0f, 0f}), 1e-6f);
        assertArrayEquals(new float[]{255f, 0f, -1f},
                FeatureNormalizer.fit(Normalization.MIN_MAX, rows, 2, 3).apply(new float[]{255f, 0f, 0f}), 1e-6f);
        // A constant training matrix gives scale 1, never a division by zero.
        FeatureNormalizer flat = FeatureNormalizer.fit(Normalization.GLOBAL_MIN_MAX, new float[]{3f, 3f}, 1, 2);
        assertArrayEquals(new float[]{3f, 3f}, flat.offset(), 0f);
        assertArrayEquals(new float[]{1f, 1f}, flat.scale(), 0f);
    }

    @Test
    public void gcnNormalisationUsesOneGlobalRange() {
        float[] rows = {0f, 2f, 4f, 10f, 10f, 10f};       // second row is constant: GCN gives zeros
        FeatureNormalizer n = FeatureNormalizer.fit(Normalization.GCN_L1_MIN_MAX, rows, 2, 3);
        // Row 0: mean 2, mean |dev| 4/3 -> (-1.5, 0, 1.5); row 1 -> zeros. Global min -1.5, max 1.5.
        assertArrayEquals(new float[]{-1.5f, -1.5f, -1.5f}, n.offset(), 1e-6f);
        assertArrayEquals(new float[]{1f / 3, 1f / 3, 1f / 3}, n.scale(), 1e-6f);
        float[] out = n.apply(rows);
        assertArrayEquals(new float[]{0f, 0.5f, 1f, 0.5f, 0.5f, 0.5f}, out, 1e-6f);
        for (float v : out) {
            assertTrue(Float.isFinite(v));
        }
    }

    @Test
    public void twoViewNormalisationPutsGcnAndTheGlobalRangeSideBySide() {
        float[] rows = {0f, 2f, 4f, 10f, 10f, 10f};
        FeatureNormalizer n = FeatureNormalizer.fit(Normalization.GCN_L1_AND_GLOBAL_MIN_MAX, rows, 2, 3);
        assertEquals(3, n.dim());
        assertEquals(6, n.outputDim());
        // GCN view as in gcnNormalisationUsesOneGlobalRange; raw view: min 0, max 10.
        assertArrayEquals(new float[]{-1.5f, -1.5f, -1.5f, 0f, 0f, 0f}, n.offset(), 1e-6f);
        assertArrayEquals(new float[]{1f / 3, 1f / 3, 1f / 3, 0.1f, 0.1f, 0.1f}, n.scale(), 1e-6f);
        assertArrayEquals(new float[]{0f, 0.5f, 1f, 0f, 0.2f, 0.4f, 0.5f, 0.5f, 0.5f, 1f, 1f, 1f}, n.apply(rows), 1e-6f);
        assertArrayEquals(new float[]{0f, 2f, 4f, 10f, 10f, 10f}, rows, 0f, "apply must not modify its input");
        assertEquals(6, n.offsetTensor().data().length);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> n.apply(new float[]{1f, 2f, 3f, 4f}));
        assertTrue(e.getMessage().contains("not a multiple of 3 features"), e.getMessage());
    }

    @Test
    public void divergenceStopsTrainingNamingTheEpoch() {
        AnomalyFactory factory = new AnomalyFactory();
        MutableDataset<Event> ds = new MutableDataset<>(new SimpleDataSourceProvenance("huge", factory), factory);
        for (int i = 0; i < 16; i++) {
            // Finite float32 values whose squares overflow: the reconstruction loss becomes infinite.
            ds.add(new ArrayExample<>(AnomalyFactory.EXPECTED_EVENT, new String[]{"a", "b"},
                    new double[]{1e30 * (i + 1), -1e30 * i}));
        }
        IaeTrainer trainer = IaeTrainer.builder().preset(IaePreset.IAE).normalization(Normalization.NONE)
                .encoderSizes(4).repDim(2).pretrainEpochs(2).epochs(2).batchSize(8).build();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> trainer.train(ds));
        assertTrue(e.getMessage().contains("epoch 1") && e.getMessage().contains("pre-training"), e.getMessage());
    }
}
