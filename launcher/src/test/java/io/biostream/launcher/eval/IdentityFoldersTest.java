package io.biostream.launcher.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.biostream.launcher.eval.IdentityFolders.LabelledFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdentityFoldersTest {
    @TempDir
    Path set;

    private void touch(String name) throws IOException {
        Path file = set.resolve(name);
        Files.createDirectories(file.getParent());
        Files.writeString(file, name);
    }

    @Test
    void listsFilesOfEachIdentityFolderSortedAndLeavesTheRestOut() throws Exception {
        touch("zoe/b.png");
        touch("zoe/a.png");
        touch("adam/1.pgm");
        touch("adam/.DS_Store");
        touch(".hidden/x.png");
        touch("README");
        touch("adam/nested/deeper.png");

        assertThat(IdentityFolders.list(set, 10)).extracting(LabelledFile::name)
                .containsExactly("adam/1.pgm", "zoe/a.png", "zoe/b.png");
        assertThat(IdentityFolders.list(set, 10).get(1).identity()).isEqualTo("zoe");
    }

    @Test
    void refusesMoreFilesThanTheLimitAndAMissingFolder() throws Exception {
        touch("a/1.png");
        touch("a/2.png");
        assertThatThrownBy(() -> IdentityFolders.list(set, 1)).hasMessageContaining("more than 1");
        assertThatThrownBy(() -> IdentityFolders.list(set.resolve("absent"), 1)).hasMessageContaining("not a folder");
    }
}
