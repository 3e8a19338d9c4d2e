package dev.omnibus.testing.tls;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;

/**
 * A TLS front for a plain-text server, on loopback and a free port: it accepts TLS connections
 * (demanding a client certificate when asked), and forwards each, decrypted, to {@code target}. A
 * test puts it in front of a local broker to try TLS and mutual TLS for real without reconfiguring
 * the broker. Handshake failures the server side saw are kept ({@link #handshakeFailures()}).
 *
 * <pre>{@code
 * try (TlsTerminator tls = TlsTerminator.start(TestCertificates.context(serverStore, ca.trustStore()), true,
 *         new InetSocketAddress("127.0.0.1", 5672))) {
 *     ... connect to 127.0.0.1:tls.port() with TLS
 * }
 * }</pre>
 */
public final class TlsTerminator implements AutoCloseable {
    private final SSLServerSocket server;
    private final InetSocketAddress target;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final List<String> handshakeFailures = new CopyOnWriteArrayList<>();
    private final AtomicInteger accepted = new AtomicInteger();
    private final Thread acceptor;
    private volatile boolean closed;

    private TlsTerminator(SSLServerSocket server, InetSocketAddress target) {
        this.server = server;
        this.target = target;
        this.acceptor = new Thread(this::acceptLoop, "tls-terminator-" + server.getLocalPort());
        this.acceptor.setDaemon(true);
    }

    /**
     * Listens on 127.0.0.1 and a free port.
     *
     * @param context           the server's certificate (key managers) and, for client certificates, trust
     * @param needClientAuth    whether a client without a certificate trusted by {@code context} is refused
     * @param target            the plain-text server to forward to
     */
    public static TlsTerminator start(SSLContext context, boolean needClientAuth, InetSocketAddress target) throws IOException {
        SSLServerSocket s = (SSLServerSocket) context.getServerSocketFactory().createServerSocket(0, 50,
                InetAddress.getLoopbackAddress());
        s.setNeedClientAuth(needClientAuth);
        TlsTerminator t = new TlsTerminator(s, target);
        t.acceptor.start();
        return t;
    }

    /** The port it listens on. */
    public int port() {
        return server.getLocalPort();
    }

    /** Connections accepted so far (handshake done or not). */
    public int accepted() {
        return accepted.get();
    }

    /** What the server side saw when a handshake failed, in order. */
    public List<String> handshakeFailures() {
        return List.copyOf(handshakeFailures);
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                SSLSocket client = (SSLSocket) server.accept();
                accepted.incrementAndGet();
                open.add(client);
                Thread t = new Thread(() -> serve(client), "tls-terminator-conn");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                if (!closed) {
                    handshakeFailures.add("accept: " + e);
                }
            }
        }
    }

    private void serve(SSLSocket client) {
        try {
            client.startHandshake();
        } catch (IOException e) {
            handshakeFailures.add(e.toString());
            closeQuietly(client);
            return;
        }
        Socket upstream = new Socket();
        try {
            upstream.connect(target, 5_000);
        } catch (IOException e) {
            closeQuietly(client);
            closeQuietly(upstream);
            return;
        }
        open.add(upstream);
        Thread back = new Thread(() -> pump(upstream, client), "tls-terminator-back");
        back.setDaemon(true);
        back.start();
        pump(client, upstream);
    }

    private void pump(Socket from, Socket to) {
        byte[] buf = new byte[16 * 1024];
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            int n;
            while ((n = in.read(buf)) >= 0) {
                out.write(buf, 0, n);
                out.flush();
            }
        } catch (SocketException e) {
            // the other side closed
        } catch (IOException e) {
            // a broken connection ends both directions
        } finally {
            closeQuietly(from);
            closeQuietly(to);
        }
    }

    private void closeQuietly(Socket s) {
        open.remove(s);
        try {
            s.close();
        } catch (IOException e) {
            // closing
        }
    }

    /** Stops listening and closes every connection. */
    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException e) {
            // closing
        }
        for (Socket s : open) {
            closeQuietly(s);
        }
    }
}
