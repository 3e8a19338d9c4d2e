package dev.omnibus.testing;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a method of a {@link BusTest} class that configures the harness's bus. It takes one
 * {@link dev.omnibus.BusBuilder} parameter and may be static or an instance method; several run
 * in the order JUnit finds them (superclass first).
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface ConfigureBus {
}
