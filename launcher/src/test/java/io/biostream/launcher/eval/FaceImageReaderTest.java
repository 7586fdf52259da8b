package io.biostream.launcher.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.biostream.launcher.eval.FaceImageReader.UnreadableImageException;
import io.biostream.operators.decode.DecodeLimits;
import io.biostream.operators.image.RgbImage;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FaceImageReaderTest {
    private final FaceImageReader reader = new FaceImageReader(DecodeLimits.DEFAULTS);

    @TempDir
    Path dir;

    private static byte[] pgm(String header, byte... pixels) {
        byte[] head = header.getBytes(StandardCharsets.US_ASCII);
        byte[] all = new byte[head.length + pixels.length];
        System.arraycopy(head, 0, all, 0, head.length);
        System.arraycopy(pixels, 0, all, head.length, pixels.length);
        return all;
    }

    @Test
    void readsGreyscalePgmAsRgbWithTheGreyInEveryChannel() throws Exception {
        // header with a comment line, as the ORL files have
        Path file = Files.write(dir.resolve("face.pgm"), pgm("P5\n# made by hand\n2 3\n255\n", (byte) 0, (byte) 10,
                (byte) 20, (byte) 30, (byte) 40, (byte) 250));
        RgbImage image = reader.read(file);
        assertThat(image.width()).isEqualTo(2);
        assertThat(image.height()).isEqualTo(3);
        assertThat(image.get(1, 0, 0)).isEqualTo(10f);
        assertThat(image.get(1, 0, 2)).isEqualTo(10f);
        assertThat(image.get(1, 2, 1)).isEqualTo(250f);
    }

    @Test
    void readsPngThroughTheFrameDecoder() throws Exception {
        BufferedImage png = new BufferedImage(3, 2, BufferedImage.TYPE_INT_RGB);
        png.setRGB(2, 1, 0x102030);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ImageIO.write(png, "png", bytes);
        RgbImage image = reader.read(Files.write(dir.resolve("a.png"), bytes.toByteArray()));
        assertThat(image.width()).isEqualTo(3);
        assertThat(image.get(2, 1, 0)).isEqualTo(0x10);
        assertThat(image.get(2, 1, 2)).isEqualTo(0x30);
    }

    @Test
    void refusesWhatIsNotAnImageOrIsTooLarge() throws Exception {
        Path text = Files.writeString(dir.resolve("notes.txt"), "not an image");
        assertThatThrownBy(() -> reader.read(text)).isInstanceOf(UnreadableImageException.class)
                .hasMessageContaining("not a JPEG, PNG or netpbm");
        Path bomb = Files.write(dir.resolve("bomb.pgm"), pgm("P5 100000 100000 255\n", (byte) 1));
        assertThatThrownBy(() -> reader.read(bomb)).hasMessageContaining("100000x100000");
        Path truncated = Files.write(dir.resolve("short.pgm"), pgm("P5 4 4 255\n", (byte) 1));
        assertThatThrownBy(() -> reader.read(truncated)).isInstanceOf(UnreadableImageException.class);
        assertThatThrownBy(() -> reader.read(dir.resolve("absent.png"))).hasMessageContaining("cannot read");
        Path small = Files.write(dir.resolve("x.pgm"), pgm("P5 2 2 255\n", (byte) 1, (byte) 2, (byte) 3, (byte) 4));
        FaceImageReader tight = new FaceImageReader(new DecodeLimits(8, 100, 100, 100));
        assertThatThrownBy(() -> tight.read(small)).hasMessageContaining("limit 8");
    }

    @Test
    void parsesNetpbmHeaders() {
        assertThat(FaceImageReader.netpbmSize(pgm("P5\n# c 9 9\n92 112\n255\n"))).containsExactly(92, 112);
        assertThat(FaceImageReader.netpbmSize(pgm("P2 3 4 255 "))).containsExactly(3, 4);
        assertThat(FaceImageReader.netpbmSize(pgm("P5 3"))).isNull();
        assertThat(FaceImageReader.netpbmSize(pgm("P5 99999999999 2 "))).isNull();
        assertThat(FaceImageReader.isNetpbm(pgm("P5\n"))).isTrue();
        assertThat(FaceImageReader.isNetpbm(pgm("P7\n"))).isFalse();
    }
}
