package dev.omnibus.rabbitmq;

import static org.assertj.core.api.Assertions.assertThat;

import dev.omnibus.Address;
import dev.omnibus.MessageType;
import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Addresses as MassTransit v8 writes and reads them, without a broker. Sources (MassTransit/MassTransit):
 * {@code src/Transports/MassTransit.RabbitMqTransport/RabbitMqEndpointAddress.cs} (the implicit
 * {@code Uri} operator writes the vhost with {@code Uri.EscapeDataString}; the constructor's query switch
 * reads {@code temporary}, {@code durable}, {@code autodelete}, {@code type}, {@code bind}, {@code queue}
 * with {@code bool.TryParse}; a full address has {@code BindToQueue = false}, {@code queue:} true) and
 * {@code RabbitMqHostAddress.cs} (default ports and the {@code /} vhost left out).
 */
class RabbitMqAddressTest {
    private static RabbitMqTransport transport(String vhost) {
        return RabbitMqTransport.builder().host("rabbit.example").virtualHost(vhost).build();
    }

    @Test
    void aVirtualHostWithASpaceIsWrittenPercentEncodedAsMassTransitWritesIt() {
        // Uri.EscapeDataString("my shop") is "my%20shop"; URLEncoder's "my+shop" reads back as a plus in .NET
        assertThat(transport("my shop").resolve(Address.queue("orders")))
                .isEqualTo(URI.create("rabbitmq://rabbit.example/my%20shop/orders"));
        assertThat(transport("a/b").resolve(Address.queue("orders")))
                .isEqualTo(URI.create("rabbitmq://rabbit.example/a%2Fb/orders"));
        assertThat(transport("my shop").endpoint()).contains("my%20shop").doesNotContain("+");
    }

    @Test
    void aVirtualHostIsReadBackFromAPercentEncodedAddressAndAPlusStaysAPlus() {
        assertThat(RabbitMqAddress.of(Address.parse("rabbitmq://h/my%20shop/orders")).virtualHost()).isEqualTo("my shop");
        assertThat(RabbitMqAddress.of(Address.parse("rabbitmq://h/my+shop/orders")).virtualHost()).isEqualTo("my+shop");
        assertThat(RabbitMqAddress.of(Address.parse("rabbitmq://h/orders")).virtualHost()).isNull();
        // the connection URI: the vhost is decoded the same way
        assertThat(RabbitMqTransport.builder().uri("amqp://h/my%20shop").build().endpoint()).endsWith("/my%20shop");
        assertThat(RabbitMqTransport.builder().uri("amqp://h/my+shop").build().endpoint()).endsWith("/my%2Bshop");
    }

    @Test
    void queryKeysFollowRabbitMqEndpointAddress() {
        RabbitMqAddress plain = RabbitMqAddress.of(Address.parse("rabbitmq://h/vh/orders"));
        assertThat(plain.name()).isEqualTo("orders");
        assertThat(plain.durable()).isTrue();
        assertThat(plain.autoDelete()).isFalse();
        assertThat(plain.bindQueue()).isFalse(); // a full address binds no queue unless bind=true
        assertThat(plain.exchangeType()).isEqualTo("fanout");

        RabbitMqAddress temporary = RabbitMqAddress.of(Address.parse("rabbitmq://h/Machine_Process_bus_x?temporary=true"));
        assertThat(temporary.durable()).isFalse();
        assertThat(temporary.autoDelete()).isTrue();

        RabbitMqAddress mt5 = RabbitMqAddress.of(Address.parse("rabbitmq://h/bus-host-proc?durable=false&autodelete=true"));
        assertThat(mt5.durable()).isFalse();
        assertThat(mt5.autoDelete()).isTrue();

        RabbitMqAddress bound = RabbitMqAddress.of(Address.parse("rabbitmq://h/ex?bind=true&queue=my%20q&type=direct"));
        assertThat(bound.bindQueue()).isTrue();
        assertThat(bound.queueName()).isEqualTo("my q");
        assertThat(bound.exchangeType()).isEqualTo("direct");

        assertThat(RabbitMqAddress.of(Address.parse("rabbitmq://h/x?durable=maybe")).durable()).isTrue(); // TryParse fails
        assertThat(RabbitMqAddress.of(Address.queue("orders")).bindQueue()).isTrue();
        assertThat(RabbitMqAddress.of(Address.queue("orders")).queueName()).isEqualTo("orders");
        assertThat(RabbitMqAddress.of(Address.topic("events")).bindQueue()).isFalse();
    }

    @Test
    void aDirectReplyToNameKeepsItsTokenEvenWithSlashesAndPluses() {
        String token = "amq.rabbitmq.reply-to.g1h2AA1y/ZXB+sbEA5.tBZV2jZDry2tnyCTBRpQWA==";
        URI uri = URI.create("rabbitmq://h/" + RabbitMqAddress.escape(token, true));
        RabbitMqAddress a = RabbitMqAddress.of(new Address(uri));
        assertThat(a.name()).isEqualTo(token);
        assertThat(a.isReplyTo()).isTrue();
        assertThat(RabbitMqAddress.of(Address.parse("rabbitmq://h/amq.rabbitmq.reply-to")).isReplyTo()).isTrue();
        assertThat(RabbitMqAddress.of(Address.parse("rabbitmq://h/amq.rabbitmq.reply-tox")).isReplyTo()).isFalse();
    }

    @Test
    void publishAddressNamesTheTypeExchangeAsMassTransitsDestinationAddress() {
        // MassTransit writes a publish's destinationAddress as the type exchange's address
        // (RabbitMqTransport/Topology/RabbitMqMessagePublishTopology.cs, TryGetPublishAddress: _exchange.GetEndpointAddress,
        // a durable exchange, so no query)
        MessageType type = new MessageType("urn:message:Company.Project:SubmitOrder", Object.class, Object.class,
                List.of("urn:message:Company.Project:SubmitOrder"));
        assertThat(transport("/").publishAddress(type))
                .isEqualTo(URI.create("rabbitmq://rabbit.example/Company.Project:SubmitOrder"));
        assertThat(transport("my shop").publishAddress(type))
                .isEqualTo(URI.create("rabbitmq://rabbit.example/my%20shop/Company.Project:SubmitOrder"));
        RabbitMqTransport port = RabbitMqTransport.builder().host("h").port(5673).build();
        assertThat(port.publishAddress(type)).isEqualTo(URI.create("rabbitmq://h:5673/Company.Project:SubmitOrder"));
    }
}
