package dev.omnibus;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Gives a message type a URN of its own, so that a rename or a move to another package does not
 * change its name on the wire. {@code @MessageUrn("Acme.Orders:SubmitOrder")} names the type
 * {@code urn:message:Acme.Orders:SubmitOrder}, the name a .NET type {@code Acme.Orders.SubmitOrder}
 * has in MassTransit. A value that is already a full {@code urn:} is used as it is.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface MessageUrn {
    /** {@code Namespace:Name}, or a whole URN starting with {@code urn:}. */
    String value();
}
