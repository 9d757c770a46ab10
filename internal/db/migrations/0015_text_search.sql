-- Text indexes behind ilike on the fields name_search looks in: a lead's
-- name, customer, contact and e-mail; a partner's name, e-mail, reference,
-- tax code and registry number. Without them a piece of text found in
-- almost no record reads every record (a million leads: 1.6-2.2 s).
--
-- SQLite: an FTS5 table of trigrams kept by triggers, over the table's own
-- columns (external content: the text is not stored twice), detail=none
-- (which rows hold a trigram, not where: the smallest index, 75 MB for a
-- million leads). The compiler asks it for the rows holding every trigram
-- of the searched text and still applies the LIKE to them (orm/text.go).
--
-- PostgreSQL: one GIN index of trigrams (pg_trgm) over the same columns,
-- which the planner uses for ILIKE '%text%' by itself. Where the extension
-- cannot be installed, the migration says so and ilike reads the tables.

-- dialect: sqlite
CREATE VIRTUAL TABLE crm_lead_text USING fts5(name, partner_name, contact_name, email_from,
    content='crm_lead', content_rowid='id', tokenize='trigram', detail='none', columnsize=0);
INSERT INTO crm_lead_text(crm_lead_text) VALUES ('rebuild');
CREATE TRIGGER crm_lead_text_insert AFTER INSERT ON crm_lead BEGIN
    INSERT INTO crm_lead_text(rowid, name, partner_name, contact_name, email_from)
    VALUES (new.id, new.name, new.partner_name, new.contact_name, new.email_from);
END;
CREATE TRIGGER crm_lead_text_delete AFTER DELETE ON crm_lead BEGIN
    INSERT INTO crm_lead_text(crm_lead_text, rowid, name, partner_name, contact_name, email_from)
    VALUES ('delete', old.id, old.name, old.partner_name, old.contact_name, old.email_from);
END;
CREATE TRIGGER crm_lead_text_update AFTER UPDATE OF name, partner_name, contact_name, email_from ON crm_lead BEGIN
    INSERT INTO crm_lead_text(crm_lead_text, rowid, name, partner_name, contact_name, email_from)
    VALUES ('delete', old.id, old.name, old.partner_name, old.contact_name, old.email_from);
    INSERT INTO crm_lead_text(rowid, name, partner_name, contact_name, email_from)
    VALUES (new.id, new.name, new.partner_name, new.contact_name, new.email_from);
END;

CREATE VIRTUAL TABLE res_partner_text USING fts5(complete_name, email, ref, vat, company_registry,
    content='res_partner', content_rowid='id', tokenize='trigram', detail='none', columnsize=0);
INSERT INTO res_partner_text(res_partner_text) VALUES ('rebuild');
CREATE TRIGGER res_partner_text_insert AFTER INSERT ON res_partner BEGIN
    INSERT INTO res_partner_text(rowid, complete_name, email, ref, vat, company_registry)
    VALUES (new.id, new.complete_name, new.email, new.ref, new.vat, new.company_registry);
END;
CREATE TRIGGER res_partner_text_delete AFTER DELETE ON res_partner BEGIN
    INSERT INTO res_partner_text(res_partner_text, rowid, complete_name, email, ref, vat, company_registry)
    VALUES ('delete', old.id, old.complete_name, old.email, old.ref, old.vat, old.company_registry);
END;
CREATE TRIGGER res_partner_text_update AFTER UPDATE OF complete_name, email, ref, vat, company_registry ON res_partner BEGIN
    INSERT INTO res_partner_text(res_partner_text, rowid, complete_name, email, ref, vat, company_registry)
    VALUES ('delete', old.id, old.complete_name, old.email, old.ref, old.vat, old.company_registry);
    INSERT INTO res_partner_text(rowid, complete_name, email, ref, vat, company_registry)
    VALUES (new.id, new.complete_name, new.email, new.ref, new.vat, new.company_registry);
END;

-- dialect: postgres
DO $$
BEGIN
    CREATE EXTENSION IF NOT EXISTS pg_trgm;
EXCEPTION WHEN OTHERS THEN
    RAISE WARNING 'pg_trgm cannot be installed (%): ilike will read the tables', SQLERRM;
END $$;
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
        CREATE INDEX crm_lead_text ON crm_lead USING gin
            (name gin_trgm_ops, partner_name gin_trgm_ops, contact_name gin_trgm_ops, email_from gin_trgm_ops);
        CREATE INDEX res_partner_text ON res_partner USING gin
            (complete_name gin_trgm_ops, email gin_trgm_ops, ref gin_trgm_ops, vat gin_trgm_ops, company_registry gin_trgm_ops);
    END IF;
END $$;
