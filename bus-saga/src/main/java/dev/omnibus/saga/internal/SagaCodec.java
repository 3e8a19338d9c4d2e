package dev.omnibus.saga.internal;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.annotation.PropertyAccessor;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.omnibus.SerializationException;
import dev.omnibus.saga.SagaRecord;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Reads and writes the JSON document of a saga instance:
 * {@code {"data": <the user's state>, "schedules": {name: messageId}, "seen": {composite: [events]},
 * "applied": messageId, "appliedOn": endpoint}}: the consumed message whose transition the record holds
 * and the endpoint that consumed it, so another copy of that message is recognised (see {@code SagaRuntime}).
 * Internal; thread-safe.
 *
 * @param <S> the user's state class
 */
public final class SagaCodec<S> {
    /**
     * A decoded instance document; the maps are mutable working copies.
     *
     * @param applied   the message whose transition made this record, or null (older records, foreign messages)
     * @param appliedOn the endpoint that consumed it
     */
    public record Doc<S>(S data, Map<String, UUID> schedules, Map<String, Set<String>> seen, UUID applied,
            String appliedOn) {
        /** This document as made by the transition of {@code message}, consumed on {@code endpoint}. */
        public Doc<S> appliedBy(UUID message, String endpoint) {
            return new Doc<>(data, schedules, seen, message, endpoint);
        }

        /** Whether this record holds the transition of {@code message} consumed on {@code endpoint}. */
        public boolean applied(UUID message, String endpoint) {
            return message != null && message.equals(applied) && endpoint.equals(appliedOn);
        }
    }

    /** The state name and document JSON a transition started from (null JSON: a new instance). */
    public record Before(String state, String json) {
    }

    private final Class<S> type;
    private final ObjectMapper mapper;

    public SagaCodec(Class<S> type, ObjectMapper mapper) {
        this.type = type;
        this.mapper = mapper != null ? mapper : defaultMapper();
    }

    static ObjectMapper defaultMapper() {
        ObjectMapper m = new ObjectMapper();
        m.registerModule(new JavaTimeModule());
        m.setVisibility(PropertyAccessor.ALL, JsonAutoDetect.Visibility.NONE);
        m.setVisibility(PropertyAccessor.FIELD, JsonAutoDetect.Visibility.ANY);
        m.disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
        m.disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);
        m.disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
        return m;
    }

    /** A fresh state object. */
    public S newState() {
        try {
            return mapper.readValue("{}", type);
        } catch (Exception e) {
            throw new SerializationException("cannot create a " + type.getName()
                    + ": a saga state class needs a no-argument constructor (Jackson must be able to create it)", e);
        }
    }

    public Doc<S> fresh() {
        return new Doc<>(newState(), new LinkedHashMap<>(), new LinkedHashMap<>(), null, null);
    }

    public Doc<S> decode(SagaRecord r) {
        return decode(r.id(), r.json());
    }

    /** The document {@code json} of instance {@code id}. */
    public Doc<S> decode(UUID id, String json) {
        try {
            JsonNode root = mapper.readTree(json);
            S data = mapper.treeToValue(root.path("data"), type);
            Map<String, UUID> schedules = new LinkedHashMap<>();
            root.path("schedules").fields().forEachRemaining(f -> schedules.put(f.getKey(), UUID.fromString(f.getValue().asText())));
            Map<String, Set<String>> seen = new LinkedHashMap<>();
            root.path("seen").fields().forEachRemaining(f -> {
                Set<String> names = new LinkedHashSet<>();
                f.getValue().forEach(n -> names.add(n.asText()));
                seen.put(f.getKey(), names);
            });
            JsonNode applied = root.path("applied");
            return new Doc<>(data == null ? newState() : data, schedules, seen,
                    applied.isTextual() ? UUID.fromString(applied.asText()) : null,
                    root.path("appliedOn").isTextual() ? root.path("appliedOn").asText() : null);
        } catch (Exception e) {
            throw new SerializationException("cannot read saga instance " + id + " as " + type.getName() + ": " + e.getMessage(), e);
        }
    }

    public String encode(Doc<S> doc) {
        try {
            ObjectNode root = mapper.createObjectNode();
            root.set("data", mapper.valueToTree(doc.data()));
            ObjectNode sch = root.putObject("schedules");
            doc.schedules().forEach((k, v) -> sch.put(k, v.toString()));
            ObjectNode seen = root.putObject("seen");
            doc.seen().forEach((k, v) -> {
                var arr = seen.putArray(k);
                v.forEach(arr::add);
            });
            if (doc.applied() != null) {
                root.put("applied", doc.applied().toString());
                root.put("appliedOn", doc.appliedOn());
            }
            return mapper.writeValueAsString(root);
        } catch (Exception e) {
            throw new SerializationException("cannot write saga state " + type.getName() + " as JSON: " + e.getMessage(), e);
        }
    }
}
