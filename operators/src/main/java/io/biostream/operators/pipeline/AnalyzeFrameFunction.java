package io.biostream.operators.pipeline;

import io.biostream.schemas.WireFormat;
import io.biostream.operators.crypto.TemplateCipher;
import io.biostream.operators.crypto.TemplateKeys;
import io.biostream.operators.decode.FrameDecoder;
import io.biostream.operators.decode.FrameRejectedException;
import io.biostream.operators.state.CameraStateCodec;
import io.biostream.operators.state.QueryableStateNames;
import io.biostream.operators.vision.FacePipeline;
import io.biostream.operators.vision.RgbImage;
import io.biostream.schemas.AssociatedData;
import io.biostream.schemas.Box;
import io.biostream.schemas.CameraLatest;
import io.biostream.schemas.DeadLetterReason;
import io.biostream.schemas.EncryptedTemplate;
import io.biostream.schemas.FaceResult;
import io.biostream.schemas.FaceStatus;
import io.biostream.schemas.Frame;
import io.biostream.schemas.FrameResult;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Per camera (keyed by camera id, so frames of a camera stay in order): decode, find and describe
 * faces, seal each descriptor, emit the FrameResult and the EncryptedTemplates, and keep the
 * camera's latest result in queryable state. Bad frames become dead letters; the job never fails on them.
 */
public class AnalyzeFrameFunction extends KeyedProcessFunction<String, FrameRecord, Outbound> {
    public static final OutputTag<CameraSighting> SIGHTINGS = new OutputTag<>("sightings", TypeInformation.of(CameraSighting.class));
    private static final Logger LOG = LoggerFactory.getLogger(AnalyzeFrameFunction.class);

    private final PipelineConfig config;
    private transient FrameDecoder decoder;
    private transient FacePipeline faces;
    private transient TemplateCipher cipher;
    private transient DeadLetters deadLetters;
    private transient ValueState<byte[]> latest;

    public AnalyzeFrameFunction(PipelineConfig config) {
        this.config = config;
    }

    @Override
    public void open(OpenContext openContext) throws Exception {
        decoder = new FrameDecoder(config.decodeLimits());
        faces = config.vision().openPipeline();
        cipher = new TemplateCipher(TemplateKeys.read(Path.of(config.templateKeysetPath())));
        deadLetters = new DeadLetters(config.topics().dlq(), config.deadLetterMaxOriginalBytes());
        ValueStateDescriptor<byte[]> descriptor = QueryableStateNames.cameraLatestDescriptor();
        descriptor.setQueryable(QueryableStateNames.CAMERA_LATEST);
        latest = getRuntimeContext().getState(descriptor);
    }

    @Override
    public void processElement(FrameRecord record, Context ctx, Collector<Outbound> out) throws Exception {
        Frame frame = record.frame;
        List<FacePipeline.Face> found;
        try {
            RgbImage image = decoder.decode(frame);
            found = faces.analyze(image);
        } catch (FrameRejectedException e) {
            ctx.output(ParseFrameFunction.DEAD_LETTERS, deadLetters.of(record, e.reason(), e.getMessage()));
            return;
        } catch (RuntimeException e) { // e.g. an OpenCV error on a pathological image
            LOG.warn("frame {}/{} failed in analysis: {}", frame.getCameraId(), frame.getSequence(), e.toString());
            ctx.output(ParseFrameFunction.DEAD_LETTERS, deadLetters.of(record, DeadLetterReason.PROCESSING_ERROR,
                    e.getClass().getSimpleName() + ": " + e.getMessage()));
            return;
        }
        long now = System.currentTimeMillis();
        List<FaceResult> faceResults = new ArrayList<>(found.size());
        List<EncryptedTemplate> templates = new ArrayList<>();
        for (FacePipeline.Face face : found) {
            String faceId = faceId(frame, face.index());
            EncryptedTemplate template = null;
            if (face.described()) {
                AssociatedData ad = new AssociatedData(frame.getCameraId(), frame.getSequence(), face.index());
                template = cipher.seal(faceId, face.descriptor(), ad, faces.modelId());
                templates.add(template);
            }
            faceResults.add(FaceResult.newBuilder()
                    .setFaceIndex(face.index())
                    .setFaceId(faceId)
                    .setBox(new Box(face.detection().x(), face.detection().y(), face.detection().width(), face.detection().height()))
                    .setScore(face.detection().score())
                    .setStatus(face.status())
                    .setLandmarks(FaceResults.landmarks(face.landmarks()))
                    .setQuality(FaceResults.quality(face.quality()))
                    .setTemplateRef(template == null ? null : faceId)
                    .build());
        }
        FrameResult result = FrameResult.newBuilder()
                .setCameraId(frame.getCameraId())
                .setSequence(frame.getSequence())
                .setCaptureTime(frame.getCaptureTime())
                .setSessionId(frame.getSessionId())
                .setProcessedTime(Instant.ofEpochMilli(now))
                .setWidth(frame.getWidth())
                .setHeight(frame.getHeight())
                .setDetector(faces.detectorName())
                .setFaces(faceResults)
                .build();

        for (EncryptedTemplate template : templates) {
            out.collect(new Outbound(config.topics().templates(), utf8(template.getFaceId()), WireFormat.encode(template), now));
        }
        out.collect(new Outbound(config.topics().results(), utf8(frame.getCameraId()), WireFormat.encode(result), now));
        latest.update(CameraStateCodec.encodeLatest(new CameraLatest(result, templates)));
        ctx.output(SIGHTINGS, new CameraSighting(frame.getCameraId(), frame.getSequence(), now));
    }

    /** Stable, unique id of a face: camera, frame sequence, index within the frame. */
    public static String faceId(Frame frame, int faceIndex) {
        return frame.getCameraId() + "/" + frame.getSequence() + "/" + faceIndex;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        if (faces != null) {
            faces.close();
        }
    }
}
