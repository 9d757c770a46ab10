-- The leads newest first (a list sorted by its "Created on" column, or the
-- API's order "create_date desc") under the usual filter of a type and the
-- active flag. SQLite's planner chose the (type, active, priority, id)
-- index and sorted every match (a million leads: 0.6 s for 80 rows), with
-- sampled or full statistics alike; walking this index it reads 80 entries
-- (75 µs). PostgreSQL walks the creation date's own index backwards and
-- filters, which is fast there already.

-- dialect: sqlite
CREATE INDEX IF NOT EXISTS crm_lead_created_order ON crm_lead (type, active, create_date);
