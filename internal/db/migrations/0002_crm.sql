-- CRM core: teams and members, stages, tags, lost reasons, recurring plans,
-- UTM campaigns/sources/media and crm.lead.

CREATE TABLE utm_campaign (
    id {id},
    name TEXT NOT NULL,
    user_id {int} REFERENCES res_users (id) ON DELETE SET NULL,
    active {bool} NOT NULL DEFAULT {true},
    create_uid {int}, create_date {ts}, write_uid {int}, write_date {ts}
);

CREATE TABLE utm_source (
    id {id},
    name TEXT NOT NULL,
    create_uid {int}, create_date {ts}, write_uid {int}, write_date {ts}
);

CREATE TABLE utm_medium (
    id {id},
    name TEXT NOT NULL,
    active {bool} NOT NULL DEFAULT {true},
    create_uid {int}, create_date {ts}, write_uid {int}, write_date {ts}
);

CREATE TABLE crm_team (
    id {id},
    name TEXT NOT NULL,
    sequence {int} NOT NULL DEFAULT 10,
    active {bool} NOT NULL DEFAULT {true},
    company_id {int} REFERENCES res_company (id) ON DELETE SET NULL,
    user_id {int} REFERENCES res_users (id) ON DELETE SET NULL,
    color {int} NOT NULL DEFAULT 0,
    use_leads {bool} NOT NULL DEFAULT {true},
    use_opportunities {bool} NOT NULL DEFAULT {true},
    assignment_optout {bool} NOT NULL DEFAULT {false},
    assignment_domain TEXT,
    stage_set TEXT NOT NULL DEFAULT 'default',
    invoiced_target {float} NOT NULL DEFAULT 0,
    create_uid {int}, create_date {ts}, write_uid {int}, write_date {ts}
);

CREATE TABLE crm_team_member (
    id {id},
    crm_team_id {int} NOT NULL REFERENCES crm_team (id) ON DELETE CASCADE,
    user_id {int} NOT NULL REFERENCES res_users (id) ON DELETE CASCADE,
    active {bool} NOT NULL DEFAULT {true},
    assignment_domain TEXT,
    assignment_domain_preferred TEXT,
    assignment_optout {bool} NOT NULL DEFAULT {false},
    assignment_max {int} NOT NULL DEFAULT 30,
    create_uid {int}, create_date {ts}, write_uid {int}, write_date {ts}
);
CREATE INDEX crm_team_member_user ON crm_team_member (user_id);
CREATE INDEX crm_team_member_team ON crm_team_member (crm_team_id);

CREATE TABLE crm_stage (
    id {id},
    name TEXT NOT NULL,
    sequence {int} NOT NULL DEFAULT 1,
    is_won {bool} NOT NULL DEFAULT {false},
    is_lost {bool} NOT NULL DEFAULT {false},
    fold {bool} NOT NULL DEFAULT {false},
    requirements TEXT,
    rotting_threshold_days {int} NOT NULL DEFAULT 0,
    color {int} NOT NULL DEFAULT 0,
    done_activities_trigger {int} NOT NULL DEFAULT 0,
    create_uid {int}, create_date {ts}, write_uid {int}, write_date {ts}
);

CREATE TABLE crm_stage_crm_team_rel (
    crm_stage_id {int} NOT NULL REFERENCES crm_stage (id) ON DELETE CASCADE,
    crm_team_id {int} NOT NULL REFERENCES crm_team (id) ON DELETE CASCADE,
    PRIMARY KEY (crm_stage_id, crm_team_id)
);
CREATE INDEX crm_stage_crm_team_rel_team ON crm_stage_crm_team_rel (crm_team_id);

CREATE TABLE crm_tag (
    id {id},
    name TEXT NOT NULL UNIQUE,
    color {int} NOT NULL DEFAULT 0,
    create_uid {int}, create_date {ts}, write_uid {int}, write_date {ts}
);

CREATE TABLE crm_lost_reason (
    id {id},
    name TEXT NOT NULL,
    active {bool} NOT NULL DEFAULT {true},
    create_uid {int}, create_date {ts}, write_uid {int}, write_date {ts}
);

CREATE TABLE crm_recurring_plan (
    id {id},
    name TEXT NOT NULL,
    number_of_months {int} NOT NULL CHECK (number_of_months >= 0),
    active {bool} NOT NULL DEFAULT {true},
    sequence {int} NOT NULL DEFAULT 10,
    create_uid {int}, create_date {ts}, write_uid {int}, write_date {ts}
);

CREATE TABLE crm_lead (
    id {id},
    name TEXT NOT NULL,
    user_id {int} REFERENCES res_users (id) ON DELETE SET NULL,
    team_id {int} REFERENCES crm_team (id) ON DELETE SET NULL,
    company_id {int} REFERENCES res_company (id) ON DELETE SET NULL,
    referred TEXT,
    description TEXT,
    active {bool} NOT NULL DEFAULT {true},
    type TEXT NOT NULL DEFAULT 'lead',
    priority TEXT NOT NULL DEFAULT '0',
    stage_id {int} REFERENCES crm_stage (id) ON DELETE RESTRICT,
    color {int} NOT NULL DEFAULT 0,
    expected_revenue {float} NOT NULL DEFAULT 0,
    prorated_revenue {float} NOT NULL DEFAULT 0,
    recurring_revenue {float} NOT NULL DEFAULT 0,
    recurring_plan {int} REFERENCES crm_recurring_plan (id) ON DELETE SET NULL,
    recurring_revenue_monthly {float} NOT NULL DEFAULT 0,
    recurring_revenue_monthly_prorated {float} NOT NULL DEFAULT 0,
    recurring_revenue_prorated {float} NOT NULL DEFAULT 0,
    date_closed {ts},
    date_automation_last {ts},
    date_open {ts},
    day_open {float},
    day_close {float},
    date_last_stage_update {ts},
    date_conversion {ts},
    date_deadline {date},
    partner_id {int} REFERENCES res_partner (id) ON DELETE SET NULL,
    contact_name TEXT,
    partner_name TEXT,
    function TEXT,
    website TEXT,
    lang_id {int} REFERENCES res_lang (id) ON DELETE SET NULL,
    email_from TEXT,
    email_normalized TEXT,
    email_domain_criterion TEXT,
    email_cc TEXT,
    phone TEXT,
    phone_sanitized TEXT,
    phone_state TEXT,
    email_state TEXT,
    street TEXT,
    street2 TEXT,
    zip TEXT,
    city TEXT,
    state_id {int} REFERENCES res_country_state (id) ON DELETE SET NULL,
    country_id {int} REFERENCES res_country (id) ON DELETE SET NULL,
    vat TEXT,
    probability {float} NOT NULL DEFAULT 0 CHECK (probability >= 0 AND probability <= 100),
    automated_probability {float} NOT NULL DEFAULT 0,
    won_status TEXT NOT NULL DEFAULT 'pending',
    lost_reason_id {int} REFERENCES crm_lost_reason (id) ON DELETE RESTRICT,
    campaign_id {int} REFERENCES utm_campaign (id) ON DELETE SET NULL,
    medium_id {int} REFERENCES utm_medium (id) ON DELETE SET NULL,
    source_id {int} REFERENCES utm_source (id) ON DELETE SET NULL,
    activated {bool} NOT NULL DEFAULT {true},
    date_first_contact {ts},
    create_uid {int}, create_date {ts}, write_uid {int}, write_date {ts}
);
-- The pipeline: open opportunities of a team by stage, in the default order.
CREATE INDEX crm_lead_pipeline ON crm_lead (team_id, type, active, stage_id, priority, id);
CREATE INDEX crm_lead_user ON crm_lead (user_id, type, active);
CREATE INDEX crm_lead_stage ON crm_lead (stage_id);
CREATE INDEX crm_lead_partner ON crm_lead (partner_id);
CREATE INDEX crm_lead_email_norm ON crm_lead (email_normalized);
CREATE INDEX crm_lead_email_domain ON crm_lead (email_domain_criterion);
CREATE INDEX crm_lead_phone ON crm_lead (phone_sanitized);
CREATE INDEX crm_lead_create_date ON crm_lead (create_date);
CREATE INDEX crm_lead_date_closed ON crm_lead (date_closed);
CREATE INDEX crm_lead_date_deadline ON crm_lead (date_deadline);
CREATE INDEX crm_lead_last_stage ON crm_lead (date_last_stage_update);
CREATE INDEX crm_lead_won_status ON crm_lead (won_status, date_closed);
CREATE INDEX crm_lead_lost_reason ON crm_lead (lost_reason_id);

CREATE TABLE crm_tag_rel (
    lead_id {int} NOT NULL REFERENCES crm_lead (id) ON DELETE CASCADE,
    tag_id {int} NOT NULL REFERENCES crm_tag (id) ON DELETE CASCADE,
    PRIMARY KEY (lead_id, tag_id)
);
CREATE INDEX crm_tag_rel_tag ON crm_tag_rel (tag_id);
