-- Base models: companies, currencies, countries, languages, partners, users,
-- groups, access rights, record rules, saved filters, API keys, sessions,
-- the timeline (mail.message with tracking values) and parameters.
-- Macros such as {id} and {ts} are expanded per dialect by internal/db.

CREATE TABLE ir_model_data (
    id {id},
    module TEXT NOT NULL,
    name TEXT NOT NULL,
    model TEXT NOT NULL,
    res_id {int} NOT NULL,
    UNIQUE (module, name)
);
CREATE INDEX ir_model_data_model_res ON ir_model_data (model, res_id);

CREATE TABLE ir_config_parameter (
    id {id},
    key TEXT NOT NULL UNIQUE,
    value TEXT NOT NULL DEFAULT ''
);

CREATE TABLE res_currency (
    id {id},
    name TEXT NOT NULL UNIQUE,
    full_name TEXT,
    symbol TEXT NOT NULL DEFAULT '',
    decimal_places {int} NOT NULL DEFAULT 2,
    position TEXT NOT NULL DEFAULT 'after',
    active {bool} NOT NULL DEFAULT {true},
    create_uid {int}, create_date {ts}, write_uid {int}, write_date {ts}
);

CREATE TABLE res_country (
    id {id},
    name TEXT NOT NULL,
    code TEXT NOT NULL UNIQUE,
    phone_code {int} NOT NULL DEFAULT 0,
    currency_id {int} REFERENCES res_currency (id) ON DELETE SET NULL,
    create_uid {int}, create_date {ts}, write_uid {int}, write_date {ts}
);

CREATE TABLE res_country_state (
    id {id},
    country_id {int} NOT NULL REFERENCES res_country (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    code TEXT NOT NULL,
    create_uid {int}, create_date {ts}, write_uid {int}, write_date {ts},
    UNIQUE (country_id, code)
);

CREATE TABLE res_lang (
    id {id},
    name TEXT NOT NULL,
    code TEXT NOT NULL UNIQUE,
    iso_code TEXT,
    active {bool} NOT NULL DEFAULT {false},
    date_format TEXT NOT NULL DEFAULT '%m/%d/%Y',
    time_format TEXT NOT NULL DEFAULT '%H:%M:%S',
    decimal_point TEXT NOT NULL DEFAULT '.',
    thousands_sep TEXT NOT NULL DEFAULT ',',
    create_uid {int}, create_date {ts}, write_uid {int}, write_date {ts}
);

CREATE TABLE res_company (
    id {id},
    name TEXT NOT NULL,
    currency_id {int} NOT NULL REFERENCES res_currency (id),
    country_id {int} REFERENCES res_country (id) ON DELETE SET NULL,
    email TEXT,
    phone TEXT,
    vat TEXT,
    active {bool} NOT NULL DEFAULT {true},
    create_uid {int}, create_date {ts}, write_uid {int}, write_date {ts}
);

CREATE TABLE res_partner_category (
    id {id},
    name TEXT NOT NULL,
    color {int} NOT NULL DEFAULT 0,
    parent_id {int} REFERENCES res_partner_category (id) ON DELETE CASCADE,
    active {bool} NOT NULL DEFAULT {true},
    create_uid {int}, create_date {ts}, write_uid {int}, write_date {ts}
);

CREATE TABLE res_partner (
    id {id},
    name TEXT,
    complete_name TEXT,
    is_company {bool} NOT NULL DEFAULT {false},
    type TEXT NOT NULL DEFAULT 'contact',
    parent_id {int} REFERENCES res_partner (id) ON DELETE SET NULL,
    commercial_partner_id {int},
    company_name TEXT,
    ref TEXT,
    email TEXT,
    email_normalized TEXT,
    phone TEXT,
    phone_sanitized TEXT,
    street TEXT,
    street2 TEXT,
    zip TEXT,
    city TEXT,
    state_id {int} REFERENCES res_country_state (id) ON DELETE RESTRICT,
    country_id {int} REFERENCES res_country (id) ON DELETE RESTRICT,
    vat TEXT,
    company_registry TEXT,
    function TEXT,
    website TEXT,
    lang TEXT,
    tz TEXT,
    comment TEXT,
    user_id {int},
    company_id {int} REFERENCES res_company (id) ON DELETE SET NULL,
    color {int} NOT NULL DEFAULT 0,
    credit_limit {float} NOT NULL DEFAULT 0,
    employee_count {int} NOT NULL DEFAULT 0,
    birthdate {date},
    image {blob},
    active {bool} NOT NULL DEFAULT {true},
    create_uid {int}, create_date {ts}, write_uid {int}, write_date {ts}
);
CREATE INDEX res_partner_parent ON res_partner (parent_id);
CREATE INDEX res_partner_commercial ON res_partner (commercial_partner_id);
CREATE INDEX res_partner_email_norm ON res_partner (email_normalized);
CREATE INDEX res_partner_name ON res_partner (name);
CREATE INDEX res_partner_vat ON res_partner (vat);
-- the default order of contact lists
CREATE INDEX res_partner_complete_name ON res_partner (complete_name, id DESC);
CREATE INDEX res_partner_company ON res_partner (company_id);
CREATE INDEX res_partner_create_date ON res_partner (create_date);

CREATE TABLE res_partner_res_partner_category_rel (
    partner_id {int} NOT NULL REFERENCES res_partner (id) ON DELETE CASCADE,
    category_id {int} NOT NULL REFERENCES res_partner_category (id) ON DELETE CASCADE,
    PRIMARY KEY (partner_id, category_id)
);
CREATE INDEX res_partner_category_rel_cat ON res_partner_res_partner_category_rel (category_id);

CREATE TABLE res_users (
    id {id},
    login TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    email TEXT,
    lang TEXT NOT NULL DEFAULT 'en_US',
    tz TEXT NOT NULL DEFAULT 'UTC',
    password TEXT,
    partner_id {int} NOT NULL REFERENCES res_partner (id) ON DELETE RESTRICT,
    company_id {int} NOT NULL REFERENCES res_company (id),
    share {bool} NOT NULL DEFAULT {false},
    signature TEXT,
    active {bool} NOT NULL DEFAULT {true},
    create_uid {int}, create_date {ts}, write_uid {int}, write_date {ts}
);

CREATE TABLE res_groups (
    id {id},
    name TEXT NOT NULL,
    category TEXT,
    comment TEXT,
    create_uid {int}, create_date {ts}, write_uid {int}, write_date {ts}
);

CREATE TABLE res_groups_users_rel (
    gid {int} NOT NULL REFERENCES res_groups (id) ON DELETE CASCADE,
    uid {int} NOT NULL REFERENCES res_users (id) ON DELETE CASCADE,
    PRIMARY KEY (gid, uid)
);
CREATE INDEX res_groups_users_rel_uid ON res_groups_users_rel (uid);

CREATE TABLE res_groups_implied_rel (
    gid {int} NOT NULL REFERENCES res_groups (id) ON DELETE CASCADE,
    hid {int} NOT NULL REFERENCES res_groups (id) ON DELETE CASCADE,
    PRIMARY KEY (gid, hid)
);

CREATE TABLE ir_model_access (
    id {id},
    name TEXT NOT NULL,
    model TEXT NOT NULL,
    group_id {int} REFERENCES res_groups (id) ON DELETE CASCADE,
    perm_read {bool} NOT NULL DEFAULT {false},
    perm_write {bool} NOT NULL DEFAULT {false},
    perm_create {bool} NOT NULL DEFAULT {false},
    perm_unlink {bool} NOT NULL DEFAULT {false},
    active {bool} NOT NULL DEFAULT {true},
    create_uid {int}, create_date {ts}, write_uid {int}, write_date {ts}
);
CREATE INDEX ir_model_access_model ON ir_model_access (model);

CREATE TABLE ir_rule (
    id {id},
    name TEXT NOT NULL,
    model TEXT NOT NULL,
    domain_force TEXT NOT NULL DEFAULT '[]',
    perm_read {bool} NOT NULL DEFAULT {true},
    perm_write {bool} NOT NULL DEFAULT {true},
    perm_create {bool} NOT NULL DEFAULT {true},
    perm_unlink {bool} NOT NULL DEFAULT {true},
    active {bool} NOT NULL DEFAULT {true},
    create_uid {int}, create_date {ts}, write_uid {int}, write_date {ts}
);
CREATE INDEX ir_rule_model ON ir_rule (model);

CREATE TABLE rule_group_rel (
    rule_group_id {int} NOT NULL REFERENCES ir_rule (id) ON DELETE CASCADE,
    group_id {int} NOT NULL REFERENCES res_groups (id) ON DELETE CASCADE,
    PRIMARY KEY (rule_group_id, group_id)
);

CREATE TABLE ir_filters (
    id {id},
    name TEXT NOT NULL,
    model_id TEXT NOT NULL,
    domain TEXT NOT NULL DEFAULT '[]',
    context TEXT NOT NULL DEFAULT '{}',
    sort TEXT NOT NULL DEFAULT '[]',
    is_default {bool} NOT NULL DEFAULT {false},
    active {bool} NOT NULL DEFAULT {true},
    create_uid {int}, create_date {ts}, write_uid {int}, write_date {ts}
);
CREATE INDEX ir_filters_model ON ir_filters (model_id);

CREATE TABLE ir_filters_res_users_rel (
    filter_id {int} NOT NULL REFERENCES ir_filters (id) ON DELETE CASCADE,
    user_id {int} NOT NULL REFERENCES res_users (id) ON DELETE CASCADE,
    PRIMARY KEY (filter_id, user_id)
);

CREATE TABLE res_users_apikeys (
    id {id},
    name TEXT NOT NULL,
    user_id {int} NOT NULL REFERENCES res_users (id) ON DELETE CASCADE,
    scope TEXT,
    key_index TEXT NOT NULL,
    key_hash TEXT NOT NULL,
    expiration_date {ts},
    create_uid {int}, create_date {ts}, write_uid {int}, write_date {ts}
);
CREATE INDEX res_users_apikeys_index ON res_users_apikeys (key_index);

CREATE TABLE web_session (
    token_hash TEXT PRIMARY KEY,
    user_id {int} NOT NULL REFERENCES res_users (id) ON DELETE CASCADE,
    created_at {ts} NOT NULL,
    expires_at {ts} NOT NULL
);
CREATE INDEX web_session_user ON web_session (user_id);

CREATE TABLE mail_message (
    id {id},
    model TEXT,
    res_id {int},
    record_name TEXT,
    subject TEXT,
    body TEXT,
    message_type TEXT NOT NULL DEFAULT 'notification',
    subtype TEXT,
    author_id {int} REFERENCES res_partner (id) ON DELETE SET NULL,
    date {ts} NOT NULL,
    create_uid {int}, create_date {ts}, write_uid {int}, write_date {ts}
);
CREATE INDEX mail_message_res ON mail_message (model, res_id, id);

CREATE TABLE mail_tracking_value (
    id {id},
    mail_message_id {int} NOT NULL REFERENCES mail_message (id) ON DELETE CASCADE,
    field_name TEXT NOT NULL,
    field_desc TEXT,
    field_type TEXT,
    old_value_char TEXT,
    new_value_char TEXT,
    old_value_integer {int},
    new_value_integer {int},
    old_value_float {float},
    new_value_float {float},
    old_value_datetime {ts},
    new_value_datetime {ts},
    create_uid {int}, create_date {ts}, write_uid {int}, write_date {ts}
);
CREATE INDEX mail_tracking_value_msg ON mail_tracking_value (mail_message_id);
