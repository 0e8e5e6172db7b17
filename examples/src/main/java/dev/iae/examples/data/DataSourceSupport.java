package dev.iae.examples.data;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Plumbing shared by this package's data sources: the SHA-256 digests behind their data fingerprints (and reading
 * an archive through to its end for them), and the example selection of the one-class protocol's test split (every
 * image, at least one of which must be normal).
 */
final class DataSourceSupport {

    private DataSourceSupport() { }

    /**
     * @return a new SHA-256 digest.
     * @throws IllegalStateException if the JVM has no SHA-256 (never on a conforming JVM).
     */
    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("The JVM has no SHA-256", e);
        }
    }

    /**
     * @param bytes a digest.
     * @return the bytes as lower-case hex, two digits per byte.
     */
    static String hex(byte[] bytes) {
        StringBuilder sb = new StringBuilder(bytes.length * 2);
        for (byte b : bytes) {
            sb.append(Character.forDigit((b >> 4) & 0xF, 16)).append(Character.forDigit(b & 0xF, 16));
        }
        return sb.toString();
    }

    /**
     * Reads an archive to its end once its entries are read, discarding the bytes: first the decoded stream (the end
     * of a gzip stream is where it checks its CRC and length), then the file stream under it (anything after the
     * compressed data), so that a hashing stream over the file sees every byte.
     * @param decoded the stream the entries were read from (the file stream itself for a plain tar; not closed).
     * @param file the file stream (not closed).
     * @param archive the archive, for the message.
     * @throws IOException if reading fails; a stream that ends early names the archive.
     */
    static void drainArchive(InputStream decoded, InputStream file, Path archive) throws IOException {
        byte[] sink = new byte[1 << 16];
        try {
            for (InputStream in : new InputStream[]{decoded, file}) {
                while (in.read(sink) >= 0) {
                    // discard
                }
            }
        } catch (EOFException e) {
            throw new EOFException("Archive " + archive + " is truncated (" + e.getMessage() + ")");
        }
    }

    /**
     * The one-class split a source applies: contamination and the cap on normal images only apply to training.
     * @param training true for the training split, false for the test split.
     * @param normalClass the normal class.
     * @param contamination the contamination ratio (training only).
     * @param maxNormal the cap on normal training images, ≤ 0 for all (training only).
     * @param seed the seed for drawing contaminants.
     * @return the split.
     * @throws IllegalArgumentException if a setting is out of range.
     */
    static OneClassSplit oneClassSplit(boolean training, int normalClass, double contamination, int maxNormal,
                                       long seed) {
        return new OneClassSplit(normalClass, training ? contamination : 0.0, training ? maxNormal : 0, seed);
    }

    /**
     * The examples of a one-class test split: all of them, in order.
     * @param labels the class label of every image.
     * @param normalClass the normal class.
     * @param location the data location, for the error message.
     * @param className the normal class's name, for the error message (null to name it by number only).
     * @return {@code 0 … labels.length - 1}.
     * @throws IllegalArgumentException if no image has the normal class.
     */
    static int[] testIndices(int[] labels, int normalClass, String location, String className) {
        int[] selected = new int[labels.length];
        boolean found = false;
        for (int i = 0; i < labels.length; i++) {
            selected[i] = i;
            found |= labels[i] == normalClass;
        }
        if (!found) {
            throw new IllegalArgumentException("The TEST split of " + location + " has no image of normal class "
                    + normalClass + (className == null ? "" : " (" + className + ")"));
        }
        return selected;
    }
}
