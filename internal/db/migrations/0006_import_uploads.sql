-- Files being imported, kept between the check (dry run) and the import
-- so that any node can finish what another started.
CREATE TABLE import_upload (
    token TEXT PRIMARY KEY,
    user_id {int} NOT NULL REFERENCES res_users (id) ON DELETE CASCADE,
    model TEXT NOT NULL,
    name TEXT NOT NULL,
    data {blob} NOT NULL,
    created_at {ts} NOT NULL
);
