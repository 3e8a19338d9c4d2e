package dev.omnibus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class AddressTest {
    @Test
    void shortFormsAndTransportUrisNameTheEndpoint() {
        assertThat(Address.queue("orders").name()).isEqualTo("orders");
        assertThat(Address.topic("events").isTopic()).isTrue();
        assertThat(Address.parse("rabbitmq://localhost/vhost/orders").name()).isEqualTo("orders");
        assertThat(Address.parse("loopback://localhost/host_1_bus_x?temporary=true").name()).isEqualTo("host_1_bus_x");
        assertThat(Address.parse("amazonsqs://us-east-1/ns_Topic?type=topic").isTopic()).isTrue();
    }

    @Test
    void invalidNamesAreRejectedWithAHint() {
        assertThatThrownBy(() -> Address.queue("has space")).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("letters, digits");
        assertThatThrownBy(() -> Address.parse("rabbitmq://localhost/")).hasMessageContaining("names no endpoint");
    }
}
