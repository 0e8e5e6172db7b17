package dev.iae.tribuo;

/**
 * The hypersphere objective of the SVDD module (Deep SVDD, Ruff et al. 2018).
 */
public enum SvddObjective {
    /** Hard (one-class) objective: minimise the mean squared distance of the latents to the centre c. */
    ONE_CLASS,
    /**
     * Soft-boundary objective: {@code R² + (1/ν)·mean(max(0, ||z − c||² − R²))}, with the radius R set after a
     * warm-up to the (1 − ν)-quantile of the batch's distances ||z − c||.
     */
    SOFT_BOUNDARY
}
