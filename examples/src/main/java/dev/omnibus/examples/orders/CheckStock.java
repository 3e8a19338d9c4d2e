package dev.omnibus.examples.orders;

/**
 * Request: is there enough of an article in stock? Answered with a {@link StockStatus}.
 *
 * @param sku      the article
 * @param quantity how many are wanted
 */
public record CheckStock(String sku, int quantity) {
}
