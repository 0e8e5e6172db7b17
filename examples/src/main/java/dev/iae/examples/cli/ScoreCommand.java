package dev.iae.examples.cli;

import dev.iae.examples.data.ImageFolderSource;
import dev.iae.tribuo.DenseFeatures;
import dev.iae.tribuo.IaeModel;
import org.tribuo.Example;
import org.tribuo.Model;
import org.tribuo.Prediction;
import org.tribuo.anomaly.AnomalyFactory;
import org.tribuo.anomaly.Event;
import org.tribuo.impl.ArrayExample;
import org.tribuo.data.columnar.ColumnarIterator;
import org.tribuo.data.csv.CSVIterator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code iae score}: scores an unlabelled CSV file, or a folder or archive of images, with a model and writes one CSV
 * row per input row ({@code row,score,type}, plus any kept input columns; for images {@code path,class,row,score,type}).
 * It streams: rows (images) are read, scored in chunks and written out, so memory stays constant however long the
 * input is; no Tribuo dataset of the whole input is built.
 */
@Command(name = "score", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Score a CSV file or images with a model, streaming (constant memory on any number of rows): "
                + "writes row,score,type per input row (type ANOMALOUS when score > threshold); for images "
                + "path,class,row,score,type per image."},
        footer = {"", "Examples:",
                "  iae score --model model.onnx --csv new-data.csv --output scores.csv",
                "  iae score --model model.tribuo --csv new-data.csv --keep-column id --threshold 0.5 > scores.csv",
                "  iae score --model cats.onnx --images new-photos/ --output scores.csv"})
public final class ScoreCommand implements Callable<Integer> {
    @ParentCommand
    private IaeCli parent;

    @Mixin
    private ModelOptions modelOptions;

    @Option(names = "--csv", paramLabel = "FILE",
            description = "CSV input with a header line holding (at least) the model's feature columns; other "
                    + "columns (labels, ids) are ignored.")
    private Path csv;

    @Option(names = "--images", paramLabel = "PATH",
            description = "Image input instead of CSV: a folder of images (any subfolders) or a .tar.gz/.tgz/.tar "
                    + "archive, read without unpacking, in path (archive) order.")
    private Path images;

    @Option(names = "--image-subfolder", paramLabel = "NAME",
            description = "Images: score only the images below a folder of this name.")
    private String imageSubfolder;

    @Option(names = "--channels", paramLabel = "MODE",
            description = "Images: ${COMPLETION-CANDIDATES} (default: the model's).")
    private ImageFolderSource.Channels channels;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE", defaultValue = "-",
            description = "Output CSV file ('-' = standard output, the default). It appears (replacing an earlier "
                    + "file) only when the run succeeds; the input file and the model file are refused.")
    private String output;

    @Option(names = "--keep-column", paramLabel = "NAME", split = ",",
            description = "Input column(s) copied to the output before the score (e.g. an id).")
    private List<String> keepColumns = new ArrayList<>();

    @Option(names = "--chunk-size", paramLabel = "N", defaultValue = "1024",
            description = "Rows scored per batch (default ${DEFAULT-VALUE}).")
    private int chunkSize;

    @Option(names = "--separator", paramLabel = "CHAR", defaultValue = ",",
            description = "CSV field separator of the input (default '${DEFAULT-VALUE}').")
    private char separator;

    @Mixin
    private CommonOptions common;

    @Override
    public Integer call() throws IOException {
        CliLogging.install(parent.err(), common.verbose);
        if (chunkSize < 1) {
            throw new CliException("--chunk-size must be at least 1, got " + chunkSize);
        }
        if ((csv == null) == (images == null)) {
            throw new CliException("Give the input with exactly one of --csv FILE or --images PATH");
        }
        if (images != null) {
            if (!keepColumns.isEmpty()) {
                throw new CliException("--keep-column applies to CSV input; image rows always start with path,class");
            }
            return scoreImages();
        }
        if (imageSubfolder != null || channels != null) {
            throw new CliException("--image-subfolder and --channels apply to --images input only");
        }
        List<String> header = CsvInput.header(csv, separator);
        for (String k : keepColumns) {
            if (!header.contains(k)) {
                throw new CliException("The CSV file " + csv + " has no column '" + k + "' to keep");
            }
        }
        try (ModelFiles.Loaded loaded = modelOptions.load();
             ScoringModel scoring = modelOptions.scoring(loaded)) {
            EvaluateCommand.checkFeatures(scoring.model(), header, csv);
            stream(scoring.model());
        }
        return IaeCli.EXIT_OK;
    }

    private Integer scoreImages() throws IOException {
        if (!java.nio.file.Files.exists(images)) {
            throw new CliException("Image location not found: " + images);
        }
        try (ModelFiles.Loaded loaded = modelOptions.load();
             ScoringModel scoring = modelOptions.scoring(loaded)) {
            streamImages(scoring.model());
        }
        return IaeCli.EXIT_OK;
    }

    private void streamImages(Model<Event> model) throws IOException {
        String[] names = DenseFeatures.featureNames(model.getFeatureIDMap()).toArray(new String[0]);
        ImageFolderSource.Channels mode = channels != null ? channels : DataOptions.modelChannels(model);
        Progress progress = new Progress(parent.err(), common.progress);
        long[] counts = new long[2];
        Model<Event> m = model;
        Path outFile;
        try (progress; ScoreOutput target = ScoreOutput.open(output, parent.out(), modelOptions.file, images)) {
            Writer writer = target.writer();
            outFile = target.file();
            progress.start("scoring");
            List<Example<Event>> chunk = new ArrayList<>(chunkSize);
            List<String[]> kept = new ArrayList<>(chunkSize);
            try {
                ImageFolderSource.scan(images, imageSubfolder, (path, cls) -> true, image -> {
                    int c = mode == ImageFolderSource.Channels.GRAYSCALE ? 1
                            : mode == ImageFolderSource.Channels.RGB ? 3 : image.planes().length;
                    DataOptions.checkImageShape(m, new int[]{c, image.height(), image.width()},
                            images + " (" + image.path() + ")");
                    if (counts[0] == 0 && chunk.isEmpty()) {
                        // The header only once the first image fits the model (no stray output on an error).
                        writer.write("path,class,row,score,type\n");
                    }
                    chunk.add(new ArrayExample<>(AnomalyFactory.UNKNOWN_EVENT, names, image.features(c)));
                    kept.add(new String[]{image.path(), image.imageClass()});
                    if (chunk.size() == chunkSize) {
                        counts[1] += flush(m, chunk, kept, counts[0], writer, false);
                        counts[0] += chunk.size();
                        chunk.clear();
                        kept.clear();
                        progress.update(Double.NaN, String.format(Locale.ROOT, "%,d images", counts[0]), false);
                    }
                });
            } catch (IOException e) {
                throw new CliException(e.getMessage(), e);
            }
            if (!chunk.isEmpty()) {
                counts[1] += flush(m, chunk, kept, counts[0], writer, false);
                counts[0] += chunk.size();
            }
            progress.finish(null);
            if (counts[0] == 0) {
                throw new CliException("No image (" + String.join(", ", ImageFolderSource.EXTENSIONS) + ") in "
                        + images + (imageSubfolder == null ? "" : " below a folder '" + imageSubfolder + "'"));
            }
            target.commit();
        }
        double t = model instanceof IaeModel im ? im.threshold() : Double.NaN;
        parent.err().println(String.format(Locale.ROOT, "Scored %d images: %d ANOMALOUS (%.2f%%) at threshold %.6g%s",
                counts[0], counts[1], 100.0 * counts[1] / counts[0], t, outFile == null ? "" : "; wrote " + outFile));
    }

    private void stream(Model<Event> model) throws IOException {
        String[] names = DenseFeatures.featureNames(model.getFeatureIDMap()).toArray(new String[0]);
        long fileSize = Math.max(1, Files.size(csv));
        Progress progress = new Progress(parent.err(), common.progress);
        long rows = 0;
        long anomalous = 0;
        Path outFile;
        try (progress; ScoreOutput target = ScoreOutput.open(output, parent.out(), modelOptions.file, csv);
             CountingInputStream in = new CountingInputStream(Files.newInputStream(csv));
             Reader reader = new InputStreamReader(in, StandardCharsets.UTF_8);
             CSVIterator it = new CSVIterator(reader, separator, CSVIterator.QUOTE)) {
            Writer writer = target.writer();
            outFile = target.file();
            StringBuilder head = new StringBuilder();
            for (String k : keepColumns) {
                head.append(quote(k)).append(',');
            }
            writer.write(head.append("row,score,type\n").toString());
            progress.start("scoring");
            List<Example<Event>> chunk = new ArrayList<>(chunkSize);
            List<String[]> kept = new ArrayList<>(chunkSize);
            long first = 0;
            while (true) {
                ColumnarIterator.Row row;
                try {
                    row = CsvInput.nextRow(it, csv, first + chunk.size());
                } catch (UncheckedIOException e) {
                    throw new CliException("Cannot read the CSV file " + csv + ": " + CsvInput.message(e), e);
                }
                if (row == null) {
                    break;
                }
                Map<String, String> values = row.getRowData();
                double[] x = new double[names.length];
                for (int j = 0; j < names.length; j++) {
                    x[j] = parse(values.get(names[j]), first + chunk.size(), names[j]);
                }
                chunk.add(new ArrayExample<>(AnomalyFactory.UNKNOWN_EVENT, names, x));
                String[] k = new String[keepColumns.size()];
                for (int j = 0; j < k.length; j++) {
                    k[j] = values.get(keepColumns.get(j));
                }
                kept.add(k);
                if (chunk.size() == chunkSize) {
                    anomalous += flush(model, chunk, kept, first, writer, true);
                    first += chunk.size();
                    rows = first;
                    chunk.clear();
                    kept.clear();
                    progress.update((double) in.count() / fileSize, String.format(Locale.ROOT, "%,d rows", rows),
                            false);
                }
            }
            if (!chunk.isEmpty()) {
                anomalous += flush(model, chunk, kept, first, writer, true);
                rows = first + chunk.size();
            }
            progress.update(1.0, String.format(Locale.ROOT, "%,d rows", rows), false);
            progress.finish(null);
            target.commit();
        }
        double t = model instanceof IaeModel m ? m.threshold() : Double.NaN;
        parent.err().println(String.format(Locale.ROOT, "Scored %d rows: %d ANOMALOUS (%.2f%%) at threshold %.6g%s",
                rows, anomalous, rows == 0 ? 0.0 : 100.0 * anomalous / rows, t,
                outFile == null ? "" : "; wrote " + outFile));
    }

    /**
     * Where a CSV row is, for messages.
     * @param row the row's index (from 0, as in the output's {@code row} column).
     * @return e.g. {@code "The CSV file F, data row 70 (output row 69)"}.
     */
    private String where(long row) {
        return CsvInput.at(csv, row + 1) + " (output row " + row + ")";
    }

    private long flush(Model<Event> model, List<Example<Event>> chunk, List<String[]> kept, long first,
                       Writer writer, boolean csvRows) throws IOException {
        List<Prediction<Event>> predictions;
        try {
            predictions = model.predict(chunk);
        } catch (IllegalArgumentException e) {
            String located = ScoringModel.relocate(e.getMessage(), first, i -> csvRows ? where(i)
                    : "The image " + images + " (" + kept.get((int) (i - first))[0] + ", output row " + i + ")");
            throw new CliException(located != null ? located : "Cannot score rows " + first + "–"
                    + (first + chunk.size() - 1) + ": " + e.getMessage(), e);
        }
        long anomalous = 0;
        StringBuilder sb = new StringBuilder(chunk.size() * 32);
        for (int i = 0; i < predictions.size(); i++) {
            Event e = predictions.get(i).getOutput();
            for (String k : kept.get(i)) {
                sb.append(quote(k == null ? "" : k)).append(',');
            }
            double s = e.getScore();
            sb.append(first + i).append(',').append(s == (float) s ? Float.toString((float) s) : Double.toString(s))
                    .append(',').append(e.getType().name()).append('\n');
            if (e.getType() == Event.EventType.ANOMALOUS) {
                anomalous++;
            }
        }
        writer.write(sb.toString());
        return anomalous;
    }

    /**
     * A feature value of a CSV row.
     * @param value the cell.
     * @param row the row's index (from 0, as in the output).
     * @param column the column, for the message.
     * @return the value.
     * @throws CliException naming the file, row and column if the cell is empty, not a number, or not finite.
     */
    private double parse(String value, long row, String column) {
        String problem = CsvInput.numberProblem(value);
        if (problem != null) {
            throw new CliException(where(row) + ", column '" + column + "': " + problem);
        }
        return Double.parseDouble(value.trim());
    }

    private static String quote(String s) {
        if (s.indexOf(',') < 0 && s.indexOf('"') < 0 && s.indexOf('\n') < 0) {
            return s;
        }
        return '"' + s.replace("\"", "\"\"") + '"';
    }

    /** Counts the bytes read, for the progress fraction. */
    private static final class CountingInputStream extends FilterInputStream {
        private long count;

        CountingInputStream(InputStream in) {
            super(in);
        }

        long count() {
            return count;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                count++;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                count += n;
            }
            return n;
        }
    }

    @Override
    public String toString() {
        return "ScoreCommand(model=" + modelOptions.file + ", csv=" + csv + ", output=" + output + ")";
    }
}
