package io.biostream.api;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** A multipart/form-data body as a browser or curl -F would send it. */
final class Multipart {
    private record Part(String name, String filename, String contentType, byte[] bytes) {}

    private final String boundary = "----biostream" + UUID.randomUUID().toString().replace("-", "");
    private final List<Part> parts = new ArrayList<>();

    Multipart image(String name, byte[] bytes) {
        parts.add(new Part(name, name + ".png", "image/png", bytes));
        return this;
    }

    Multipart part(String name, String filename, String contentType, byte[] bytes) {
        parts.add(new Part(name, filename, contentType, bytes));
        return this;
    }

    String contentType() {
        return "multipart/form-data; boundary=" + boundary;
    }

    byte[] body() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Part p : parts) {
            write(out, "--" + boundary + "\r\n");
            write(out, "Content-Disposition: form-data; name=\"" + p.name() + "\""
                    + (p.filename() == null ? "" : "; filename=\"" + p.filename() + "\"") + "\r\n");
            write(out, "Content-Type: " + p.contentType() + "\r\n\r\n");
            out.writeBytes(p.bytes());
            write(out, "\r\n");
        }
        write(out, "--" + boundary + "--\r\n");
        return out.toByteArray();
    }

    private static void write(ByteArrayOutputStream out, String text) {
        out.writeBytes(text.getBytes(StandardCharsets.UTF_8));
    }
}
