package dev.omnibus;

import java.io.PrintWriter;
import java.io.StringWriter;

/**
 * One exception of a {@link Fault}, in MassTransit's shape.
 *
 * @param exceptionType  the exception's class name
 * @param innerException its cause, or null
 * @param stackTrace     the stack trace as text, trimmed to {@link #MAX_TEXT} characters
 * @param message        the exception's message, trimmed to {@link #MAX_TEXT} characters
 * @param source         where it was raised (the class of the top frame), or null
 * @param data           extra values about the exception, MassTransit's {@code ExceptionInfo.Data}
 *                       (an object on the wire); null when there are none, which is what Omnibus
 *                       writes for a Java exception
 */
public record ExceptionInfo(
        String exceptionType, ExceptionInfo innerException, String stackTrace, String message, String source,
        Headers data) {

    /** An entry without data. */
    public ExceptionInfo(String exceptionType, ExceptionInfo innerException, String stackTrace, String message,
            String source) {
        this(exceptionType, innerException, stackTrace, message, source, null);
    }

    /** The longest message or stack trace kept, as MassTransit keeps in its fault headers. */
    public static final int MAX_TEXT = 2048;

    /** Describes {@code t} and its causes (at most 8 deep), stack traces included. */
    public static ExceptionInfo of(Throwable t) {
        return of(t, true, 0);
    }

    /** Describes {@code t} and its causes (at most 8 deep); without {@code stackTraces}, their stack traces are null. */
    public static ExceptionInfo of(Throwable t, boolean stackTraces) {
        return of(t, stackTraces, 0);
    }

    private static ExceptionInfo of(Throwable t, boolean stackTraces, int depth) {
        if (t == null || depth >= 8) {
            return null;
        }
        StackTraceElement[] frames = t.getStackTrace();
        return new ExceptionInfo(
                t.getClass().getName(),
                t.getCause() == t ? null : of(t.getCause(), stackTraces, depth + 1),
                stackTraces ? trim(stackTraceOf(t)) : null,
                trim(t.getMessage()),
                frames.length > 0 ? frames[0].getClassName() : null,
                null);
    }

    /** {@code text} cut to {@link #MAX_TEXT} characters. */
    public static String trim(String text) {
        if (text == null || text.length() <= MAX_TEXT) {
            return text;
        }
        return text.substring(0, MAX_TEXT);
    }

    private static String stackTraceOf(Throwable t) {
        StringWriter w = new StringWriter();
        t.printStackTrace(new PrintWriter(w));
        return w.toString();
    }
}
