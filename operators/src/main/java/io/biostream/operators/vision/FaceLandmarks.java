package io.biostream.operators.vision;

import java.util.Arrays;

/**
 * face-api's 68 facial landmarks of one face (iBUG 300-W numbering), in image pixels.
 *
 * <p>{@code points} holds 136 doubles interleaved {@code x0,y0,...,x67,y67}: face-api maps the
 * net's float32 outputs to the image in JS doubles, and the descriptor crop floors values
 * derived from them, so doubles keep that step exact. {@code raw} are the net's 136 float32
 * outputs (relative to its 112x112 padded input); {@code crop} is the integer region of the
 * image the net saw. Callers must not modify the arrays.
 */
public record FaceLandmarks(double[] points, float[] raw, PixelRect crop) {
    public static final int COUNT = 68;

    /** The point groups, as index ranges {@code [first, end)}; left/right as face-api names them. */
    public enum Region {
        JAW(0, 17), LEFT_BROW(17, 22), RIGHT_BROW(22, 27), NOSE(27, 36),
        LEFT_EYE(36, 42), RIGHT_EYE(42, 48), MOUTH(48, 68);

        private final int first;
        private final int end;

        Region(int first, int end) {
            this.first = first;
            this.end = end;
        }

        public int first() {
            return first;
        }

        public int end() {
            return end;
        }

        public int size() {
            return end - first;
        }
    }

    /** A rectangle in image pixels, not rounded. */
    public record Box(double x, double y, double width, double height) {
    }

    public FaceLandmarks {
        if (points.length != 2 * COUNT || raw.length != 2 * COUNT) {
            throw new IllegalArgumentException("expected " + 2 * COUNT + " coordinates and raw outputs, got "
                    + points.length + " and " + raw.length);
        }
    }

    public double x(int point) {
        return points[2 * point];
    }

    public double y(int point) {
        return points[2 * point + 1];
    }

    /** The region's points, interleaved x,y (a copy). */
    public double[] points(Region region) {
        return Arrays.copyOfRange(points, 2 * region.first(), 2 * region.end());
    }

    /**
     * The mean of the region's points, {x, y}, summed in point order and then divided, as
     * face-api's getCenterPoint does (the descriptor crop floors values derived from it).
     */
    public double[] centre(Region region) {
        double sumX = 0;
        double sumY = 0;
        for (int i = region.first(); i < region.end(); i++) {
            sumX += x(i);
            sumY += y(i);
        }
        return new double[] {sumX / region.size(), sumY / region.size()};
    }

    /**
     * face-api's {@code alignedRect} box: the points' bounding box grown by 20 % of its width and
     * height (10 % each side). As in face-api the maxima start from 0, not from -infinity.
     */
    public Box alignedRect() {
        double minX = Double.POSITIVE_INFINITY;
        double minY = Double.POSITIVE_INFINITY;
        double maxX = 0;
        double maxY = 0;
        for (int i = 0; i < COUNT; i++) {
            minX = x(i) < minX ? x(i) : minX;
            minY = y(i) < minY ? y(i) : minY;
            maxX = maxX < x(i) ? x(i) : maxX;
            maxY = maxY < y(i) ? y(i) : maxY;
        }
        double width = maxX - minX;
        double height = maxY - minY;
        double padX = width * 0.2;
        double padY = height * 0.2;
        return new Box(minX - padX / 2, minY - padY / 2, width + padX, height + padY);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof FaceLandmarks that && Arrays.equals(points, that.points)
                && Arrays.equals(raw, that.raw) && crop.equals(that.crop);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * Arrays.hashCode(points) + Arrays.hashCode(raw)) + crop.hashCode();
    }

    @Override
    public String toString() {
        return "FaceLandmarks[crop=" + crop + ", first=(" + x(0) + ", " + y(0) + ")]";
    }
}
