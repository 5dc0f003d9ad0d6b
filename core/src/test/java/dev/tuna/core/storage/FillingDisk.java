package dev.tuna.core.storage;

import java.io.File;
import java.io.IOException;
import java.io.RandomAccessFile;

/** A journal file on a disk that can be made full: then every write fails as a full disk's would. */
final class FillingDisk extends RandomAccessFile {
    volatile boolean full;
    /** The size the file cannot grow past (a disk with that little room left). */
    volatile long limit = Long.MAX_VALUE;
    /** Whether emptying the file fails too while full (a real disk frees space then; this one lets tests fail it). */
    volatile boolean failTruncateToZero;

    FillingDisk(File file) throws IOException {
        super(file, "rw");
    }

    private void check(int length) throws IOException {
        if (full || getFilePointer() + length > limit) {
            throw new IOException("No space left on device");
        }
    }

    @Override
    public void write(byte[] b) throws IOException {
        check(b.length);
        super.write(b);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        check(len);
        super.write(b, off, len);
    }

    @Override
    public void setLength(long newLength) throws IOException {
        if (full && (newLength > length() || (newLength == 0 && failTruncateToZero))) {
            throw new IOException("No space left on device");
        }
        super.setLength(newLength);
    }
}
