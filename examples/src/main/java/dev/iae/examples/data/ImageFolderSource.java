package dev.iae.examples.data;

import com.oracle.labs.mlrg.olcut.config.Config;
import com.oracle.labs.mlrg.olcut.config.PropertyException;
import com.oracle.labs.mlrg.olcut.provenance.Provenance;
import com.oracle.labs.mlrg.olcut.provenance.ProvenanceUtil;
import com.oracle.labs.mlrg.olcut.provenance.primitives.HashProvenance;
import org.tribuo.Example;
import org.tribuo.OutputFactory;
import org.tribuo.anomaly.AnomalyFactory;
import org.tribuo.anomaly.Event;
import org.tribuo.impl.ArrayExample;

import javax.imageio.ImageIO;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * A Tribuo {@link org.tribuo.DataSource} of anomaly-detection examples made from a folder of images or an image
 * archive, for any image data set (CIFAR-10's own layout has {@link Cifar10DataSource}).
 * <p>
 * <b>Location.</b> A directory, or a {@code .tar.gz} / {@code .tgz} / {@code .tar} archive read directly without
 * unpacking ({@link TarReader}). Image files are those ending in {@code .png}, {@code .jpg}, {@code .jpeg},
 * {@code .bmp} or {@code .gif} (any case); other files and hidden entries (names starting with '.') are skipped.
 * An optional {@code subfolder} (e.g. {@code train}, or {@code cifar10/test}) keeps only images below a folder of that
 * name (its path segments anywhere in the image's folder path).
 * <p>
 * <b>Classes and labels.</b> An image's class is the name of the folder that contains it ({@code cat/0001.png} is a
 * "cat"); an image directly in the root (or directly in the subfolder) has no class: a flat folder is one set of
 * unlabelled images. With no {@code normalClasses} every image is {@code EXPECTED} (a folder of normal images, for
 * training or scoring). With {@code normalClasses} the images of those classes are {@code EXPECTED} and all others
 * {@code ANOMALOUS}; a named class that has no image, or an image without a class, is an error. With
 * {@code normalOnly} the other classes' images are not even decoded (for training, which uses only normal data).
 * <p>
 * <b>Features.</b> Each image becomes a dense example with {@code C × H × W} features in channel-major pixel order
 * (plane by plane, each row-major), named {@code px000 …} zero-padded so that Tribuo's sorted feature order is the
 * pixel order (see {@link FashionMnistDataSource#featureNames}). Values are raw intensities on a 0..255 scale:
 * 8-bit grey samples as stored (16-bit grey scaled to 0..255), colour images as sRGB from {@link ImageIO}. The
 * {@link Channels} setting chooses C: {@code GRAYSCALE} (1; colour images become luma
 * {@code 0.299 R + 0.587 G + 0.114 B}), {@code RGB} (3; grey images are repeated in the three planes), or
 * {@code AUTO} (3 if any selected image is in colour, else 1). All images must have the same width and height.
 * Examples are ordered by path, whatever the order of the archive, and each carries its path ({@value #METADATA_PATH})
 * and class ({@value #METADATA_CLASS}) as metadata. A truncated image file (for which the JPEG decoder would only warn
 * and fill in grey pixels) is an error naming the file; other decoder warnings are logged with the file's name.
 * <p>
 * <b>Provenance</b> records the settings, a SHA-256 fingerprint of the data (the archive file, or for a directory
 * the selected images' paths and contents), the number of examples and the creation time.
 * <p>
 * For scoring many images in constant memory, {@link #scan} visits the images one at a time without building the
 * source.
 */
public final class ImageFolderSource
        extends InMemoryEventSource<ImageFolderSource.ImageFolderSourceProvenance> {

    /** Metadata key of an example's path inside the folder or archive (a String, '/'-separated). */
    public static final String METADATA_PATH = "path";
    /** Metadata key of an example's class: the name of its folder, "" for none (a String). */
    public static final String METADATA_CLASS = "class";
    /** The image file name endings that are read (lower case). */
    public static final List<String> EXTENSIONS = List.of(".png", ".jpg", ".jpeg", ".bmp", ".gif");

    /** How many channels the features have. */
    public enum Channels {
        /** Three channels if any selected image is in colour, one otherwise. */
        AUTO,
        /** One channel: grey samples, or the luma of colour images. */
        GRAYSCALE,
        /** Three channels (R, G, B planes): grey images are repeated. */
        RGB
    }

    @Config(mandatory = true, description = "A directory of images (one subfolder per class, or flat) or a "
            + ".tar.gz/.tgz/.tar archive of images.")
    private String location;

    @Config(description = "Keep only images below a folder of this name or path (e.g. 'train'); empty = all.")
    private String subfolder = "";

    @Config(description = "Classes (folder names) whose images are EXPECTED; all other images are ANOMALOUS. "
            + "Empty = every image is EXPECTED.")
    private List<String> normalClasses = new ArrayList<>();

    @Config(description = "Only read the images of the normal classes (for training).")
    private boolean normalOnly = false;

    @Config(description = "Feature channels: AUTO, GRAYSCALE or RGB.")
    private Channels channels = Channels.AUTO;

    private List<String> classes;
    private int[] imageShape;
    private String fingerprint;

    /**
     * For OLCUT.
     */
    private ImageFolderSource() { }

    /**
     * Reads the images.
     * @param location a directory or an archive (see the class comment).
     * @param subfolder keep only images below a folder of this name or path; null or empty for all.
     * @param normalClasses the classes whose images are EXPECTED (empty: every image is EXPECTED).
     * @param normalOnly true to read only the normal classes' images.
     * @param channels the feature channels.
     * @throws UncheckedIOException if the location is missing or an image cannot be read (the message names it).
     * @throws IllegalArgumentException if the images do not fit the settings (sizes differ, a class is missing …).
     */
    public ImageFolderSource(String location, String subfolder, List<String> normalClasses, boolean normalOnly,
                             Channels channels) {
        this.location = location;
        this.subfolder = subfolder == null ? "" : subfolder;
        this.normalClasses = normalClasses == null ? new ArrayList<>() : new ArrayList<>(normalClasses);
        this.normalOnly = normalOnly;
        this.channels = channels;
        postConfig();
    }

    /**
     * Used by the OLCUT configuration system, and should not be called by external code.
     */
    @Override
    public void postConfig() {
        if (location == null || location.isBlank()) {
            throw new PropertyException("", "location", "location must be an image directory or archive");
        }
        if (channels == null) {
            throw new PropertyException("", "channels", "channels must be AUTO, GRAYSCALE or RGB");
        }
        if (normalOnly && normalClasses.isEmpty()) {
            throw new PropertyException("", "normalOnly", "normalOnly needs at least one normal class");
        }
        Set<String> normal = new LinkedHashSet<>(normalClasses);
        List<Image> images = new ArrayList<>();
        Set<String> seenClasses = new TreeSet<>();
        try {
            fingerprint = scan(Paths.get(location), subfolder, (path, cls) -> {
                seenClasses.add(cls);
                return !normalOnly || normal.contains(cls);
            }, images::add);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read images from " + location + ": " + e.getMessage(), e);
        }
        if (images.isEmpty()) {
            throw new IllegalArgumentException("No image (" + String.join(", ", EXTENSIONS) + ") in " + location
                    + (subfolder.isEmpty() ? "" : " below a folder '" + subfolder + "'")
                    + (normalOnly ? " of the classes " + normal + " (classes found: " + seenClasses + ")" : ""));
        }
        classes = List.copyOf(seenClasses);
        for (String c : normal) {
            if (!seenClasses.contains(c)) {
                throw new IllegalArgumentException("No image of the normal class '" + c + "' in " + location
                        + " (classes found: " + describeClasses(seenClasses) + ")");
            }
        }
        images.sort(Comparator.comparing(Image::path));
        int c = numChannels(channels, images);
        Image first = images.get(0);
        int h = first.height();
        int w = first.width();
        String[] names = FashionMnistDataSource.featureNames(c * h * w);
        List<Example<Event>> list = new ArrayList<>(images.size());
        for (Image img : images) {
            if (img.height() != h || img.width() != w) {
                throw new IllegalArgumentException("Image " + img.path() + " in " + location + " is " + img.width()
                        + "x" + img.height() + ", but " + first.path() + " is " + w + "x" + h
                        + "; all images must have the same size");
            }
            Event event;
            if (normal.isEmpty()) {
                event = AnomalyFactory.EXPECTED_EVENT;
            } else if (img.imageClass().isEmpty()) {
                throw new IllegalArgumentException("Image " + img.path() + " in " + location
                        + " is not inside a class folder, so it cannot be labelled by the normal classes " + normal);
            } else {
                event = normal.contains(img.imageClass()) ? AnomalyFactory.EXPECTED_EVENT
                        : AnomalyFactory.ANOMALOUS_EVENT;
            }
            Map<String, Object> metadata = new HashMap<>(4);
            metadata.put(METADATA_PATH, img.path());
            metadata.put(METADATA_CLASS, img.imageClass());
            list.add(new ArrayExample<>(event, names, img.features(c), metadata));
        }
        setExamples(list);
        imageShape = new int[]{c, h, w};
    }

    private static String describeClasses(Set<String> classes) {
        List<String> out = new ArrayList<>();
        for (String c : classes) {
            out.add(c.isEmpty() ? "(none: images not in a class folder)" : c);
        }
        return out.toString();
    }

    /**
     * The number of channels for a setting and a set of images.
     * @param channels the setting.
     * @param images the images.
     * @return 1 or 3.
     */
    static int numChannels(Channels channels, List<Image> images) {
        switch (channels) {
            case GRAYSCALE:
                return 1;
            case RGB:
                return 3;
            default:
                for (Image img : images) {
                    if (img.colour()) {
                        return 3;
                    }
                }
                return 1;
        }
    }

    // ------------------------------------------------------------------------------------------------ scanning

    /**
     * One decoded image: its path, class and pixels (one grey plane or three sRGB planes, 0..255).
     * @param path the path inside the folder or archive ('/'-separated).
     * @param imageClass the name of the folder holding it, "" for none.
     * @param height the height in pixels.
     * @param width the width in pixels.
     * @param planes one plane (grey) or three (R, G, B), each row-major.
     */
    public record Image(String path, String imageClass, int height, int width, float[][] planes) {
        /** @return true if the image was decoded as colour (three planes). */
        public boolean colour() {
            return planes.length == 3;
        }

        /**
         * The feature values for a number of channels, channel-major.
         * @param c 1 (grey; colour becomes luma 0.299 R + 0.587 G + 0.114 B) or 3 (grey is repeated).
         * @return {@code c × height × width} values.
         */
        public double[] features(int c) {
            int plane = height * width;
            double[] out = new double[c * plane];
            if (c == 1) {
                if (planes.length == 1) {
                    for (int i = 0; i < plane; i++) {
                        out[i] = planes[0][i];
                    }
                } else {
                    for (int i = 0; i < plane; i++) {
                        out[i] = 0.299 * planes[0][i] + 0.587 * planes[1][i] + 0.114 * planes[2][i];
                    }
                }
            } else if (c == 3) {
                for (int k = 0; k < 3; k++) {
                    float[] src = planes[planes.length == 1 ? 0 : k];
                    for (int i = 0; i < plane; i++) {
                        out[k * plane + i] = src[i];
                    }
                }
            } else {
                throw new IllegalArgumentException("Images have 1 or 3 channels, not " + c);
            }
            return out;
        }
    }

    /** Decides from an image's path and class whether it is decoded at all. */
    @FunctionalInterface
    public interface Filter {
        /**
         * @param path the path inside the folder or archive.
         * @param imageClass the class ("" for none).
         * @return true to decode and visit the image.
         */
        boolean accept(String path, String imageClass);
    }

    /** Receives decoded images. */
    @FunctionalInterface
    public interface Visitor {
        /**
         * @param image the decoded image.
         * @throws IOException to stop the scan.
         */
        void visit(Image image) throws IOException;
    }

    /**
     * Visits the images of a directory (in path order) or an archive (in archive order) one at a time, decoding only
     * those the filter accepts, so that any number of images can be processed in constant memory.
     * @param location a directory or a .tar.gz/.tgz/.tar archive.
     * @param subfolder keep only images below a folder of this name or path ("" for all).
     * @param filter which images to decode (called for every image file below the subfolder).
     * @param visitor receives the decoded images.
     * @return the SHA-256 (lower-case hex) of the archive file, or for a directory of the visited images' paths and
     *     contents.
     * @throws IOException if the location is missing or an image cannot be read or decoded (the message names it).
     */
    public static String scan(Path location, String subfolder, Filter filter, Visitor visitor) throws IOException {
        String[] sub = segments(subfolder == null ? "" : subfolder);
        if (Files.isDirectory(location)) {
            return scanDirectory(location, sub, filter, visitor);
        } else if (Files.isRegularFile(location)) {
            return scanArchive(location, sub, filter, visitor);
        }
        throw new IOException("Image location " + location + " is neither a directory nor an archive file");
    }

    private static String scanDirectory(Path root, String[] sub, Filter filter, Visitor visitor) throws IOException {
        List<Path> files;
        try (Stream<Path> walk = Files.walk(root)) {
            files = walk.filter(Files::isRegularFile).sorted().toList();
        }
        MessageDigest digest = DataSourceSupport.sha256();
        for (Path file : files) {
            String rel = root.relativize(file).toString().replace(java.io.File.separatorChar, '/');
            String cls = classOf(rel, sub);
            if (cls == null || !filter.accept(rel, cls)) {
                continue;
            }
            byte[] bytes = Files.readAllBytes(file);
            digest.update(rel.getBytes(StandardCharsets.UTF_8));
            digest.update((byte) 0);
            digest.update(bytes);
            visitor.visit(decode(rel, cls, bytes, root.toString()));
        }
        return DataSourceSupport.hex(digest.digest());
    }

    private static String scanArchive(Path archive, String[] sub, Filter filter, Visitor visitor) throws IOException {
        return DataSourceSupport.walkArchive(archive, (rel, tar) -> {
            String cls = classOf(rel, sub);
            if (cls != null && filter.accept(rel, cls)) {
                visitor.visit(decode(rel, cls, tar.readContent(), archive.toString()));
            }
        });
    }

    /**
     * The class of an image path below the subfolder: the name of its folder ("" when it is directly in the root or
     * the subfolder); null if the path is not an image file, is hidden, or is not below the subfolder.
     */
    static String classOf(String path, String[] sub) {
        String[] parts = segments(path);
        if (parts.length == 0) {
            return null;
        }
        String file = parts[parts.length - 1];
        String lower = file.toLowerCase(Locale.ROOT);
        if (EXTENSIONS.stream().noneMatch(lower::endsWith)) {
            return null;
        }
        for (String p : parts) {
            if (p.startsWith(".")) {
                return null;
            }
        }
        int dirs = parts.length - 1;
        int start = 0;
        if (sub.length > 0) {
            start = -1;
            for (int i = 0; i + sub.length <= dirs && start < 0; i++) {
                boolean match = true;
                for (int k = 0; k < sub.length && match; k++) {
                    match = parts[i + k].equals(sub[k]);
                }
                if (match) {
                    start = i + sub.length;
                }
            }
            if (start < 0) {
                return null;
            }
        }
        return dirs > start ? parts[dirs - 1] : "";
    }

    private static String[] segments(String path) {
        List<String> out = new ArrayList<>();
        for (String s : path.split("/")) {
            if (!s.isEmpty() && !s.equals(".")) {
                out.add(s);
            }
        }
        return out.toArray(new String[0]);
    }

    private static Image decode(String path, String cls, byte[] bytes, String where) throws IOException {
        BufferedImage image = StrictImageDecoder.decode(bytes, path, where);
        return new Image(path, cls, image.getHeight(), image.getWidth(), planes(image));
    }

    /**
     * The pixels of an image on a 0..255 scale: one plane for a grey image (samples as stored, not
     * colour-converted; 16-bit scaled down), three sRGB planes otherwise.
     * @param image the decoded image.
     * @return one or three row-major planes.
     */
    public static float[][] planes(BufferedImage image) {
        int h = image.getHeight();
        int w = image.getWidth();
        ColorModel cm = image.getColorModel();
        if (!(cm instanceof IndexColorModel) && cm.getColorSpace().getType() == ColorSpace.TYPE_GRAY) {
            Raster r = image.getRaster();
            int bits = cm.getComponentSize(0);
            double scale = bits == 8 ? 1.0 : 255.0 / ((1L << bits) - 1);
            float[] grey = new float[h * w];
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    grey[y * w + x] = (float) (r.getSample(x, y, 0) * scale);
                }
            }
            return new float[][]{grey};
        }
        float[][] rgb = new float[3][h * w];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int v = image.getRGB(x, y);
                int p = y * w + x;
                rgb[0][p] = (v >> 16) & 0xFF;
                rgb[1][p] = (v >> 8) & 0xFF;
                rgb[2][p] = v & 0xFF;
            }
        }
        return rgb;
    }

    // ------------------------------------------------------------------------------------------------ accessors


    /** @return the image shape as the trainer expects it: {C, H, W}. */
    public int[] imageShape() {
        return imageShape.clone();
    }

    /** @return the classes found below the subfolder, sorted ("" = images not in a class folder). */
    public List<String> classes() {
        return classes;
    }

    /** @return the SHA-256 fingerprint of the data recorded in the provenance (lower-case hex). */
    public String fingerprint() {
        return fingerprint;
    }

    @Override
    public OutputFactory<Event> getOutputFactory() {
        return new AnomalyFactory();
    }

    @Override
    ImageFolderSourceProvenance createProvenance() {
        return new ImageFolderSourceProvenance(this);
    }

    @Override
    public String toString() {
        return "ImageFolderSource(location=" + location + ", subfolder=" + subfolder + ", normalClasses="
                + normalClasses + ", normalOnly=" + normalOnly + ", channels=" + channels + ", imageShape="
                + (imageShape == null ? "?" : imageShape[0] + "x" + imageShape[1] + "x" + imageShape[2])
                + ", examples=" + sizeOrZero() + ")";
    }

    /**
     * Provenance for {@link ImageFolderSource}: the configured settings plus the data fingerprint (SHA-256), the
     * number of examples and the creation time.
     */
    public static final class ImageFolderSourceProvenance extends HashedDataSourceProvenance {
        private static final long serialVersionUID = 1L;

        /** Key of the data fingerprint. */
        public static final String DATA_HASH = "data-hash";

        ImageFolderSourceProvenance(ImageFolderSource host) {
            super(host, List.of(new HashProvenance(ProvenanceUtil.HashType.SHA256, DATA_HASH, host.fingerprint)),
                    host.size());
        }

        /**
         * Constructs a provenance from its marshalled form.
         * @param map the map of field values.
         */
        public ImageFolderSourceProvenance(Map<String, Provenance> map) {
            super(map, ImageFolderSourceProvenance.class, DATA_HASH);
        }
    }
}
