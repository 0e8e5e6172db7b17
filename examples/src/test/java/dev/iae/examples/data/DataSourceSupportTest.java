package dev.iae.examples.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link DataSourceSupport#walkArchive}, the archive walk both image sources share: which entries it hands out and
 * under which name, the fingerprint (the SHA-256 of the file whichever entries were read), and the errors that name
 * the archive.
 */
public class DataSourceSupportTest {

    @TempDir
    Path tmp;

    /** A tar with a folder, two files (one under {@code ./}), a symbolic link, and bytes after the end blocks. */
    private static byte[] tar() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        TarReaderTest.entry(out, "./train/", '5', new byte[0]);
        TarReaderTest.entry(out, "./train/a.txt", '0', "first".getBytes(StandardCharsets.UTF_8));
        TarReaderTest.entry(out, "train/link", '2', new byte[0]);
        TarReaderTest.entry(out, "train/b.txt", '0', "second entry".getBytes(StandardCharsets.UTF_8));
        out.write(new byte[1024]);
        out.write(new byte[512]);
        return out.toByteArray();
    }

    private static byte[] gzip(byte[] data) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (OutputStream gz = new GZIPOutputStream(bytes)) {
            gz.write(data);
        }
        return bytes.toByteArray();
    }

    @Test
    public void visitsRegularFilesByTheirNamesAndFingerprintsTheWholeFile() throws IOException {
        byte[] tar = tar();
        for (String name : new String[]{"images.tar", "images.tar.gz", "images.tgz"}) {
            Path archive = tmp.resolve(name);
            Files.write(archive, name.endsWith(".tar") ? tar : gzip(tar));
            List<String> seen = new ArrayList<>();
            // Read one entry, skip the other: the fingerprint must not depend on which entries were read.
            String fingerprint = DataSourceSupport.walkArchive(archive, (entry, reader) -> {
                seen.add(entry);
                if (entry.endsWith("b.txt")) {
                    assertEquals("second entry", new String(reader.readContent(), StandardCharsets.UTF_8));
                }
            });
            assertEquals(List.of("train/a.txt", "train/b.txt"), seen, name);
            String expected = DataSourceSupport.hex(DataSourceSupport.sha256().digest(Files.readAllBytes(archive)));
            assertEquals(expected, fingerprint, name);
        }
    }

    /** Writes the bytes to a file of that name and asserts that walking it fails naming the file (and the problem). */
    private void assertRefused(String name, byte[] bytes, String problem) throws IOException {
        Path file = tmp.resolve(name);
        Files.write(file, bytes);
        IOException e = assertThrows(IOException.class, () -> DataSourceSupport.walkArchive(file, (entry, reader) -> { }));
        assertTrue(e.getMessage().contains(file.toString()) && e.getMessage().contains(problem), e.getMessage());
    }

    @Test
    public void badArchivesFailNamingTheFile() throws IOException {
        assertRefused("images.zip", tar(), "not a .tar.gz, .tgz or .tar archive");
        assertRefused("images.tgz", tar(), "not valid gzip data");
        byte[] gz = gzip(tar());
        assertRefused("cut.tar.gz", java.util.Arrays.copyOf(gz, gz.length - 4), "is truncated");

        // The visitor's own failure stops the walk and reaches the caller unchanged.
        Path ok = tmp.resolve("ok.tar");
        Files.write(ok, tar());
        IOException fromVisitor = assertThrows(IOException.class, () -> DataSourceSupport.walkArchive(ok,
                (entry, reader) -> {
                    throw new IOException("cannot use " + entry);
                }));
        assertEquals("cannot use train/a.txt", fromVisitor.getMessage());
    }
}
