package dev.omnibus.json;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.DeserializationConfig;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.deser.BeanDeserializerBuilder;
import com.fasterxml.jackson.databind.deser.BeanDeserializerModifier;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.cbor.CBORFactory;
import com.fasterxml.jackson.dataformat.cbor.databind.CBORMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.omnibus.ConfigurationException;
import dev.omnibus.SerializationException;
import java.io.IOException;
import java.lang.reflect.Type;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * The one place where the Jackson configuration of this package lives: a private, configured
 * {@link ObjectMapper} and the readers and writer made from it once, shared by every message a
 * serializer handles. The same configuration serves JSON ({@link #create()}) and CBOR
 * ({@link #cbor()}), so a record binds to the same values in both formats.
 *
 * <p>What is configured, and why (each matches System.Text.Json with MassTransit's options):
 * <ul>
 *   <li>{@link JavaTimeModule} and {@link MassTransitModule}: ISO-8601 instants, decimals as strings,
 *       GUIDs in any .NET form;</li>
 *   <li>{@code WRITE_DATES_AS_TIMESTAMPS} and {@code WRITE_DURATIONS_AS_TIMESTAMPS} off: dates and
 *       durations are strings; {@code ADJUST_DATES_TO_CONTEXT_TIME_ZONE} off: an
 *       {@code OffsetDateTime} keeps its offset, as a .NET {@code DateTimeOffset} does;</li>
 *   <li>{@code WRITE_ENUMS_USING_INDEX} on for {@link EnumFormat#NUMBER} (System.Text.Json writes
 *       enums as numbers), off for {@link EnumFormat#NAME}; numbers and names are read either way;</li>
 *   <li>{@code ACCEPT_CASE_INSENSITIVE_PROPERTIES} and {@code _ENUMS} on, {@code FAIL_ON_UNKNOWN_PROPERTIES}
 *       off: a tolerant reader;</li>
 *   <li>{@code ALLOW_JAVA_COMMENTS} and {@code ALLOW_TRAILING_COMMA} on (JSON only);</li>
 *   <li>a nesting depth limit of {@value #MAX_NESTING_DEPTH} (STJ's default is 64, MassTransit
 *       does not change it), so a hostile body cannot exhaust the stack;</li>
 *   <li>{@code FAIL_ON_EMPTY_BEANS} off, so a record without components is written as {@code {}};</li>
 *   <li>default typing deactivated, so no class name is ever read from a message (a type's own
 *       {@code @JsonTypeInfo} with the subtypes it declares still works);</li>
 *   <li>trees keep floating-point numbers as exact {@code BigDecimal}s, so a decimal sent as a
 *       number binds without loss.</li>
 * </ul>
 *
 * <p><b>Exact names first.</b> Case-insensitive property matching costs a {@code toLowerCase} and a
 * hash lookup per property per message (Jackson lower-cases every incoming name). Message bodies
 * are therefore bound first by a twin of the mapper that matches names exactly and fails on any
 * name it does not know ({@code FAIL_ON_UNKNOWN_PROPERTIES} on, {@code @JsonIgnoreProperties(ignoreUnknown)}
 * and any-setters switched off, so an unknown name can never be silently dropped or diverted). When
 * every name matches exactly, both mappers bind the same properties, so the result is the same. The
 * first time a type meets a name the exact twin does not know (another casing, a field the record
 * lacks), that type switches to the case-insensitive mapper for good, and the body is bound again
 * by it; any other failure is also retried there, so errors read exactly as before.
 *
 * <p>Thread-safe: the mapper is never changed after construction; the per-type reader caches are
 * concurrent maps bounded by the number of registered message types.
 */
final class JsonCodec {
    /** The deepest nesting of arrays and objects a body may have. */
    static final int MAX_NESTING_DEPTH = 200;
    /** Readers cached per bound type; types come from the bus's registry, so this is plenty. */
    private static final int MAX_CACHED_READERS = 4096;

    private final ObjectMapper mapper;
    private final String format;
    private final ObjectReader treeReader;
    private final ObjectReader bodyReader;
    private final ObjectWriter writer;
    private final ObjectReader inPlaceReader;
    /** The mapper's twin matching property names exactly, failing on unknown ones (see the class comment). */
    private final ObjectMapper exactMapper;
    /** A reader over a factory whose nesting limit is one less: for values parsed inside the envelope object. */
    private final ObjectReader nestedTreeReader;
    private final ConcurrentMap<Type, TypeReaders> readers = new ConcurrentHashMap<>();
    private final ConcurrentMap<Class<?>, ObjectWriter> writers = new ConcurrentHashMap<>();

    private JsonCodec(ObjectMapper mapper, String format) {
        this.mapper = mapper;
        this.format = format;
        this.bodyReader = mapper.reader().with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
        this.treeReader = mapper.reader()
                .with(JsonNodeFeature.USE_BIG_DECIMAL_FOR_FLOATS)
                .without(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES)
                .with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
        this.inPlaceReader = mapper.reader();
        this.writer = mapper.writer().without(SerializationFeature.FLUSH_AFTER_WRITE_VALUE);
        this.exactMapper = exactTwin(mapper);
        JsonFactory nested = mapper.getFactory().copy();
        nested.setCodec(mapper); // trees read from its parsers are the mapper's, as from the body's parser
        StreamReadConstraints limits = nested.streamReadConstraints();
        nested.setStreamReadConstraints(limits.rebuild()
                .maxNestingDepth(Math.max(0, limits.getMaxNestingDepth() - 1)).build());
        this.nestedTreeReader = treeReader.with(nested);
    }

    /** The readers of one bound type: exact names while they fit every body, then case-insensitive. */
    private static final class TypeReaders {
        final ObjectReader exactBody;
        final ObjectReader exactInPlace;
        final ObjectReader body;
        final ObjectReader inPlace;
        /** Cleared, for good, by the first body the exact readers do not know a name of. */
        volatile boolean exact = true;

        TypeReaders(ObjectReader exactBody, ObjectReader exactInPlace, ObjectReader body, ObjectReader inPlace) {
            this.exactBody = exactBody;
            this.exactInPlace = exactInPlace;
            this.body = body;
            this.inPlace = inPlace;
        }
    }

    @SuppressWarnings("deprecation")
    private static ObjectMapper exactTwin(ObjectMapper mapper) {
        ObjectMapper twin = mapper.copy();
        twin.configure(MapperFeature.ACCEPT_CASE_INSENSITIVE_PROPERTIES, false);
        twin.enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
        SimpleModule noSilentUnknowns = new SimpleModule("omnibus-exact-names");
        noSilentUnknowns.setDeserializerModifier(new BeanDeserializerModifier() {
            private static final long serialVersionUID = 1L;

            @Override
            public BeanDeserializerBuilder updateBuilder(DeserializationConfig config, BeanDescription beanDesc,
                    BeanDeserializerBuilder builder) {
                // an unknown name must fail here, so the case-insensitive mapper gets its chance
                builder.setIgnoreUnknownProperties(false);
                builder.setAnySetter(null);
                return builder;
            }
        });
        twin.registerModule(noSilentUnknowns);
        return twin;
    }

    /**
     * How message values are written where formats differ: MassTransit's choices (enum numbers,
     * TimeSpans) or Java's (names, ISO-8601). Both are read either way.
     */
    record Options(EnumFormat enums, DurationFormat durations) {
        /** What a .NET MassTransit service writes and expects. */
        static final Options MASSTRANSIT = new Options(EnumFormat.NUMBER, DurationFormat.TIMESPAN);
        /** Omnibus-only formats (CBOR): names and ISO-8601, as Java writes them. */
        static final Options JAVA = new Options(EnumFormat.NAME, DurationFormat.ISO_8601);
    }

    /** A codec with Omnibus's own mapper, writing as MassTransit does. */
    static JsonCodec create() {
        return create(Options.MASSTRANSIT);
    }

    /** A codec with Omnibus's own mapper and these options. */
    static JsonCodec create(Options options) {
        return new JsonCodec(configure(JsonMapper.builder().build(), options), "JSON");
    }

    /** A codec with Omnibus's own mapper over CBOR (RFC 8949) instead of JSON text. */
    static JsonCodec cbor() {
        return new JsonCodec(configure(new CBORMapper(), Options.JAVA), "CBOR");
    }

    /**
     * A codec over a configured copy of {@code mapper}; {@code mapper} itself is not changed.
     *
     * @throws ConfigurationException if {@code mapper} does not read and write JSON
     */
    static JsonCodec create(ObjectMapper mapper) {
        return create(mapper, Options.MASSTRANSIT);
    }

    /** As {@link #create(ObjectMapper)}, with these options. */
    static JsonCodec create(ObjectMapper mapper, Options options) {
        Objects.requireNonNull(mapper, "mapper");
        String format = mapper.getFactory().getFormatName();
        if (!JsonFactory.FORMAT_NAME_JSON.equals(format)) {
            throw new ConfigurationException("The ObjectMapper given to the JSON serializer writes " + format
                    + ", not JSON: pass a mapper built on a JsonFactory (new ObjectMapper() or JsonMapper.builder())");
        }
        return new JsonCodec(configure(mapper.copy(), options), "JSON");
    }

    // MapperFeature can only be set on a built mapper through deprecated setters; we set it on our
    // own copy before first use, which is what those setters still support.
    @SuppressWarnings("deprecation")
    private static ObjectMapper configure(ObjectMapper m, Options options) {
        JsonFactory factory = m.getFactory();
        StreamReadConstraints limits = factory.streamReadConstraints();
        if (limits.getMaxNestingDepth() > MAX_NESTING_DEPTH) {
            factory.setStreamReadConstraints(limits.rebuild().maxNestingDepth(MAX_NESTING_DEPTH).build());
        }
        if (!(factory instanceof CBORFactory)) {
            factory.enable(JsonReadFeature.ALLOW_JAVA_COMMENTS.mappedFeature());
            factory.enable(JsonReadFeature.ALLOW_TRAILING_COMMA.mappedFeature());
        }
        m.registerModule(new JavaTimeModule());
        m.registerModule(new MassTransitModule(options.durations()));
        m.configure(MapperFeature.ACCEPT_CASE_INSENSITIVE_PROPERTIES, true);
        m.configure(MapperFeature.ACCEPT_CASE_INSENSITIVE_ENUMS, true);
        m.disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
        m.disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
        m.disable(SerializationFeature.WRITE_DURATIONS_AS_TIMESTAMPS);
        // an OffsetDateTime keeps the offset it was sent with, as .NET's DateTimeOffset does
        m.disable(DeserializationFeature.ADJUST_DATES_TO_CONTEXT_TIME_ZONE);
        m.configure(SerializationFeature.WRITE_ENUMS_USING_INDEX, options.enums() == EnumFormat.NUMBER);
        m.disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);
        // A message must never name the class it becomes: no class names read from the wire. Default
        // typing off, and a validator that denies every class name, so a type annotated with
        // @JsonTypeInfo(use = CLASS) (or a user's mapper configured for it) cannot be steered either;
        // type ids by name (@JsonTypeInfo(use = NAME) with @JsonSubTypes) do not go through it and work.
        m.deactivateDefaultTyping();
        m.setPolymorphicTypeValidator(dev.omnibus.internal.InputLimits.denyClassNames());
        return m;
    }

    /** The writer for message bodies and header values. */
    ObjectWriter writer() {
        return writer;
    }

    /** The writer for messages of {@code type}, its serializer found once and cached. */
    ObjectWriter writerFor(Class<?> type) {
        ObjectWriter w = writers.get(type);
        if (w == null) {
            w = writer.forType(type);
            if (writers.size() < MAX_CACHED_READERS) {
                writers.putIfAbsent(type, w);
            }
        }
        return w;
    }

    /**
     * A streaming parser over {@code body} with this codec's read features; its
     * {@code readValueAsTree()} builds trees as {@link #parse} does.
     */
    JsonParser createParser(byte[] body) throws IOException {
        return treeReader.createParser(body);
    }

    /**
     * Binds the value at {@code p}'s current token to {@code type}, leaving {@code p} on the
     * value's last token, so the enclosing document reads on.
     *
     * @throws IOException or RuntimeException as Jackson throws them, unwrapped
     */
    Object bindInPlace(JsonParser p, Type type) throws IOException {
        TypeReaders r = readersOf(type);
        if (!r.exact) {
            return r.inPlace.readValue(p);
        }
        try {
            return r.exactInPlace.readValue(p);
        } catch (UnrecognizedPropertyException e) {
            r.exact = false; // the caller reads the body again, and binds it case-insensitively
            throw e;
        }
    }

    /**
     * A parser over {@code len} bytes of {@code body} at {@code offset}: a value inside the
     * envelope object, so its nesting limit is one less than the whole body's. Its byte offsets
     * count from {@code offset}.
     */
    JsonParser createNestedParser(byte[] body, int offset, int len) throws IOException {
        return nestedTreeReader.createParser(body, offset, len);
    }

    /**
     * Binds {@code len} bytes of {@code body} at {@code offset} (a message inside an envelope) to
     * {@code type}.
     *
     * @throws SerializationException naming the type and Jackson's reason if they do not fit
     */
    Object bind(byte[] body, int offset, int len, Type type) {
        TypeReaders r = readersOf(type);
        if (r.exact) {
            try {
                return r.exactBody.readValue(body, offset, len);
            } catch (UnrecognizedPropertyException e) {
                r.exact = false;
            } catch (IOException | RuntimeException e) {
                // bound again below, so the failure reads as the case-insensitive mapper's
            }
        }
        try {
            return r.body.readValue(body, offset, len);
        } catch (IOException | RuntimeException e) {
            throw new SerializationException("message does not fit " + type.getTypeName() + ": " + reasonOf(e), e);
        }
    }

    /** The format's name for error messages: {@code JSON} or {@code CBOR}. */
    String format() {
        return format;
    }

    /** The factory for raw generators (host info in a header). */
    JsonFactory factory() {
        return mapper.getFactory();
    }

    /**
     * Parses {@code body} into a tree, once.
     *
     * @param what how to name the input in an error ("body", "MT-Host-Info header")
     * @throws SerializationException if it is empty, not in this codec's format, or beyond a parser limit
     */
    JsonNode parse(byte[] body, String what) {
        if (body == null || body.length == 0) {
            throw new SerializationException(what + " is not " + format + ": it is empty");
        }
        JsonNode root;
        try {
            root = treeReader.readTree(body);
        } catch (StreamConstraintsException e) {
            throw new SerializationException(what + " exceeds a " + format + " parser limit (nesting depth "
                    + MAX_NESTING_DEPTH + " or number/string length): " + e.getOriginalMessage(), e);
        } catch (JsonProcessingException e) {
            throw new SerializationException(what + " is not " + format + ": " + reasonOf(e), e);
        } catch (IOException e) {
            throw new SerializationException(what + " could not be read as " + format + ": " + e, e);
        } catch (NumberFormatException e) { // Jackson's number parser throws it raw (an exponent too large)
            throw new SerializationException(what + " holds a number that cannot be read: " + e.getMessage(), e);
        }
        if (root == null || root.isMissingNode()) {
            throw new SerializationException(what + " is not " + format + ": it holds no value (only whitespace or comments)");
        }
        return root;
    }

    /**
     * Binds {@code node} to {@code type} through Jackson's caches, without re-parsing.
     *
     * @throws SerializationException naming the type and Jackson's reason if it does not fit
     */
    Object bind(JsonNode node, Type type) {
        try {
            return readerFor(type).readValue(node);
        } catch (IOException | RuntimeException e) {
            throw new SerializationException("message does not fit " + type.getTypeName() + ": " + reasonOf(e), e);
        }
    }

    /**
     * Binds an encoded body (a CBOR envelope embeds its message as bytes) to {@code type},
     * straight from the bytes, with no tree in between.
     *
     * @throws SerializationException naming the type and Jackson's reason if the bytes are not in
     *         this codec's format or do not fit the type
     */
    Object bind(byte[] body, Type type) {
        return bind(body, 0, body.length, type);
    }

    private ObjectReader readerFor(Type type) {
        return readersOf(type).body;
    }

    /** Whether bodies of {@code type} are still bound by exact names first (for tests). */
    boolean bindsByExactNames(Type type) {
        return readersOf(type).exact;
    }

    private TypeReaders readersOf(Type type) {
        TypeReaders r = readers.get(type);
        if (r == null) {
            com.fasterxml.jackson.databind.JavaType javaType = mapper.getTypeFactory().constructType(type);
            com.fasterxml.jackson.databind.JavaType exactType = exactMapper.getTypeFactory().constructType(type);
            ObjectReader exactReader = exactMapper.reader().forType(exactType);
            r = new TypeReaders(exactReader.with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS), exactReader,
                    bodyReader.forType(javaType), inPlaceReader.forType(javaType));
            if (readers.size() < MAX_CACHED_READERS) {
                TypeReaders raced = readers.putIfAbsent(type, r);
                r = raced != null ? raced : r;
            }
        }
        return r;
    }

    /** Jackson's reason without its source location, plus the JSON path where it failed. */
    static String reasonOf(Throwable e) {
        if (!(e instanceof JsonProcessingException jpe)) {
            return String.valueOf(e);
        }
        String reason = jpe.getOriginalMessage();
        if (jpe.getLocation() != null && jpe.getLocation().getLineNr() > 0 && !(e instanceof JsonMappingException)) {
            reason += " (line " + jpe.getLocation().getLineNr() + ", column " + jpe.getLocation().getColumnNr() + ")";
        }
        if (e instanceof JsonMappingException jme && !jme.getPath().isEmpty()) {
            StringBuilder path = new StringBuilder("$");
            for (JsonMappingException.Reference r : jme.getPath()) {
                if (r.getFieldName() != null) {
                    path.append('.').append(r.getFieldName());
                } else if (r.getIndex() >= 0) {
                    path.append('[').append(r.getIndex()).append(']');
                }
            }
            reason += " (at " + path + ")";
        }
        return reason;
    }
}
