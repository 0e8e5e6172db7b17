package dev.iae.examples.data;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * A small sequential reader of tar archives (POSIX ustar, with the GNU long-name {@code 'L'} and pax {@code 'x'}
 * {@code path} extensions), enough to stream the files of an image archive without unpacking it and without a
 * third-party dependency.
 * <p>
 * Why not Apache Commons Compress: the version that reaches this module's class path transitively (through DJL)
 * needs a newer Commons Lang than the one Maven resolves here, and fails at run time with
 * {@code NoClassDefFoundError}. Reading tar is simple enough to do correctly in a page of code: 512-byte header
 * blocks (checksum verified), octal or base-256 sizes, data padded to 512 bytes, two zero blocks at the end.
 * <p>
 * Usage: call {@link #next()} until it returns false; after each true, {@link #name()}, {@link #size()},
 * {@link #isFile()} describe the entry and {@link #readContent()} returns its bytes (or the entry is skipped on the
 * next call). Not thread-safe. The caller owns and closes the input stream.
 */
public final class TarReader {

    private static final int BLOCK = 512;

    private final InputStream in;
    private final String source;
    private final byte[] header = new byte[BLOCK];
    private String name;
    private long size;
    private char type;
    private long remaining;
    private long padding;
    private String pendingLongName;

    /**
     * Creates a reader.
     * @param in the uncompressed tar stream (wrap gzip data in a {@link java.util.zip.GZIPInputStream} first).
     * @param source a description of the archive for error messages (e.g. its path).
     */
    public TarReader(InputStream in, String source) {
        this.in = Objects.requireNonNull(in, "in");
        this.source = Objects.requireNonNull(source, "source");
    }

    /**
     * Advances to the next entry, skipping the rest of the current one.
     * @return true if there is an entry, false at the end of the archive.
     * @throws IOException if the archive is truncated or a header is corrupt (the message names the archive and
     * the entry).
     */
    public boolean next() throws IOException {
        skipFully(remaining + padding);
        remaining = 0;
        padding = 0;
        while (true) {
            if (!readBlock()) {
                return false;
            }
            if (isZeroBlock(header)) {
                // End-of-archive marker (the second zero block is optional for readers).
                return false;
            }
            verifyChecksum();
            char t = (char) (header[156] & 0xFF);
            long entrySize = parseNumber(124, 12, "size");
            String entryName = cString(0, 100);
            if (header[257] == 'u' && header[258] == 's' && header[259] == 't' && header[260] == 'a'
                    && header[261] == 'r') {
                String prefix = cString(345, 155);
                if (!prefix.isEmpty()) {
                    entryName = prefix + "/" + entryName;
                }
            }
            if (t == 'L' || t == 'x') {
                byte[] data = readExactly(entrySize, entryName);
                skipFully(pad(entrySize));
                if (t == 'L') {
                    pendingLongName = trimNul(new String(data, StandardCharsets.UTF_8));
                } else {
                    String path = paxPath(data);
                    if (path != null) {
                        pendingLongName = path;
                    }
                }
                continue;
            }
            if (t == 'g') {
                // Global pax header: nothing we use.
                skipFully(entrySize + pad(entrySize));
                continue;
            }
            if (pendingLongName != null) {
                entryName = pendingLongName;
                pendingLongName = null;
            }
            name = entryName;
            type = t;
            // Only regular files carry data in the archive (links, directories, devices have size 0 or ignored).
            boolean hasData = t == '0' || t == '\0' || t == '7';
            size = hasData ? entrySize : 0;
            remaining = size;
            padding = pad(size);
            return true;
        }
    }

    /** @return the current entry's path inside the archive. */
    public String name() {
        return name;
    }

    /** @return the current entry's size in bytes (0 for anything but a regular file). */
    public long size() {
        return size;
    }

    /** @return true if the current entry is a regular file. */
    public boolean isFile() {
        return (type == '0' || type == '\0' || type == '7') && !name.endsWith("/");
    }

    /**
     * Reads the whole content of the current entry.
     * @return the bytes.
     * @throws IOException if the archive is truncated or the entry is larger than 2 GB.
     */
    public byte[] readContent() throws IOException {
        byte[] data = readExactly(remaining, name);
        remaining = 0;
        return data;
    }

    private byte[] readExactly(long n, String entry) throws IOException {
        if (n > Integer.MAX_VALUE - 16) {
            throw new IOException("Entry " + entry + " in " + source + " is too large (" + n + " bytes)");
        }
        byte[] data = new byte[(int) n];
        int off = 0;
        while (off < data.length) {
            int r = in.read(data, off, data.length - off);
            if (r < 0) {
                throw new EOFException("Archive " + source + " is truncated inside entry " + entry);
            }
            off += r;
        }
        return data;
    }

    private boolean readBlock() throws IOException {
        int off = 0;
        while (off < BLOCK) {
            int r = in.read(header, off, BLOCK - off);
            if (r < 0) {
                if (off == 0) {
                    return false;
                }
                throw new EOFException("Archive " + source + " ends inside a header block");
            }
            off += r;
        }
        return true;
    }

    private void skipFully(long n) throws IOException {
        byte[] sink = null;
        while (n > 0) {
            long s = in.skip(n);
            if (s > 0) {
                n -= s;
                continue;
            }
            if (sink == null) {
                sink = new byte[8192];
            }
            int r = in.read(sink, 0, (int) Math.min(sink.length, n));
            if (r < 0) {
                throw new EOFException("Archive " + source + " is truncated after entry " + name);
            }
            n -= r;
        }
    }

    private static long pad(long n) {
        long rem = n % BLOCK;
        return rem == 0 ? 0 : BLOCK - rem;
    }

    private static boolean isZeroBlock(byte[] block) {
        for (byte b : block) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }

    private void verifyChecksum() throws IOException {
        long stored = parseNumber(148, 8, "checksum");
        long sum = 0;
        for (int i = 0; i < BLOCK; i++) {
            sum += (i >= 148 && i < 156) ? ' ' : (header[i] & 0xFF);
        }
        if (sum != stored) {
            throw new IOException("Corrupt tar header in " + source + " (entry '" + cString(0, 100)
                    + "'): checksum " + stored + " != computed " + sum);
        }
    }

    private long parseNumber(int off, int len, String field) throws IOException {
        if ((header[off] & 0x80) != 0) {
            // GNU base-256 encoding (positive values only).
            long v = header[off] & 0x7F;
            for (int i = 1; i < len; i++) {
                v = (v << 8) | (header[off + i] & 0xFF);
            }
            return v;
        }
        long v = 0;
        boolean digits = false;
        for (int i = off; i < off + len; i++) {
            int c = header[i] & 0xFF;
            if (c == 0 || (c == ' ' && digits)) {
                break;
            }
            if (c == ' ') {
                continue;
            }
            if (c < '0' || c > '7') {
                throw new IOException("Corrupt tar header in " + source + " (entry '" + cString(0, 100) + "'): "
                        + field + " field is not octal");
            }
            v = (v << 3) + (c - '0');
            digits = true;
        }
        return v;
    }

    private String cString(int off, int len) {
        int end = off;
        while (end < off + len && header[end] != 0) {
            end++;
        }
        return new String(header, off, end - off, StandardCharsets.UTF_8);
    }

    private static String trimNul(String s) {
        int i = s.indexOf('\0');
        return i >= 0 ? s.substring(0, i) : s;
    }

    /** Extracts the {@code path} record of a pax extended header ("LEN path=VALUE\n" records). */
    private static String paxPath(byte[] data) {
        int pos = 0;
        String path = null;
        while (pos < data.length) {
            int space = pos;
            while (space < data.length && data[space] != ' ') {
                space++;
            }
            if (space >= data.length) {
                break;
            }
            int len;
            try {
                len = Integer.parseInt(new String(data, pos, space - pos, StandardCharsets.US_ASCII));
            } catch (NumberFormatException e) {
                break;
            }
            if (len <= 0 || pos + len > data.length) {
                break;
            }
            String record = new String(data, space + 1, pos + len - space - 2, StandardCharsets.UTF_8);
            if (record.startsWith("path=")) {
                path = record.substring(5);
            }
            pos += len;
        }
        return path;
    }

    @Override
    public String toString() {
        return "TarReader(source=" + source + ", entry=" + name + ")";
    }
}
