-- Activities: types (with chaining), planned activities on any record,
-- attachments stored in the database, and the private calendar feed token.

CREATE TABLE mail_activity_type (
    id {id},
    name TEXT NOT NULL,
    summary TEXT,
    sequence {int} NOT NULL DEFAULT 10,
    active {bool} NOT NULL DEFAULT {true},
    delay_count {int} NOT NULL DEFAULT 0,
    delay_unit TEXT NOT NULL DEFAULT 'days',
    delay_from TEXT NOT NULL DEFAULT 'previous_activity',
    icon TEXT,
    decoration_type TEXT,
    res_model TEXT,
    chaining_type TEXT NOT NULL DEFAULT 'suggest',
    triggered_next_type_id {int} REFERENCES mail_activity_type (id) ON DELETE SET NULL,
    category TEXT NOT NULL DEFAULT 'default',
    default_user_id {int} REFERENCES res_users (id) ON DELETE SET NULL,
    default_note TEXT,
    create_uid {int}, create_date {ts}, write_uid {int}, write_date {ts}
);

CREATE TABLE mail_activity_rel (
    activity_id {int} NOT NULL REFERENCES mail_activity_type (id) ON DELETE CASCADE,
    recommended_id {int} NOT NULL REFERENCES mail_activity_type (id) ON DELETE CASCADE,
    PRIMARY KEY (activity_id, recommended_id)
);

CREATE TABLE mail_activity (
    id {id},
    res_model TEXT NOT NULL,
    res_id {int} NOT NULL,
    res_name TEXT,
    lead_id {int} REFERENCES crm_lead (id) ON DELETE CASCADE,
    partner_id {int} REFERENCES res_partner (id) ON DELETE CASCADE,
    activity_type_id {int} REFERENCES mail_activity_type (id) ON DELETE RESTRICT,
    summary TEXT,
    note TEXT,
    date_deadline {date} NOT NULL,
    date_done {date},
    start_datetime {ts},
    stop_datetime {ts},
    user_id {int} NOT NULL REFERENCES res_users (id) ON DELETE CASCADE,
    feedback TEXT,
    automated {bool} NOT NULL DEFAULT {false},
    previous_activity_type_id {int} REFERENCES mail_activity_type (id) ON DELETE SET NULL,
    active {bool} NOT NULL DEFAULT {true},
    create_uid {int}, create_date {ts}, write_uid {int}, write_date {ts}
);
CREATE INDEX mail_activity_lead ON mail_activity (lead_id, active, date_deadline);
CREATE INDEX mail_activity_user ON mail_activity (user_id, active, date_deadline);
CREATE INDEX mail_activity_res ON mail_activity (res_model, res_id);

CREATE TABLE ir_attachment (
    id {id},
    name TEXT NOT NULL,
    res_model TEXT,
    res_id {int},
    mimetype TEXT,
    file_size {int} NOT NULL DEFAULT 0,
    datas {blob},
    checksum TEXT,
    create_uid {int}, create_date {ts}, write_uid {int}, write_date {ts}
);
CREATE INDEX ir_attachment_res ON ir_attachment (res_model, res_id);

CREATE TABLE mail_message_attachment_rel (
    message_id {int} NOT NULL REFERENCES mail_message (id) ON DELETE CASCADE,
    attachment_id {int} NOT NULL REFERENCES ir_attachment (id) ON DELETE CASCADE,
    PRIMARY KEY (message_id, attachment_id)
);

ALTER TABLE mail_message ADD COLUMN mail_activity_type_id {int};
CREATE INDEX mail_message_activity_type ON mail_message (mail_activity_type_id);
ALTER TABLE res_users ADD COLUMN calendar_token TEXT;
