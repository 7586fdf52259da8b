package io.biostream.launcher.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RetainedCheckpointsTest {

    @TempDir
    Path jobDir;

    @Test
    void newestIsTheHighestNumberedCompleteCheckpoint() throws Exception {
        complete("chk-9");
        complete("chk-10"); // numeric, not lexical order
        Files.createDirectories(jobDir.resolve("chk-11")); // in progress: no _metadata yet
        Files.createDirectories(jobDir.resolve("shared"));

        assertThat(RetainedCheckpoints.newest(jobDir)).contains(jobDir.resolve("chk-10"));
    }

    @Test
    void noneWhereNothingCompleted() throws Exception {
        Files.createDirectories(jobDir.resolve("chk-1"));
        Files.createDirectories(jobDir.resolve("taskowned"));

        assertThat(RetainedCheckpoints.newest(jobDir)).isEmpty();
        assertThat(RetainedCheckpoints.newest(jobDir.resolve("no-such-job"))).isEmpty();
    }

    @Test
    void readsTheCheckpointNumberFromTheDirectoryName() {
        assertThat(RetainedCheckpoints.number(Path.of("chk-42"))).hasValue(42);
        assertThat(RetainedCheckpoints.number(Path.of("chk-x"))).isEmpty();
        assertThat(RetainedCheckpoints.number(Path.of("shared"))).isEmpty();
    }

    private void complete(String name) throws Exception {
        Path dir = Files.createDirectories(jobDir.resolve(name));
        Files.write(dir.resolve("_metadata"), new byte[] {1});
    }
}
