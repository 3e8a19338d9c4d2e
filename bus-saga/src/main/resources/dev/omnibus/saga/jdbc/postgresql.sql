-- Saga instances for Omnibus (PostgreSQL). One table for every saga type; {table} is replaced by
-- the configured table name (default omnibus_saga).
CREATE TABLE IF NOT EXISTS {table} (
    saga_type      VARCHAR(200) NOT NULL,
    correlation_id UUID         NOT NULL,
    current_state  VARCHAR(200) NOT NULL,
    version        BIGINT       NOT NULL,
    data           JSONB        NOT NULL,
    updated_at     TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
    PRIMARY KEY (saga_type, correlation_id)
);
CREATE INDEX IF NOT EXISTS {table}_state ON {table} (saga_type, current_state);
