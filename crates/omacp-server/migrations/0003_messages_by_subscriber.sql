-- omacp server schema, version 3: a subscriber's detail page lists what was sent to them.

CREATE INDEX campaign_messages_by_subscriber ON campaign_messages (tenant_id, subscriber_id);
