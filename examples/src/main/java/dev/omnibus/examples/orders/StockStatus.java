package dev.omnibus.examples.orders;

/**
 * Response to {@link CheckStock}.
 *
 * @param sku        the article asked about
 * @param available  how many are in stock
 * @param sufficient whether that covers the quantity asked for
 */
public record StockStatus(String sku, int available, boolean sufficient) {
}
