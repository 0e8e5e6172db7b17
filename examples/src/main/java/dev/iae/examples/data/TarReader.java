package dev.iae.examples.data;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * A small sequential reader of tar archives (POSIX ustar, with the GNU long-name {@code 'L'} and pax {@code 'x'}
 * {@code path} extensions), enough to stream the files of an image archive without unpacking it and without a
 * third-party dependency. Other entry types (GNU long link names, sparse files, vendor types …) are not regular files
 * for this reader; their data is skipped, so the reader stays in step with the archive.
 * <p>
 * Why not Apache Commons Compress: the version that reaches this module's class path transitively (through DJL)
 * needs a newer Commons Lang than the one Maven resolves here, and fails at run time with
 * {@code NoClassDefFoundError}. Reading tar is simple enough to do correctly in a page of code: 512-byte header
 * blocks (checksum verified), octal or base-256 sizes, data padded to 512 bytes, two zero blocks at the end (at
 * least the first is required: an archive that just stops is reported as truncated).
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
    private boolean ended;

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
     * @return true if there is an entry, false at the end-of-archive marker (a zero block; the second one that tar
     *     writes is optional for readers).
     * @throws IOException if the archive is truncated (including a plain .tar cut exactly at a block boundary, which
     *     lacks the end-of-archive marker), or a header or pax extended header is corrupt; the message names the
     *     archive and the entry.
     */
    public boolean next() throws IOException {
        if (ended) {
            return false;
        }
        skipFully(remaining + padding);
        remaining = 0;
        padding = 0;
        while (true) {
            if (!readBlock()) {
                throw new EOFException("Archive " + source + " ends without its end-of-archive marker (zero blocks)"
                        + (name == null ? "" : " after entry " + name) + ": it is truncated or not a tar archive");
            }
            if (isZeroBlock(header)) {
                // End-of-archive marker (the second zero block is optional for readers).
                ended = true;
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
                    String path = paxPath(data, entryName);
                    if (path != null) {
                        pendingLongName = path;
                    }
                }
                continue;
            }
            if (t == 'g' || t == 'K') {
                // Global pax header, GNU long link name: nothing we use, but their data must be skipped.
                skipFully(entrySize + pad(entrySize));
                continue;
            }
            if (t == 'S' && header[482] != 0) {
                // Old GNU sparse file: extension blocks of the sparse map follow the header, before the data.
                skipSparseExtensions(entryName);
            }
            if (pendingLongName != null) {
                entryName = pendingLongName;
                pendingLongName = null;
            }
            name = entryName;
            type = t;
            // Like GNU tar: every entry type carries entrySize bytes of data in the archive except hard links and
            // directories (whose size field describes the target or is a hint). Regular files aside, the data is
            // skipped: GNU sparse ('S'), multi-volume ('M'), dump directories ('D'), vendor types ...
            long stored = (t == '1' || t == '5') ? 0 : entrySize;
            size = isFile() ? stored : 0;
            remaining = stored;
            padding = pad(stored);
            return true;
        }
    }

    private void skipSparseExtensions(String entry) throws IOException {
        byte[] saved = header.clone();
        boolean extended = true;
        while (extended) {
            if (!readBlock()) {
                throw new EOFException("Archive " + source + " is truncated inside the sparse map of entry " + entry);
            }
            extended = header[504] != 0;
        }
        System.arraycopy(saved, 0, header, 0, BLOCK);
    }

    /** @return the current entry's path inside the archive. */
    public String name() {
        return name;
    }

    /** @return the current entry's size in bytes (0 for anything but a regular file, whose data is skipped). */
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

    /**
     * Skips {@code n} bytes by reading them, never with {@link InputStream#skip}: a stream that hashes what passes
     * through it ({@link java.security.DigestInputStream}) does not see skipped bytes, so the archive's fingerprint
     * would miss the entries the caller passed over.
     */
    private void skipFully(long n) throws IOException {
        byte[] sink = null;
        while (n > 0) {
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

    /**
     * Extracts the {@code path} record of a pax extended header ("LEN key=value\n" records, LEN counting the whole
     * record in bytes).
     * @param data the extended header's data.
     * @param entry the extended header's name, for messages.
     * @return the path, or null if there is no path record.
     * @throws IOException if a record is malformed (the message names the archive and the entry).
     */
    private String paxPath(byte[] data, String entry) throws IOException {
        int pos = 0;
        String path = null;
        while (pos < data.length) {
            int space = pos;
            while (space < data.length && data[space] >= '0' && data[space] <= '9') {
                space++;
            }
            if (space == pos || space >= data.length || data[space] != ' ' || space - pos > 9) {
                throw corruptPax(entry, pos, "a record does not start with its decimal length and a space");
            }
            int len = Integer.parseInt(new String(data, pos, space - pos, StandardCharsets.US_ASCII));
            long longEnd = (long) pos + len;
            if (longEnd <= space + 1 || longEnd > data.length) {
                throw corruptPax(entry, pos, "record length " + len + " does not fit the record ("
                        + (data.length - pos) + " bytes left)");
            }
            int end = (int) longEnd;
            if (data[end - 1] != '\n') {
                throw corruptPax(entry, pos, "the record of length " + len + " does not end with a newline");
            }
            String record = new String(data, space + 1, end - space - 2, StandardCharsets.UTF_8);
            int eq = record.indexOf('=');
            if (eq <= 0) {
                throw corruptPax(entry, pos, "the record '" + record + "' is not key=value");
            }
            if (record.startsWith("path=")) {
                path = record.substring(5);
            }
            pos = end;
        }
        return path;
    }

    private IOException corruptPax(String entry, int offset, String problem) {
        return new IOException("Corrupt pax extended header in " + source + " (entry '" + entry + "', byte "
                + offset + " of its data): " + problem);
    }

    @Override
    public String toString() {
        return "TarReader(source=" + source + ", entry=" + name + ")";
    }
}
