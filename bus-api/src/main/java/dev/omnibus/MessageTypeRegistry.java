package dev.omnibus;

import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The message types a bus knows, by class and by URN. Incoming messages are bound only to types
 * registered here: a message never names a Java class to load, so a body cannot make the bus
 * instantiate anything the application did not register.
 *
 * <p>A type's URN is {@code urn:message:<package>:<SimpleName>} (nested types are
 * {@code Outer+Inner}, as in MassTransit), or the value of its {@link MessageUrn} annotation.
 * A record's message interfaces (every interface it implements, transitively, except
 * {@code java.*} ones and those marked {@link ExcludeFromTopology}) are its other message types:
 * publishing the record reaches consumers of each.
 *
 * <p>Thread-safe. Registering the same class twice is harmless; two classes claiming one URN is
 * a {@link ConfigurationException}.
 */
public final class MessageTypeRegistry {
    /** The URN prefix of every message type. */
    public static final String URN_PREFIX = "urn:message:";
    /** MassTransit's URN of the non-generic fault type. */
    public static final String FAULT_URN = URN_PREFIX + "MassTransit:Fault";
    /** MassTransit's URN of {@link ReceiveFault}, published when a body cannot be read. */
    public static final String RECEIVE_FAULT_URN = URN_PREFIX + "MassTransit:ReceiveFault";

    private final Map<Class<?>, MessageType> byClass = new ConcurrentHashMap<>();
    private final Map<String, MessageType> byUrn = new ConcurrentHashMap<>();
    private final Map<Class<?>, MessageType> faultsByClass = new ConcurrentHashMap<>();

    private MessageTypeRegistry() {
    }

    /** An empty registry. */
    public static MessageTypeRegistry create() {
        return new MessageTypeRegistry();
    }

    /**
     * Registers a message class (a record, or a message interface to consume) and returns its
     * type. Idempotent.
     *
     * @throws ConfigurationException if the class cannot be a message or its URN is taken
     */
    public MessageType register(Class<?> type) {
        Objects.requireNonNull(type, "type");
        MessageType known = byClass.get(type);
        if (known != null) {
            return known;
        }
        if (type == Fault.class) {
            throw new ConfigurationException("Register Fault<T> through faultOf(T.class), not Fault.class");
        }
        if (!type.isRecord() && !type.isInterface()) {
            throw new ConfigurationException("Message type " + type.getName()
                    + " must be a record (or an interface implemented by records): make it a record");
        }
        if (type.getTypeParameters().length > 0) {
            throw new ConfigurationException("Message type " + type.getName()
                    + " is generic; message types must be concrete: declare a record per payload type");
        }
        String urn = urnOf(type);
        List<String> types = new ArrayList<>();
        types.add(urn);
        for (Class<?> i : messageInterfaces(type)) {
            types.add(urnOf(i));
        }
        if (type == ReceiveFault.class) {
            types.add(FAULT_URN); // MassTransit's ReceiveFault extends Fault (Contracts/ReceiveFault.cs)
        }
        MessageType mt = new MessageType(urn, type, type, types);
        return put(type, mt, byClass);
    }

    /** The {@code Fault<T>} type of a message type, registering both. */
    public MessageType faultOf(Class<?> messageClass) {
        MessageType known = faultsByClass.get(messageClass);
        if (known != null) {
            return known;
        }
        MessageType inner = register(messageClass);
        List<String> types = new ArrayList<>();
        for (String u : inner.messageTypes()) {
            types.add(faultUrn(u));
        }
        types.add(FAULT_URN);
        MessageType mt = new MessageType(types.get(0), Fault.class, new FaultType(messageClass), types);
        return put(messageClass, mt, faultsByClass);
    }

    private MessageType put(Class<?> key, MessageType mt, Map<Class<?>, MessageType> map) {
        synchronized (this) {
            MessageType existing = byUrn.get(mt.urn());
            if (existing != null && !existing.javaType().equals(mt.javaType())) {
                throw new ConfigurationException("Message URN " + mt.urn() + " is claimed by both "
                        + existing.javaType().getTypeName() + " and " + mt.javaType().getTypeName()
                        + ": give one of them another @MessageUrn");
            }
            byUrn.put(mt.urn(), mt);
            map.put(key, mt);
            return mt;
        }
    }

    /** The registered type of {@code type}, registering it when new. */
    public MessageType typeOf(Class<?> type) {
        MessageType mt = byClass.get(type);
        return mt != null ? mt : register(type);
    }

    /** The registered type with this URN, if any. Never loads a class. */
    public Optional<MessageType> resolve(String urn) {
        return urn == null ? Optional.empty() : Optional.ofNullable(byUrn.get(urn));
    }

    /**
     * The registered records a consumer of {@code type} receives: {@code type} itself when it is a
     * record (or any class), else every registered record assignable to the interface. A transport
     * whose endpoints subscribe to topics themselves subscribes to these; a record registered later
     * is not in the list, so register records behind consumed interfaces up front
     * ({@code BusBuilder.messageType}).
     */
    public List<MessageType> concreteTypesOf(MessageType type) {
        if (!type.rawType().isInterface()) {
            return List.of(type);
        }
        List<MessageType> out = new java.util.ArrayList<>();
        for (MessageType t : byUrn.values()) {
            if (!t.rawType().isInterface() && t.isAssignableTo(type)) {
                out.add(t);
            }
        }
        out.sort(java.util.Comparator.comparing(MessageType::urn));
        return List.copyOf(out);
    }

    /** Every registered type. */
    public Set<MessageType> all() {
        return Set.copyOf(byUrn.values());
    }

    /** The URN of a class, registered or not: its annotation, else {@code urn:message:<package>:<Name>}. */
    public static String urnOf(Class<?> type) {
        MessageUrn annotation = type.getAnnotation(MessageUrn.class);
        if (annotation != null) {
            String v = annotation.value().trim();
            if (v.isEmpty()) {
                throw new ConfigurationException("@MessageUrn on " + type.getName() + " is empty");
            }
            return v.startsWith("urn:") ? v : URN_PREFIX + v;
        }
        StringBuilder name = new StringBuilder(type.getSimpleName());
        Class<?> outer = type.getEnclosingClass();
        Class<?> top = type;
        while (outer != null) {
            name.insert(0, outer.getSimpleName() + "+");
            top = outer;
            outer = outer.getEnclosingClass();
        }
        String pkg = top.getPackageName();
        return URN_PREFIX + (pkg.isEmpty() ? "" : pkg + ":") + name;
    }

    /** MassTransit's URN of {@code Fault<T>} for T's URN: {@code urn:message:MassTransit:Fault[[ns:T]]}. */
    public static String faultUrn(String messageUrn) {
        String inner = messageUrn.startsWith(URN_PREFIX) ? messageUrn.substring(URN_PREFIX.length()) : messageUrn;
        return FAULT_URN + "[[" + inner + "]]";
    }

    /** The message interfaces of {@code type}, nearest first, without duplicates. */
    static Set<Class<?>> messageInterfaces(Class<?> type) {
        Set<Class<?>> out = new LinkedHashSet<>();
        collect(type, out);
        out.remove(type);
        return out;
    }

    private static void collect(Class<?> type, Set<Class<?>> out) {
        for (Class<?> i : type.getInterfaces()) {
            if (i.getName().startsWith("java.") || i.getName().startsWith("javax.")
                    || i.isAnnotationPresent(ExcludeFromTopology.class) || i.getTypeParameters().length > 0) {
                continue;
            }
            if (out.add(i)) {
                collect(i, out);
            }
        }
        if (type.getSuperclass() != null && type.getSuperclass() != Object.class && type.getSuperclass() != Record.class) {
            collect(type.getSuperclass(), out);
        }
    }

    /** {@code Fault<T>} as a reflective type, so serializers bind the nested message. */
    private record FaultType(Class<?> argument) implements ParameterizedType {
        @Override
        public Type[] getActualTypeArguments() {
            return new Type[] {argument};
        }

        @Override
        public Type getRawType() {
            return Fault.class;
        }

        @Override
        public Type getOwnerType() {
            return null;
        }

        @Override
        public String getTypeName() {
            return Fault.class.getName() + "<" + argument.getName() + ">";
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof ParameterizedType p && p.getRawType() == Fault.class
                    && Arrays.equals(p.getActualTypeArguments(), getActualTypeArguments()) && p.getOwnerType() == null;
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(getActualTypeArguments()) ^ Fault.class.hashCode();
        }
    }
}
