-- omacp server schema, version 7: campaign PINs are sealed with the server's data key
-- (docs/secrets-at-rest.md). One row names the key (by its fingerprint) that this
-- database's sealed values were written with, so a start with another key is refused
-- before it could sign with a PIN it cannot read. The row is written, and the PINs stored
-- in clear by earlier versions are sealed, by the first start that has a key.
-- The version bump also keeps older binaries, which would take a sealed text for a PIN,
-- from opening the database.

CREATE TABLE omacp_data_key (
    id TEXT PRIMARY KEY,
    key_id TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
