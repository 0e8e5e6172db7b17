package dev.iae.examples.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@link TarReader} on archives built block by block here (entry types that carry data but are not files, the
 * end-of-archive marker, malformed pax records) and on archives written by the system's GNU tar.
 */
public class TarReaderTest {

    @TempDir
    Path tmp;

    /** Writes a ustar header (tweaked by {@code tweak} before the checksum) and the padded data. */
    static void entry(OutputStream out, String name, char type, byte[] data, long sizeField,
                      Consumer<byte[]> tweak) throws IOException {
        byte[] h = new byte[512];
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        System.arraycopy(n, 0, h, 0, Math.min(100, n.length));
        octal(h, 100, 8, 0644);
        octal(h, 108, 8, 0);
        octal(h, 116, 8, 0);
        octal(h, 124, 12, sizeField);
        octal(h, 136, 12, 1577836800L);
        h[156] = (byte) type;
        System.arraycopy("ustar\0".getBytes(StandardCharsets.US_ASCII), 0, h, 257, 6);
        h[263] = '0';
        h[264] = '0';
        tweak.accept(h);
        Arrays.fill(h, 148, 156, (byte) ' ');
        long sum = 0;
        for (byte b : h) {
            sum += b & 0xFF;
        }
        octal(h, 148, 7, sum);
        out.write(h);
        out.write(data);
        out.write(new byte[(512 - data.length % 512) % 512]);
    }

    static void entry(OutputStream out, String name, char type, byte[] data) throws IOException {
        entry(out, name, type, data, data.length, h -> { });
    }

    private static void octal(byte[] h, int off, int len, long value) {
        byte[] b = String.format("%0" + (len - 1) + "o", value).getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(b, 0, h, off, b.length);
        h[off + len - 1] = 0;
    }

    /** Bytes that would pass for tar headers' worth of garbage if a reader lost its place. */
    private static byte[] filler(int n, int seed) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) ('a' + (i * 7 + seed) % 26);
        }
        return b;
    }

    /** Reads every entry: name to content for files, name to null for the others. */
    private static Map<String, byte[]> readAll(byte[] tar, String source) throws IOException {
        Map<String, byte[]> out = new LinkedHashMap<>();
        TarReader reader = new TarReader(new ByteArrayInputStream(tar), source);
        while (reader.next()) {
            out.put(reader.name(), reader.isFile() ? reader.readContent() : null);
        }
        assertFalse(reader.next(), "next() after the end stays false");
        return out;
    }

    @Test
    public void entriesWithDataThatAreNotFilesAreSkippedInStep() throws IOException {
        byte[] content = "the file after them".getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        entry(out, "././@LongLink", 'K', filler(300, 1));               // GNU long link target of the next entry
        entry(out, "link", '2', new byte[0]);
        entry(out, "sparse.bin", 'S', filler(700, 2));                  // GNU sparse: stored data follows
        // A sparse file whose map continues in an extension block (between the header and the data).
        entry(out, "sparse-ext.bin", 'S', new byte[0], 100, h -> h[482] = 1);
        out.write(Arrays.copyOf(filler(480, 11), 512));                 // extension block, "isextended" = 0
        out.write(Arrays.copyOf(filler(100, 3), 512));                  // the stored data, padded
        entry(out, "vendor.dat", 'A', filler(1000, 4));                 // a vendor type with data
        entry(out, "dumpdir", 'D', filler(20, 5));                      // GNU incremental dump directory
        entry(out, "hardlink", '1', new byte[0]);
        entry(out, "dir/", '5', new byte[0]);
        entry(out, "dir/file.txt", '0', content);
        out.write(new byte[1024]);
        Map<String, byte[]> entries = readAll(out.toByteArray(), "mixed.tar");
        assertEquals(List.of("link", "sparse.bin", "sparse-ext.bin", "vendor.dat", "dumpdir", "hardlink", "dir/",
                "dir/file.txt"), new ArrayList<>(entries.keySet()));
        assertArrayEquals(content, entries.get("dir/file.txt"));
        for (String other : List.of("link", "sparse.bin", "vendor.dat", "dir/")) {
            assertEquals(null, entries.get(other), other + " is not a regular file");
        }
        TarReader reader = new TarReader(new ByteArrayInputStream(out.toByteArray()), "mixed.tar");
        assertTrue(reader.next());
        assertEquals("link", reader.name());
        assertFalse(reader.isFile());
        assertEquals(0, reader.size());
    }

    @Test
    public void archiveWithoutEndMarkerIsTruncated() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        entry(out, "a/0.jpg", '0', filler(600, 6));
        byte[] noMarker = out.toByteArray();
        out.write(new byte[512]);
        byte[] oneZeroBlock = out.toByteArray();
        out.write(new byte[512]);
        byte[] complete = out.toByteArray();

        assertEquals(List.of("a/0.jpg"), new ArrayList<>(readAll(complete, "ok.tar").keySet()));
        assertEquals(List.of("a/0.jpg"), new ArrayList<>(readAll(oneZeroBlock, "ok.tar").keySet()),
                "the second zero block is optional");

        TarReader reader = new TarReader(new ByteArrayInputStream(noMarker), "cut.tar");
        assertTrue(reader.next());
        assertArrayEquals(filler(600, 6), reader.readContent());
        IOException cut = assertThrows(IOException.class, reader::next);
        assertTrue(cut.getMessage().contains("cut.tar") && cut.getMessage().contains("end-of-archive marker")
                && cut.getMessage().contains("a/0.jpg"), cut.getMessage());

        IOException empty = assertThrows(IOException.class,
                () -> new TarReader(InputStream.nullInputStream(), "empty.tar").next());
        assertTrue(empty.getMessage().contains("empty.tar"), empty.getMessage());
    }

    @Test
    public void paxPathRenamesTheNextEntry() throws IOException {
        String longName = "images/" + "x".repeat(150) + "/0001.png";
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        entry(out, "PaxHeaders/0001.png", 'x', paxRecords("mtime=1577836800.5", "path=" + longName));
        entry(out, "short-name.png", '0', filler(10, 7));
        out.write(new byte[1024]);
        Map<String, byte[]> entries = readAll(out.toByteArray(), "pax.tar");
        assertEquals(List.of(longName), new ArrayList<>(entries.keySet()));
        assertArrayEquals(filler(10, 7), entries.get(longName));
    }

    /** Pax records "LEN key=value\n" with correct lengths. */
    private static byte[] paxRecords(String... records) {
        StringBuilder sb = new StringBuilder();
        for (String r : records) {
            int body = r.getBytes(StandardCharsets.UTF_8).length + 2; // space and newline
            int len = body + String.valueOf(body).length();
            if (String.valueOf(len).length() != String.valueOf(body).length()) {
                len++;
            }
            sb.append(len).append(' ').append(r).append('\n');
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    @Test
    public void malformedPaxRecordsFailNamingTheArchive() throws IOException {
        for (String data : List.of("1 path=x\n", "5 path=x\n", "99 path=x\n", "path=x\n", "-3 path=x\n",
                "8 pathx\n", "10 path=xy")) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            entry(out, "PaxHeaders/f", 'x', data.getBytes(StandardCharsets.US_ASCII));
            entry(out, "f", '0', filler(5, 8));
            out.write(new byte[1024]);
            IOException e = assertThrows(IOException.class, () -> readAll(out.toByteArray(), "bad-pax.tar"),
                    "pax data " + data.strip());
            assertTrue(e.getMessage().contains("bad-pax.tar") && e.getMessage().contains("pax")
                    && e.getMessage().contains("PaxHeaders/f"), e.getMessage());
        }
    }

    @Test
    public void gnuTarArchivesWithLongNamesAndLinksRead() throws Exception {
        Process version = new ProcessBuilder("tar", "--version").redirectErrorStream(true).start();
        String v = new String(version.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assumeTrue(version.waitFor(30, TimeUnit.SECONDS) && v.contains("GNU tar"), "GNU tar unavailable");
        Path root = tmp.resolve("tree");
        String longDir = "d".repeat(120);
        Files.createDirectories(root.resolve(longDir));
        byte[] a = filler(1500, 9);
        byte[] b = filler(512, 10);
        Files.write(root.resolve(longDir).resolve("a.bin"), a);
        Files.write(root.resolve("b.bin"), b);
        // A symbolic link whose target is longer than 100 bytes: GNU format writes a 'K' entry for it.
        Files.createSymbolicLink(root.resolve("link"), Path.of(longDir + "/" + "t".repeat(40)));
        Files.createLink(root.resolve("hard.bin"), root.resolve("b.bin"));
        for (String format : List.of("gnu", "pax", "ustar")) {
            Path archive = tmp.resolve(format + ".tar");
            Process p = new ProcessBuilder("tar", "--format=" + format, "-cf", archive.toString(), "-C",
                    root.toString(), ".").redirectErrorStream(true).start();
            String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), log);
            if (p.exitValue() != 0) {
                // ustar cannot store the long link target; the other formats must work.
                assertEquals("ustar", format, log);
                continue;
            }
            Map<String, byte[]> files = new LinkedHashMap<>();
            for (Map.Entry<String, byte[]> e : readAll(Files.readAllBytes(archive), archive.toString()).entrySet()) {
                if (e.getValue() != null) {
                    files.put(e.getKey().replaceFirst("^\\./", ""), e.getValue());
                }
            }
            assertEquals(2, files.size(), format + ": " + files.keySet());
            assertArrayEquals(a, files.get(longDir + "/a.bin"), format);
            byte[] bOrHard = files.containsKey("b.bin") ? files.get("b.bin") : files.get("hard.bin");
            assertArrayEquals(b, bOrHard, format);
        }
    }
}
