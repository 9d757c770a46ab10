-- crm_lead_user (user_id, type, active) is a prefix of
-- crm_lead_user_pipeline (0003), which serves the same searches: every
-- lead written paid for both.
DROP INDEX crm_lead_user;
