-- Sales targets per team and salesperson per period (the Actual vs
-- Target dashboard).
CREATE TABLE crm_target (
    id {id},
    team_id {int} REFERENCES crm_team (id) ON DELETE CASCADE,
    user_id {int} REFERENCES res_users (id) ON DELETE CASCADE,
    period TEXT NOT NULL DEFAULT 'month',
    date_start {date} NOT NULL,
    amount {float} NOT NULL DEFAULT 0,
    create_uid {int}, create_date {ts}, write_uid {int}, write_date {ts}
);
CREATE INDEX crm_target_period ON crm_target (date_start, team_id, user_id);
