package io.biostream.operators.audit;

/**
 * A signed break event met by verification, at {@code sequence} (topic {@code offset}): the writer
 * found the trail before it not its own and wrote past it, saying why ({@code reason}). When the
 * verifier itself found a bad event before it, {@code problem}, {@code detail} and
 * {@code problemOffset} name it; when the events before it verified (well-hashed events appended
 * by someone without the signing key, a cut back to an older checkpoint) they are null.
 */
public record AuditBreak(long sequence, Long offset, String reason, AuditProblem problem, String detail,
                         Long problemOffset) {}
