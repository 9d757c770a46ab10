-- The order of cards within a pipeline column: positions with room
-- between them, highest first; renumbered above a drop when the room runs out.
ALTER TABLE crm_lead ADD COLUMN kanban_position {float} NOT NULL DEFAULT 0;
DROP INDEX crm_lead_pipeline;
CREATE INDEX crm_lead_pipeline ON crm_lead (team_id, type, active, stage_id, kanban_position, priority, id);
CREATE INDEX crm_lead_user_pipeline ON crm_lead (user_id, type, active, stage_id, kanban_position, priority, id);
