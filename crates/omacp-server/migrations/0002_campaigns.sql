-- omacp server schema, version 2: campaigns (issue #6). Same portability rules as 0001:
-- TEXT ids, BIGINT numbers, epoch-millisecond times, JSON text for lists and maps.

-- A campaign: a snapshot of one profile version (template and variables copied here, so
-- editing the profile later does not change what is sent), an audience already resolved
-- into campaign_messages, a SEC method and a rate.
CREATE TABLE campaigns (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    name TEXT NOT NULL,
    profile_id TEXT NOT NULL,
    profile_name TEXT NOT NULL,
    profile_version BIGINT NOT NULL,
    template TEXT NOT NULL,
    variables TEXT NOT NULL,
    campaign_vars TEXT NOT NULL,
    sec TEXT NOT NULL,
    pin_mode TEXT NOT NULL,
    pin TEXT,
    rate BIGINT NOT NULL,
    max_attempts BIGINT NOT NULL,
    route TEXT,
    state TEXT NOT NULL,
    total BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    finished_at BIGINT
);

CREATE INDEX campaigns_by_tenant ON campaigns (tenant_id, id);

CREATE INDEX campaigns_by_state ON campaigns (state);

-- One message per subscriber: the durable queue. A row is claimed by moving it from
-- 'queued' to 'submitted' with a lease; an expired lease puts it back to 'queued'.
CREATE TABLE campaign_messages (
    id TEXT PRIMARY KEY,
    campaign_id TEXT NOT NULL REFERENCES campaigns (id),
    tenant_id TEXT NOT NULL,
    subscriber_id TEXT NOT NULL,
    msisdn TEXT NOT NULL,
    imsi TEXT,
    imei TEXT,
    vars TEXT NOT NULL,
    pin TEXT,
    state TEXT NOT NULL,
    segments BIGINT NOT NULL,
    attempts BIGINT NOT NULL,
    next_at BIGINT NOT NULL,
    lease_owner TEXT,
    lease_until BIGINT,
    error TEXT,
    updated_at BIGINT NOT NULL
);

CREATE INDEX campaign_messages_queue ON campaign_messages (campaign_id, state, next_at);

CREATE INDEX campaign_messages_lease ON campaign_messages (state, lease_until);

-- Every segment the SMSC accepted, keyed by the SMSC's message id (what receipts name).
-- A message sent again after a crash has rows for both sends.
CREATE TABLE campaign_segments (
    route TEXT NOT NULL,
    smsc_id TEXT NOT NULL,
    message_id TEXT NOT NULL,
    seq BIGINT NOT NULL,
    state TEXT NOT NULL,
    at BIGINT NOT NULL,
    PRIMARY KEY (route, smsc_id)
);

CREATE INDEX campaign_segments_by_message ON campaign_segments (message_id, state);

-- Receipts that arrived (possibly at another process) before their segment was recorded.
CREATE TABLE campaign_receipts_pending (
    route TEXT NOT NULL,
    smsc_id TEXT NOT NULL,
    state TEXT NOT NULL,
    at BIGINT NOT NULL,
    PRIMARY KEY (route, smsc_id)
);

-- State changes for the progress chart: n messages entered `state` at `at`.
CREATE TABLE campaign_history (
    campaign_id TEXT NOT NULL,
    at BIGINT NOT NULL,
    state TEXT NOT NULL,
    n BIGINT NOT NULL
);

CREATE INDEX campaign_history_by_campaign ON campaign_history (campaign_id, at);

-- Runner processes and when each last showed it is alive. An accepted message keeps the
-- owner that submitted it: when that owner stops showing up (it was killed), receipts it
-- had acknowledged but not yet written may be lost, so its messages still waiting for a
-- receipt are sent again (with the same idempotency keys).
CREATE TABLE campaign_runners (
    owner TEXT PRIMARY KEY,
    seen_at BIGINT NOT NULL
);
