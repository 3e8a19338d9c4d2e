package dev.omnibus.sqs;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class QueueNamesTest {
    @Test
    void validShortNameIsKeptAsItIs() {
        assertThat(QueueNames.queueName("prod-", "orders_error")).isEqualTo("prod-orders_error");
    }

    @Test
    void invalidCharactersAreReplacedAndTheNameGetsAHashSuffix() {
        String q = QueueNames.queueName("", "Shop.Orders:placed");
        assertThat(q).matches("Shop-Orders-placed-[0-9a-f]{10}");
    }

    @Test
    void namesThatDifferOnlyInInvalidCharactersDoNotCollide() {
        List<String> names = List.of("a.b", "a:b", "a-b", "a_b", "a b");
        Set<String> queues = new HashSet<>();
        for (String n : names) {
            queues.add(QueueNames.queueName("", n));
        }
        assertThat(queues).hasSize(names.size());
    }

    @Test
    void aKeptNameNeverEqualsAHashedOne() {
        String hashed = QueueNames.queueName("", "a.b");
        assertThat(QueueNames.queueName("", hashed)).isNotEqualTo(hashed);
    }

    @Test
    void longNamesAreCutTo80WithAHashAndStayDistinct() {
        String base = "x".repeat(100);
        String a = QueueNames.queueName("p-", base + "1");
        String b = QueueNames.queueName("p-", base + "2");
        assertThat(a).hasSize(80).startsWith("p-xxx").matches("[A-Za-z0-9_-]+");
        assertThat(b).hasSize(80);
        assertThat(a).isNotEqualTo(b);
        assertThat(QueueNames.queueName("", "y".repeat(80))).isEqualTo("y".repeat(80));
        assertThat(QueueNames.queueName("", "y".repeat(81))).hasSize(80);
    }

    @Test
    void fifoNamesEndInFifoWithin80() {
        String q = QueueNames.fifoQueueName("", "z".repeat(90));
        assertThat(q).hasSize(80).endsWith(".fifo");
        assertThat(QueueNames.fifoQueueName("", "orders")).isEqualTo("orders.fifo");
    }

    @Test
    void mappingIsStable() {
        assertThat(QueueNames.queueName("", "Shop.Orders")).isEqualTo(QueueNames.queueName("", "Shop.Orders"));
    }
}
