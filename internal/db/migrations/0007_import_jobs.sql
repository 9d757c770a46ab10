-- The column mappings users chose on the import screen, remembered per
-- user and model for their next import of that model. header_key is the
-- header trimmed and lower-cased (headers are compared without case);
-- field is the field path, or '' for a column left out.
CREATE TABLE import_mapping (
    user_id {int} NOT NULL REFERENCES res_users (id) ON DELETE CASCADE,
    model TEXT NOT NULL,
    header_key TEXT NOT NULL,
    header TEXT NOT NULL,
    field TEXT NOT NULL,
    write_date {ts} NOT NULL,
    PRIMARY KEY (user_id, model, header_key)
);

-- Imports (and their checks) run in the background on the node that
-- started them; their progress lives in that node's memory, but their
-- state and final result are kept here so that any node can show the
-- result, and cancel_requested lets another node ask for a cancellation.
-- data is JSON: what was asked, then what came of it.
CREATE TABLE import_job (
    token TEXT PRIMARY KEY,
    user_id {int} NOT NULL REFERENCES res_users (id) ON DELETE CASCADE,
    state TEXT NOT NULL DEFAULT 'running',
    cancel_requested {bool} NOT NULL DEFAULT {false},
    data TEXT NOT NULL,
    created_at {ts} NOT NULL,
    finished_at {ts}
);
CREATE INDEX import_job_created ON import_job (created_at);
