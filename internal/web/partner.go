package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/kanso-crm/kanso/internal/orm"
)

// PartnerForm is what the customer form shows.
type PartnerForm struct {
	ID        int64
	Rec       map[string]any
	Children  []map[string]any
	Countries [][2]string
	Users     [][2]string
	Types     [][2]string
	Opps      int64
	Error     string
	Saved     bool
	Lookup    map[string]any
	Warning   string
}

// Str reads a text value.
func (f *PartnerForm) Str(k string) string { return (&LeadForm{Rec: f.Rec}).Str(k) }

// Name reads the display name of a many2one.
func (f *PartnerForm) Name(k string) string { return (&LeadForm{Rec: f.Rec}).Name(k) }

var partnerFormFields = []string{"name", "is_company", "parent_id", "type", "email", "phone", "vat", "company_registry", "street", "street2",
	"zip", "city", "state_id", "country_id", "website", "function", "lang", "user_id", "comment", "write_date", "active", "display_name"}

func partnerID(r *http.Request) int64 {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	return id
}

func loadPartnerForm(env *orm.Env, id int64) (*PartnerForm, error) {
	pm := env.Reg.Model("res.partner")
	f := &PartnerForm{ID: id, Rec: map[string]any{"is_company": true, "type": "contact"}}
	if id != 0 {
		recs, err := env.WithContext(map[string]any{"active_test": false}).Read(pm, []int64{id}, partnerFormFields, true)
		if err != nil {
			return nil, err
		}
		f.Rec = recs[0]
		if f.Children, err = env.SearchRead(pm, orm.Leaf{Path: "parent_id", Op: "=", Value: id}, []string{"name", "type", "email", "phone", "function", "city"}, orm.SearchOpts{Order: "type, name"}, false); err != nil {
			return nil, err
		}
		n, err := env.SearchCount(env.Reg.Model("crm.lead"), orm.Leaf{Path: "partner_id", Op: "child_of", Value: id}, 0)
		if err != nil {
			return nil, err
		}
		f.Opps = n
	}
	countries, err := env.SearchRead(env.Reg.Model("res.country"), orm.And{}, []string{"name"}, orm.SearchOpts{}, false)
	if err != nil {
		return nil, err
	}
	f.Countries = pairs(countries, "name")
	users, err := env.SearchRead(env.Reg.Model("res.users"), orm.Leaf{Path: "share", Op: "=", Value: false}, []string{"name"}, orm.SearchOpts{}, false)
	if err != nil {
		return nil, err
	}
	f.Users = pairs(users, "name")
	for _, t := range pm.Field("type").Selection {
		f.Types = append(f.Types, [2]string{t[0], t[1]})
	}
	return f, nil
}

func (a *App) partnerForm(w http.ResponseWriter, r *http.Request, uid int64) {
	a.showPartner(w, r, uid, partnerID(r), http.StatusOK, func(f *PartnerForm) { f.Saved = r.URL.Query().Get("saved") == "1" })
}

func (a *App) showPartner(w http.ResponseWriter, r *http.Request, uid, id int64, status int, adjust func(f *PartnerForm)) {
	var v *View
	var f *PartnerForm
	err := a.call(r.Context(), uid, false, func(env *orm.Env) error {
		var err error
		if v, err = a.newView(env, "", "customers"); err != nil {
			return err
		}
		f, err = loadPartnerForm(env, id)
		return err
	})
	if err != nil {
		a.fail(w, err)
		return
	}
	v.Title = f.Str("display_name")
	if id == 0 {
		v.Title = v.T("New customer")
	}
	if adjust != nil {
		adjust(f)
	}
	render(w, r, status, PartnerPage(v, f))
}

func partnerVals(r *http.Request) orm.Values {
	vals := orm.Values{}
	for _, k := range []string{"name", "email", "phone", "vat", "company_registry", "street", "street2", "zip", "city", "website", "function", "comment"} {
		if _, ok := r.PostForm[k]; ok {
			vals[k] = strings.TrimSpace(r.PostFormValue(k))
		}
	}
	if _, ok := r.PostForm["kind_present"]; ok {
		vals["is_company"] = r.PostFormValue("is_company") == "1"
	}
	for _, k := range []string{"country_id", "user_id"} {
		if _, ok := r.PostForm[k]; !ok {
			continue
		}
		if n, err := strconv.ParseInt(r.PostFormValue(k), 10, 64); err == nil {
			vals[k] = n
		} else {
			vals[k] = false
		}
	}
	return vals
}

// savePartner creates or updates a customer.
func (a *App) savePartner(w http.ResponseWriter, r *http.Request, uid int64) {
	id := partnerID(r)
	r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
	if err := r.ParseForm(); err != nil {
		a.showPartner(w, r, uid, id, http.StatusBadRequest, func(f *PartnerForm) { f.Error = "The form could not be read." })
		return
	}
	vals := partnerVals(r)
	err := a.call(r.Context(), uid, true, func(env *orm.Env) error {
		pm := env.Reg.Model("res.partner")
		if id == 0 {
			ids, err := env.Create(pm, []orm.Values{vals})
			if err == nil {
				id = ids[0]
			}
			return err
		}
		vals["write_date"] = r.PostFormValue("write_date")
		return env.Write(pm, []int64{id}, vals)
	})
	if err != nil {
		e := orm.AsError(err)
		if e.Kind == orm.KindInternal {
			a.fail(w, err)
			return
		}
		a.showPartner(w, r, uid, id, e.HTTPStatus(), func(f *PartnerForm) {
			f.Error = e.Error()
			for k, v := range vals {
				if k != "write_date" {
					f.Rec[k] = v // keep what the user typed
				}
			}
		})
		return
	}
	http.Redirect(w, r, "/contacts/"+itoa(id)+"?saved=1", http.StatusSeeOther)
}

// addContact adds a contact person or a work point under a company.
func (a *App) addContact(w http.ResponseWriter, r *http.Request, uid int64) {
	id := partnerID(r)
	r.ParseForm()
	err := a.call(r.Context(), uid, true, func(env *orm.Env) error {
		name := strings.TrimSpace(r.PostFormValue("name"))
		if name == "" {
			return orm.ValidationErrorf("Give the contact a name.")
		}
		vals := orm.Values{"name": name, "parent_id": id, "type": r.PostFormValue("type"), "email": r.PostFormValue("email"),
			"phone": r.PostFormValue("phone"), "function": r.PostFormValue("function"), "street": r.PostFormValue("street"), "city": r.PostFormValue("city")}
		for k, v := range vals {
			if v == "" {
				delete(vals, k)
			}
		}
		_, err := env.Create(env.Reg.Model("res.partner"), []orm.Values{vals})
		return err
	})
	if err != nil {
		e := orm.AsError(err)
		if e.Kind == orm.KindInternal {
			a.fail(w, err)
			return
		}
		a.showPartner(w, r, uid, id, e.HTTPStatus(), func(f *PartnerForm) { f.Error = e.Error() })
		return
	}
	http.Redirect(w, r, "/contacts/"+itoa(id)+"#contacts", http.StatusSeeOther)
}

// lookupPartner fills the company from the national registry by its tax
// code; the values are shown for the user to check and save.
func (a *App) lookupPartner(w http.ResponseWriter, r *http.Request, uid int64) {
	id := partnerID(r)
	r.ParseForm()
	vals := partnerVals(r)
	var found map[string]any
	err := a.call(r.Context(), uid, false, func(env *orm.Env) error {
		res, err := env.CallMethod(env.Reg.Model("res.partner"), "lookup_company", nil, map[string]any{"vat": r.PostFormValue("vat")})
		if err != nil {
			return err
		}
		found = res.(map[string]any)
		return nil
	})
	a.showPartner(w, r, uid, id, statusOf(err), func(f *PartnerForm) {
		for k, v := range vals {
			f.Rec[k] = v
		}
		if err != nil {
			f.Error = orm.AsError(err).Error()
			return
		}
		for k, v := range found {
			if k == "__warning" {
				f.Warning = fmt.Sprint(v)
				continue
			}
			if k == "country_id" || k == "state_id" {
				f.Rec[k] = []any{v, ""}
				continue
			}
			f.Rec[k] = v
		}
		f.Lookup = found
	})
}

func statusOf(err error) int {
	if err == nil {
		return http.StatusOK
	}
	return orm.AsError(err).HTTPStatus()
}
