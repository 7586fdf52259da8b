package io.biostream.operators.records;

/** That a camera delivered a frame, for the camera index (Flink POJO). */
public class CameraSighting {
    public String cameraId;
    public long sequence;
    public long processedTime;

    public CameraSighting() {}

    public CameraSighting(String cameraId, long sequence, long processedTime) {
        this.cameraId = cameraId;
        this.sequence = sequence;
        this.processedTime = processedTime;
    }
}
