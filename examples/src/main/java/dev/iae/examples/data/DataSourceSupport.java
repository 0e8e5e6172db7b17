package dev.iae.examples.data;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Locale;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Plumbing shared by this package's data sources: the SHA-256 digests behind their data fingerprints, the one walk
 * through a tar archive (gzipped or not) that both image sources read their archives with, and the example
 * selection of the one-class protocol's test split (every image, at least one of which must be normal).
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

    /** Receives the regular-file entries of a tar archive, in archive order. */
    @FunctionalInterface
    interface ArchiveVisitor {
        /**
         * @param name the entry's path inside the archive, without leading {@code ./}.
         * @param tar the reader, positioned at the entry: {@link TarReader#readContent()} reads its bytes; an entry
         *     the visitor does not read is skipped.
         * @throws IOException to stop the walk.
         */
        void visit(String name, TarReader tar) throws IOException;
    }

    /**
     * Walks a {@code .tar.gz}, {@code .tgz} or {@code .tar} archive in place and returns the SHA-256 of the file. The
     * archive is read to its end after the last entry, so that a gzip stream checks its CRC and length trailer and
     * the hash covers every byte of the file (including skipped entries and anything after the end-of-archive
     * blocks).
     * @param archive the archive file.
     * @param visitor receives every regular-file entry.
     * @return the SHA-256 of the archive file, lower-case hex.
     * @throws IOException if the file name has none of the three endings, the file is not valid gzip or tar data, is
     *     truncated, or the visitor fails; the message names the archive.
     */
    static String walkArchive(Path archive, ArchiveVisitor visitor) throws IOException {
        String fileName = archive.getFileName().toString().toLowerCase(Locale.ROOT);
        boolean gzip = fileName.endsWith(".gz") || fileName.endsWith(".tgz");
        if (!gzip && !fileName.endsWith(".tar")) {
            throw new IOException("Archive " + archive + " is a file but not a .tar.gz, .tgz or .tar archive");
        }
        MessageDigest digest = sha256();
        try (InputStream file = new DigestInputStream(new BufferedInputStream(Files.newInputStream(archive), 1 << 16),
                digest);
             InputStream decoded = gzip ? new GZIPInputStream(file, 1 << 16) : file) {
            TarReader tar = new TarReader(decoded, archive.toString());
            while (tar.next()) {
                if (!tar.isFile()) {
                    continue;
                }
                String name = tar.name();
                while (name.startsWith("./")) {
                    name = name.substring(2);
                }
                visitor.visit(name, tar);
            }
            drain(decoded, file, archive);
        } catch (ZipException e) {
            throw new IOException("Archive " + archive + " is not valid gzip data: " + e.getMessage(), e);
        }
        return hex(digest.digest());
    }

    /**
     * Reads an archive to its end once its entries are read, discarding the bytes: first the decoded stream (the end
     * of a gzip stream is where it checks its CRC and length), then the file stream under it (anything after the
     * compressed data), so that a hashing stream over the file sees every byte.
     */
    private static void drain(InputStream decoded, InputStream file, Path archive) throws IOException {
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
