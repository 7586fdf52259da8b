package io.biostream.operators.functions;

import io.biostream.operators.vision.FacePipeline;
import io.biostream.operators.vision.VisionConfig;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The face pipelines of one analysis subtask, one per detector name, opened on first use (loading
 * the nets takes seconds), so a live change of detector needs no restart. At most one per known
 * detector is ever held.
 */
public final class FacePipelines implements AutoCloseable {
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

    @Override
    public void close() {
        open.values().forEach(FacePipeline::close);
        open.clear();
    }
}
