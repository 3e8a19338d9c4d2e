package dev.omnibus.examples.orders;

import dev.omnibus.ConsumeContext;
import dev.omnibus.MessageConsumer;
import java.util.Map;

/**
 * Answers {@link CheckStock} requests on the {@code stock} endpoint from a fixed inventory.
 * {@code respond} sends the answer straight back to the asking bus's response address, tagged with
 * the request's id, so the right caller's future completes.
 *
 * <p>Immutable, so one instance can serve several threads.
 */
public final class StockConsumer implements MessageConsumer<CheckStock> {
    private final Map<String, Integer> inventory;

    /** @param inventory how many of each article (by SKU) are in stock; unknown SKUs have none */
    public StockConsumer(Map<String, Integer> inventory) {
        this.inventory = Map.copyOf(inventory);
    }

    @Override
    public void consume(ConsumeContext<CheckStock> context) {
        CheckStock question = context.message();
        int available = inventory.getOrDefault(question.sku(), 0);
        context.respond(new StockStatus(question.sku(), available, available >= question.quantity()));
    }
}
