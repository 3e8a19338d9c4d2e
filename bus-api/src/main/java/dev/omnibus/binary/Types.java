package dev.omnibus.binary;

import java.lang.reflect.GenericArrayType;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.lang.reflect.WildcardType;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Generic types as the codec factory sees them. A record's type variables are substituted by the
 * arguments the caller bound (for {@code Fault<SubmitOrder>} from the registry, {@code T} is
 * {@code SubmitOrder}); a bound variable stays marked as {@link Bound}, so that the writer (who
 * knows only the runtime class, {@code Fault}) and the reader (who knows the registered type)
 * build codecs of the same shape for it.
 */
final class Types {
    private Types() {
    }

    /** A type variable bound to {@code target}: a slot whose content the reader knows. */
    record Bound(TypeVariable<?> variable, Type target) implements Type {
        @Override
        public String getTypeName() {
            return target.getTypeName();
        }
    }

    /** A parameterized type built by substitution; equal to any {@link ParameterizedType} alike. */
    record Parameterized(Class<?> raw, Type[] arguments) implements ParameterizedType {
        @Override
        public Type[] getActualTypeArguments() {
            return arguments.clone();
        }

        @Override
        public Type getRawType() {
            return raw;
        }

        @Override
        public Type getOwnerType() {
            return null;
        }

        @Override
        public String getTypeName() {
            StringBuilder b = new StringBuilder(raw.getName()).append('<');
            for (int i = 0; i < arguments.length; i++) {
                b.append(i == 0 ? "" : ",").append(arguments[i].getTypeName());
            }
            return b.append('>').toString();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof ParameterizedType p && p.getRawType() == raw && p.getOwnerType() == null
                    && Arrays.equals(p.getActualTypeArguments(), arguments);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(arguments) ^ raw.hashCode();
        }
    }

    /** The class of {@code type}, erased. */
    static Class<?> raw(Type type) {
        if (type instanceof Class<?> c) {
            return c;
        }
        if (type instanceof ParameterizedType p) {
            return (Class<?>) p.getRawType();
        }
        if (type instanceof Bound b) {
            return raw(b.target());
        }
        if (type instanceof GenericArrayType g) {
            return java.lang.reflect.Array.newInstance(raw(g.getGenericComponentType()), 0).getClass();
        }
        if (type instanceof WildcardType w) {
            return raw(w.getUpperBounds()[0]);
        }
        return Object.class; // an unbound type variable
    }

    /** The bindings of a record's type parameters by {@code type}'s arguments (none for a class). */
    static Map<TypeVariable<?>, Type> bindings(Type type) {
        Map<TypeVariable<?>, Type> out = new HashMap<>();
        if (type instanceof ParameterizedType p) {
            TypeVariable<?>[] vars = ((Class<?>) p.getRawType()).getTypeParameters();
            Type[] args = p.getActualTypeArguments();
            for (int i = 0; i < vars.length && i < args.length; i++) {
                if (!(args[i] instanceof TypeVariable<?>)) {
                    out.put(vars[i], args[i]);
                }
            }
        }
        return out;
    }

    /** {@code type} with the variables of {@code bindings} substituted, each marked {@link Bound}. */
    static Type substitute(Type type, Map<TypeVariable<?>, Type> bindings) {
        if (type instanceof TypeVariable<?> v) {
            Type to = bindings.get(v);
            if (to == null || to instanceof TypeVariable<?> || to instanceof Bound) {
                return to == null ? v : to;
            }
            return new Bound(v, to);
        }
        if (type instanceof ParameterizedType p) {
            Type[] args = p.getActualTypeArguments();
            Type[] out = new Type[args.length];
            for (int i = 0; i < args.length; i++) {
                out[i] = substitute(args[i], bindings);
            }
            return new Parameterized((Class<?>) p.getRawType(), out);
        }
        if (type instanceof WildcardType w) {
            return substitute(w.getUpperBounds()[0], bindings);
        }
        if (type instanceof GenericArrayType g) {
            Type component = substitute(g.getGenericComponentType(), bindings);
            return component instanceof Class<?> c ? java.lang.reflect.Array.newInstance(c, 0).getClass()
                    : new ArrayOf(component);
        }
        return type;
    }

    /** An array of a generic component. */
    record ArrayOf(Type component) implements GenericArrayType {
        @Override
        public Type getGenericComponentType() {
            return component;
        }
    }

    /** {@code type} without markers, for Jackson: a bound variable is its target, an unbound one Object. */
    static Type plain(Type type) {
        if (type instanceof Bound b) {
            return plain(b.target());
        }
        if (type instanceof TypeVariable<?>) {
            return Object.class;
        }
        if (type instanceof ParameterizedType p) {
            Type[] args = p.getActualTypeArguments();
            Type[] out = new Type[args.length];
            for (int i = 0; i < args.length; i++) {
                out[i] = plain(args[i]);
            }
            return new Parameterized((Class<?>) p.getRawType(), out);
        }
        if (type instanceof GenericArrayType g) {
            return new ArrayOf(plain(g.getGenericComponentType()));
        }
        return Objects.requireNonNull(type);
    }
}
