package io.biostream.api.identity;

import io.biostream.api.ApiError;
import io.javalin.http.Context;
import jakarta.servlet.MultipartConfigElement;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.Part;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;

/**
 * Photos sent to the API, the one way every photo route reads them: the request body with
 * Content-Type image/jpeg or image/png, or multipart/form-data whose parts carry the names the
 * route asks for ({@code image}; {@code a} and {@code b} for verify). Parts are held in memory
 * only (never spooled to a temporary file: they are biometric data), up to the request limit.
 */
public final class ImageUploads {
    /** Most photos one request may carry. */
    public static final int MAX_PHOTOS = 20;
    private static final String JETTY_MULTIPART_CONFIG = "org.eclipse.jetty.multipartConfig";

    /** One uploaded photo: the part it came in ({@code null} for a plain body) and its bytes. */
    public record Upload(String part, int index, byte[] bytes) {
        /** Names it in messages: "part 'image' #2", or "the request body". */
        public String describe() {
            return part == null ? "the request body" : "part '" + part + "' #" + (index + 1);
        }
    }

    private final long maxBody;

    public ImageUploads(long maxBody) {
        this.maxBody = maxBody;
    }

    /**
     * The photos of the request, in order: a plain image body counts as one photo in the first of
     * {@code partNames}. Refused with 415 for another content type, 400 for a part with another
     * name, no photo, or more than {@value #MAX_PHOTOS}, 413 beyond the request limit.
     */
    public List<Upload> read(Context ctx, List<String> partNames) {
        String type = mediaType(ctx.contentType());
        if (type.equals("image/jpeg") || type.equals("image/png")) {
            byte[] body = ctx.bodyAsBytes();
            if (body.length == 0) {
                throw new ApiError(400, "no_image", "the request body is empty; send a JPEG or PNG photo");
            }
            return List.of(new Upload(null, 0, body));
        }
        if (!type.equals("multipart/form-data")) {
            throw new ApiError(415, "unsupported_media_type", "send a photo as the body with Content-Type image/jpeg "
                    + "or image/png, or as multipart/form-data with parts named " + names(partNames));
        }
        List<Upload> uploads = new ArrayList<>();
        int[] perName = new int[partNames.size()];
        for (Part part : parts(ctx)) {
            int which = partNames.indexOf(part.getName());
            if (which < 0) {
                throw ApiError.badRequest("unexpected_part", "unexpected multipart part '" + clip(part.getName())
                        + "'; this route reads parts named " + names(partNames));
            }
            if (uploads.size() == MAX_PHOTOS) {
                throw ApiError.badRequest("too_many_photos", "at most " + MAX_PHOTOS + " photos per request");
            }
            uploads.add(new Upload(part.getName(), perName[which]++, bytesOf(part)));
        }
        if (uploads.isEmpty()) {
            throw ApiError.badRequest("no_image", "no photo in the request; send parts named " + names(partNames));
        }
        return uploads;
    }

    /** Exactly one photo in each of {@code partNames}, in that order (verify: a, b). */
    public List<Upload> readOneEach(Context ctx, List<String> partNames) {
        List<Upload> uploads = read(ctx, partNames);
        List<Upload> ordered = new ArrayList<>();
        for (String name : partNames) {
            List<Upload> named = uploads.stream().filter(u -> name.equals(u.part()) || (u.part() == null && name.equals(partNames.get(0)))).toList();
            if (named.size() != 1) {
                throw ApiError.badRequest("expected_photos", "send exactly one photo in each multipart part " + names(partNames)
                        + " (got " + named.size() + " in '" + name + "')");
            }
            ordered.add(named.get(0));
        }
        return ordered;
    }

    /** Exactly one photo, in the body or in a part named {@code partName}. */
    public Upload readOne(Context ctx, String partName) {
        return readOneEach(ctx, List.of(partName)).get(0);
    }

    private Collection<Part> parts(Context ctx) {
        int inMemory = (int) Math.min(Integer.MAX_VALUE, maxBody + 1);
        ctx.req().setAttribute(JETTY_MULTIPART_CONFIG,
                new MultipartConfigElement(System.getProperty("java.io.tmpdir"), maxBody, maxBody, inMemory));
        try {
            return ctx.req().getParts();
        } catch (IOException | ServletException | IllegalStateException e) {
            throw tooLarge(e) ? new ApiError(413, "body_too_large", "the request body exceeds " + maxBody + " bytes")
                    : ApiError.badRequest("invalid_multipart", "the multipart body could not be read");
        }
    }

    private static boolean tooLarge(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            String text = String.valueOf(t.getMessage()).toLowerCase(Locale.ROOT);
            if (text.contains("too large") || text.contains("exceeds") || text.contains("max")) {
                return true;
            }
        }
        return false;
    }

    private byte[] bytesOf(Part part) {
        if (part.getSize() > maxBody) {
            throw new ApiError(413, "body_too_large", "the request body exceeds " + maxBody + " bytes");
        }
        try (InputStream in = part.getInputStream()) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw ApiError.badRequest("invalid_multipart", "multipart part '" + clip(part.getName()) + "' could not be read");
        }
    }

    static String mediaType(String contentType) {
        if (contentType == null) {
            return "";
        }
        int semicolon = contentType.indexOf(';');
        return (semicolon < 0 ? contentType : contentType.substring(0, semicolon)).trim().toLowerCase(Locale.ROOT);
    }

    private static String names(List<String> partNames) {
        return String.join(", ", partNames.stream().map(n -> "'" + n + "'").toList());
    }

    private static String clip(String text) {
        if (text == null) {
            return "";
        }
        String printable = text.replaceAll("[^\\x20-\\x7e]", "?");
        return printable.length() <= 64 ? printable : printable.substring(0, 64) + "...";
    }
}
