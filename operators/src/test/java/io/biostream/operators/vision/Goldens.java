package io.biostream.operators.vision;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.biostream.operators.image.RgbImage;
import io.biostream.operators.testing.SharedFolder;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/** The face-api goldens in the shared folder (never copied into the repository). */
public final class Goldens {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Goldens() {
    }

    /** {@code ../shared/goldens}; skips or fails the calling test when it is absent ({@link SharedFolder}). */
    public static Path dir() {
        return SharedFolder.resolve("goldens");
    }

    public static JsonNode json(Path file) throws IOException {
        return JSON.readTree(file.toFile());
    }

    /** A PNG as RGB 0..255 (alpha, if any, dropped). */
    public static RgbImage png(Path file) throws IOException {
        BufferedImage image = ImageIO.read(file.toFile());
        if (image == null) {
            throw new IOException("not an image: " + file);
        }
        return rgb(image);
    }

    /** Encoded image bytes (PNG, as {@code SharedFaces.bbtFrame} gives) as RGB 0..255. */
    public static RgbImage png(byte[] encoded) throws IOException {
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(encoded));
        if (image == null) {
            throw new IOException("not an image ImageIO reads");
        }
        return rgb(image);
    }

    private static RgbImage rgb(BufferedImage image) {
        int width = image.getWidth();
        int height = image.getHeight();
        int[] argb = image.getRGB(0, 0, width, height, null, 0, width);
        byte[] rgb = new byte[width * height * 3];
        for (int i = 0; i < argb.length; i++) {
            rgb[3 * i] = (byte) (argb[i] >> 16);
            rgb[3 * i + 1] = (byte) (argb[i] >> 8);
            rgb[3 * i + 2] = (byte) argb[i];
        }
        return RgbImage.fromRgbBytes(width, height, rgb);
    }

    public static float[] floats(JsonNode array) {
        float[] values = new float[array.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) array.get(i).asDouble();
        }
        return values;
    }
}
