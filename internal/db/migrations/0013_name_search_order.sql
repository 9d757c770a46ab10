-- name_search (the many2one fields' search-as-you-type, the quick search)
-- looks for a piece of text in a lead's name, customer, contact and e-mail,
-- in the model's order (priority desc, id desc), eight at a time. Without
-- an index in that order the database matched every active lead and sorted
-- them (a million leads: 700-900 ms); walking this index it stops at the
-- eighth match, which comes after a few hundred leads for what people type
-- (1 ms). A piece of text that matches almost nothing still reads every
-- lead: that needs a text index (FTS5, pg_trgm).
CREATE INDEX IF NOT EXISTS crm_lead_active_order ON crm_lead (active, priority, id);
