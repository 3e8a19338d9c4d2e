package dev.omnibus.json;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.omnibus.ConfigurationException;

/**
 * The settings both MassTransit JSON formats share (the envelope and raw JSON): the mapper, and how
 * enums and durations are written. Their builders extend it. Not thread-safe.
 *
 * @param <B> the concrete builder, returned by each setter
 */
abstract class CodecBuilder<B extends CodecBuilder<B>> {
    private ObjectMapper mapper;
    private EnumFormat enums = EnumFormat.NUMBER;
    private DurationFormat durations = DurationFormat.TIMESPAN;

    abstract B self();

    /**
     * Writes and binds messages with a copy of {@code mapper}, configured as
     * {@link JsonEnvelopeSerializer#create(ObjectMapper)} describes; default: Omnibus's own mapper.
     */
    public B mapper(ObjectMapper mapper) {
        this.mapper = mapper;
        return self();
    }

    /** How enums are written (both forms are read); default {@link EnumFormat#NUMBER}. */
    public B enums(EnumFormat enums) {
        this.enums = enums;
        return self();
    }

    /** How durations are written (both forms are read); default {@link DurationFormat#TIMESPAN}. */
    public B durations(DurationFormat durations) {
        this.durations = durations;
        return self();
    }

    /**
     * The codec these settings describe.
     *
     * @throws ConfigurationException naming every setting left null, or if the mapper is not a JSON mapper
     */
    JsonCodec codec(String builderName) {
        java.util.List<String> problems = new java.util.ArrayList<>();
        if (enums == null) {
            problems.add("enums is null: pass EnumFormat.NUMBER (MassTransit) or EnumFormat.NAME");
        }
        if (durations == null) {
            problems.add("durations is null: pass DurationFormat.TIMESPAN (MassTransit) or DurationFormat.ISO_8601");
        }
        if (!problems.isEmpty()) {
            throw new ConfigurationException(builderName + ": " + String.join("; ", problems));
        }
        JsonCodec.Options options = new JsonCodec.Options(enums, durations);
        return mapper == null ? JsonCodec.create(options) : JsonCodec.create(mapper, options);
    }
}
