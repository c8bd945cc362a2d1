-- omacp server schema, version 4: the lease index covers only the rows the housekeeping
-- looks for. A message is mostly queued or final; indexing only 'submitted' (lease expiry,
-- renewal) and 'accepted' (receipt timeout, runners that stopped) rows spares every queue
-- insert and every final update an index write (issue #6, campaign throughput).

DROP INDEX campaign_messages_lease;

CREATE INDEX campaign_messages_submitted ON campaign_messages (lease_until) WHERE state = 'submitted';

CREATE INDEX campaign_messages_accepted ON campaign_messages (updated_at) WHERE state = 'accepted';
