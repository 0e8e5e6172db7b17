/**
 * Score-based evaluation of anomaly detectors (AUROC, average precision, ROC curve points), which complements
 * Tribuo's type-counting {@code AnomalyEvaluator}.
 */
package dev.iae.tribuo.evaluation;
