package dev.iae.tribuo;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

import java.util.Arrays;

/**
 * The IAE-LSTM-KL training loss, {@code L = L_svdd + λ_kl·L_kl + λ_rec·L_rec} (weight decay is applied by the
 * optimiser), on DJL arrays so that it can be differentiated.
 * <ul>
 *     <li>{@code L_svdd}, hard (one-class): {@code mean_i ||z_i − c||²}; soft-boundary:
 *     {@code R² + (1/ν)·mean_i max(0, ||z_i − c||² − R²)}, with R a constant of the step
 *     (see {@link #radiusQuantile(float[], double)}).</li>
 *     <li>{@code L_kl}: the KL divergence between a diagonal Gaussian fitted to the batch's latents (per-dimension
 *     mean μ_j and biased variance σ_j²) and N(0, 1), averaged over dimensions:
 *     {@code mean_j ½(μ_j² + σ_j² − 1 − ln(σ_j² + ε))}. This is the paper's stated intent (keep the latents from
 *     collapsing onto the centre); the authors' published code computes {@code KLDivLoss(z, softmax(noise))},
 *     which is not a divergence of z, and is deliberately not reproduced.</li>
 *     <li>{@code L_rec}: the mean squared error between the normalised input and its reconstruction.</li>
 * </ul>
 * A term whose module is off (no hypersphere, no KL, no decoder) is left out.
 * <p>
 * Every constant in the loss graph is a tensor made by {@link #constant(NDArray, float)}, never a Java number passed
 * to DJL's arithmetic ({@code a.mul(0.5f)}): DJL wraps such a number in a tensor over a Java direct buffer and closes
 * it right after the operation, but autograd keeps that tensor for the backward pass (for {@code mul}, {@code div},
 * {@code maximum}), so a garbage collection between the forward and the backward pass could free the memory the
 * backward pass then reads. That made a seeded training occasionally produce different losses, or NaN.
 */
final class IaeLoss {

    /** Guard for ln σ² in the KL term. */
    static final float KL_EPSILON = 1e-6f;

    private final boolean svdd;
    private final SvddObjective objective;
    private final float nu;
    private final float lambdaKl;
    private final float lambdaRec;

    /**
     * @param svdd whether the hypersphere term is on.
     * @param objective the hypersphere objective.
     * @param nu ν of the soft-boundary objective, in (0, 1].
     * @param lambdaKl weight of the KL term; 0 switches it off.
     * @param lambdaRec weight of the reconstruction term; 0 switches it off.
     */
    IaeLoss(boolean svdd, SvddObjective objective, float nu, float lambdaKl, float lambdaRec) {
        this.svdd = svdd;
        this.objective = objective;
        this.nu = nu;
        this.lambdaKl = lambdaKl;
        this.lambdaRec = lambdaRec;
    }

    /** @return true if the reconstruction term is part of the loss. */
    boolean usesReconstruction() {
        return lambdaRec > 0 || !svdd;
    }

    /** @return true if the hypersphere term uses the soft-boundary objective (R is then updated). */
    boolean isSoftBoundary() {
        return svdd && objective == SvddObjective.SOFT_BOUNDARY;
    }

    /** @return ν of the soft-boundary objective. */
    float nu() {
        return nu;
    }

    /** @return true if the KL term is part of the loss. */
    boolean usesKl() {
        return lambdaKl > 0;
    }

    /**
     * Squared distances to the centre.
     * @param z latents [N, r].
     * @param c the centre [r].
     * @return ||z_i − c||², [N].
     */
    static NDArray distances(NDArray z, NDArray c) {
        return z.sub(c).square().sum(new int[]{1});
    }

    /**
     * The hypersphere term.
     * @param dist squared distances [N].
     * @param radius the current radius R (soft-boundary only).
     * @return a scalar.
     */
    NDArray svddTerm(NDArray dist, float radius) {
        if (objective == SvddObjective.SOFT_BOUNDARY) {
            float r2 = radius * radius;
            NDArray r2Array = constant(dist, r2);
            return dist.sub(r2Array).maximum(constant(dist, 0f)).mean().div(constant(dist, nu)).add(r2Array);
        }
        return dist.mean();
    }

    /**
     * The batch-Gaussian KL term.
     * @param z latents [N, r], N ≥ 2.
     * @return a scalar.
     */
    static NDArray klTerm(NDArray z) {
        NDArray mu = z.mean(new int[]{0});
        NDArray var = z.sub(mu).square().mean(new int[]{0});
        return mu.square().add(var).sub(constant(z, 1f)).sub(var.add(constant(z, KL_EPSILON)).log()).mean()
                .mul(constant(z, 0.5f));
    }

    /**
     * The reconstruction term.
     * @param x normalised input [N, D].
     * @param xHat reconstruction [N, D].
     * @return the mean squared error, a scalar.
     */
    static NDArray reconstructionTerm(NDArray x, NDArray xHat) {
        return x.sub(xHat).square().mean();
    }

    /**
     * A scalar constant for the loss graph, in memory libtorch allocates and owns (so a tensor autograd saves for the
     * backward pass stays valid whatever Java's garbage collector does), in the manager of {@code like} (closed with
     * the batch).
     * @param like an array of the graph (gives the manager and the data type).
     * @param value the constant.
     * @return a scalar array.
     */
    static NDArray constant(NDArray like, float value) {
        return like.getManager().full(new Shape(), value, like.getDataType());
    }

    /**
     * The losses of one step.
     */
    static final class Terms {
        /** The total loss to differentiate. */
        final NDArray total;
        /** The hypersphere term, or null. */
        final NDArray svdd;
        /** The KL term, or null. */
        final NDArray kl;
        /** The reconstruction term, or null. */
        final NDArray rec;
        /** The squared distances [N], or null (used to update the soft-boundary radius). */
        final NDArray distances;

        Terms(NDArray total, NDArray svdd, NDArray kl, NDArray rec, NDArray distances) {
            this.total = total;
            this.svdd = svdd;
            this.kl = kl;
            this.rec = rec;
            this.distances = distances;
        }
    }

    /**
     * The joint loss.
     * @param x normalised input [N, D].
     * @param z latents [N, r].
     * @param xHat reconstruction [N, D], or null if the reconstruction term is off.
     * @param c the centre [r], or null without the hypersphere.
     * @param radius the soft-boundary radius R.
     * @return the terms and their weighted total.
     */
    Terms joint(NDArray x, NDArray z, NDArray xHat, NDArray c, float radius) {
        NDArray total = null;
        NDArray sv = null;
        NDArray dist = null;
        if (svdd) {
            dist = distances(z, c);
            sv = svddTerm(dist, radius);
            total = sv;
        }
        NDArray kl = null;
        if (usesKl()) {
            kl = klTerm(z);
            NDArray w = kl.mul(constant(kl, lambdaKl));
            total = total == null ? w : total.add(w);
        }
        NDArray rec = null;
        if (xHat != null) {
            rec = reconstructionTerm(x, xHat);
            NDArray w = svdd ? rec.mul(constant(rec, lambdaRec)) : rec;
            total = total == null ? w : total.add(w);
        }
        if (total == null) {
            throw new IllegalStateException("The loss has no term: enable the hypersphere or the decoder");
        }
        return new Terms(total, sv, kl, rec, dist);
    }

    /**
     * The soft-boundary radius: the (1 − ν)-quantile (linear interpolation, as numpy's default) of the raw
     * distances ||z_i − c|| (square roots of the squared distances). The published Deep SVDD code takes the
     * quantile of already-square-rooted values a second time; this does not.
     * @param squaredDistances the batch's squared distances (not modified).
     * @param nu ν.
     * @return R.
     */
    static float radiusQuantile(float[] squaredDistances, double nu) {
        double[] d = new double[squaredDistances.length];
        for (int i = 0; i < d.length; i++) {
            d[i] = Math.sqrt(Math.max(0.0, squaredDistances[i]));
        }
        return (float) quantile(d, 1.0 - nu);
    }

    /**
     * The RADIUS threshold R², with R the (1 − ν)-quantile of the raw distances as in {@link #radiusQuantile}, but
     * computed in double precision and kept between the two squared distances the quantile interpolates between.
     * Mathematically R² lies there already; rounding ({@code (float) √s} squared is often just below {@code s}) could
     * put it below the squared distance of the training example the quantile lands on, which the threshold would
     * then flag. When the quantile lands exactly on an order statistic, R² is that squared distance, bit for bit.
     * @param squaredDistances the training set's squared distances (not modified; at least one).
     * @param nu ν.
     * @return R².
     */
    static double squaredRadius(float[] squaredDistances, double nu) {
        if (squaredDistances.length == 0) {
            throw new IllegalArgumentException("Radius of no distances");
        }
        double[] s = new double[squaredDistances.length];
        for (int i = 0; i < s.length; i++) {
            s[i] = Math.max(0.0, squaredDistances[i]);
        }
        Arrays.sort(s);
        double pos = Math.min(Math.max(1.0 - nu, 0.0), 1.0) * (s.length - 1);
        int lo = (int) Math.floor(pos);
        if (pos == lo) {
            return s[lo];
        }
        int hi = Math.min(lo + 1, s.length - 1);
        double dLo = Math.sqrt(s[lo]);
        double r = dLo + (pos - lo) * (Math.sqrt(s[hi]) - dLo);
        return Math.min(Math.max(r * r, s[lo]), s[hi]);
    }

    /**
     * A quantile with linear interpolation between order statistics.
     * @param values the values (copied, not modified).
     * @param q the quantile in [0, 1].
     * @return the quantile.
     */
    static double quantile(double[] values, double q) {
        if (values.length == 0) {
            throw new IllegalArgumentException("Quantile of no values");
        }
        double[] s = values.clone();
        Arrays.sort(s);
        double pos = Math.min(Math.max(q, 0.0), 1.0) * (s.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = Math.min(lo + 1, s.length - 1);
        return s[lo] + (pos - lo) * (s[hi] - s[lo]);
    }

    @Override
    public String toString() {
        return "IaeLoss(svdd=" + svdd + ", objective=" + objective + ", nu=" + nu + ", lambdaKl=" + lambdaKl
                + ", lambdaRec=" + lambdaRec + ")";
    }
}
