package io.biostream.launcher;

import io.biostream.operators.identity.FacePhotos;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.bytedeco.javacv.Java2DFrameConverter;

/** Short MP4 videos written with FFmpeg for the camera client's tests, from real face photos. */
final class TestVideos {
    /** The generated video's size: 2:1, so that a downscale that loses the aspect shows. */
    static final int WIDTH = 480;
    static final int HEIGHT = 240;

    private TestVideos() {}

    /**
     * {@code frames} frames at {@code fps} of two shared face photos side by side (the test is
     * skipped or fails as {@link FacePhotos#sharedDir()} decides when they are absent), each
     * frame shifted a little so that no two are the same picture.
     */
    static Path facesMp4(Path file, int frames, int fps) throws Exception {
        BufferedImage faces = FacePhotos.decode(FacePhotos.sideBySide(FacePhotos.bbt("raj", 4), FacePhotos.bbt("sheldon", 2)));
        try (FFmpegFrameRecorder recorder = new FFmpegFrameRecorder(file.toFile(), WIDTH, HEIGHT);
                Java2DFrameConverter converter = new Java2DFrameConverter()) {
            recorder.setFormat("mp4");
            recorder.setVideoCodec(avcodec.AV_CODEC_ID_MPEG4); // in every FFmpeg build, unlike H.264 encoders
            recorder.setPixelFormat(avutil.AV_PIX_FMT_YUV420P);
            recorder.setFrameRate(fps);
            recorder.setVideoQuality(2); // high quality: the faces must stay recognisable
            recorder.start();
            for (int i = 0; i < frames; i++) {
                BufferedImage picture = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_3BYTE_BGR);
                Graphics2D g = picture.createGraphics();
                g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
                g.drawImage(faces, i % 4, 0, WIDTH, HEIGHT, null);
                g.dispose();
                recorder.record(converter.convert(picture));
            }
            recorder.stop();
        }
        return file;
    }
}
