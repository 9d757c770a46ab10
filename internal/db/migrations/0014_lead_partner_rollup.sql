-- A second rollup of the leads (see 0011), per customer and year closed,
-- with team, company, type, active and status: the revenue board's top 10
-- customers of the year groups about 72,000 rows of it instead of 223,000
-- won leads at a million leads (docs/PERFORMANCE.md). Not by salesperson:
-- an own-documents salesperson's rule reads the leads, a few ten thousand.
-- date_closed holds the first instant of the year. Its index walks a
-- status's customers in order with every column the sums need, so that
-- the grouping by customer needs no sort (C SQLite: 98 -> 66 ms).
CREATE TABLE crm_lead_partner_rollup (
    type TEXT,
    active {bool} NOT NULL,
    won_status TEXT,
    team_id {int},
    company_id {int},
    partner_id {int},
    date_closed {ts},
    n {int} NOT NULL DEFAULT 0,
    expected_revenue {float} NOT NULL DEFAULT 0,
    expected_revenue__n {int} NOT NULL DEFAULT 0
);
-- dialect: sqlite
-- SQLite (one writer at a time): one row per group, updated in place
CREATE UNIQUE INDEX crm_lead_partner_rollup_key ON crm_lead_partner_rollup (coalesce(type, ''), active, coalesce(won_status, ''), coalesce(team_id, 0), coalesce(company_id, 0), coalesce(partner_id, 0), coalesce(date_closed, '1900-01-01'));
-- groups whose last lead left, deleted after each change
CREATE INDEX crm_lead_partner_rollup_empty ON crm_lead_partner_rollup (n) WHERE n = 0;
CREATE INDEX crm_lead_partner_rollup_top ON crm_lead_partner_rollup (won_status, type, partner_id, date_closed, active, team_id, company_id, n, expected_revenue, expected_revenue__n);
-- dialect: sqlite
CREATE TRIGGER crm_lead_rollup_partner_insert AFTER INSERT ON crm_lead
BEGIN
    INSERT INTO crm_lead_partner_rollup (type, active, won_status, team_id, company_id, partner_id, date_closed, n, expected_revenue, expected_revenue__n)
    VALUES (NEW.type, NEW.active, NEW.won_status, NEW.team_id, NEW.company_id, NEW.partner_id, substr(NEW.date_closed, 1, 4) || '-01-01 00:00:00.000000', 1, coalesce(NEW.expected_revenue, 0), (NEW.expected_revenue IS NOT NULL))
    ON CONFLICT (coalesce(type, ''), active, coalesce(won_status, ''), coalesce(team_id, 0), coalesce(company_id, 0), coalesce(partner_id, 0), coalesce(date_closed, '1900-01-01')) DO UPDATE SET n = n + excluded.n, expected_revenue = expected_revenue + excluded.expected_revenue, expected_revenue__n = expected_revenue__n + excluded.expected_revenue__n;
END;
CREATE TRIGGER crm_lead_rollup_partner_update AFTER UPDATE ON crm_lead
WHEN OLD.type IS NOT NEW.type OR OLD.active IS NOT NEW.active OR OLD.won_status IS NOT NEW.won_status OR OLD.team_id IS NOT NEW.team_id OR OLD.company_id IS NOT NEW.company_id OR OLD.partner_id IS NOT NEW.partner_id OR OLD.date_closed IS NOT NEW.date_closed OR OLD.expected_revenue IS NOT NEW.expected_revenue
BEGIN
    INSERT INTO crm_lead_partner_rollup (type, active, won_status, team_id, company_id, partner_id, date_closed, n, expected_revenue, expected_revenue__n)
    VALUES (OLD.type, OLD.active, OLD.won_status, OLD.team_id, OLD.company_id, OLD.partner_id, substr(OLD.date_closed, 1, 4) || '-01-01 00:00:00.000000', -1, -coalesce(OLD.expected_revenue, 0), -(OLD.expected_revenue IS NOT NULL))
    ON CONFLICT (coalesce(type, ''), active, coalesce(won_status, ''), coalesce(team_id, 0), coalesce(company_id, 0), coalesce(partner_id, 0), coalesce(date_closed, '1900-01-01')) DO UPDATE SET n = n + excluded.n, expected_revenue = expected_revenue + excluded.expected_revenue, expected_revenue__n = expected_revenue__n + excluded.expected_revenue__n;
    INSERT INTO crm_lead_partner_rollup (type, active, won_status, team_id, company_id, partner_id, date_closed, n, expected_revenue, expected_revenue__n)
    VALUES (NEW.type, NEW.active, NEW.won_status, NEW.team_id, NEW.company_id, NEW.partner_id, substr(NEW.date_closed, 1, 4) || '-01-01 00:00:00.000000', 1, coalesce(NEW.expected_revenue, 0), (NEW.expected_revenue IS NOT NULL))
    ON CONFLICT (coalesce(type, ''), active, coalesce(won_status, ''), coalesce(team_id, 0), coalesce(company_id, 0), coalesce(partner_id, 0), coalesce(date_closed, '1900-01-01')) DO UPDATE SET n = n + excluded.n, expected_revenue = expected_revenue + excluded.expected_revenue, expected_revenue__n = expected_revenue__n + excluded.expected_revenue__n;
    DELETE FROM crm_lead_partner_rollup WHERE n = 0;
END;
CREATE TRIGGER crm_lead_rollup_partner_delete AFTER DELETE ON crm_lead
BEGIN
    INSERT INTO crm_lead_partner_rollup (type, active, won_status, team_id, company_id, partner_id, date_closed, n, expected_revenue, expected_revenue__n)
    VALUES (OLD.type, OLD.active, OLD.won_status, OLD.team_id, OLD.company_id, OLD.partner_id, substr(OLD.date_closed, 1, 4) || '-01-01 00:00:00.000000', -1, -coalesce(OLD.expected_revenue, 0), -(OLD.expected_revenue IS NOT NULL))
    ON CONFLICT (coalesce(type, ''), active, coalesce(won_status, ''), coalesce(team_id, 0), coalesce(company_id, 0), coalesce(partner_id, 0), coalesce(date_closed, '1900-01-01')) DO UPDATE SET n = n + excluded.n, expected_revenue = expected_revenue + excluded.expected_revenue, expected_revenue__n = expected_revenue__n + excluded.expected_revenue__n;
    DELETE FROM crm_lead_partner_rollup WHERE n = 0;
END;
-- dialect: postgres
-- PostgreSQL: each statement appends its changes, grouped, instead of
-- updating a group's row: two transactions writing leads of the same
-- group never wait for each other (an import holds its transaction for
-- seconds). Reads sum the rows of a group anyway; a periodic job
-- (app.Jobs, orm.Rollup.CompactSQL) merges them back to one per group.
CREATE INDEX crm_lead_partner_rollup_top ON crm_lead_partner_rollup (won_status, type, partner_id, date_closed, active, team_id, company_id, n, expected_revenue, expected_revenue__n);
CREATE FUNCTION crm_lead_rollup_partner_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO crm_lead_partner_rollup (type, active, won_status, team_id, company_id, partner_id, date_closed, n, expected_revenue, expected_revenue__n)
    SELECT r.type AS type, r.active AS active, r.won_status AS won_status, r.team_id AS team_id, r.company_id AS company_id, r.partner_id AS partner_id, date_trunc('year', r.date_closed) AS date_closed, count(*) AS n, coalesce(sum(r.expected_revenue), 0) AS expected_revenue, count(r.expected_revenue) AS expected_revenue__n FROM new_leads r GROUP BY r.type, r.active, r.won_status, r.team_id, r.company_id, r.partner_id, date_trunc('year', r.date_closed);
    RETURN NULL;
END
$$;
CREATE FUNCTION crm_lead_rollup_partner_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO crm_lead_partner_rollup (type, active, won_status, team_id, company_id, partner_id, date_closed, n, expected_revenue, expected_revenue__n)
    SELECT r.type AS type, r.active AS active, r.won_status AS won_status, r.team_id AS team_id, r.company_id AS company_id, r.partner_id AS partner_id, date_trunc('year', r.date_closed) AS date_closed, -count(*) AS n, -coalesce(sum(r.expected_revenue), 0) AS expected_revenue, -count(r.expected_revenue) AS expected_revenue__n FROM old_leads r GROUP BY r.type, r.active, r.won_status, r.team_id, r.company_id, r.partner_id, date_trunc('year', r.date_closed);
    RETURN NULL;
END
$$;
CREATE FUNCTION crm_lead_rollup_partner_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO crm_lead_partner_rollup (type, active, won_status, team_id, company_id, partner_id, date_closed, n, expected_revenue, expected_revenue__n)
    SELECT type, active, won_status, team_id, company_id, partner_id, date_closed, sum(n), sum(expected_revenue), sum(expected_revenue__n) FROM (
        SELECT r.type AS type, r.active AS active, r.won_status AS won_status, r.team_id AS team_id, r.company_id AS company_id, r.partner_id AS partner_id, date_trunc('year', r.date_closed) AS date_closed, -count(*) AS n, -coalesce(sum(r.expected_revenue), 0) AS expected_revenue, -count(r.expected_revenue) AS expected_revenue__n FROM (SELECT o.* FROM old_leads o JOIN new_leads x ON x.id = o.id WHERE o.type IS DISTINCT FROM x.type OR o.active IS DISTINCT FROM x.active OR o.won_status IS DISTINCT FROM x.won_status OR o.team_id IS DISTINCT FROM x.team_id OR o.company_id IS DISTINCT FROM x.company_id OR o.partner_id IS DISTINCT FROM x.partner_id OR o.date_closed IS DISTINCT FROM x.date_closed OR o.expected_revenue IS DISTINCT FROM x.expected_revenue) r GROUP BY r.type, r.active, r.won_status, r.team_id, r.company_id, r.partner_id, date_trunc('year', r.date_closed)
        UNION ALL
        SELECT r.type AS type, r.active AS active, r.won_status AS won_status, r.team_id AS team_id, r.company_id AS company_id, r.partner_id AS partner_id, date_trunc('year', r.date_closed) AS date_closed, count(*) AS n, coalesce(sum(r.expected_revenue), 0) AS expected_revenue, count(r.expected_revenue) AS expected_revenue__n FROM (SELECT x.* FROM old_leads o JOIN new_leads x ON x.id = o.id WHERE o.type IS DISTINCT FROM x.type OR o.active IS DISTINCT FROM x.active OR o.won_status IS DISTINCT FROM x.won_status OR o.team_id IS DISTINCT FROM x.team_id OR o.company_id IS DISTINCT FROM x.company_id OR o.partner_id IS DISTINCT FROM x.partner_id OR o.date_closed IS DISTINCT FROM x.date_closed OR o.expected_revenue IS DISTINCT FROM x.expected_revenue) r GROUP BY r.type, r.active, r.won_status, r.team_id, r.company_id, r.partner_id, date_trunc('year', r.date_closed)
    ) d GROUP BY type, active, won_status, team_id, company_id, partner_id, date_closed HAVING sum(n) <> 0 OR sum(expected_revenue) <> 0 OR sum(expected_revenue__n) <> 0;
    RETURN NULL;
END
$$;
CREATE TRIGGER crm_lead_rollup_partner_insert AFTER INSERT ON crm_lead REFERENCING NEW TABLE AS new_leads FOR EACH STATEMENT EXECUTE FUNCTION crm_lead_rollup_partner_insert();
CREATE TRIGGER crm_lead_rollup_partner_update AFTER UPDATE ON crm_lead REFERENCING OLD TABLE AS old_leads NEW TABLE AS new_leads FOR EACH STATEMENT EXECUTE FUNCTION crm_lead_rollup_partner_update();
CREATE TRIGGER crm_lead_rollup_partner_delete AFTER DELETE ON crm_lead REFERENCING OLD TABLE AS old_leads FOR EACH STATEMENT EXECUTE FUNCTION crm_lead_rollup_partner_delete();
-- dialect: all
-- the leads already there
INSERT INTO crm_lead_partner_rollup (type, active, won_status, team_id, company_id, partner_id, date_closed, n, expected_revenue, expected_revenue__n)
-- dialect: sqlite
SELECT type, active, won_status, team_id, company_id, partner_id, substr(date_closed, 1, 4) || '-01-01 00:00:00.000000', count(*), coalesce(sum(expected_revenue), 0), count(expected_revenue) FROM crm_lead GROUP BY type, active, won_status, team_id, company_id, partner_id, substr(date_closed, 1, 4) || '-01-01 00:00:00.000000';
-- dialect: postgres
SELECT type, active, won_status, team_id, company_id, partner_id, date_trunc('year', date_closed), count(*), coalesce(sum(expected_revenue), 0), count(expected_revenue) FROM crm_lead GROUP BY type, active, won_status, team_id, company_id, partner_id, date_trunc('year', date_closed);
