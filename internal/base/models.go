// Package base declares the base models every Kanso module builds on:
// users, groups, partners, companies, currencies, countries, languages,
// saved filters, API keys, access rights and record rules.
package base

import (
	"strings"

	"github.com/kanso-crm/kanso/internal/orm"
)

// Group external ids.
const (
	GroupUser             = "base.group_user"
	GroupSystem           = "base.group_system"
	GroupSaleSalesman     = "sales_team.group_sale_salesman"
	GroupSaleSalesmanAll  = "sales_team.group_sale_salesman_all_leads"
	GroupSaleManager      = "sales_team.group_sale_manager"
	companyDefaultContext = "default_company_id"
)

// Langs are the languages Kanso ships with.
var Langs = [][2]string{{"en_US", "English (US)"}, {"id_ID", "Indonesian / Bahasa Indonesia"}, {"ro_RO", "Romanian / română"}}

func langSelection() [][2]string { return append([][2]string(nil), Langs...) }

func tzSelection() [][2]string {
	zones := []string{"UTC", "Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura", "Europe/Bucharest", "Europe/London",
		"Europe/Berlin", "Europe/Paris", "America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles",
		"Asia/Singapore", "Asia/Tokyo", "Australia/Sydney"}
	out := make([][2]string, len(zones))
	for i, z := range zones {
		out[i] = [2]string{z, z}
	}
	return out
}

// Register declares the base models.
func Register(r *orm.Registry) {
	r.Define(&orm.Model{Name: "res.currency", Description: "Currency", Order: "active desc, name"},
		&orm.Field{Name: "name", Type: orm.Char, String: "Currency", Required: true},
		&orm.Field{Name: "full_name", Type: orm.Char, String: "Name"},
		&orm.Field{Name: "symbol", Type: orm.Char, String: "Symbol", Required: true},
		&orm.Field{Name: "decimal_places", Type: orm.Integer, String: "Decimal Places", Aggregator: "-"},
		&orm.Field{Name: "position", Type: orm.Selection, String: "Symbol Position", Selection: [][2]string{{"after", "After Amount"}, {"before", "Before Amount"}}},
		&orm.Field{Name: "active", Type: orm.Boolean, String: "Active", Default: func(*orm.Env) any { return true }},
	)
	r.Define(&orm.Model{Name: "res.country", Description: "Country", Order: "name, id"},
		&orm.Field{Name: "name", Type: orm.Char, String: "Country Name", Required: true, Translate: true},
		&orm.Field{Name: "code", Type: orm.Char, String: "Country Code", Required: true},
		&orm.Field{Name: "phone_code", Type: orm.Integer, String: "Country Calling Code", Aggregator: "-"},
		&orm.Field{Name: "currency_id", Type: orm.Many2one, Relation: "res.currency", String: "Currency"},
		&orm.Field{Name: "state_ids", Type: orm.One2many, Relation: "res.country.state", InverseName: "country_id", String: "States"},
	)
	r.Define(&orm.Model{Name: "res.country.state", Description: "Country state", Order: "country_id, code, id",
		DisplayFields: []string{"name", "country_id"},
		NameSearch:    []string{"name", "code"}},
		&orm.Field{Name: "country_id", Type: orm.Many2one, Relation: "res.country", String: "Country", Required: true},
		&orm.Field{Name: "name", Type: orm.Char, String: "State Name", Required: true},
		&orm.Field{Name: "code", Type: orm.Char, String: "State Code", Required: true},
	)
	r.Define(&orm.Model{Name: "res.lang", Description: "Languages", Order: "active desc, name"},
		&orm.Field{Name: "name", Type: orm.Char, String: "Name", Required: true},
		&orm.Field{Name: "code", Type: orm.Char, String: "Locale Code", Required: true},
		&orm.Field{Name: "iso_code", Type: orm.Char, String: "ISO code"},
		&orm.Field{Name: "active", Type: orm.Boolean, String: "Active"},
		&orm.Field{Name: "date_format", Type: orm.Char, String: "Date Format", Required: true, Default: func(*orm.Env) any { return "%m/%d/%Y" }},
		&orm.Field{Name: "time_format", Type: orm.Char, String: "Time Format", Required: true, Default: func(*orm.Env) any { return "%H:%M:%S" }},
		&orm.Field{Name: "decimal_point", Type: orm.Char, String: "Decimal Separator", Required: true, Default: func(*orm.Env) any { return "." }},
		&orm.Field{Name: "thousands_sep", Type: orm.Char, String: "Thousands Separator", Default: func(*orm.Env) any { return "," }},
	)
	r.Define(&orm.Model{Name: "res.company", Description: "Companies", Order: "name, id"},
		&orm.Field{Name: "name", Type: orm.Char, String: "Company Name", Required: true},
		&orm.Field{Name: "currency_id", Type: orm.Many2one, Relation: "res.currency", String: "Currency", Required: true},
		&orm.Field{Name: "country_id", Type: orm.Many2one, Relation: "res.country", String: "Country"},
		&orm.Field{Name: "email", Type: orm.Char, String: "Email"},
		&orm.Field{Name: "phone", Type: orm.Char, String: "Phone"},
		&orm.Field{Name: "vat", Type: orm.Char, String: "Tax ID"},
		&orm.Field{Name: "active", Type: orm.Boolean, String: "Active", Default: func(*orm.Env) any { return true }},
	)
	r.Define(&orm.Model{Name: "res.partner.category", Description: "Partner Tags", Order: "name, id"},
		&orm.Field{Name: "name", Type: orm.Char, String: "Tag Name", Required: true, Translate: true},
		&orm.Field{Name: "color", Type: orm.Integer, String: "Color"},
		&orm.Field{Name: "parent_id", Type: orm.Many2one, Relation: "res.partner.category", String: "Parent Category", OnDelete: "cascade"},
		&orm.Field{Name: "active", Type: orm.Boolean, String: "Active", Default: func(*orm.Env) any { return true }},
	)
	registerPartner(r)
	registerUsers(r)
	registerSecurity(r)
	registerFilters(r)
}

func registerPartner(r *orm.Registry) {
	addrType := [][2]string{{"contact", "Contact"}, {"invoice", "Invoice Address"}, {"delivery", "Delivery Address"}, {"work_point", "Work Point"}, {"other", "Other Address"}}
	m := r.Define(&orm.Model{Name: "res.partner", Description: "Contact", Order: "complete_name ASC, id DESC",
		RecName: "complete_name", ParentName: "parent_id",
		NameSearch: []string{"complete_name", "email", "ref", "vat", "company_registry"},
		TextIndex:  &orm.TextIndex{Table: "res_partner_text", Fields: []string{"complete_name", "email", "ref", "vat", "company_registry"}}},
		&orm.Field{Name: "name", Type: orm.Char, String: "Name", Index: true, Tracking: true},
		&orm.Field{Name: "complete_name", Type: orm.Char, String: "Complete Name", Readonly: true,
			Depends: []string{"name", "parent_id", "is_company"}, Compute: computeCompleteName},
		&orm.Field{Name: "is_company", Type: orm.Boolean, String: "Is a Company"},
		&orm.Field{Name: "type", Type: orm.Selection, String: "Address Type", Selection: addrType, Default: func(*orm.Env) any { return "contact" }},
		&orm.Field{Name: "parent_id", Type: orm.Many2one, Relation: "res.partner", String: "Related Company", Index: true, Tracking: true},
		&orm.Field{Name: "child_ids", Type: orm.One2many, Relation: "res.partner", InverseName: "parent_id", String: "Contact"},
		&orm.Field{Name: "commercial_partner_id", Type: orm.Many2one, Relation: "res.partner", String: "Commercial Entity", Readonly: true,
			Depends: []string{"parent_id", "is_company"}, Compute: computeCommercialPartner},
		&orm.Field{Name: "company_name", Type: orm.Char, String: "Company Name"},
		&orm.Field{Name: "ref", Type: orm.Char, String: "Reference"},
		&orm.Field{Name: "email", Type: orm.Char, String: "Email", Tracking: true},
		&orm.Field{Name: "email_normalized", Type: orm.Char, String: "Normalized Email", Readonly: true,
			Depends: []string{"email"}, Compute: computeEmailNormalized},
		&orm.Field{Name: "phone", Type: orm.Char, String: "Phone", Tracking: true},
		&orm.Field{Name: "phone_sanitized", Type: orm.Char, String: "Sanitized Number", Readonly: true},
		&orm.Field{Name: "street", Type: orm.Char, String: "Street"},
		&orm.Field{Name: "street2", Type: orm.Char, String: "Street2"},
		&orm.Field{Name: "zip", Type: orm.Char, String: "Zip"},
		&orm.Field{Name: "city", Type: orm.Char, String: "City"},
		&orm.Field{Name: "state_id", Type: orm.Many2one, Relation: "res.country.state", String: "State", OnDelete: "restrict"},
		&orm.Field{Name: "country_id", Type: orm.Many2one, Relation: "res.country", String: "Country", OnDelete: "restrict"},
		&orm.Field{Name: "vat", Type: orm.Char, String: "Tax ID", Help: "The tax identification number (for Romania the CUI, with or without the RO prefix)."},
		&orm.Field{Name: "company_registry", Type: orm.Char, String: "Company ID", Help: "The registry number of the company (e.g. J40/1234/2020)."},
		&orm.Field{Name: "function", Type: orm.Char, String: "Job Position"},
		&orm.Field{Name: "website", Type: orm.Char, String: "Website Link"},
		&orm.Field{Name: "lang", Type: orm.Selection, String: "Language", Selection: langSelection()},
		&orm.Field{Name: "tz", Type: orm.Selection, String: "Timezone", Selection: tzSelection()},
		&orm.Field{Name: "comment", Type: orm.HTML, String: "Notes"},
		&orm.Field{Name: "user_id", Type: orm.Many2one, Relation: "res.users", String: "Salesperson", Tracking: true},
		&orm.Field{Name: "company_id", Type: orm.Many2one, Relation: "res.company", String: "Company", Index: true},
		&orm.Field{Name: "color", Type: orm.Integer, String: "Color Index"},
		&orm.Field{Name: "credit_limit", Type: orm.Float, String: "Credit Limit"},
		&orm.Field{Name: "employee_count", Type: orm.Integer, String: "Employees"},
		&orm.Field{Name: "birthdate", Type: orm.Date, String: "Birthdate"},
		&orm.Field{Name: "image", Type: orm.Binary, String: "Image"},
		&orm.Field{Name: "category_id", Type: orm.Many2many, Relation: "res.partner.category", String: "Tags",
			RelTable: "res_partner_res_partner_category_rel", Column1: "partner_id", Column2: "category_id"},
		&orm.Field{Name: "active", Type: orm.Boolean, String: "Active", Default: func(*orm.Env) any { return true }},
	)
	m.Hooks = append(m.Hooks, orm.Hooks{
		BeforeCreate: func(env *orm.Env, vals orm.Values) error {
			if _, ok := vals["company_id"]; !ok {
				if v, ok := env.Context[companyDefaultContext]; ok {
					vals["company_id"] = v
				}
			}
			return nil
		},
		AfterWrite: func(env *orm.Env, ids []int64, vals orm.Values) error {
			// A renamed company renames its contacts' complete names; a
			// company change of the commercial entity reaches the children.
			_, n := vals["name"]
			_, c := vals["is_company"]
			_, p := vals["parent_id"]
			if !n && !c && !p {
				return nil
			}
			pm := env.Reg.Model("res.partner")
			su := env.Sudo().WithContext(map[string]any{"active_test": false})
			for _, id := range ids {
				kids, err := su.Search(pm, orm.Leaf{Path: "parent_id", Op: "=", Value: id}, orm.SearchOpts{})
				if err != nil {
					return err
				}
				if len(kids) > 0 {
					if err := su.Write(pm, kids, orm.Values{"parent_id": id}); err != nil {
						return err
					}
				}
			}
			return nil
		},
		AfterCreate: func(env *orm.Env, id int64, vals orm.Values) error {
			if vals["commercial_partner_id"] == nil {
				_, err := env.Exec("UPDATE res_partner SET commercial_partner_id = ? WHERE id = ?", id, id)
				return err
			}
			return nil
		},
	})
}

func anyIDs(ids []int64) []any {
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = id
	}
	return out
}

func computeCompleteName(env *orm.Env, recs []orm.Values) error {
	var parents []int64
	for _, r := range recs {
		if p, ok := r["parent_id"].(int64); ok {
			parents = append(parents, p)
		}
	}
	names, err := env.DisplayNames(env.Reg.Model("res.partner"), parents)
	if err != nil {
		return err
	}
	for _, r := range recs {
		name, _ := r["name"].(string)
		isCo, _ := r["is_company"].(bool)
		if p, ok := r["parent_id"].(int64); ok && !isCo && names[p] != "" {
			if name == "" {
				name = names[p]
			} else {
				name = names[p] + ", " + name
			}
		}
		r["complete_name"] = name
	}
	return nil
}

func computeCommercialPartner(env *orm.Env, recs []orm.Values) error {
	for _, r := range recs {
		isCo, _ := r["is_company"].(bool)
		p, hasParent := r["parent_id"].(int64)
		switch {
		case isCo || !hasParent:
			if id, ok := r["id"].(int64); ok {
				r["commercial_partner_id"] = id
			} else {
				r["commercial_partner_id"] = nil // filled after insert
			}
		default:
			vals, err := env.ReadValues(env.Reg.Model("res.partner"), []int64{p}, []string{"commercial_partner_id"})
			if err != nil {
				return err
			}
			if len(vals) == 1 && vals[0]["commercial_partner_id"] != nil {
				r["commercial_partner_id"] = vals[0]["commercial_partner_id"]
			} else {
				r["commercial_partner_id"] = p
			}
		}
	}
	return nil
}

func computeEmailNormalized(env *orm.Env, recs []orm.Values) error {
	for _, r := range recs {
		e, _ := r["email"].(string)
		n := NormalizeEmail(e)
		if n == "" {
			r["email_normalized"] = nil
		} else {
			r["email_normalized"] = n
		}
	}
	return nil
}

// NormalizeEmail returns the lower-cased address of the first e-mail in s
// ("John <John@Example.com>" gives "john@example.com"), or "".
func NormalizeEmail(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndex(s, "<"); i >= 0 {
		if j := strings.Index(s[i:], ">"); j > 0 {
			s = s[i+1 : i+j]
		}
	}
	if i := strings.IndexAny(s, ",;"); i >= 0 {
		s = s[:i]
	}
	s = strings.ToLower(strings.TrimSpace(s))
	at := strings.LastIndex(s, "@")
	if at <= 0 || at == len(s)-1 || strings.ContainsAny(s, " \t") {
		return ""
	}
	return s
}
