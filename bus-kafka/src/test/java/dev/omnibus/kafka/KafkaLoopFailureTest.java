package dev.omnibus.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.omnibus.Address;
import dev.omnibus.Headers;
import dev.omnibus.spi.BusClock;
import dev.omnibus.spi.Delivery;
import dev.omnibus.spi.DeliveryHandler;
import dev.omnibus.spi.EndpointTopology;
import dev.omnibus.spi.OutgoingMessage;
import dev.omnibus.spi.ReceiveHandle;
import dev.omnibus.spi.ReceiveSettings;
import dev.omnibus.spi.TransportContext;
import dev.omnibus.testing.Await;
import dev.omnibus.testing.RunIds;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A Kafka receive loop that dies (here: its handler throws out of the loop) tells its handler, after
 * its consumer left the group, so the bus subscribes again ({@code onReceiveStopped}); the records it
 * had not committed are read again by the next subscription: nothing is lost.
 */
class KafkaLoopFailureTest {
    private static final Await AWAIT = Await.atMost(Duration.ofSeconds(60));
    private final String prefix = "kl-" + RunIds.next() + ".";
    private KafkaTransport transport;

    @AfterEach
    void cleanUp() {
        if (transport != null) {
            transport.close();
        }
        KafkaFixture.deleteTopicsWithPrefix(prefix);
    }

    @Test
    void aLoopThatDiesIsReportedAndTheNextSubscriptionReadsItsRecordsAgain() throws Exception {
        transport = KafkaTransport.builder().bootstrapServers(KafkaFixture.bootstrapServers()).topicPrefix(prefix)
                .partitions(1).startFrom(KafkaTransportBuilder.StartFrom.EARLIEST).build();
        transport.start(new TransportContext(BusClock.system(), "kl-" + RunIds.next()));
        String queue = "dies";
        transport.declareEndpoint(new EndpointTopology(queue, List.of(), false));
        transport.send(Address.queue(queue), new OutgoingMessage("one".getBytes(StandardCharsets.UTF_8),
                Headers.of(OutgoingMessage.CONTENT_TYPE, "text/plain"), null, null)).get();

        List<Throwable> stops = new CopyOnWriteArrayList<>();
        ReceiveHandle dying = transport.receive(queue, new ReceiveSettings(8), new DeliveryHandler() {
            @Override
            public void onDelivery(Delivery delivery) {
                throw new IllegalStateException("the handler broke the loop");
            }

            @Override
            public void onReceiveStopped(Throwable cause) {
                stops.add(cause);
            }
        });
        AWAIT.until("the dead loop reported", () -> !stops.isEmpty());
        assertThat(stops).hasSize(1);
        assertThat(stops.get(0)).hasMessage("the handler broke the loop");
        dying.close(); // what the bus does next: close the dead handle, subscribe again

        List<String> got = new CopyOnWriteArrayList<>();
        ReceiveHandle next = transport.receive(queue, new ReceiveSettings(8), d -> {
            got.add(new String(d.body(), StandardCharsets.UTF_8));
            d.ack();
        });
        try {
            AWAIT.until("the uncommitted record read again", () -> got.contains("one"));
            assertThat(stops).as("reported once").hasSize(1);
        } finally {
            next.close();
        }
    }
}
