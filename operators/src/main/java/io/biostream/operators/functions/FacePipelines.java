package io.biostream.operators.functions;

import io.biostream.operators.vision.FacePipeline;
import io.biostream.operators.vision.VisionConfig;
import io.biostream.operators.vision.VisionWarmup;
import io.biostream.operators.vision.WarmupConfig;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The face pipelines of one analysis subtask, one per detector name, opened on first use (loading
 * the nets takes seconds), so a live change of detector needs no restart. At most one per known
 * detector is ever held.
 */
public final class FacePipelines implements AutoCloseable {
    /**
     * What was warmed up in this process: the JIT's code and oneDNN's kernels belong to the process,
     * so a subtask restarted in the same TaskManager (a failover) starts at once, warm.
     */
    private static final Set<List<Object>> WARMED = ConcurrentHashMap.newKeySet();

    private final VisionConfig base;
    private final Map<String, FacePipeline> open = new LinkedHashMap<>();

    public FacePipelines(VisionConfig base) {
        this.base = base;
    }

    public FacePipeline forDetector(String detector) {
        FacePipeline pipeline = open.get(detector);
        if (pipeline == null) {
            pipeline = base.withDetector(detector).openPipeline();
            open.put(detector, pipeline);
        }
        return pipeline;
    }

    /**
     * Runs {@link VisionWarmup} on the detector's pipeline, unless this process has warmed the same
     * configuration up already (then {@link VisionWarmup.Report#NONE}). Two subtasks opening at once
     * in one process both warm up, each its own nets, side by side.
     */
    VisionWarmup.Report warmUp(String detector, WarmupConfig warmup, int maxFaces, VisionWarmup.Decoder decoder) {
        List<Object> key = List.of(base.withDetector(detector), warmup, maxFaces);
        if (!warmup.enabled() || WARMED.contains(key)) {
            return VisionWarmup.Report.NONE;
        }
        VisionWarmup.Report report = VisionWarmup.run(forDetector(detector), warmup.duration(), maxFaces, decoder);
        if (report.failure() == null && report.passes() > 0) {
            WARMED.add(key);
        }
        return report;
    }

    /** Forgets what this process warmed up (tests that open the analysis more than once). */
    static void forgetWarmUps() {
        WARMED.clear();
    }

    @Override
    public void close() {
        open.values().forEach(FacePipeline::close);
        open.clear();
    }
}
