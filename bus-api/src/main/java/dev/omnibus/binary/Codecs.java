package dev.omnibus.binary;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.omnibus.SerializationException;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.lang.reflect.WildcardType;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Builds and caches one {@link ValueCodec} per type: on first use, once, under a lock; lookups
 * after that are lock-free ({@link ClassValue} for classes, a concurrent map for parameterized
 * types such as the registry's {@code Fault<T>}). Recursive records (an exception's inner
 * exception) are built once and refer to themselves.
 *
 * <p>Memory: one codec per distinct type asked for, which is bounded by the application's types
 * (a reader only asks for the types the registry hands it; a writer for the classes it writes).
 */
final class Codecs {
    private static final Map<Class<?>, ValueCodec> SCALARS = scalars();

    private final ObjectMapper json = JsonMapper.builder()
            .addModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .polymorphicTypeValidator(dev.omnibus.internal.InputLimits.denyClassNames()) // no class names from the wire
            .build();
    private final Map<Type, ValueCodec> done = new ConcurrentHashMap<>();
    private final ClassValue<ValueCodec> byClass = new ClassValue<>() {
        @Override
        protected ValueCodec computeValue(Class<?> type) {
            return of(type);
        }
    };
    /** Codecs being built by the thread holding the lock, published to {@link #done} when complete. */
    private Map<Type, ValueCodec> building;

    /** The codec of a class. */
    ValueCodec forClass(Class<?> type) {
        return byClass.get(type);
    }

    /** The codec of any type. */
    ValueCodec of(Type type) {
        ValueCodec known = done.get(type);
        if (known != null) {
            return known;
        }
        synchronized (this) {
            known = done.get(type);
            if (known != null) {
                return known;
            }
            Map<Type, ValueCodec> outer = building;
            building = outer != null ? outer : new HashMap<>();
            try {
                ValueCodec c = build(type);
                if (outer == null) {
                    done.putAll(building);
                }
                return c;
            } finally {
                if (outer == null) {
                    building = null;
                }
            }
        }
    }

    /** The codec of {@code type}, built if new; only under the lock. */
    ValueCodec build(Type type) {
        ValueCodec known = done.get(type);
        if (known == null) {
            known = building.get(type);
        }
        if (known != null) {
            if (known instanceof RecordCodec rc && rc.shape == null) {
                return new SelfReference(rc); // a record that contains itself, still being built
            }
            return known;
        }
        ValueCodec c = create(type);
        building.put(type, c);
        return c;
    }

    private ValueCodec create(Type type) {
        if (type instanceof Types.Bound b) {
            return new ContainerCodecs.SlotCodec(b.variable().getName(), build(b.target()), this);
        }
        if (type instanceof TypeVariable<?> v) {
            return new ContainerCodecs.SlotCodec(v.getName(), null, this);
        }
        if (type instanceof WildcardType w) {
            return build(w.getUpperBounds()[0]);
        }
        if (type instanceof GenericArrayType g) {
            return new ContainerCodecs.ArrayCodec(Types.raw(g.getGenericComponentType()), build(g.getGenericComponentType()));
        }
        Class<?> raw = Types.raw(type);
        Type[] args = type instanceof ParameterizedType p ? p.getActualTypeArguments() : new Type[0];
        ValueCodec scalar = SCALARS.get(raw);
        if (scalar != null) {
            return scalar;
        }
        if (raw.isRecord()) {
            RecordCodec rc = new RecordCodec(raw);
            building.put(type, rc);
            rc.build(this, type);
            return rc;
        }
        if (raw.isEnum()) {
            return new ContainerCodecs.EnumCodec(raw);
        }
        if (raw.isArray()) {
            return new ContainerCodecs.ArrayCodec(raw.getComponentType(), build(raw.getComponentType()));
        }
        if (raw == Optional.class) {
            return new ContainerCodecs.OptionalCodec(build(arg(args, 0)));
        }
        if (raw == Object.class) { // through Jackson below, not as a collection of objects of objects of…
            return new ContainerCodecs.JsonCodec(Types.plain(type), json);
        }
        if (raw.isAssignableFrom(ArrayList.class)) {
            return new ContainerCodecs.CollectionCodec(build(arg(args, 0)), false);
        }
        if (raw.isAssignableFrom(LinkedHashSet.class)) {
            return new ContainerCodecs.CollectionCodec(build(arg(args, 0)), true);
        }
        if (raw.isAssignableFrom(LinkedHashMap.class)) {
            return new ContainerCodecs.MapCodec(build(arg(args, 0)), build(arg(args, 1)));
        }
        if (raw == Object.class || raw.isInterface() || java.lang.reflect.Modifier.isAbstract(raw.getModifiers())) {
            // Jackson would bind these to maps or fail; say so now rather than on the first message.
            if (raw != Object.class) {
                throw new SerializationException(raw.getName() + " is abstract: the binary codec writes records, "
                        + "enums, scalars, collections and concrete classes (through Jackson); declare a concrete type");
            }
        }
        return new ContainerCodecs.JsonCodec(Types.plain(type), json);
    }

    private static Type arg(Type[] args, int i) {
        return i < args.length ? args[i] : Object.class;
    }

    private static Map<Class<?>, ValueCodec> scalars() {
        Map<Class<?>, ValueCodec> m = new HashMap<>();
        m.put(boolean.class, ValueCodec.BOOLEAN);
        m.put(byte.class, ValueCodec.BYTE);
        m.put(short.class, ValueCodec.SHORT);
        m.put(char.class, ValueCodec.CHAR);
        m.put(int.class, ValueCodec.INT);
        m.put(long.class, ValueCodec.LONG);
        m.put(float.class, ValueCodec.FLOAT);
        m.put(double.class, ValueCodec.DOUBLE);
        m.put(Boolean.class, ValueCodec.boxed(ValueCodec.BOOLEAN));
        m.put(Byte.class, ValueCodec.boxed(ValueCodec.BYTE));
        m.put(Short.class, ValueCodec.boxed(ValueCodec.SHORT));
        m.put(Character.class, ValueCodec.boxed(ValueCodec.CHAR));
        m.put(Integer.class, ValueCodec.boxed(ValueCodec.INT));
        m.put(Long.class, ValueCodec.boxed(ValueCodec.LONG));
        m.put(Float.class, ValueCodec.boxed(ValueCodec.FLOAT));
        m.put(Double.class, ValueCodec.boxed(ValueCodec.DOUBLE));
        m.put(String.class, ValueCodec.STRING);
        m.put(UUID.class, ValueCodec.UUID_CODEC);
        m.put(BigDecimal.class, ValueCodec.BIG_DECIMAL);
        m.put(BigInteger.class, ValueCodec.BIG_INTEGER);
        m.put(Instant.class, ValueCodec.INSTANT);
        m.put(Duration.class, ValueCodec.DURATION);
        m.put(LocalDate.class, ValueCodec.LOCAL_DATE);
        m.put(LocalTime.class, ValueCodec.LOCAL_TIME);
        m.put(LocalDateTime.class, ValueCodec.LOCAL_DATE_TIME);
        m.put(OffsetDateTime.class, ValueCodec.OFFSET_DATE_TIME);
        m.put(URI.class, ValueCodec.URI_CODEC);
        m.put(byte[].class, ValueCodec.BYTES);
        return Map.copyOf(m);
    }

    /** A record's reference to itself (directly or through others), resolved once it is built. */
    private static final class SelfReference extends ValueCodec {
        private final RecordCodec target;

        SelfReference(RecordCodec target) {
            super("^" + target.type().getSimpleName());
            this.target = target;
        }

        @Override
        String describe() {
            return target.describe();
        }

        @Override
        void write(BinaryWriter w, Object value) {
            target.write(w, value);
        }

        @Override
        Object read(BinaryReader r) {
            return target.read(r);
        }
    }
}
