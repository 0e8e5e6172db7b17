package dev.iae.examples.data;

import javax.imageio.IIOException;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;
import java.util.logging.Logger;

/**
 * Decodes one image file with {@link ImageIO} like {@link ImageIO#read(java.io.InputStream)} does (the first
 * registered reader for the data, default read parameters, so the pixels are identical), but without dropping the
 * decoder's warnings.
 * <p>
 * Why: {@code ImageIO.read} ignores warnings, and the JPEG decoder reports a truncated or cut-off file only as a
 * warning ("Truncated File - Missing EOI marker", "Corrupt JPEG data: premature end of data segment") while it fills
 * the missing pixels with grey; a damaged data set would then load silently with wrong pixels. Here a warning that
 * means pixel data is missing or corrupt (truncation, premature end of data, an invalid Huffman or arithmetic code, a
 * lost restart marker) is an {@link IOException} naming the file, and any other warning (for example libjpeg's
 * "extraneous bytes before marker", reported for files that still decode completely) is logged as a warning naming
 * the file and does not stop the read. Limits: the JDK reports only libjpeg's first warning per image, so damage
 * after a harmless warning goes unseen; and a bit flip that still decodes to valid codes raises no warning at all.
 * <p>
 * The reader is disposed and the image stream closed whatever happens. Thread-safe (no shared state).
 */
final class StrictImageDecoder {
    private static final Logger logger = Logger.getLogger(StrictImageDecoder.class.getName());

    /**
     * Lower-case fragments of the decoder warnings that mean pixel data is missing or corrupt: the JDK JPEG reader's
     * "Truncated File - Missing EOI marker", libjpeg's "Premature end of JPEG file", "Corrupt JPEG data: premature end
     * of data segment", "Corrupt JPEG data: bad Huffman code" / "bad arithmetic code" (the entropy-coded data is
     * damaged) and "Corrupt JPEG data: found marker 0x.. instead of RST.." (a restart interval was lost).
     */
    private static final String[] MISSING_DATA = {"truncated", "premature end", "missing eoi", "bad huffman code",
        "bad arithmetic code", "instead of rst"};

    private StrictImageDecoder() { }

    /**
     * Decodes an image file held in memory.
     * @param bytes the file's bytes.
     * @param entry the file's path (inside the archive or directory), for messages.
     * @param where the archive or directory holding it, for messages.
     * @return the decoded image.
     * @throws IOException if no reader recognises the data, the decoder fails (also for a
     *     {@link RuntimeException} inside the decoder), or it warns that pixel data is missing; the message names the
     *     entry and where it is.
     */
    static BufferedImage decode(byte[] bytes, String entry, String where) throws IOException {
        try (ImageInputStream stream = new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes))) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(stream);
            if (!readers.hasNext()) {
                throw new IIOException("No image reader recognises the data of " + entry + " in " + where);
            }
            ImageReader reader = readers.next();
            Set<String> warnings = new LinkedHashSet<>();
            BufferedImage image;
            try {
                reader.setInput(stream, true, true);
                reader.addIIOReadWarningListener((source, warning) -> warnings.add(warning));
                image = reader.read(0, reader.getDefaultReadParam());
            } catch (IOException | RuntimeException e) {
                throw new IOException("Cannot decode the image " + entry + " in " + where + ": " + e.getMessage()
                        + (warnings.isEmpty() ? "" : " (decoder warnings: " + String.join("; ", warnings) + ")"), e);
            } finally {
                reader.dispose();
            }
            if (image == null) {
                throw new IOException("The image reader returned no image for " + entry + " in " + where);
            }
            for (String w : warnings) {
                if (meansMissingData(w)) {
                    throw new IOException("The image " + entry + " in " + where + " is truncated or corrupt: "
                            + String.join("; ", warnings));
                }
            }
            if (!warnings.isEmpty()) {
                logger.warning("Decoder warning for the image " + entry + " in " + where + " (decoded anyway): "
                        + String.join("; ", warnings));
            }
            return image;
        }
    }

    /**
     * @param warning a decoder warning.
     * @return true if it reports missing or corrupt pixel data (truncation, premature end of data, invalid codes).
     */
    static boolean meansMissingData(String warning) {
        String w = warning == null ? "" : warning.toLowerCase(Locale.ROOT);
        for (String fragment : MISSING_DATA) {
            if (w.contains(fragment)) {
                return true;
            }
        }
        return false;
    }
}
