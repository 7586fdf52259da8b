package io.biostream.operators.vision;

/**
 * An integer pixel rectangle, as face-api slices faces out of an image. Width or height may be
 * zero or negative when a box lies outside the image; {@link #isEmpty()} says so.
 */
public record PixelRect(int x, int y, int width, int height) {

    public boolean isEmpty() {
        return width <= 0 || height <= 0;
    }
}
