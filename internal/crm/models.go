// Package crm is the CRM module: leads and opportunities, stages, sales
// teams and their members, tags, lost reasons, recurring plans and UTM
// tracking, with Odoo's rules for conversion, duplicates, merge, won and
// lost, and assignment.
package crm

import (
	"github.com/kanso-crm/kanso/internal/base"
	"github.com/kanso-crm/kanso/internal/orm"
)

// Module is the CRM module.
var Module = base.Module{Name: "crm", Register: Register, Install: install}

// Priorities are the star ratings of a lead.
var Priorities = [][2]string{{"0", "Low"}, {"1", "Medium"}, {"2", "High"}, {"3", "Very High"}}

func boolDefault(b bool) func(*orm.Env) any { return func(*orm.Env) any { return b } }

// Register declares the CRM models.
func Register(r *orm.Registry) {
	r.Define(&orm.Model{Name: "utm.campaign", Description: "UTM Campaign", Order: "name, id"},
		&orm.Field{Name: "name", Type: orm.Char, String: "Campaign Name", Required: true},
		&orm.Field{Name: "user_id", Type: orm.Many2one, Relation: "res.users", String: "Responsible"},
		&orm.Field{Name: "active", Type: orm.Boolean, String: "Active", Default: boolDefault(true)},
	)
	r.Define(&orm.Model{Name: "utm.source", Description: "UTM Source", Order: "name, id"},
		&orm.Field{Name: "name", Type: orm.Char, String: "Source Name", Required: true},
	)
	r.Define(&orm.Model{Name: "utm.medium", Description: "UTM Medium", Order: "name, id"},
		&orm.Field{Name: "name", Type: orm.Char, String: "Medium Name", Required: true},
		&orm.Field{Name: "active", Type: orm.Boolean, String: "Active", Default: boolDefault(true)},
	)
	registerTeam(r)
	r.Define(&orm.Model{Name: "crm.stage", Description: "CRM Stages", Order: "sequence, name, id"},
		&orm.Field{Name: "name", Type: orm.Char, String: "Stage Name", Required: true, Translate: true},
		&orm.Field{Name: "sequence", Type: orm.Integer, String: "Sequence", Default: func(*orm.Env) any { return int64(1) }},
		&orm.Field{Name: "is_won", Type: orm.Boolean, String: "Is Won Stage?"},
		&orm.Field{Name: "is_lost", Type: orm.Boolean, String: "Is Lost Column?",
			Help: "The board shows lost opportunities in this column; dropping a card here marks it lost."},
		&orm.Field{Name: "fold", Type: orm.Boolean, String: "Folded in Pipeline"},
		&orm.Field{Name: "requirements", Type: orm.Text, String: "Requirements"},
		&orm.Field{Name: "rotting_threshold_days", Type: orm.Integer, String: "Days to rot", Aggregator: "-"},
		&orm.Field{Name: "color", Type: orm.Integer, String: "Color"},
		&orm.Field{Name: "done_activities_trigger", Type: orm.Integer, String: "Enter after done activities", Aggregator: "-",
			Help: "An opportunity enters this stage by itself when it reaches this number of done activities (0: never)."},
		&orm.Field{Name: "team_ids", Type: orm.Many2many, Relation: "crm.team", String: "Sales Teams",
			RelTable: "crm_stage_crm_team_rel", Column1: "crm_stage_id", Column2: "crm_team_id",
			Help: "The teams using this stage; none means every team."},
	)
	r.Define(&orm.Model{Name: "crm.tag", Description: "CRM Tag", Order: "name, id"},
		&orm.Field{Name: "name", Type: orm.Char, String: "Tag Name", Required: true, Translate: true},
		&orm.Field{Name: "color", Type: orm.Integer, String: "Color", Default: func(env *orm.Env) any { return int64(env.Now.Nanosecond()%11 + 1) }},
	)
	r.Define(&orm.Model{Name: "crm.lost.reason", Description: "Opp. Lost Reason", Order: "name, id"},
		&orm.Field{Name: "name", Type: orm.Char, String: "Description", Required: true, Translate: true},
		&orm.Field{Name: "active", Type: orm.Boolean, String: "Active", Default: boolDefault(true)},
		&orm.Field{Name: "leads_count", Type: orm.Integer, String: "Leads Count", NotStored: true, Compute: computeLostReasonCount},
	)
	r.Define(&orm.Model{Name: "crm.recurring.plan", Description: "CRM Recurring revenue plans", Order: "sequence, id"},
		&orm.Field{Name: "name", Type: orm.Char, String: "Plan Name", Required: true, Translate: true},
		&orm.Field{Name: "number_of_months", Type: orm.Integer, String: "# Months", Required: true, Aggregator: "-"},
		&orm.Field{Name: "active", Type: orm.Boolean, String: "Active", Default: boolDefault(true)},
		&orm.Field{Name: "sequence", Type: orm.Integer, String: "Sequence", Default: func(*orm.Env) any { return int64(10) }},
	)
	registerLead(r)
	registerPartnerExtension(r)
	registerTargets(r)
}

func computeLostReasonCount(env *orm.Env, recs []orm.Values) error {
	lead := env.Reg.Model("crm.lead")
	for _, r := range recs {
		n, err := env.WithContext(map[string]any{"active_test": false}).SearchCount(lead, orm.Leaf{Path: "lost_reason_id", Op: "=", Value: r["id"]}, 0)
		if err != nil {
			return err
		}
		r["leads_count"] = n
	}
	return nil
}

// leadRollups are the tables migrations 0011 and 0014 keep with the count
// and sums of the leads per team, salesperson, stage, status and month,
// and per customer and year: the dashboards and most analyses read them
// instead of a million leads.
func leadRollups() []*orm.Rollup {
	return []*orm.Rollup{{
		Table:  "crm_lead_rollup",
		Dims:   []string{"type", "active", "won_status", "team_id", "user_id", "stage_id", "company_id", "lost_reason_id"},
		Months: []string{"date_closed", "create_date"},
		Sums:   []string{"expected_revenue", "prorated_revenue", "recurring_revenue_monthly", "probability", "day_open", "day_close"},
	}, {
		Table:  "crm_lead_partner_rollup",
		Dims:   []string{"type", "active", "won_status", "team_id", "company_id", "partner_id"},
		Months: []string{"date_closed"},
		Trunc:  "year",
		Sums:   []string{"expected_revenue"},
	}}
}

func registerLead(r *orm.Registry) {
	m := r.Define(&orm.Model{Name: "crm.lead", Description: "Lead/Opportunity", Order: "priority desc, id desc",
		NameSearch: []string{"name", "partner_name", "contact_name", "email_from"}, Rollups: leadRollups(),
		TextIndex: &orm.TextIndex{Table: "crm_lead_text", Fields: []string{"name", "partner_name", "contact_name", "email_from"}}},
		&orm.Field{Name: "name", Type: orm.Char, String: "Opportunity", Required: true, Index: true},
		&orm.Field{Name: "user_id", Type: orm.Many2one, Relation: "res.users", String: "Salesperson", Tracking: true, Index: true},
		&orm.Field{Name: "team_id", Type: orm.Many2one, Relation: "crm.team", String: "Sales Team", Tracking: true, Index: true},
		&orm.Field{Name: "company_id", Type: orm.Many2one, Relation: "res.company", String: "Company", Index: true},
		&orm.Field{Name: "referred", Type: orm.Char, String: "Referred By"},
		&orm.Field{Name: "description", Type: orm.HTML, String: "Notes"},
		&orm.Field{Name: "active", Type: orm.Boolean, String: "Active", Default: boolDefault(true), Tracking: true},
		&orm.Field{Name: "type", Type: orm.Selection, String: "Type", Required: true, Index: true,
			Selection: [][2]string{{"lead", "Lead"}, {"opportunity", "Opportunity"}}, Default: defaultType},
		&orm.Field{Name: "priority", Type: orm.Selection, String: "Priority", Selection: Priorities, Default: func(*orm.Env) any { return "0" }},
		&orm.Field{Name: "stage_id", Type: orm.Many2one, Relation: "crm.stage", String: "Stage", Tracking: true, Index: true, OnDelete: "restrict", Copy: orm.Bool(false)},
		&orm.Field{Name: "tag_ids", Type: orm.Many2many, Relation: "crm.tag", String: "Tags", RelTable: "crm_tag_rel", Column1: "lead_id", Column2: "tag_id"},
		&orm.Field{Name: "color", Type: orm.Integer, String: "Color Index"},
		&orm.Field{Name: "expected_revenue", Type: orm.Monetary, String: "Expected Revenue", Tracking: true, Currency: "company_currency"},
		&orm.Field{Name: "prorated_revenue", Type: orm.Monetary, String: "Prorated Revenue", Readonly: true, Currency: "company_currency",
			Depends: []string{"expected_revenue", "probability"}, Compute: computeProrated},
		&orm.Field{Name: "recurring_revenue", Type: orm.Monetary, String: "Recurring Revenues", Currency: "company_currency"},
		&orm.Field{Name: "recurring_plan", Type: orm.Many2one, Relation: "crm.recurring.plan", String: "Recurring Plan"},
		&orm.Field{Name: "recurring_revenue_monthly", Type: orm.Monetary, String: "Expected MRR", Readonly: true, Currency: "company_currency",
			Depends: []string{"recurring_revenue", "recurring_plan", "probability"}, Compute: computeRecurring},
		&orm.Field{Name: "recurring_revenue_monthly_prorated", Type: orm.Monetary, String: "Prorated MRR", Readonly: true, Currency: "company_currency"},
		&orm.Field{Name: "recurring_revenue_prorated", Type: orm.Monetary, String: "Prorated Recurring Revenues", Readonly: true, Currency: "company_currency"},
		&orm.Field{Name: "company_currency", Type: orm.Many2one, Relation: "res.currency", String: "Currency", Related: "company_id.currency_id", Readonly: true},
		&orm.Field{Name: "date_closed", Type: orm.Datetime, String: "Closed Date", Readonly: true, Copy: orm.Bool(false), Index: true},
		&orm.Field{Name: "date_automation_last", Type: orm.Datetime, String: "Last Action", Readonly: true},
		&orm.Field{Name: "date_open", Type: orm.Datetime, String: "Assignment Date", Readonly: true},
		&orm.Field{Name: "day_open", Type: orm.Float, String: "Days to Assign", Readonly: true, Aggregator: "avg",
			Depends: []string{"date_open", "create_date"}, Compute: computeDayOpen},
		&orm.Field{Name: "day_close", Type: orm.Float, String: "Days to Close", Readonly: true, Aggregator: "avg",
			Depends: []string{"date_closed", "create_date"}, Compute: computeDayClose},
		&orm.Field{Name: "date_last_stage_update", Type: orm.Datetime, String: "Last Stage Update", Readonly: true, Index: true},
		&orm.Field{Name: "date_conversion", Type: orm.Datetime, String: "Conversion Date", Readonly: true},
		&orm.Field{Name: "date_deadline", Type: orm.Date, String: "Expected Closing", Index: true},
		&orm.Field{Name: "partner_id", Type: orm.Many2one, Relation: "res.partner", String: "Customer", Tracking: true, Index: true},
		&orm.Field{Name: "commercial_partner_id", Type: orm.Many2one, Relation: "res.partner", String: "Customer Company", NotStored: true,
			Depends: []string{"partner_id"}, Compute: computeCommercialPartner},
		&orm.Field{Name: "contact_name", Type: orm.Char, String: "Contact Name"},
		&orm.Field{Name: "partner_name", Type: orm.Char, String: "Company Name"},
		&orm.Field{Name: "function", Type: orm.Char, String: "Job Position"},
		&orm.Field{Name: "website", Type: orm.Char, String: "Website"},
		&orm.Field{Name: "lang_id", Type: orm.Many2one, Relation: "res.lang", String: "Language"},
		&orm.Field{Name: "email_from", Type: orm.Char, String: "Email", Tracking: true},
		&orm.Field{Name: "email_normalized", Type: orm.Char, String: "Normalized Email", Readonly: true, Index: true,
			Depends: []string{"email_from"}, Compute: computeEmail},
		&orm.Field{Name: "email_domain_criterion", Type: orm.Char, String: "Email Domain Criterion", Readonly: true, Index: true},
		&orm.Field{Name: "email_state", Type: orm.Selection, String: "Email Quality", Readonly: true,
			Selection: [][2]string{{"correct", "Correct"}, {"incorrect", "Incorrect"}}},
		&orm.Field{Name: "email_cc", Type: orm.Char, String: "Email cc"},
		&orm.Field{Name: "phone", Type: orm.Char, String: "Phone", Tracking: true},
		&orm.Field{Name: "phone_sanitized", Type: orm.Char, String: "Sanitized Number", Readonly: true, Index: true,
			Depends: []string{"phone", "country_id"}, Compute: computePhone},
		&orm.Field{Name: "phone_state", Type: orm.Selection, String: "Phone Quality", Readonly: true,
			Selection: [][2]string{{"correct", "Correct"}, {"incorrect", "Incorrect"}}},
		&orm.Field{Name: "street", Type: orm.Char, String: "Street"},
		&orm.Field{Name: "street2", Type: orm.Char, String: "Street2"},
		&orm.Field{Name: "zip", Type: orm.Char, String: "Zip"},
		&orm.Field{Name: "city", Type: orm.Char, String: "City"},
		&orm.Field{Name: "state_id", Type: orm.Many2one, Relation: "res.country.state", String: "State"},
		&orm.Field{Name: "country_id", Type: orm.Many2one, Relation: "res.country", String: "Country"},
		&orm.Field{Name: "vat", Type: orm.Char, String: "Tax ID", Help: "The company's tax code (for Romania the CUI); the lookup fills the company data from it."},
		&orm.Field{Name: "probability", Type: orm.Float, String: "Probability", Aggregator: "avg", Copy: orm.Bool(false)},
		&orm.Field{Name: "automated_probability", Type: orm.Float, String: "Automated Probability", Readonly: true, Aggregator: "avg"},
		&orm.Field{Name: "is_automated_probability", Type: orm.Boolean, String: "Is automated probability?", NotStored: true,
			Depends: []string{"probability", "automated_probability"}, Compute: computeIsAutomated},
		&orm.Field{Name: "won_status", Type: orm.Selection, String: "Won/Lost", Readonly: true, Tracking: true, Index: true,
			Selection: [][2]string{{"won", "Won"}, {"lost", "Lost"}, {"pending", "Pending"}},
			Depends:   []string{"probability", "stage_id", "active"}, Compute: computeWonStatus},
		&orm.Field{Name: "lost_reason_id", Type: orm.Many2one, Relation: "crm.lost.reason", String: "Lost Reason", Tracking: true, OnDelete: "restrict", Index: true},
		&orm.Field{Name: "duplicate_lead_ids", Type: orm.Many2many, Relation: "crm.lead", String: "Potential Duplicate Lead", NotStored: true,
			Depends: []string{"email_from", "partner_id", "phone"}, Compute: computeDuplicates},
		&orm.Field{Name: "duplicate_lead_count", Type: orm.Integer, String: "Potential Duplicate Lead Count", NotStored: true,
			Depends: []string{"email_from", "partner_id", "phone"}, Compute: computeDuplicates},
		&orm.Field{Name: "campaign_id", Type: orm.Many2one, Relation: "utm.campaign", String: "Campaign"},
		&orm.Field{Name: "medium_id", Type: orm.Many2one, Relation: "utm.medium", String: "Medium"},
		&orm.Field{Name: "source_id", Type: orm.Many2one, Relation: "utm.source", String: "Source"},
		&orm.Field{Name: "activated", Type: orm.Boolean, String: "Activated", Default: boolDefault(true), Tracking: true,
			Help: "A lead entered without a salesperson (e.g. from its tax code) waits inactive until someone activates it."},
		&orm.Field{Name: "date_first_contact", Type: orm.Datetime, String: "First Contact", Tracking: true},
		&orm.Field{Name: "kanban_position", Type: orm.Float, String: "Position in the column", Aggregator: "-", Copy: orm.Bool(false)},
	)
	m.TrackSubtype = leadTrackSubtype
	// imports and mass creations insert leads a few hundred per statement;
	// beforeCreateLead reads teams, stages and customers, never the other
	// leads of the batch
	m.BulkCreate = true
	m.Hooks = append(m.Hooks, orm.Hooks{
		BeforeCreate:      beforeCreateLead,
		AfterCreateMany:   afterCreateLeads,
		BeforeWrite:       beforeWriteLead,
		BeforeWriteRecord: beforeWriteLeadRecord,
		AfterWrite:        afterWriteLead,
	})
	addLeadMethods(m)
}

// registerPartnerExtension adds the CRM fields and methods to partners.
func registerPartnerExtension(r *orm.Registry) {
	p := r.Model("res.partner")
	p.AddFields(
		&orm.Field{Name: "opportunity_ids", Type: orm.One2many, Relation: "crm.lead", InverseName: "partner_id", String: "Opportunities"},
		&orm.Field{Name: "opportunity_count", Type: orm.Integer, String: "Opportunity Count", NotStored: true, Compute: computeOpportunityCount},
	)
	addLookupMethods(r)
}

func computeOpportunityCount(env *orm.Env, recs []orm.Values) error {
	lead := env.Reg.Model("crm.lead")
	for _, r := range recs {
		n, err := env.SearchCount(lead, orm.Leaf{Path: "partner_id", Op: "child_of", Value: r["id"]}, 0)
		if err != nil {
			if orm.AsError(err).Kind == orm.KindAccess {
				r["opportunity_count"] = int64(0)
				continue
			}
			return err
		}
		r["opportunity_count"] = n
	}
	return nil
}
