package dev.omnibus.rabbitmq.wire;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Envelope;
import com.rabbitmq.client.LongString;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.Date;
import java.util.List;
import java.util.Map;

/**
 * One message as a plain AMQP client received it, turned into a JSON tree that a golden file can
 * be compared with, with no Omnibus code in between:
 *
 * <pre>{@code
 * { "delivery":   { "exchange": "...", "routingKey": "" },
 *   "properties": { "contentType": ..., "deliveryMode": 2, "messageId": ..., ... every basic property, null when unset },
 *   "headers":    { the AMQP header table },
 *   "envelope":   { the body, parsed as JSON } }
 * }</pre>
 *
 * <p>AMQP header values become JSON as follows: long strings → strings, integers → numbers,
 * booleans → booleans, decimals → numbers, arrays → arrays, tables → objects, AMQP timestamps →
 * {@code {"amqp-timestamp": "<ISO-8601>"}} (so that a timestamp is never mistaken for its text),
 * byte arrays → {@code {"amqp-bytes": <length>}}. Immutable.
 */
public record Captured(JsonNode tree, byte[] body) {
    static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    static Captured of(Envelope delivery, AMQP.BasicProperties p, byte[] body) {
        ObjectNode root = NODES.objectNode();
        ObjectNode d = root.putObject("delivery");
        d.put("exchange", delivery.getExchange());
        d.put("routingKey", delivery.getRoutingKey());
        ObjectNode props = root.putObject("properties");
        props.set("contentType", value(p.getContentType()));
        props.set("contentEncoding", value(p.getContentEncoding()));
        props.set("deliveryMode", value(p.getDeliveryMode()));
        props.set("priority", value(p.getPriority()));
        props.set("correlationId", value(p.getCorrelationId()));
        props.set("replyTo", value(p.getReplyTo()));
        props.set("expiration", value(p.getExpiration()));
        props.set("messageId", value(p.getMessageId()));
        props.set("timestamp", value(p.getTimestamp()));
        props.set("type", value(p.getType()));
        props.set("userId", value(p.getUserId()));
        props.set("appId", value(p.getAppId()));
        props.set("clusterId", value(p.getClusterId()));
        ObjectNode headers = root.putObject("headers");
        if (p.getHeaders() != null) {
            p.getHeaders().forEach((k, v) -> headers.set(k, value(v)));
        }
        JsonNode envelope;
        try {
            envelope = JSON.readTree(body);
        } catch (IOException e) {
            envelope = NODES.textNode("<not JSON> " + new String(body, StandardCharsets.UTF_8));
        }
        root.set("envelope", envelope == null ? NODES.nullNode() : envelope);
        return new Captured(root, body);
    }

    /** The node at a dotted path ({@code envelope.messageId}); a missing node when absent. */
    public JsonNode at(String dottedPath) {
        return Golden.path(tree, dottedPath);
    }

    /** The envelope's text at {@code field}, or null. */
    public String envelopeText(String field) {
        JsonNode n = tree.path("envelope").path(field);
        return n.isTextual() ? n.asText() : null;
    }

    /** The message inside the envelope. */
    public JsonNode message() {
        return tree.path("envelope").path("message");
    }

    @Override
    public String toString() {
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(tree);
        } catch (IOException e) {
            return tree.toString();
        }
    }

    static JsonNode value(Object v) {
        if (v == null) {
            return NODES.nullNode();
        }
        if (v instanceof LongString ls) {
            return NODES.textNode(ls.toString());
        }
        if (v instanceof String s) {
            return NODES.textNode(s);
        }
        if (v instanceof Integer i) {
            return NODES.numberNode(i);
        }
        if (v instanceof Long l) {
            return NODES.numberNode(l);
        }
        if (v instanceof Short s) {
            return NODES.numberNode(s);
        }
        if (v instanceof Byte b) {
            return NODES.numberNode(b);
        }
        if (v instanceof Boolean b) {
            return NODES.booleanNode(b);
        }
        if (v instanceof Double dbl) {
            return NODES.numberNode(dbl);
        }
        if (v instanceof Float f) {
            return NODES.numberNode(f);
        }
        if (v instanceof BigDecimal bd) {
            return NODES.numberNode(bd);
        }
        if (v instanceof Date date) {
            ObjectNode ts = NODES.objectNode();
            ts.put("amqp-timestamp", date.toInstant().toString());
            return ts;
        }
        if (v instanceof byte[] bytes) {
            ObjectNode b = NODES.objectNode();
            b.put("amqp-bytes", bytes.length);
            return b;
        }
        if (v instanceof List<?> list) {
            ArrayNode a = NODES.arrayNode();
            list.forEach(x -> a.add(value(x)));
            return a;
        }
        if (v instanceof Map<?, ?> map) {
            ObjectNode o = NODES.objectNode();
            map.forEach((k, x) -> o.set(String.valueOf(k), value(x)));
            return o;
        }
        return NODES.textNode("<" + v.getClass().getName() + "> " + v);
    }
}
