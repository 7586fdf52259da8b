package io.biostream.operators.vision;

import io.biostream.operators.image.RgbImage;
import java.util.ArrayList;
import java.util.List;

/**
 * Deterministic test-time jitter of the aligned chip ({@code biostream.vision.descriptor-jitter}):
 * dlib's {@code compute_face_descriptor(..., num_jitters)} describes several randomly jittered
 * copies of the chip (dlib's {@code jitter_image}: up to 3 degrees of rotation, 2 % translation,
 * a zoom to 97-100 %, mirrored half the time) and averages their descriptors. Here the copies are
 * a fixed set ({@link #PERTURBATIONS}, the same ranges, each a symmetric pair), cut from the image
 * itself rather than from the chip, so no black enters at the chip's edges; the mirror is the face
 * pipeline's mirror average, applied to every copy. Which faces get it is the {@link Scope}: the
 * job's common path (detected faces) stays one chip where the scope is {@code regions}.
 */
public final class DescriptorJitter {

    /** Which faces are described as the mean over the jittered chips. */
    public enum Scope {
        /** None (one chip per face). */
        OFF("off"),
        /** Only regions no detector gave ({@link FacePipeline#describeRegion}: a fallback crop, an analyst's region). */
        REGIONS("regions"),
        /** Every face. */
        ALL("all");

        private final String configName;

        Scope(String configName) {
            this.configName = configName;
        }

        public String configName() {
            return configName;
        }

        public static List<String> names() {
            List<String> names = new ArrayList<>();
            for (Scope s : values()) {
                names.add(s.configName);
            }
            return names;
        }

        public static Scope named(String name) {
            for (Scope s : values()) {
                if (s.configName.equals(name)) {
                    return s;
                }
            }
            throw new IllegalArgumentException("no jitter scope '" + name + "', expected one of " + names());
        }
    }

    /**
     * One perturbation of the chip, in the chip's own frame: its centre moved by {@code dx, dy}
     * chip sides, turned by {@code degrees}, and its side scaled by {@code zoom} (under 1: the
     * face fills more of the chip).
     */
    public record Perturbation(double dx, double dy, double degrees, double zoom) {
        /** Where the perturbed chip lies in the image. */
        AlignedFaceChip.Details apply(AlignedFaceChip.Details d) {
            double cos = Math.cos(d.angle());
            double sin = Math.sin(d.angle());
            double shiftX = d.side() * (dx * cos - dy * sin);
            double shiftY = d.side() * (dx * sin + dy * cos);
            return new AlignedFaceChip.Details(d.centreX() + shiftX, d.centreY() + shiftY, d.side() * zoom,
                    d.angle() + Math.toRadians(degrees), d.scale() * zoom);
        }
    }

    /** dlib's mean zoom of {@code jitter_image} (object height 0.97-1.0 of a rect 3 px inside the 150 px chip). */
    static final double ZOOM = 0.975;

    /**
     * The copies besides the chip itself, in symmetric pairs within dlib's ranges: turned by
     * +-3 degrees, moved by +-2 % left-right and up-down (each at dlib's mean zoom), and zoomed
     * to 96 % and 99 %.
     */
    public static final List<Perturbation> PERTURBATIONS = List.of(
            new Perturbation(0, 0, 3, ZOOM),
            new Perturbation(0, 0, -3, ZOOM),
            new Perturbation(0.02, 0, 0, ZOOM),
            new Perturbation(-0.02, 0, 0, ZOOM),
            new Perturbation(0, 0.02, 0, ZOOM),
            new Perturbation(0, -0.02, 0, ZOOM),
            new Perturbation(0, 0, 0, 0.96),
            new Perturbation(0, 0, 0, 0.99));

    private DescriptorJitter() {
    }

    /**
     * The aligned chip of the face followed by its {@link #PERTURBATIONS}, all {@link AlignedFaceChip#SIZE}
     * square (a copy with no pixel inside the image is left out; the first is the plain chip, empty
     * where it has none).
     */
    public static List<RgbImage> chips(RgbImage image, FaceLandmarks landmarks) {
        AlignedFaceChip.Details details = AlignedFaceChip.details(landmarks);
        List<RgbImage> chips = new ArrayList<>(1 + PERTURBATIONS.size());
        chips.add(AlignedFaceChip.extract(image, details));
        for (Perturbation p : PERTURBATIONS) {
            RgbImage chip = AlignedFaceChip.extract(image, p.apply(details));
            if (chip.width() > 0) { // a copy moved wholly off the image is left out
                chips.add(chip);
            }
        }
        return chips;
    }
}
