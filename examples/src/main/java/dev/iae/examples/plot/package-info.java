/**
 * PNG plots of an anomaly detector's evaluation — ROC curve, precision-recall curve and the score histogram of normal
 * versus anomalous examples with the decision threshold marked — drawn with XChart (Apache-2.0) through
 * {@code javax.imageio}, headless.
 */
package dev.iae.examples.plot;
