package imex

import (
	"sort"
)

// A preset maps the column headers of another CRM's standard export to
// Kanso fields (the headers of external-formats.md section 2, English
// labels). Columns a preset does not name are still matched by label or
// technical name; informational columns (creation dates, activity
// counters, weighted values) are left out on purpose.
type preset struct {
	Name  string
	Model string
	Doc   string
	Cols  []presetCol
}

// presetCol maps one header to a field path. Several headers may feed the
// same field: their values are joined with a space when Join is set
// (first and last names), else the first non-empty one is taken (work,
// home and other e-mail addresses).
type presetCol struct {
	Header string
	Field  string
	Join   bool
	// Values replaces whole cell values (compared case-insensitively)
	// before conversion, e.g. Salesforce's Rating Hot → priority 2.
	Values map[string]string
	// Percent01 multiplies values of at most 1 by 100 (a probability
	// exported as a fraction).
	Percent01 bool
	// IDPrefix makes an external id of the other system's record id
	// ("hubspot_contact_" + "1234"), under the __import__ module.
	IDPrefix string
}

func col(header, field string) presetCol { return presetCol{Header: header, Field: field} }
func join(header, field string) presetCol {
	return presetCol{Header: header, Field: field, Join: true}
}
func xid(header, prefix string) presetCol {
	return presetCol{Header: header, Field: "id", IDPrefix: prefix}
}

var odooLeadCols = []presetCol{
	col("External ID", "id"), col("Opportunity", "name"), col("Name", "name"), col("Customer", "partner_id"),
	col("Contact", "partner_id"), col("Contact Name", "contact_name"), col("Company Name", "partner_name"),
	col("Customer Name", "partner_name"), col("Email", "email_from"), col("Phone", "phone"), col("Mobile", "phone"),
	col("Job Position", "function"), col("Website", "website"), col("Street", "street"), col("Street2", "street2"),
	col("City", "city"), col("Zip", "zip"), col("State", "state_id"), col("Country", "country_id"),
	col("Expected Revenue", "expected_revenue"), col("Probability", "probability"), col("Probability (%)", "probability"),
	col("Expected Closing", "date_deadline"), col("Stage", "stage_id"), col("Salesperson", "user_id"),
	col("Sales Team", "team_id"), col("Tags", "tag_ids"), col("Source", "source_id"), col("Medium", "medium_id"),
	col("Campaign", "campaign_id"), col("Notes", "description"), col("Priority", "priority"),
	col("Lost Reason", "lost_reason_id"), col("Type", "type"), col("Tax ID", "vat"), col("Active", "active"),
}

var odooPartnerCols = []presetCol{
	col("External ID", "id"), col("Name", "name"), col("Is a Company", "is_company"), col("Related Company", "parent_id"),
	col("Address Type", "type"), col("Email", "email"), col("Phone", "phone"), col("Mobile", "phone"),
	col("Street", "street"), col("Street2", "street2"), col("City", "city"), col("Zip", "zip"), col("State", "state_id"),
	col("Country", "country_id"), col("Tax ID", "vat"), col("Website Link", "website"), col("Website", "website"),
	col("Job Position", "function"), col("Tags", "category_id"), col("Salesperson", "user_id"), col("Reference", "ref"),
	col("Notes", "comment"), col("Company ID", "company_registry"), col("Language", "lang"), col("Active", "active"),
}

var presets = []preset{
	{Name: "odoo-leads", Model: "crm.lead", Doc: "Odoo CRM leads/opportunities export (labels) or Odoo's lead import template",
		Cols: odooLeadCols},
	{Name: "odoo-contacts", Model: "res.partner", Doc: "Odoo contacts export (labels) or Odoo's contact import template",
		Cols: odooPartnerCols},
	{Name: "hubspot-contacts", Model: "res.partner", Doc: "HubSpot contacts export into contacts",
		Cols: []presetCol{
			xid("Record ID", "hubspot_contact_"), join("First Name", "name"), join("Last Name", "name"),
			col("Email", "email"), col("Phone Number", "phone"), col("Mobile Phone Number", "phone"),
			col("Job Title", "function"), col("Associated Company", "parent_id"), col("Company Name", "company_name"),
			col("Street Address", "street"), col("City", "city"), col("State/Region", "state_id"),
			col("Postal Code", "zip"), col("Country/Region", "country_id"), col("Website URL", "website"),
			col("Contact owner", "user_id"), col("Message", "comment"),
		}},
	{Name: "hubspot-leads", Model: "crm.lead", Doc: "HubSpot contacts export into leads",
		Cols: []presetCol{
			xid("Record ID", "hubspot_contact_"), join("First Name", "contact_name"), join("Last Name", "contact_name"),
			join("First Name", "name"), join("Last Name", "name"),
			col("Email", "email_from"), col("Phone Number", "phone"), col("Mobile Phone Number", "phone"),
			col("Job Title", "function"), col("Company Name", "partner_name"), col("Associated Company", "partner_name"),
			col("Street Address", "street"), col("City", "city"), col("State/Region", "state_id"),
			col("Postal Code", "zip"), col("Country/Region", "country_id"), col("Website URL", "website"),
			col("Contact owner", "user_id"), col("Message", "description"), col("Original Source", "source_id"),
			{Header: "Lifecycle Stage", Field: "type", Values: map[string]string{
				"subscriber": "lead", "lead": "lead", "marketing qualified lead": "lead", "marketingqualifiedlead": "lead",
				"sales qualified lead": "opportunity", "salesqualifiedlead": "opportunity", "opportunity": "opportunity",
				"customer": "opportunity", "evangelist": "opportunity", "other": "lead"}},
		}},
	{Name: "hubspot-deals", Model: "crm.lead", Doc: "HubSpot deals export into opportunities",
		Cols: []presetCol{
			xid("Record ID", "hubspot_deal_"), col("Deal Name", "name"), col("Deal Stage", "stage_id"),
			col("Amount", "expected_revenue"), col("Close Date", "date_deadline"), col("Deal owner", "user_id"),
			col("Deal Type", "tag_ids"), {Header: "Deal probability", Field: "probability", Percent01: true},
			col("Priority", "priority"), col("Deal Description", "description"),
			col("Associated Company", "partner_name"), col("Associated Contact", "contact_name"),
		}},
	{Name: "pipedrive-deals", Model: "crm.lead", Doc: "Pipedrive deals export into opportunities",
		Cols: []presetCol{
			xid("Deal - ID", "pipedrive_deal_"), col("Deal - Title", "name"), col("Deal - Value", "expected_revenue"),
			col("Deal - Probability", "probability"), col("Deal - Organization", "partner_name"),
			col("Organization", "partner_name"), col("Deal - Contact person", "contact_name"),
			col("Contact person", "contact_name"), col("Deal - Stage", "stage_id"), col("Deal - Owner", "user_id"),
			col("Deal - Expected close date", "date_deadline"), col("Deal - Label", "tag_ids"),
			col("Deal - Source channel", "source_id"), col("Person - Email - Work", "email_from"),
			col("Person - Email - Home", "email_from"), col("Person - Email - Other", "email_from"),
			col("Person - Phone - Work", "phone"), col("Person - Phone - Mobile", "phone"),
			col("Person - Phone - Home", "phone"), col("Person - Phone - Other", "phone"),
		}},
	{Name: "pipedrive-persons", Model: "res.partner", Doc: "Pipedrive people export into contacts",
		Cols: []presetCol{
			xid("Person - ID", "pipedrive_person_"), col("Person - Name", "name"), join("Person - First name", "name"),
			join("Person - Last name", "name"), col("Person - Organization", "parent_id"),
			col("Person - Email - Work", "email"), col("Person - Email - Home", "email"), col("Person - Email - Other", "email"),
			col("Person - Phone - Work", "phone"), col("Person - Phone - Mobile", "phone"),
			col("Person - Phone - Home", "phone"), col("Person - Phone - Other", "phone"),
			col("Person - Job title", "function"), col("Person - Owner", "user_id"), col("Person - Labels", "category_id"),
			col("Person - Label", "category_id"),
		}},
	{Name: "pipedrive-organizations", Model: "res.partner", Doc: "Pipedrive organizations export into companies (set Is a Company with --map or a column)",
		Cols: []presetCol{
			xid("Organization - ID", "pipedrive_org_"), col("Organization - Name", "name"),
			col("Organization - Address", "street"), join("Organization - Street/road name of Address", "street"),
			join("Organization - House number of Address", "street"), col("Organization - Apartment/suite no of Address", "street2"),
			col("Organization - City/town/village/locality of Address", "city"), col("Organization - State/county of Address", "state_id"),
			col("Organization - ZIP/Postal code of Address", "zip"), col("Organization - Country of Address", "country_id"),
			col("Organization - Owner", "user_id"), col("Organization - Label", "category_id"),
			col("Organization - Website", "website"), col("Organization - Phone", "phone"),
		}},
	{Name: "salesforce-leads", Model: "crm.lead", Doc: "Salesforce leads report (labels) or Data Loader export (API names)",
		Cols: []presetCol{
			xid("Lead ID", "salesforce_lead_"), xid("Id", "salesforce_lead_"),
			join("Salutation", "contact_name"), join("First Name", "contact_name"), join("Last Name", "contact_name"),
			join("FirstName", "contact_name"), join("LastName", "contact_name"),
			col("Company", "name"), col("Company / Account", "name"), col("Last Name", "name"), col("LastName", "name"),
			col("Title", "function"), col("Company", "partner_name"), col("Company / Account", "partner_name"),
			col("Email", "email_from"), col("Phone", "phone"), col("Mobile", "phone"), col("MobilePhone", "phone"),
			col("Website", "website"), col("Lead Status", "tag_ids"), col("Status", "tag_ids"),
			col("Lead Source", "source_id"), col("LeadSource", "source_id"), col("Industry", "tag_ids"),
			{Header: "Rating", Field: "priority", Values: map[string]string{"hot": "2", "warm": "1", "cold": "0"}},
			col("Street", "street"), col("City", "city"), col("State/Province", "state_id"), col("State", "state_id"),
			col("Zip/Postal Code", "zip"), col("PostalCode", "zip"), col("Country", "country_id"),
			col("Description", "description"), col("Lead Owner", "user_id"),
		}},
	{Name: "salesforce-opportunities", Model: "crm.lead", Doc: "Salesforce opportunities report (labels) or Data Loader export (API names)",
		Cols: []presetCol{
			xid("Opportunity ID", "salesforce_opportunity_"), xid("Id", "salesforce_opportunity_"),
			col("Opportunity Name", "name"), col("Name", "name"), col("Account Name", "partner_name"),
			col("Stage", "stage_id"), col("StageName", "stage_id"), col("Amount", "expected_revenue"),
			col("Probability (%)", "probability"), col("Probability", "probability"), col("Close Date", "date_deadline"),
			col("CloseDate", "date_deadline"), col("Opportunity Owner", "user_id"), col("Type", "tag_ids"),
			col("Lead Source", "source_id"), col("LeadSource", "source_id"), col("Primary Campaign Source", "campaign_id"),
			col("Description", "description"),
		}},
	{Name: "salesforce-contacts", Model: "res.partner", Doc: "Salesforce contacts report (labels; headers not confirmed against Salesforce's documentation)",
		Cols: []presetCol{
			xid("Contact ID", "salesforce_contact_"), join("Salutation", "name"), join("First Name", "name"),
			join("Last Name", "name"), col("Title", "function"), col("Account Name", "parent_id"), col("Email", "email"),
			col("Phone", "phone"), col("Mobile", "phone"), col("Mailing Street", "street"), col("Mailing City", "city"),
			col("Mailing State/Province", "state_id"), col("Mailing Zip/Postal Code", "zip"),
			col("Mailing Country", "country_id"), col("Contact Owner", "user_id"), col("Description", "comment"),
		}},
}

// Presets lists the names of the ready-made mappings.
func Presets() []string {
	out := make([]string, len(presets))
	for i, p := range presets {
		out[i] = p.Name
	}
	sort.Strings(out)
	return out
}

// PresetInfo describes a preset: its target model and what it reads.
func PresetInfo(name string) (model, doc string, ok bool) {
	if p := findPreset(name); p != nil {
		return p.Model, p.Doc, true
	}
	return "", "", false
}

func findPreset(name string) *preset {
	for i := range presets {
		if presets[i].Name == name {
			return &presets[i]
		}
	}
	return nil
}
