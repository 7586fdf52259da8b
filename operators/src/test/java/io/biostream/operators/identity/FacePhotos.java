package io.biostream.operators.identity;

import io.biostream.operators.testing.SharedFolder;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/**
 * Real face photos from the shared data (never copied into the repository), prepared as a client
 * would upload them. The bbt set holds 150x150 tight crops, which a detector needs context around:
 * {@link #bbt} adds a black border of 25% of the side on each side (the evaluation's protocol).
 */
public final class FacePhotos {
    public static final double BORDER = 0.25;

    private FacePhotos() {}

    /** The shared folder, once its bbt photos are there ({@link SharedFolder}: skip, or fail where required). */
    public static Path sharedDir() {
        SharedFolder.resolve("data/faces/bbt");
        return SharedFolder.root();
    }

    /** {@code bbt/<person>/<person>_<n>.png} with its black border, as PNG bytes. */
    public static byte[] bbt(String person, int n) {
        return png(bordered(read(sharedDir().resolve("data/faces/bbt").resolve(person).resolve(person + "_" + n + ".png"))));
    }

    /** The face-api demo group photo {@code goldens/images/sample<n>.png} (several faces), as stored. */
    public static byte[] goldenSample(int n) {
        try {
            return Files.readAllBytes(sharedDir().resolve("goldens/images/sample" + n + ".png"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Two photos side by side on black, as one PNG (two people in one picture). */
    public static byte[] sideBySide(byte[] left, byte[] right) {
        BufferedImage a = decode(left);
        BufferedImage b = decode(right);
        BufferedImage both = new BufferedImage(a.getWidth() + b.getWidth(), Math.max(a.getHeight(), b.getHeight()),
                BufferedImage.TYPE_3BYTE_BGR);
        Graphics2D g = both.createGraphics();
        g.drawImage(a, 0, 0, null);
        g.drawImage(b, a.getWidth(), 0, null);
        g.dispose();
        return png(both);
    }

    /** The photo re-encoded as JPEG. */
    public static byte[] asJpeg(byte[] photo) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            if (!ImageIO.write(decode(photo), "jpg", out)) {
                throw new IllegalStateException("no JPEG writer");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** Width and height of an encoded image. */
    public static int[] size(byte[] encoded) {
        BufferedImage image = decode(encoded);
        return new int[] {image.getWidth(), image.getHeight()};
    }

    public static BufferedImage decode(byte[] encoded) {
        try {
            BufferedImage image = ImageIO.read(new ByteArrayInputStream(encoded));
            if (image == null) {
                throw new IllegalArgumentException("not an image ImageIO reads");
            }
            return image;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static BufferedImage read(Path file) {
        try {
            BufferedImage image = ImageIO.read(file.toFile());
            if (image == null) {
                throw new IllegalArgumentException(file + " is not an image ImageIO reads");
            }
            return image;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static BufferedImage bordered(BufferedImage crop) {
        int padX = (int) Math.floor(BORDER * crop.getWidth() + 0.5);
        int padY = (int) Math.floor(BORDER * crop.getHeight() + 0.5);
        BufferedImage out = new BufferedImage(crop.getWidth() + 2 * padX, crop.getHeight() + 2 * padY,
                BufferedImage.TYPE_3BYTE_BGR);
        Graphics2D g = out.createGraphics();
        g.setColor(Color.BLACK);
        g.fillRect(0, 0, out.getWidth(), out.getHeight());
        g.drawImage(crop, padX, padY, null);
        g.dispose();
        return out;
    }

    private static byte[] png(BufferedImage image) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(image, "png", out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
