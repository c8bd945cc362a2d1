-- omacp server schema, version 5: password attempts are counted in the database, so that
-- every process behind a load balancer enforces one limit per tenant/username (it was per
-- process). One row per key: the key's SHA-256 (never the username itself) and its
-- theoretical arrival time in epoch ms (a generic cell rate algorithm: see store::throttle).

CREATE TABLE login_throttle (
    key_hash TEXT PRIMARY KEY,
    tat BIGINT NOT NULL
);

CREATE INDEX login_throttle_tat ON login_throttle (tat);
