package dev.omnibus.binary;

import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import dev.omnibus.SerializationException;
import java.io.IOException;
import java.lang.reflect.Array;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;

/** Codecs of values that hold other values: collections, maps, optionals, arrays, enums, type slots, Jackson. */
final class ContainerCodecs {
    private ContainerCodecs() {
    }

    /** A count, then each element with its own presence. Read as an ArrayList or a LinkedHashSet. */
    static final class CollectionCodec extends ValueCodec.Nullable {
        private final ValueCodec element;
        private final boolean set;

        CollectionCodec(ValueCodec element, boolean set) {
            super((set ? "set<" : "list<") + element.shape + ">");
            this.element = element;
            this.set = set;
        }

        @Override
        void writeValue(BinaryWriter w, Object value) {
            Collection<?> c = (Collection<?>) value;
            w.writeVarint(c.size());
            int written = 0;
            for (Object e : c) {
                element.write(w, e);
                written++;
            }
            if (written != c.size()) {
                throw new SerializationException("a collection changed size while it was written");
            }
        }

        @Override
        Object readValue(BinaryReader r) {
            int n = r.readCount(set ? "set count" : "list count", 1);
            r.enter();
            Collection<Object> out = set ? new LinkedHashSet<>(Math.max(4, (int) (n / .75f) + 1)) : new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                out.add(element.read(r));
            }
            r.leave();
            return out;
        }
    }

    /** A count, then key and value of each entry. Read as a LinkedHashMap. */
    static final class MapCodec extends ValueCodec.Nullable {
        private final ValueCodec key;
        private final ValueCodec value;

        MapCodec(ValueCodec key, ValueCodec value) {
            super("map<" + key.shape + "," + value.shape + ">");
            this.key = key;
            this.value = value;
        }

        @Override
        void writeValue(BinaryWriter w, Object v) {
            Map<?, ?> m = (Map<?, ?>) v;
            w.writeVarint(m.size());
            int written = 0;
            for (Map.Entry<?, ?> e : m.entrySet()) {
                key.write(w, e.getKey());
                value.write(w, e.getValue());
                written++;
            }
            if (written != m.size()) {
                throw new SerializationException("a map changed size while it was written");
            }
        }

        @Override
        Object readValue(BinaryReader r) {
            int n = r.readCount("map count", 2);
            r.enter();
            Map<Object, Object> out = new LinkedHashMap<>(Math.max(4, (int) (n / .75f) + 1));
            for (int i = 0; i < n; i++) {
                out.put(key.read(r), value.read(r));
            }
            r.leave();
            return out;
        }
    }

    /** Presence of the Optional itself, then the inner value with its presence (absent: empty). */
    static final class OptionalCodec extends ValueCodec.Nullable {
        private final ValueCodec inner;

        OptionalCodec(ValueCodec inner) {
            super("opt<" + inner.shape + ">");
            this.inner = inner;
        }

        @Override
        void writeValue(BinaryWriter w, Object value) {
            inner.write(w, ((Optional<?>) value).orElse(null));
        }

        @Override
        Object readValue(BinaryReader r) {
            return Optional.ofNullable(inner.read(r));
        }
    }

    /** A count, then each element (through the component codec, primitive or not). */
    static final class ArrayCodec extends ValueCodec.Nullable {
        private final Class<?> componentClass;
        private final ValueCodec component;

        ArrayCodec(Class<?> componentClass, ValueCodec component) {
            super("array<" + component.shape + ">");
            this.componentClass = componentClass;
            this.component = component;
        }

        @Override
        void writeValue(BinaryWriter w, Object value) {
            int n = Array.getLength(value);
            w.writeVarint(n);
            for (int i = 0; i < n; i++) {
                component.write(w, Array.get(value, i));
            }
        }

        @Override
        Object readValue(BinaryReader r) {
            int n = r.readCount("array length", 1);
            r.enter();
            Object out = Array.newInstance(componentClass, n);
            for (int i = 0; i < n; i++) {
                Array.set(out, i, component.read(r));
            }
            r.leave();
            return out;
        }
    }

    /** The constant's ordinal; the shape lists the names, so a reordered enum changes the fingerprint. */
    static final class EnumCodec extends ValueCodec.Nullable {
        private final Object[] constants;

        EnumCodec(Class<?> type) {
            super(shapeOf(type));
            this.constants = type.getEnumConstants();
        }

        private static String shapeOf(Class<?> type) {
            StringBuilder b = new StringBuilder("enum[");
            Object[] cs = type.getEnumConstants();
            for (int i = 0; i < cs.length; i++) {
                b.append(i == 0 ? "" : ",").append(((Enum<?>) cs[i]).name());
            }
            return b.append(']').toString();
        }

        @Override
        void writeValue(BinaryWriter w, Object value) {
            w.writeVarint(((Enum<?>) value).ordinal());
        }

        @Override
        Object readValue(BinaryReader r) {
            int ordinal = r.readVarint("enum ordinal");
            if (ordinal < 0 || ordinal >= constants.length) {
                throw new SerializationException("enum ordinal " + ordinal + " is not one of the "
                        + constants.length + " constants of " + constants.getClass().getComponentType().getSimpleName());
            }
            return constants[ordinal];
        }
    }

    /**
     * A value whose declared type is a type variable ({@code T message} of {@code Fault<T>}): the
     * writer knows only the runtime class, the reader only the type it was asked to bind. Written
     * as the fingerprint of the writer's codec (8 bytes) and the value; read with the codec of the
     * bound type after checking the fingerprint. No class is named on the wire.
     */
    static final class SlotCodec extends ValueCodec.Nullable {
        private final String variable;
        private final ValueCodec bound;
        private final Codecs codecs;

        SlotCodec(String variable, ValueCodec bound, Codecs codecs) {
            super("<" + variable + ">");
            this.variable = variable;
            this.bound = bound;
            this.codecs = codecs;
        }

        @Override
        void writeValue(BinaryWriter w, Object value) {
            ValueCodec c = bound != null ? bound : codecs.forClass(value.getClass());
            if (bound == null && c instanceof JsonCodec) {
                throw new SerializationException("cannot write a " + value.getClass().getName() + " as <" + variable
                        + "> without its declared type: the binary codec writes records, enums and scalars there");
            }
            w.writeLong(c.fingerprint());
            c.write(w, value);
        }

        @Override
        Object readValue(BinaryReader r) {
            long fingerprint = r.readLong("type slot fingerprint");
            if (bound == null) {
                throw new SerializationException("cannot read <" + variable + ">: its type is not bound (bind a "
                        + "parameterized type such as the registry's Fault<T>, not the raw class)");
            }
            if (fingerprint != bound.fingerprint()) {
                throw new SerializationException("<" + variable + "> was written with schema fingerprint "
                        + Long.toHexString(fingerprint) + " but " + bound.describe() + " here has "
                        + Long.toHexString(bound.fingerprint()) + ": sender and receiver have different versions of it");
            }
            return bound.read(r);
        }
    }

    /**
     * Any other type, through Jackson (the JSON envelope's settings) for this one value: a length,
     * then its JSON. Jackson binds to the declared type only; no class name is read.
     */
    static final class JsonCodec extends ValueCodec.Nullable {
        private final ObjectWriter writer;
        private final ObjectReader reader;

        JsonCodec(java.lang.reflect.Type type, com.fasterxml.jackson.databind.ObjectMapper mapper) {
            super("json:" + type.getTypeName());
            com.fasterxml.jackson.databind.JavaType t = mapper.getTypeFactory().constructType(type);
            this.writer = mapper.writerFor(t);
            this.reader = mapper.readerFor(t);
        }

        @Override
        void writeValue(BinaryWriter w, Object value) {
            byte[] json;
            try {
                json = writer.writeValueAsBytes(value);
            } catch (IOException e) {
                throw new SerializationException("cannot write " + shape + ": " + e.getMessage(), e);
            }
            w.writeVarint(json.length);
            w.writeBytes(json, 0, json.length);
        }

        @Override
        Object readValue(BinaryReader r) {
            int n = r.readLength("JSON value length");
            try {
                Object v = reader.readValue(r.buffer(), r.position(), n);
                r.skip(n);
                return v;
            } catch (IOException e) {
                throw new SerializationException("cannot read " + shape + ": " + e.getMessage(), e);
            }
        }
    }
}
