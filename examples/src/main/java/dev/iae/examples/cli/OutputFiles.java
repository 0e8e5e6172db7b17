package dev.iae.examples.cli;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Writing a file so that it appears only when complete: write a temporary file next to the target, then move it into
 * place (or delete it after a failure). Shared by the scores output ({@link ScoreOutput}) and the model files ({@link ModelFiles}), so an error
 * never leaves a partial file or replaces an earlier one.
 */
final class OutputFiles {

    private OutputFiles() { }

    /**
     * A new empty file next to the target (same folder, so the final move is a rename), hidden and named after it,
     * with the default permissions (so the moved file has them too).
     * @param target the file to be written.
     * @return the temporary file.
     * @throws IOException if the folder does not accept a new file.
     */
    static Path createTemporary(Path target) throws IOException {
        Path folder = target.toAbsolutePath().getParent();
        while (true) {
            String name = String.format(Locale.ROOT, ".%s.%08x.tmp", target.getFileName(),
                    ThreadLocalRandom.current().nextInt());
            try {
                return Files.createFile(folder.resolve(name));
            } catch (FileAlreadyExistsException e) {
                // Taken: draw another name.
            }
        }
    }

    /**
     * Moves a finished temporary file over the target: atomically where the file system can, else replacing it.
     * @param temporary the finished file.
     * @param target where it goes.
     * @throws IOException if the move fails.
     */
    static void moveIntoPlace(Path temporary, Path target) throws IOException {
        try {
            Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(temporary, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /**
     * Deletes a file if it exists, ignoring a failure: for clean-up after another error, which is the one to report.
     * @param file the file (null: nothing to do).
     */
    static void deleteQuietly(Path file) {
        if (file != null) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                // Already failing: the first error is the one to report.
            }
        }
    }
}
