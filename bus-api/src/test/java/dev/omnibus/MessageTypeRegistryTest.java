package dev.omnibus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.UUID;
import org.junit.jupiter.api.Test;

class MessageTypeRegistryTest {
    interface OrderEvent {
        UUID orderId();
    }

    interface Audited extends OrderEvent {
    }

    @ExcludeFromTopology
    interface Marker {
    }

    record OrderSubmitted(UUID orderId) implements Audited, Marker, Comparable<OrderSubmitted> {
        @Override
        public int compareTo(OrderSubmitted o) {
            return orderId.compareTo(o.orderId);
        }
    }

    @MessageUrn("Acme.Orders:SubmitOrder")
    record SubmitOrder(UUID orderId) {
    }

    @MessageUrn("urn:message:Other:Name")
    record FullUrn(String x) {
    }

    @MessageUrn("Acme.Orders:SubmitOrder")
    record Impostor(UUID orderId) {
    }

    record Box<T>(T value) {
    }

    static final class NotARecord {
    }

    @Test
    void urnIsPackageAndNestedNameLikeMassTransit() {
        assertThat(MessageTypeRegistry.urnOf(OrderSubmitted.class))
                .isEqualTo("urn:message:dev.omnibus:MessageTypeRegistryTest+OrderSubmitted");
    }

    @Test
    void annotationOverridesTheUrn() {
        assertThat(MessageTypeRegistry.urnOf(SubmitOrder.class)).isEqualTo("urn:message:Acme.Orders:SubmitOrder");
        assertThat(MessageTypeRegistry.urnOf(FullUrn.class)).isEqualTo("urn:message:Other:Name");
    }

    @Test
    void messageTypesListTheRecordThenItsMessageInterfacesButNotJavaOrExcludedOnes() {
        MessageType mt = MessageTypeRegistry.create().register(OrderSubmitted.class);
        assertThat(mt.messageTypes()).containsExactly(
                "urn:message:dev.omnibus:MessageTypeRegistryTest+OrderSubmitted",
                "urn:message:dev.omnibus:MessageTypeRegistryTest+Audited",
                "urn:message:dev.omnibus:MessageTypeRegistryTest+OrderEvent");
    }

    @Test
    void resolveFindsOnlyRegisteredTypes() {
        MessageTypeRegistry r = MessageTypeRegistry.create();
        r.register(SubmitOrder.class);
        assertThat(r.resolve("urn:message:Acme.Orders:SubmitOrder")).map(MessageType::rawType).contains(SubmitOrder.class);
        assertThat(r.resolve("urn:message:java.lang:ProcessBuilder")).isEmpty();
        assertThat(r.resolve("urn:message:dev.omnibus:MessageTypeRegistryTest+OrderSubmitted")).isEmpty();
    }

    @Test
    void twoClassesClaimingOneUrnIsAConfigurationError() {
        MessageTypeRegistry r = MessageTypeRegistry.create();
        r.register(SubmitOrder.class);
        assertThatThrownBy(() -> r.register(Impostor.class))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("urn:message:Acme.Orders:SubmitOrder")
                .hasMessageContaining("@MessageUrn");
    }

    @Test
    void nonRecordsAndGenericTypesAreRejectedWithAReason() {
        MessageTypeRegistry r = MessageTypeRegistry.create();
        assertThatThrownBy(() -> r.register(NotARecord.class)).hasMessageContaining("must be a record");
        assertThatThrownBy(() -> r.register(Box.class)).hasMessageContaining("generic");
    }

    @Test
    void faultTypeUsesMassTransitUrns() {
        MessageType fault = MessageTypeRegistry.create().faultOf(SubmitOrder.class);
        assertThat(fault.messageTypes()).containsExactly(
                "urn:message:MassTransit:Fault[[Acme.Orders:SubmitOrder]]", "urn:message:MassTransit:Fault");
        assertThat(fault.rawType()).isEqualTo(Fault.class);
        assertThat(fault.javaType().getTypeName()).contains("SubmitOrder");
    }

    @Test
    void registeringTwiceReturnsTheSameType() {
        MessageTypeRegistry r = MessageTypeRegistry.create();
        assertThat(r.register(SubmitOrder.class)).isSameAs(r.register(SubmitOrder.class));
        assertThat(r.faultOf(SubmitOrder.class)).isSameAs(r.faultOf(SubmitOrder.class));
    }

    @Test
    void interfaceTypeMatchesTheRecordThatImplementsIt() {
        MessageTypeRegistry r = MessageTypeRegistry.create();
        MessageType record = r.register(OrderSubmitted.class);
        MessageType iface = r.register(OrderEvent.class);
        assertThat(record.isAssignableTo(iface)).isTrue();
        assertThat(iface.isAssignableTo(record)).isFalse();
    }
}
