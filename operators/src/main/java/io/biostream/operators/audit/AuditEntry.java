package io.biostream.operators.audit;

import io.biostream.schemas.AuditOutcome;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * What happened, before the chain gives it a sequence, a time and its hashes: who (actor) did what
 * (action) to which camera or subject, and how it ended. Details carry context only, never a
 * secret, a key or a descriptor.
 */
public record AuditEntry(String actor, String action, String subject, AuditOutcome outcome, Map<String, String> details) {
    public static final int MAX_ACTOR = 128;
    public static final int MAX_SUBJECT = 256;
    public static final int MAX_DETAILS = 32;
    public static final int MAX_DETAIL_KEY = 64;
    public static final int MAX_DETAIL_VALUE = 1024;
    private static final Pattern ACTION = Pattern.compile("[a-z][a-z0-9_-]*(\\.[a-z0-9_-]+)*");
    private static final int MAX_ACTION = 64;

    public AuditEntry {
        require(actor != null && !actor.isBlank() && actor.length() <= MAX_ACTOR, "actor must be 1-" + MAX_ACTOR + " characters");
        require(action != null && action.length() <= MAX_ACTION && ACTION.matcher(action).matches(),
                "action must be a dotted lowercase name, got '" + action + "'");
        require(subject == null || subject.length() <= MAX_SUBJECT, "subject longer than " + MAX_SUBJECT);
        require(outcome != null && outcome != AuditOutcome.UNKNOWN, "outcome must be SUCCESS, DENIED or FAILED");
        details = details == null ? Map.of() : details;
        require(details.size() <= MAX_DETAILS, "more than " + MAX_DETAILS + " details");
        details.forEach((k, v) -> {
            require(k != null && !k.isEmpty() && k.length() <= MAX_DETAIL_KEY, "detail key must be 1-" + MAX_DETAIL_KEY + " characters");
            require(v != null && v.length() <= MAX_DETAIL_VALUE, "detail '" + k + "' is null or longer than " + MAX_DETAIL_VALUE);
            require(wellFormed(k) && wellFormed(v), "detail '" + k + "' is not well-formed text");
        });
        require(wellFormed(actor) && (subject == null || wellFormed(subject)), "actor or subject is not well-formed text");
        details = Collections.unmodifiableMap(new TreeMap<>(details));
    }

    public static AuditEntry of(String actor, String action, String subject, AuditOutcome outcome, Map<String, String> details) {
        return new AuditEntry(actor, action, subject, outcome, details);
    }

    /**
     * Text from a request (a path, a claimed id) made safe to record: cut to {@code max} characters
     * at a code-point boundary, lone surrogates replaced, so it encodes to UTF-8 and back unchanged.
     */
    public static String clip(String text, int max) {
        Objects.requireNonNull(text, "text");
        StringBuilder out = new StringBuilder(Math.min(text.length(), max));
        int i = 0;
        while (i < text.length()) {
            int cp = text.codePointAt(i);
            int width = Character.charCount(cp);
            if (Character.isSurrogate((char) cp) && width == 1) {
                cp = 0xFFFD;
            }
            if (out.length() + Character.charCount(cp) > max) {
                break;
            }
            out.appendCodePoint(cp);
            i += width;
        }
        return out.toString();
    }

    /** True when the text has no lone surrogate, i.e. UTF-8 encoding does not alter it. */
    static boolean wellFormed(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c)) {
                if (i + 1 >= text.length() || !Character.isLowSurrogate(text.charAt(i + 1))) {
                    return false;
                }
                i++;
            } else if (Character.isLowSurrogate(c)) {
                return false;
            }
        }
        return true;
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException("invalid audit entry: " + message);
        }
    }
}
