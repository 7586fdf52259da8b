package io.biostream.launcher;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.biostream.operators.decode.FrameDecoder;
import io.biostream.operators.decode.FrameRejectedException;
import io.biostream.operators.config.Settings;
import io.biostream.operators.decode.DecodeLimits;
import io.biostream.operators.vision.DetectedFace;
import io.biostream.operators.vision.FacePipeline;
import io.biostream.operators.image.RgbImage;
import io.biostream.operators.vision.VisionConfig;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code biostream describe [--crop] FILE...}: the job's vision code on image files, one JSON line
 * per file on stdout. Per-file errors go to stderr; the exit status is 1 if any file failed.
 */
public final class DescribeCommand {
    private static final ObjectMapper JSON = new ObjectMapper();

    private DescribeCommand() {}

    public static int run(List<String> args, Settings settings, PrintStream out, PrintStream err) {
        boolean crop = false;
        List<String> files = new ArrayList<>();
        for (String arg : args) {
            if (arg.equals("--crop")) {
                crop = true;
            } else if (arg.startsWith("--")) {
                continue; // configuration flags, already in settings
            } else {
                files.add(arg);
            }
        }
        if (files.isEmpty()) {
            err.println("usage: biostream describe [--crop] FILE...");
            return 2;
        }
        FrameDecoder decoder = new FrameDecoder(DecodeLimits.DEFAULTS);
        int failures = 0;
        try (FacePipeline faces = VisionConfig.from(settings).openPipeline()) {
            for (String file : files) {
                try {
                    RgbImage image = decoder.decode(Files.readAllBytes(Path.of(file)));
                    out.println(JSON.writeValueAsString(describe(file, image, faces, crop)));
                } catch (IOException e) {
                    failures++;
                    err.println(file + ": cannot read: " + e.getMessage());
                } catch (FrameRejectedException e) {
                    failures++;
                    err.println(file + ": " + e.reason() + ": " + e.getMessage());
                }
            }
        }
        return failures == 0 ? 0 : 1;
    }

    static ObjectNode describe(String file, RgbImage image, FacePipeline faces, boolean crop) {
        ObjectNode line = JSON.createObjectNode();
        line.put("file", file);
        ArrayNode list = line.putArray("faces");
        if (crop) {
            addFace(list, new DetectedFace(0, 0, image.width(), image.height(), 1f), faces.describeCrop(image));
        } else {
            for (FacePipeline.Face face : faces.analyze(image)) {
                addFace(list, face.detection(), face.descriptor());
            }
        }
        return line;
    }

    private static void addFace(ArrayNode list, DetectedFace d, float[] descriptor) {
        ObjectNode face = list.addObject();
        ObjectNode box = face.putObject("box");
        box.put("x", d.x());
        box.put("y", d.y());
        box.put("width", d.width());
        box.put("height", d.height());
        face.put("score", d.score());
        if (descriptor == null) {
            face.putNull("descriptor");
        } else {
            ArrayNode values = face.putArray("descriptor");
            for (float v : descriptor) {
                values.add(v);
            }
        }
    }
}
