package dev.omnibus;

import java.net.URI;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Where a message is sent: a receive endpoint's queue, or a named topic (exchange). Short forms
 * {@code queue:orders} and {@code topic:orders} are transport-neutral; a full transport address
 * such as {@code rabbitmq://host/vhost/orders} or {@code loopback://localhost/orders} names the
 * endpoint by its last path segment. Immutable.
 *
 * @param uri the address as a URI
 */
public record Address(URI uri) {
    private static final Pattern NAME = Pattern.compile("[\\w\\p{L}\\-.:]+");

    public Address {
        Objects.requireNonNull(uri, "uri");
        if (nameOf(uri).isEmpty()) {
            throw new ConfigurationException("Address " + uri + " names no endpoint: use queue:<name> or <scheme>://host/<name>");
        }
    }

    /** The queue of the receive endpoint {@code name}. */
    public static Address queue(String name) {
        return new Address(URI.create("queue:" + checkName(name)));
    }

    /** The topic (fan-out exchange) {@code name}. */
    public static Address topic(String name) {
        return new Address(URI.create("topic:" + checkName(name)));
    }

    /** Parses a short form ({@code queue:x}, {@code topic:x}) or a transport URI. */
    public static Address parse(String address) {
        return new Address(URI.create(Objects.requireNonNull(address, "address")));
    }

    /** The endpoint or topic name this address points at. */
    public String name() {
        return nameOf(uri);
    }

    /** True for {@code topic:} and {@code exchange:} addresses and transport URIs with {@code type=topic}. */
    public boolean isTopic() {
        String scheme = uri.getScheme();
        if ("topic".equals(scheme) || "exchange".equals(scheme)) {
            return true;
        }
        String q = uri.getRawQuery();
        return q != null && q.contains("type=topic");
    }

    /** Checks an endpoint or topic name: letters, digits, {@code - _ . :}. */
    public static String checkName(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new ConfigurationException(
                    "Invalid endpoint name '" + name + "': use letters, digits and - _ . : only");
        }
        return name;
    }

    private static String nameOf(URI uri) {
        if (uri.isOpaque()) {
            String ssp = uri.getSchemeSpecificPart();
            int q = ssp.indexOf('?');
            return q >= 0 ? ssp.substring(0, q) : ssp;
        }
        String path = uri.getPath();
        if (path == null) {
            return "";
        }
        while (path.endsWith("/")) {
            path = path.substring(0, path.length() - 1);
        }
        return path.substring(path.lastIndexOf('/') + 1);
    }

    @Override
    public String toString() {
        return uri.toString();
    }
}
