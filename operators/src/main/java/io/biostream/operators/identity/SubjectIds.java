package io.biostream.operators.identity;

import java.util.regex.Pattern;

/**
 * The rule for subject ids, which appear in URL paths, template ids
 * ({@code enrollment/<subjectId>/<n>}) and log lines.
 */
public final class SubjectIds {
    public static final String RULE = "1-128 characters of A-Z a-z 0-9 . _ : -, not starting with . or -";
    private static final Pattern VALID = Pattern.compile("[A-Za-z0-9_:][A-Za-z0-9._:-]{0,127}");

    private SubjectIds() {}

    public static boolean isValid(String subjectId) {
        return subjectId != null && VALID.matcher(subjectId).matches();
    }
}
