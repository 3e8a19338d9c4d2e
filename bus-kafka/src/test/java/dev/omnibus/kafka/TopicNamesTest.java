package dev.omnibus.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TopicNamesTest {
    @Test
    void aMessageTypeUrnBecomesItsNamespaceAndName() {
        assertThat(TopicNames.messageType("", "urn:message:Shop.Orders:OrderPlaced")).isEqualTo("Shop.Orders.OrderPlaced");
        assertThat(TopicNames.messageType("prod.", "urn:message:Shop:Paid")).isEqualTo("prod.Shop.Paid");
    }

    @Test
    void validNamesAreKeptAsTheyAre() {
        assertThat(TopicNames.endpoint("", "orders_error")).isEqualTo("orders_error");
        assertThat(TopicNames.endpoint("", "a-b.c")).isEqualTo("a-b.c");
    }

    @Test
    void namesThatDifferOnlyInInvalidCharactersGetDifferentTopics() {
        String a = TopicNames.endpoint("", "bestellungen-ä");
        String b = TopicNames.endpoint("", "bestellungen-ö");
        assertThat(a).matches("[a-zA-Z0-9._-]+").startsWith("bestellungen-_-");
        assertThat(b).matches("[a-zA-Z0-9._-]+");
        assertThat(a).isNotEqualTo(b);
    }

    @Test
    void longNamesAreCutToTheLimitWithoutColliding() {
        String base = "x".repeat(300);
        String a = TopicNames.endpoint("", base + "a");
        String b = TopicNames.endpoint("", base + "b");
        assertThat(a).hasSize(TopicNames.MAX_LENGTH);
        assertThat(b).hasSize(TopicNames.MAX_LENGTH);
        assertThat(a).isNotEqualTo(b);
        assertThat(TopicNames.endpoint("", "y".repeat(249))).isEqualTo("y".repeat(249));
    }

    @Test
    void theNeighboursOfEveryAllowedRangeAreReplaced() {
        for (String bad : new String[] {"`", "{", "@", "[", "/", "\u00e9", " ", "$"}) {
            String name = TopicNames.endpoint("", "q" + bad + "q");
            assertThat(name).as("for %s", bad).startsWith("q_q-").hasSize("q_q-".length() + 8);
        }
        assertThat(TopicNames.endpoint("", "azAZ09._-")).isEqualTo("azAZ09._-");
        assertThat(TopicNames.endpoint("", "a:b")).as("namespaces").isEqualTo("a.b");
    }
}
