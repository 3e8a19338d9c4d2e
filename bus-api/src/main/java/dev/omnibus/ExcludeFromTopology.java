package dev.omnibus;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Keeps a message interface out of the message's types: it is not listed in the envelope's
 * {@code messageType}, publishing does not reach its consumers, and brokers declare no exchange
 * for it. Put it on marker and base interfaces that nobody consumes.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface ExcludeFromTopology {
}
