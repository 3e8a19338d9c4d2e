-- Saga instances for Omnibus (H2). One table for every saga type; {table} is replaced by the
-- configured table name (default omnibus_saga). The document is text: H2's JSON type would store a
-- bound string as a JSON string literal.
CREATE TABLE IF NOT EXISTS {table} (
    saga_type      VARCHAR(200)           NOT NULL,
    correlation_id UUID                   NOT NULL,
    current_state  VARCHAR(200)           NOT NULL,
    version        BIGINT                 NOT NULL,
    data           CHARACTER LARGE OBJECT NOT NULL,
    updated_at     TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP NOT NULL,
    PRIMARY KEY (saga_type, correlation_id)
);
CREATE INDEX IF NOT EXISTS {table}_state ON {table} (saga_type, current_state);
