-- omacp server schema, version 6: each campaign runner's heartbeat names the SMSC routes it
-- binds, so that runners sharing a database divide the campaign, tenant and route rate
-- limits among themselves (they were per process): see campaign::share.

ALTER TABLE campaign_runners ADD COLUMN routes TEXT NOT NULL DEFAULT '[]';
