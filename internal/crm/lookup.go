package crm

import (
	"errors"
	"strings"

	"github.com/kanso-crm/kanso/internal/base"
	"github.com/kanso-crm/kanso/internal/lookup"
	"github.com/kanso-crm/kanso/internal/orm"
)

// providers returns the company lookup providers, with the endpoints
// configured in the settings.
func providers(env *orm.Env) (lookup.Providers, error) {
	ep, err := base.GetParam(env, ParamLookupEndpoint)
	if err != nil {
		return nil, err
	}
	return lookup.Providers{"RO": &lookup.ANAF{Endpoint: ep}}, nil
}

// lookupCountry guesses the country of a tax code: its two-letter prefix,
// else the given country, else Romania.
func lookupCountry(code, country string) string {
	c := strings.ToUpper(strings.TrimSpace(code))
	if len(c) > 2 && c[0] >= 'A' && c[0] <= 'Z' && c[1] >= 'A' && c[1] <= 'Z' {
		return c[:2]
	}
	if country != "" {
		return country
	}
	return "RO"
}

// LookupCompany asks the registry of the tax code's country and returns
// values ready to write on a partner (partner=true) or a lead.
func LookupCompany(env *orm.Env, code, country string, partner bool) (map[string]any, error) {
	ps, err := providers(env)
	if err != nil {
		return nil, err
	}
	cc := lookupCountry(code, country)
	p, ok := ps[cc]
	if !ok {
		return nil, orm.UserErrorf("There is no company lookup for %s yet; type the company data by hand.", cc)
	}
	c, err := p.Lookup(env.Ctx, code)
	switch {
	case errors.Is(err, lookup.ErrInvalidCode):
		return nil, orm.ValidationErrorf("%s", err.Error())
	case errors.Is(err, lookup.ErrNotFound):
		return nil, orm.UserErrorf("The national registry has no company with the tax code %s.", strings.TrimSpace(code))
	case errors.Is(err, lookup.ErrUnavailable):
		return nil, orm.UserErrorf("%s", err.Error())
	case err != nil:
		return nil, err
	}
	vals := map[string]any{"vat": c.VAT, "street": c.Street, "street2": c.Street2, "city": c.City, "zip": c.Zip, "phone": c.Phone}
	if partner {
		vals["name"], vals["is_company"], vals["company_registry"] = c.Name, true, c.CompanyRegistry
	} else {
		vals["partner_name"] = c.Name
	}
	var countryID int64
	if err := env.QueryRow("SELECT id FROM res_country WHERE code = ?", c.CountryCode).Scan(&countryID); err == nil {
		vals["country_id"] = countryID
		if c.StateCode != "" {
			var sid int64
			if err := env.QueryRow("SELECT id FROM res_country_state WHERE country_id = ? AND code = ?", countryID, c.StateCode).Scan(&sid); err == nil {
				vals["state_id"] = sid
			}
		}
	}
	for k, v := range vals {
		if v == "" {
			vals[k] = false
		}
	}
	if !c.Active {
		vals["__warning"] = c.Status
	}
	return vals, nil
}

func addLookupMethods(r *orm.Registry) {
	for _, name := range []string{"res.partner", "crm.lead"} {
		m := r.Model(name)
		isPartner := name == "res.partner"
		m.AddMethod(&orm.Method{Name: "lookup_company", Model: true, ReadOnly: true, Params: []string{"vat", "country_code"},
			Doc: "Look a company up by its tax code (Romania: CUI, with or without RO) in the national registry; returns the values to fill in (and __warning for inactive companies).",
			Fn: func(env *orm.Env, c *orm.Call) (any, error) {
				code, err := c.String("vat", "")
				if err != nil {
					return nil, err
				}
				cc, err := c.String("country_code", "")
				if err != nil {
					return nil, err
				}
				if strings.TrimSpace(code) == "" {
					return nil, orm.ValidationErrorf("Enter the tax code to look up.")
				}
				return LookupCompany(env, code, cc, isPartner)
			}})
		m.AddMethod(&orm.Method{Name: "action_fetch_company_data",
			Doc: "Fill the record's company data from the national registry, using its tax code.",
			Fn: func(env *orm.Env, c *orm.Call) (any, error) {
				if len(c.IDs) != 1 {
					return nil, orm.UserErrorf("Fetch the data of one record at a time.")
				}
				if err := env.CheckRecords(c.Model, c.IDs, orm.PermWrite); err != nil {
					return nil, err
				}
				recs, err := env.ReadValues(c.Model, c.IDs, []string{"vat", "country_id"})
				if err != nil {
					return nil, err
				}
				code := str(recs[0]["vat"])
				if strings.TrimSpace(code) == "" {
					return nil, orm.ValidationErrorf("Enter the tax code first.")
				}
				vals, err := LookupCompany(env, code, countryCode(env, recs[0]["country_id"]), isPartner)
				if err != nil {
					return nil, err
				}
				delete(vals, "__warning")
				if err := env.Write(c.Model, c.IDs, orm.Values(vals)); err != nil {
					return nil, err
				}
				return true, nil
			}})
	}
}
