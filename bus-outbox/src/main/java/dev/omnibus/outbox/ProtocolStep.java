package dev.omnibus.outbox;

/**
 * The steps of the outbox protocol, in the order one message goes through them. A
 * {@link StepListener} hears each one; the crash-point kit stops the process at each to prove
 * that no effect is lost or doubled.
 */
public enum ProtocolStep {
    /** The business work and its outbox rows are written, the transaction is not committed yet. */
    BUSINESS_WRITE,
    /** The business transaction committed. */
    COMMIT,
    /** The dispatcher claimed a batch and is about to hand it to the transport. */
    RELAY_SEND,
    /** The transport confirmed the batch; the rows are not yet removed. */
    MARK_DELIVERED,
    /** The consumer's inbox row is written (uncommitted), the consumer has not run yet. */
    INBOX_INSERT,
    /** The consumer ran in the inbox transaction, which is not committed yet. */
    CONSUME,
    /** The consumer's transaction committed; the delivery is not acknowledged yet. */
    ACK
}
