package io.biostream.api.identity;

import io.biostream.api.ApiError;
import io.biostream.operators.decode.DecodeBudget;
import io.biostream.operators.decode.DecodeLimits;
import io.biostream.operators.decode.FrameDecoder;
import io.biostream.operators.decode.FrameRejectedException;
import io.biostream.operators.vision.DetectedFace;
import io.biostream.operators.vision.FacePipeline;
import io.biostream.operators.image.RgbImage;
import io.biostream.operators.vision.VisionConfig;
import io.biostream.schemas.FaceStatus;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The API's copy of the job's face path (the same {@link FacePipeline} code and weights): decodes
 * uploaded photos with the job's {@link FrameDecoder} checks and finds, measures and describes
 * their faces. The nets are loaded once, at start; a pipeline is not thread-safe, so calls take
 * turns behind a lock, and a request that waits longer than {@code maxWait} is refused with 503.
 *
 * <p>A photo is decoded only once its turn has come, with its share of the process's decode
 * budget ({@link io.biostream.operators.decode.DecodeBudget}, shared with the job in local mode):
 * waiting requests hold their compressed bytes, never a decoded image, and a photo the budget
 * cannot take is refused (413 when it never fits, 503 with Retry-After when the budget stays busy).
 *
 * <p>The pipeline itself gates nothing (minimum size 1, quality 0, except Haar, whose minimum is
 * its search window): the live settings' gate is applied per request by {@link #status}.
 */
public final class VisionService implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(VisionService.class);

    private final FacePipeline pipeline;
    private final FrameDecoder decoder;
    private final Duration maxWait;
    private final ReentrantLock turn = new ReentrantLock(true);

    VisionService(FacePipeline pipeline, FrameDecoder decoder, Duration maxWait) {
        this.pipeline = Objects.requireNonNull(pipeline, "pipeline");
        this.decoder = Objects.requireNonNull(decoder, "decoder");
        this.maxWait = Objects.requireNonNull(maxWait, "maxWait");
    }

    /** Loads the nets {@code vision} names (seconds). */
    public static VisionService open(VisionConfig vision, DecodeLimits limits, Duration maxWait) {
        VisionConfig ungated = vision.withMinQuality(0.0).withMinFaceSize(vision.detector().equals("haar") ? vision.minFaceSize() : 1);
        long start = System.nanoTime();
        FacePipeline pipeline = ungated.openPipeline();
        LOG.info("API face pipeline loaded in {} ms: detector {}, model {}", (System.nanoTime() - start) / 1_000_000,
                pipeline.detectorName(), pipeline.modelId());
        return new VisionService(pipeline, new FrameDecoder(limits), maxWait);
    }

    public String modelId() {
        return pipeline.modelId();
    }

    public String detectorName() {
        return pipeline.detectorName();
    }

    /** A photo as analysed: the decoded image (upright) and every face of it, ungated (see {@link #status}). */
    public record Analysis(RgbImage image, List<FacePipeline.Face> faces) {}

    /**
     * Decodes an uploaded photo in its turn and finds its faces as the job does. Refusals: 413 when
     * the bytes, the pixels or the decode memory exceed the limits, 415 when it is neither JPEG nor
     * PNG, 400 when it is empty, truncated or corrupt, 503 when the pipeline or the decode budget
     * stays busy; each message names the part and the decoder's reason.
     */
    public Analysis analyze(ImageUploads.Upload upload) {
        takeTurn();
        try (FrameDecoder.DecodedImage decoded = decoder.open(upload.bytes())) {
            return new Analysis(decoded.image(), pipeline.analyze(decoded.image()));
        } catch (FrameRejectedException e) {
            throw refusal(upload, e);
        } finally {
            turn.unlock();
        }
    }

    private static ApiError refusal(ImageUploads.Upload upload, FrameRejectedException e) {
        String message = upload.describe() + ": " + e.getMessage() + " (" + e.reason() + ")";
        if (e instanceof DecodeBudget.DecodeBudgetException budget && budget.busy()) {
            return new ApiError(503, "decode_busy", message + "; retry shortly", Map.of("Retry-After", "1"));
        }
        return switch (e.reason()) {
            case UNSUPPORTED_FORMAT -> new ApiError(415, "unsupported_image", message + "; send a JPEG or PNG image");
            case OVERSIZED, DIMENSIONS_TOO_LARGE -> new ApiError(413, "image_too_large", message);
            case EMPTY -> new ApiError(400, "empty_image", message);
            default -> new ApiError(400, "invalid_image", message);
        };
    }

    private void takeTurn() {
        boolean acquired;
        try {
            acquired = turn.tryLock(maxWait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiError(503, "vision_busy", "interrupted while waiting for the face pipeline");
        }
        if (!acquired) {
            throw new ApiError(503, "vision_busy", "the face pipeline is busy with other photos; retry shortly",
                    Map.of("Retry-After", "1"));
        }
    }

    /** A face's status under a gate: TOO_SMALL below {@code minFaceSize} px, LOW_QUALITY below {@code minQuality}. */
    public static FaceStatus status(FacePipeline.Face face, int minFaceSize, double minQuality) {
        if (!face.described()) {
            return face.status();
        }
        DetectedFace d = face.detection();
        if (Math.min(d.width(), d.height()) < minFaceSize) {
            return FaceStatus.TOO_SMALL;
        }
        if (face.quality() != null && face.quality().score() < minQuality) {
            return FaceStatus.LOW_QUALITY;
        }
        return FaceStatus.DESCRIBED;
    }

    /** The face with the largest box, as face-api's users pick "the" face of a photo. */
    public static Optional<FacePipeline.Face> largest(List<FacePipeline.Face> faces) {
        return faces.stream().max(Comparator.comparingDouble(f -> (double) f.detection().width() * f.detection().height()));
    }

    @Override
    public void close() {
        turn.lock();
        try {
            pipeline.close();
        } finally {
            turn.unlock();
        }
    }
}
