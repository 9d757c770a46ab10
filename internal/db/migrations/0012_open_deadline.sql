-- The general board counts, per team, the open opportunities whose
-- expected closing date has passed: about 6,000 of a team's 40,000 open
-- ones on the million-lead data set. Through crm_lead_pipeline SQLite read
-- every open opportunity of the team from the table (460 ms); this index
-- answers from itself (docs/PERFORMANCE.md).
CREATE INDEX crm_lead_open_deadline ON crm_lead (won_status, team_id, type, active, date_deadline, user_id, expected_revenue);
-- The pivot of stages by creation month reads crm_lead_rollup now: the
-- stage index goes back to the stage alone (what foreign keys and stage
-- searches need), one index less to write on every new lead.
DROP INDEX IF EXISTS crm_lead_stage_created;
CREATE INDEX IF NOT EXISTS crm_lead_stage ON crm_lead (stage_id);
