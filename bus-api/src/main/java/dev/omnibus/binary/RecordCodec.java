package dev.omnibus.binary;

import dev.omnibus.SerializationException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Constructor;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;

/**
 * The codec of one record type, built once from its components: each component's value in
 * declaration order, with no names or tags, read back through the canonical constructor. The
 * accessors and the constructor are {@link MethodHandle}s; int, long, boolean and double
 * components are read and written without boxing on the write side.
 *
 * <p>The shape ({@code {orderId:uuid,total:dec,…}}) names every component and its shape, nested
 * records included, so its fingerprint changes when a component is added, removed, renamed,
 * retyped or moved; the record's own class name is not part of it (a renamed record with the
 * same URN still reads).
 */
final class RecordCodec extends ValueCodec.Nullable {
    private final Class<?> type;
    private Component[] components;
    private MethodHandle constructor;

    RecordCodec(Class<?> type) {
        super(null);
        this.type = type;
    }

    Class<?> type() {
        return type;
    }

    @Override
    String describe() {
        return type.getName();
    }

    /** Fills in the components; called once by {@link Codecs} while it builds this codec. */
    void build(Codecs codecs, Type declared) {
        RecordComponent[] rcs = type.getRecordComponents();
        var bindings = Types.bindings(declared);
        Component[] cs = new Component[rcs.length];
        Class<?>[] parameterTypes = new Class<?>[rcs.length];
        StringBuilder shapeText = new StringBuilder("{");
        for (int i = 0; i < rcs.length; i++) {
            RecordComponent rc = rcs[i];
            parameterTypes[i] = rc.getType();
            Type componentType = Types.substitute(rc.getGenericType(), bindings);
            ValueCodec codec;
            try {
                codec = codecs.build(componentType);
            } catch (RuntimeException e) {
                throw new SerializationException("cannot build the binary codec of " + type.getName() + "."
                        + rc.getName() + " (" + rc.getGenericType().getTypeName() + "): " + e.getMessage(), e);
            }
            cs[i] = Component.of(rc, accessor(rc), codec);
            shapeText.append(i == 0 ? "" : ",").append(rc.getName()).append(':').append(codec.shape);
        }
        try {
            Constructor<?> ctor = type.getDeclaredConstructor(parameterTypes);
            ctor.setAccessible(true);
            constructor = MethodHandles.lookup().unreflectConstructor(ctor)
                    .asSpreader(Object[].class, rcs.length)
                    .asType(MethodType.methodType(Object.class, Object[].class));
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new SerializationException("cannot use the canonical constructor of " + type.getName()
                    + " (open its package to dev.omnibus.binary if it is in a module): " + e, e);
        }
        components = cs;
        shape = shapeText.append('}').toString();
    }

    private MethodHandle accessor(RecordComponent rc) {
        try {
            var m = rc.getAccessor();
            m.setAccessible(true);
            return MethodHandles.lookup().unreflect(m);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new SerializationException("cannot use the accessor " + type.getName() + "." + rc.getName()
                    + "() (open its package to dev.omnibus.binary if it is in a module): " + e, e);
        }
    }

    @Override
    void writeValue(BinaryWriter w, Object value) {
        writeBody(w, value);
    }

    @Override
    Object readValue(BinaryReader r) {
        return readBody(r);
    }

    /** The components, without a presence byte: the top-level message. */
    void writeBody(BinaryWriter w, Object record) {
        for (Component c : components) {
            c.write(w, record);
        }
    }

    Object readBody(BinaryReader r) {
        r.enter();
        Component[] cs = components;
        Object[] args = new Object[cs.length];
        for (int i = 0; i < cs.length; i++) {
            try {
                args[i] = cs[i].codec.read(r);
            } catch (SerializationException e) {
                throw new SerializationException(type.getSimpleName() + "." + cs[i].name + ": " + e.getMessage(), e);
            }
        }
        r.leave();
        try {
            return constructor.invokeExact(args);
        } catch (RuntimeException | Error e) {
            throw new SerializationException(type.getName() + " rejected the values read: " + e, e);
        } catch (Throwable t) {
            throw new SerializationException(type.getName() + " rejected the values read: " + t, t);
        }
    }

    /** One component: its accessor and its codec. */
    abstract static class Component {
        final String name;
        final ValueCodec codec;

        Component(String name, ValueCodec codec) {
            this.name = name;
            this.codec = codec;
        }

        abstract void write(BinaryWriter w, Object record);

        static Component of(RecordComponent rc, MethodHandle getter, ValueCodec codec) {
            Class<?> t = rc.getType();
            String name = rc.getName();
            if (t == int.class) {
                MethodHandle g = getter.asType(MethodType.methodType(int.class, Object.class));
                return new Component(name, codec) {
                    @Override
                    void write(BinaryWriter w, Object record) {
                        int v;
                        try {
                            v = (int) g.invokeExact(record);
                        } catch (Throwable e) {
                            throw failed(e);
                        }
                        w.writeZigZagInt(v);
                    }
                };
            }
            if (t == long.class) {
                MethodHandle g = getter.asType(MethodType.methodType(long.class, Object.class));
                return new Component(name, codec) {
                    @Override
                    void write(BinaryWriter w, Object record) {
                        long v;
                        try {
                            v = (long) g.invokeExact(record);
                        } catch (Throwable e) {
                            throw failed(e);
                        }
                        w.writeZigZagLong(v);
                    }
                };
            }
            if (t == boolean.class) {
                MethodHandle g = getter.asType(MethodType.methodType(boolean.class, Object.class));
                return new Component(name, codec) {
                    @Override
                    void write(BinaryWriter w, Object record) {
                        boolean v;
                        try {
                            v = (boolean) g.invokeExact(record);
                        } catch (Throwable e) {
                            throw failed(e);
                        }
                        w.writeByte(v ? 1 : 0);
                    }
                };
            }
            MethodHandle g = getter.asType(MethodType.methodType(Object.class, Object.class));
            return new Component(name, codec) {
                @Override
                void write(BinaryWriter w, Object record) {
                    Object v;
                    try {
                        v = g.invokeExact(record);
                    } catch (Throwable e) {
                        throw failed(e);
                    }
                    try {
                        codec.write(w, v);
                    } catch (SerializationException e) {
                        throw new SerializationException(name + ": " + e.getMessage(), e);
                    } catch (ClassCastException e) {
                        throw new SerializationException(name + " holds a " + v.getClass().getName()
                                + " where " + codec.describe() + " was expected", e);
                    }
                }
            };
        }

        SerializationException failed(Throwable e) {
            if (e instanceof Error err) {
                throw err;
            }
            return new SerializationException("accessor " + name + "() threw " + e, e);
        }
    }
}
