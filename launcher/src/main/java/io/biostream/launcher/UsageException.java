package io.biostream.launcher;

/** A command line a command cannot run: its message says what is wrong, the command's usage follows it. */
final class UsageException extends Exception {
    private static final long serialVersionUID = 1L;

    UsageException(String message) {
        super(message);
    }
}
