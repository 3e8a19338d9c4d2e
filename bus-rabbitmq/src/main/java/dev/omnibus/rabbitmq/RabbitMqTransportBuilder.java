package dev.omnibus.rabbitmq;

import dev.omnibus.Address;
import dev.omnibus.ConfigurationException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Configures a {@link RabbitMqTransport}. Setters record; {@link #build()} checks everything and
 * reports every problem at once in one {@link ConfigurationException}. Not thread-safe.
 *
 * <p>Defaults: host {@code 127.0.0.1}, port 5672 (5671 with TLS), vhost {@code /}, user and
 * password {@code guest}, no TLS (with TLS: host name verification on), connection name
 * {@code omnibus:<bus name>}, classic durable queues, channel pool of
 * {@code max(4, 2 × processors)}, confirm timeout 30 s, blocked-publish timeout 30 s, consumer timeout 30 min, recovery interval 1 s, heartbeat 30 s,
 * connection timeout 10 s, {@link DelayedDelivery#AUTO}, max message size 128 MiB (RabbitMQ's
 * default limit), temporary queues expire 60 s after their bus is gone.
 *
 * <h2>TLS</h2>
 * Either give an {@link SSLContext} ({@link #sslContext}), or key and trust stores
 * ({@link #keyStore} for mutual TLS, {@link #trustStore}), or just {@link #tls(boolean) tls(true)}
 * (or an {@code amqps://} URI) to use the JVM's default trust store. Stores are PKCS#12 unless
 * the file ends in {@code .jks}.
 */
public final class RabbitMqTransportBuilder {
    private final List<String> problems = new ArrayList<>();
    private String host = "127.0.0.1";
    private Integer port;
    private String virtualHost = "/";
    private String username = "guest";
    private String password = "guest";
    private boolean tls;
    private SSLContext sslContext;
    private Path keyStore;
    private char[] keyStorePassword;
    private Path trustStore;
    private char[] trustStorePassword;
    private boolean hostnameVerification = true;
    private String connectionName;
    private QueueOptions defaultQueue = QueueOptions.classic();
    private final Map<String, QueueOptions> queues = new LinkedHashMap<>();
    private int channelPoolSize = Math.max(4, 2 * Runtime.getRuntime().availableProcessors());
    private Duration confirmTimeout = Duration.ofSeconds(30);
    private Duration blockedPublishTimeout = Duration.ofSeconds(30);
    private Duration consumerTimeout = Duration.ofMinutes(30);
    private Duration recoveryInterval = Duration.ofSeconds(1);
    private Duration heartbeat = Duration.ofSeconds(30);
    private Duration connectionTimeout = Duration.ofSeconds(10);
    private DelayedDelivery delayedDelivery = DelayedDelivery.AUTO;
    private int maxMessageSize = 128 * 1024 * 1024;
    private Duration temporaryQueueExpiry = Duration.ofSeconds(60);

    RabbitMqTransportBuilder() {
    }

    /** The broker's host name or address. */
    public RabbitMqTransportBuilder host(String host) {
        this.host = host;
        return this;
    }

    /** The broker's AMQP port (default 5672, or 5671 with TLS). */
    public RabbitMqTransportBuilder port(int port) {
        this.port = port;
        return this;
    }

    /** The virtual host (default {@code /}). */
    public RabbitMqTransportBuilder virtualHost(String virtualHost) {
        this.virtualHost = virtualHost;
        return this;
    }

    public RabbitMqTransportBuilder username(String username) {
        this.username = username;
        return this;
    }

    /** The password; kept out of every log line, exception message and {@code toString}. */
    public RabbitMqTransportBuilder password(String password) {
        this.password = password;
        return this;
    }

    /**
     * Host, port, virtual host, credentials and TLS from {@code amqp://user:pass@host:port/vhost}
     * or {@code amqps://…}. The vhost is URL-decoded ({@code %2F} is {@code /}); an empty path
     * means {@code /}. Query parameters {@code heartbeat} (seconds) and {@code connection_timeout}
     * (ms) are understood; others are reported as problems.
     */
    public RabbitMqTransportBuilder uri(String uri) {
        if (uri == null || uri.isBlank()) {
            problems.add("uri is empty: use amqp://user:pass@host:port/vhost");
            return this;
        }
        URI u;
        try {
            u = new URI(uri.trim());
        } catch (URISyntaxException e) {
            problems.add("uri " + redact(uri) + " is not a valid URI (" + e.getReason() + ")");
            return this;
        }
        String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("amqp") && !scheme.equals("amqps")) {
            problems.add("uri " + redact(uri) + " must start with amqp:// or amqps://");
            return this;
        }
        tls = scheme.equals("amqps");
        if (u.getHost() == null || u.getHost().isBlank()) {
            problems.add("uri " + redact(uri) + " names no host");
        } else {
            host = u.getHost();
        }
        if (u.getPort() != -1) {
            port = u.getPort();
        }
        String userInfo = u.getRawUserInfo();
        if (userInfo != null) {
            int colon = userInfo.indexOf(':');
            username = decode(colon < 0 ? userInfo : userInfo.substring(0, colon));
            if (colon >= 0) {
                password = decode(userInfo.substring(colon + 1));
            }
        }
        String path = u.getRawPath();
        if (path != null && path.length() > 1) {
            String vhost = path.substring(1);
            if (vhost.contains("/")) {
                problems.add("uri " + redact(uri) + ": the vhost must be one path segment (write / as %2F)");
            } else {
                virtualHost = decode(vhost);
            }
        }
        String query = u.getRawQuery();
        if (query != null && !query.isEmpty()) {
            for (String pair : query.split("&")) {
                int eq = pair.indexOf('=');
                String key = eq < 0 ? pair : pair.substring(0, eq);
                String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
                try {
                    switch (key) {
                        case "heartbeat" -> heartbeat = Duration.ofSeconds(Long.parseLong(value));
                        case "connection_timeout" -> connectionTimeout = Duration.ofMillis(Long.parseLong(value));
                        default -> problems.add("uri parameter '" + key + "' is not supported (heartbeat, connection_timeout are)");
                    }
                } catch (NumberFormatException e) {
                    problems.add("uri parameter '" + key + "' must be a number, was '" + value + "'");
                }
            }
        }
        return this;
    }

    /** TLS with the JVM's default trust store (unless {@link #sslContext} or {@link #trustStore} is given). */
    public RabbitMqTransportBuilder tls(boolean tls) {
        this.tls = tls;
        return this;
    }

    /** TLS with this context (trust and, for mutual TLS, the client certificate are in it). */
    public RabbitMqTransportBuilder sslContext(SSLContext sslContext) {
        this.sslContext = Objects.requireNonNull(sslContext, "sslContext");
        this.tls = true;
        return this;
    }

    /** The client's certificate and key for mutual TLS (PKCS#12, or JKS for a {@code .jks} file). */
    public RabbitMqTransportBuilder keyStore(Path path, char[] password) {
        this.keyStore = path;
        this.keyStorePassword = password == null ? null : password.clone();
        this.tls = true;
        return this;
    }

    /** The certificates that may sign the broker's certificate (PKCS#12, or JKS for a {@code .jks} file). */
    public RabbitMqTransportBuilder trustStore(Path path, char[] password) {
        this.trustStore = path;
        this.trustStorePassword = password == null ? null : password.clone();
        this.tls = true;
        return this;
    }

    /** Whether TLS checks the broker's certificate matches the host name (default true). */
    public RabbitMqTransportBuilder hostnameVerification(boolean verify) {
        this.hostnameVerification = verify;
        return this;
    }

    /** The connection name shown in the management UI (default {@code omnibus:<bus name>}, plus {@code :publish}/{@code :consume}). */
    public RabbitMqTransportBuilder connectionName(String name) {
        this.connectionName = name;
        return this;
    }

    /** Queue options for every endpoint without options of its own (default: classic, no arguments). */
    public RabbitMqTransportBuilder defaultQueue(QueueOptions options) {
        this.defaultQueue = Objects.requireNonNull(options, "options");
        return this;
    }

    /** Queue options for endpoint {@code queue}. */
    public RabbitMqTransportBuilder queue(String queue, QueueOptions options) {
        queues.put(queue, Objects.requireNonNull(options, "options"));
        return this;
    }

    /** Channels used for publishing (each used by one thread at a time). */
    public RabbitMqTransportBuilder channelPoolSize(int size) {
        this.channelPoolSize = size;
        return this;
    }

    /** How long a publish may wait for the broker's confirm before its future fails. */
    public RabbitMqTransportBuilder confirmTimeout(Duration timeout) {
        this.confirmTimeout = timeout;
        return this;
    }

    /**
     * How long a publish is held while the broker blocks publishing ({@code connection.blocked}: a
     * memory or disk alarm) before its future fails with a {@link dev.omnibus.TransportException}
     * naming the broker's reason (default 30 s). Held publishes are written, in order, as soon as the
     * broker unblocks the connection; their confirm timeout starts then.
     */
    public RabbitMqTransportBuilder blockedPublishTimeout(Duration timeout) {
        this.blockedPublishTimeout = timeout;
        return this;
    }

    /**
     * The broker's {@code consumer_timeout} (default 30 min, RabbitMQ's default): the broker closes a
     * consuming channel when a delivery on it stays unacknowledged longer, prefetched deliveries waiting
     * in the bus's buffer included. A delivery that waited (not started) half this long is given back
     * to the broker, which delivers it again; so set it to the broker's value when that is lower.
     */
    public RabbitMqTransportBuilder consumerTimeout(Duration timeout) {
        this.consumerTimeout = timeout;
        return this;
    }

    /** The wait between reconnection attempts. */
    public RabbitMqTransportBuilder recoveryInterval(Duration interval) {
        this.recoveryInterval = interval;
        return this;
    }

    /** The AMQP heartbeat (whole seconds; zero turns it off). */
    public RabbitMqTransportBuilder heartbeat(Duration heartbeat) {
        this.heartbeat = heartbeat;
        return this;
    }

    /** How long opening a connection may take. */
    public RabbitMqTransportBuilder connectionTimeout(Duration timeout) {
        this.connectionTimeout = timeout;
        return this;
    }

    /** How delayed messages are held (default {@link DelayedDelivery#AUTO}). */
    public RabbitMqTransportBuilder delayedDelivery(DelayedDelivery how) {
        this.delayedDelivery = Objects.requireNonNull(how, "how");
        return this;
    }

    /** The largest body this transport sends, in bytes (match the broker's {@code max_message_size}). */
    public RabbitMqTransportBuilder maxMessageSize(int bytes) {
        this.maxMessageSize = bytes;
        return this;
    }

    /** How long a temporary queue (the bus's response queue) outlives its bus ({@code x-expires}). */
    public RabbitMqTransportBuilder temporaryQueueExpiry(Duration expiry) {
        this.temporaryQueueExpiry = expiry;
        return this;
    }

    /**
     * Checks the configuration and builds the transport (it connects when its bus starts).
     *
     * @throws ConfigurationException listing every problem found
     */
    public RabbitMqTransport build() {
        List<String> all = new ArrayList<>(problems);
        if (host == null || host.isBlank()) {
            all.add("host is empty");
        }
        int p = port != null ? port : tls ? 5671 : 5672;
        if (p < 1 || p > 65535) {
            all.add("port must be between 1 and 65535, was " + p);
        }
        if (virtualHost == null || virtualHost.isEmpty()) {
            all.add("virtualHost is empty (the default vhost is \"/\")");
        }
        if (username == null || username.isEmpty()) {
            all.add("username is empty");
        }
        if (password == null) {
            all.add("password is missing");
        }
        if (channelPoolSize < 1 || channelPoolSize > 2047) {
            all.add("channelPoolSize must be between 1 and 2047, was " + channelPoolSize);
        }
        positive(all, "confirmTimeout", confirmTimeout);
        positive(all, "blockedPublishTimeout", blockedPublishTimeout);
        positive(all, "consumerTimeout", consumerTimeout);
        positive(all, "recoveryInterval", recoveryInterval);
        positive(all, "connectionTimeout", connectionTimeout);
        positive(all, "temporaryQueueExpiry", temporaryQueueExpiry);
        if (heartbeat == null || heartbeat.isNegative()) {
            all.add("heartbeat must be zero or positive, was " + heartbeat);
        }
        if (maxMessageSize < 1) {
            all.add("maxMessageSize must be positive, was " + maxMessageSize);
        }
        defaultQueue.validate("defaultQueue", all);
        queues.forEach((name, options) -> {
            try {
                Address.checkName(name);
            } catch (ConfigurationException e) {
                all.add("queue(\"" + name + "\"): " + e.problems().get(0));
            }
            options.validate("queue(\"" + name + "\")", all);
        });
        SSLContext context = sslContext;
        if (sslContext != null && (keyStore != null || trustStore != null)) {
            all.add("TLS: give either an SSLContext or key/trust stores, not both");
        } else if (tls && context == null) {
            context = sslContext(all);
        }
        if (!all.isEmpty()) {
            throw new ConfigurationException(all);
        }
        return new RabbitMqTransport(new RabbitMqSettings(host, p, virtualHost, username, password, context,
                hostnameVerification, connectionName, defaultQueue, queues, channelPoolSize, confirmTimeout,
                blockedPublishTimeout, consumerTimeout, recoveryInterval, heartbeat, connectionTimeout, delayedDelivery, maxMessageSize, temporaryQueueExpiry));
    }

    private SSLContext sslContext(List<String> all) {
        try {
            KeyStore ks = keyStore == null ? null : load("keyStore", keyStore, keyStorePassword, all);
            KeyStore ts = trustStore == null ? null : load("trustStore", trustStore, trustStorePassword, all);
            if ((keyStore != null && ks == null) || (trustStore != null && ts == null)) {
                return null;
            }
            KeyManagerFactory kmf = null;
            if (ks != null) {
                kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(ks, keyStorePassword == null ? new char[0] : keyStorePassword);
            }
            TrustManagerFactory tmf = null;
            if (ts != null) {
                tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                tmf.init(ts);
            }
            if (kmf == null && tmf == null) {
                return SSLContext.getDefault();
            }
            SSLContext c = SSLContext.getInstance("TLS");
            c.init(kmf == null ? null : kmf.getKeyManagers(), tmf == null ? null : tmf.getTrustManagers(), null);
            return c;
        } catch (GeneralSecurityException e) {
            all.add("TLS: cannot set up the SSL context: " + e.getMessage());
            return null;
        }
    }

    private static KeyStore load(String what, Path path, char[] password, List<String> all) {
        if (path == null || !Files.isReadable(path)) {
            all.add(what + " " + path + " does not exist or cannot be read");
            return null;
        }
        String type = path.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".jks") ? "JKS" : "PKCS12";
        try (InputStream in = Files.newInputStream(path)) {
            KeyStore ks = KeyStore.getInstance(type);
            ks.load(in, password);
            return ks;
        } catch (IOException | GeneralSecurityException e) {
            all.add(what + " " + path + " cannot be loaded as " + type + " (wrong password or format?): " + e.getMessage());
            return null;
        }
    }

    private static void positive(List<String> all, String name, Duration d) {
        if (d == null || d.isNegative() || d.isZero()) {
            all.add(name + " must be positive, was " + d);
        }
    }

    private static String decode(String s) {
        return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    /**
     * {@code uri} with whatever precedes its last {@code @} (after the scheme's {@code //}, when it has
     * one) written as {@code ****}: a malformed URI ({@code amqp//user:secret@host}, a password holding a
     * raw {@code @}) must not be echoed in an error any more than a well-formed one.
     */
    static String redact(String uri) {
        int at = uri.lastIndexOf('@');
        if (at < 0) {
            return uri;
        }
        int slashes = uri.indexOf("//");
        int start = slashes < 0 || slashes > at ? 0 : slashes + 2;
        return uri.substring(0, start) + "****" + uri.substring(at);
    }

    @Override
    public String toString() {
        return "RabbitMqTransportBuilder[" + host + ":" + port + ", vhost=" + virtualHost + ", tls=" + tls + "]";
    }
}
