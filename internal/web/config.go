package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/kanso-crm/kanso/internal/base"
	"github.com/kanso-crm/kanso/internal/crm"
	"github.com/kanso-crm/kanso/internal/orm"
)

// ConfigSpec is a configuration page: a list of records of a model with a
// form generated from the registry's field declarations.
type ConfigSpec struct {
	Key, Model, Title string
	List              []string // columns
	Fields            []string // form fields
	Group             string   // who may open it
}

func configSpecs() []*ConfigSpec {
	return []*ConfigSpec{
		{Key: "teams", Model: "crm.team", Title: "Sales Teams", List: []string{"name", "user_id", "use_leads", "use_opportunities"},
			Fields: []string{"name", "user_id", "use_leads", "use_opportunities", "stage_set", "assignment_optout", "assignment_domain", "invoiced_target", "color", "active"}, Group: base.GroupSaleManager},
		{Key: "members", Model: "crm.team.member", Title: "Team Members", List: []string{"crm_team_id", "user_id", "assignment_max", "assignment_optout"},
			Fields: []string{"crm_team_id", "user_id", "assignment_max", "assignment_domain", "assignment_domain_preferred", "assignment_optout", "active"}, Group: base.GroupSaleManager},
		{Key: "stages", Model: "crm.stage", Title: "Stages", List: []string{"sequence", "name", "is_won", "is_lost", "fold", "team_ids"},
			Fields: []string{"name", "sequence", "is_won", "is_lost", "fold", "done_activities_trigger", "rotting_threshold_days", "requirements", "team_ids"}, Group: base.GroupSaleManager},
		{Key: "tags", Model: "crm.tag", Title: "Tags", List: []string{"name", "color"}, Fields: []string{"name", "color"}, Group: base.GroupSaleManager},
		{Key: "lost-reasons", Model: "crm.lost.reason", Title: "Lost Reasons", List: []string{"name", "active"}, Fields: []string{"name", "active"}, Group: base.GroupSaleManager},
		{Key: "activity-types", Model: "mail.activity.type", Title: "Activity Types", List: []string{"sequence", "name", "category", "delay_count", "delay_unit", "chaining_type"},
			Fields: []string{"name", "summary", "category", "delay_count", "delay_unit", "delay_from", "chaining_type", "triggered_next_type_id",
				"suggested_next_type_ids", "default_user_id", "default_note", "sequence", "active"}, Group: base.GroupSaleManager},
		{Key: "targets", Model: "crm.target", Title: "Sales Targets", List: []string{"date_start", "period", "team_id", "user_id", "amount"},
			Fields: []string{"period", "date_start", "team_id", "user_id", "amount"}, Group: base.GroupSaleManager},
		{Key: "recurring-plans", Model: "crm.recurring.plan", Title: "Recurring Plans", List: []string{"name", "number_of_months"}, Fields: []string{"name", "number_of_months", "sequence", "active"}, Group: base.GroupSaleManager},
		{Key: "users", Model: "res.users", Title: "Users", List: []string{"name", "login", "lang", "active"},
			Fields: []string{"name", "login", "email", "password", "lang", "tz", "group_ids", "active"}, Group: base.GroupSystem},
	}
}

func findConfig(key string) *ConfigSpec {
	for _, s := range configSpecs() {
		if s.Key == key {
			return s
		}
	}
	return nil
}

// ConfigField is one input of a generated form.
type ConfigField struct {
	Name, Label, Type, Help string
	Value                   string
	Checked                 bool
	Options                 [][2]string
	Selected                map[string]bool
	Required                bool
}

// ConfigPage is the list or the form of a configuration model.
type ConfigPage struct {
	Spec    *ConfigSpec
	Specs   []*ConfigSpec
	Rows    []map[string]any
	ID      int64
	Fields  []ConfigField
	Error   string
	Columns []*orm.Field
	Setting *Settings
}

// Settings are the CRM settings.
type Settings struct {
	UseLeads, AutoAssign bool
	LookupEndpoint       string
	Saved                bool
}

func (a *App) configAllowed(env *orm.Env, spec *ConfigSpec) error {
	if spec == nil {
		return orm.NotFoundf("No such configuration page")
	}
	if !env.HasGroup(spec.Group) && !env.HasGroup(base.GroupSystem) {
		return orm.AccessErrorf("This configuration page is for administrators.")
	}
	return nil
}

func (a *App) configIndex(w http.ResponseWriter, r *http.Request, uid int64) {
	var v *View
	page := &ConfigPage{}
	err := a.call(r.Context(), uid, false, func(env *orm.Env) error {
		var err error
		if v, err = a.newView(env, "", "config"); err != nil {
			return err
		}
		v.Title = v.T("Configuration")
		for _, s := range configSpecs() {
			if env.HasGroup(s.Group) || env.HasGroup(base.GroupSystem) {
				page.Specs = append(page.Specs, s)
			}
		}
		if len(page.Specs) == 0 {
			return orm.AccessErrorf("The configuration is for managers and administrators.")
		}
		page.Setting, err = loadSettings(env)
		page.Setting.Saved = r.URL.Query().Get("saved") == "1"
		return err
	})
	if err != nil {
		a.fail(w, err)
		return
	}
	render(w, r, http.StatusOK, ConfigIndex(v, page))
}

func loadSettings(env *orm.Env) (*Settings, error) {
	s := &Settings{UseLeads: crm.LeadsEnabled(env)}
	auto, err := base.GetParam(env, crm.ParamAutoAssignment)
	if err != nil {
		return nil, err
	}
	s.AutoAssign = auto == "1"
	s.LookupEndpoint, err = base.GetParam(env, crm.ParamLookupEndpoint)
	return s, err
}

func (a *App) saveSettings(w http.ResponseWriter, r *http.Request, uid int64) {
	r.ParseForm()
	err := a.call(r.Context(), uid, true, func(env *orm.Env) error {
		if !env.HasGroup(base.GroupSaleManager) && !env.HasGroup(base.GroupSystem) {
			return orm.AccessErrorf("The settings are for managers and administrators.")
		}
		flag := func(k string) string {
			if r.PostFormValue(k) == "1" {
				return "1"
			}
			return "0"
		}
		if err := base.SetParam(env, crm.ParamUseLeads, flag("use_leads")); err != nil {
			return err
		}
		if err := base.SetParam(env, crm.ParamAutoAssignment, flag("auto_assign")); err != nil {
			return err
		}
		ep := strings.TrimSpace(r.PostFormValue("lookup_endpoint"))
		if ep != "" && !strings.HasPrefix(ep, "https://") && !strings.HasPrefix(ep, "http://") {
			return orm.ValidationErrorf("The lookup address must start with https://")
		}
		return base.SetParam(env, crm.ParamLookupEndpoint, ep)
	})
	if err != nil {
		a.fail(w, err)
		return
	}
	http.Redirect(w, r, "/config?saved=1", http.StatusSeeOther)
}

func (a *App) configList(w http.ResponseWriter, r *http.Request, uid int64) {
	spec := findConfig(r.PathValue("key"))
	var v *View
	page := &ConfigPage{Spec: spec}
	err := a.call(r.Context(), uid, false, func(env *orm.Env) error {
		var err error
		if v, err = a.newView(env, "", "config"); err != nil {
			return err
		}
		if err := a.configAllowed(env, spec); err != nil {
			return err
		}
		v.Title = v.T(spec.Title)
		m := env.Reg.Model(spec.Model)
		for _, f := range spec.List {
			page.Columns = append(page.Columns, m.Field(f))
		}
		page.Rows, err = env.WithContext(map[string]any{"active_test": false}).SearchRead(m, orm.And{}, spec.List, orm.SearchOpts{Limit: 500}, true)
		return err
	})
	if err != nil {
		a.fail(w, err)
		return
	}
	render(w, r, http.StatusOK, ConfigListView(v, page))
}

// CellText renders a configuration list cell.
func CellText(v *View, f *orm.Field, val any) string {
	switch f.Type {
	case orm.Many2one:
		if l, ok := val.([]any); ok && len(l) == 2 {
			return fmt.Sprint(l[1])
		}
		return ""
	case orm.Boolean:
		if val == true {
			return "✓"
		}
		return ""
	case orm.Many2many:
		if l, ok := val.([]int64); ok {
			return strconv.Itoa(len(l))
		}
	case orm.Selection:
		if s, ok := val.(string); ok {
			return v.T(f.SelectionLabel(s))
		}
		return ""
	}
	if val == false || val == nil {
		return ""
	}
	return fmt.Sprint(val)
}

func (a *App) configForm(w http.ResponseWriter, r *http.Request, uid int64) {
	a.showConfigForm(w, r, uid, "", nil, http.StatusOK)
}

func (a *App) showConfigForm(w http.ResponseWriter, r *http.Request, uid int64, errMsg string, posted map[string][]string, status int) {
	spec := findConfig(r.PathValue("key"))
	var v *View
	page := &ConfigPage{Spec: spec, Error: errMsg}
	if s := r.PathValue("id"); s != "new" {
		page.ID, _ = strconv.ParseInt(s, 10, 64)
	}
	err := a.call(r.Context(), uid, false, func(env *orm.Env) error {
		var err error
		if v, err = a.newView(env, "", "config"); err != nil {
			return err
		}
		if err := a.configAllowed(env, spec); err != nil {
			return err
		}
		v.Title = v.T(spec.Title)
		m := env.Reg.Model(spec.Model)
		rec := map[string]any{}
		if page.ID != 0 {
			recs, err := env.WithContext(map[string]any{"active_test": false}).Read(m, []int64{page.ID}, spec.Fields, false)
			if err != nil {
				return err
			}
			rec = recs[0]
		} else {
			if rec, err = env.DefaultGet(m, spec.Fields); err != nil {
				return err
			}
		}
		for _, name := range spec.Fields {
			f := m.Field(name)
			cf := ConfigField{Name: name, Label: f.String, Type: string(f.Type), Help: f.Help, Required: f.Required, Selected: map[string]bool{}}
			val := rec[name]
			if posted != nil {
				if pv, ok := posted[name]; ok && len(pv) > 0 {
					val = pv[0]
				}
			}
			switch f.Type {
			case orm.Boolean:
				cf.Checked = val == true || val == "1"
			case orm.Many2one, orm.Many2many:
				opts, err := env.NameSearch(env.Reg.Model(f.Relation), "", orm.And{}, "ilike", 500)
				if err != nil {
					return err
				}
				for _, o := range opts {
					l := o.([]any)
					cf.Options = append(cf.Options, [2]string{fmt.Sprint(l[0]), fmt.Sprint(l[1])})
				}
				if ids, ok := val.([]int64); ok {
					for _, id := range ids {
						cf.Selected[itoa(id)] = true
					}
				} else if val != nil && val != false {
					cf.Value = fmt.Sprint(val)
				}
			case orm.Selection:
				for _, s := range f.Selection {
					cf.Options = append(cf.Options, [2]string{s[0], s[1]})
				}
				if val != nil && val != false {
					cf.Value = fmt.Sprint(val)
				}
			default:
				if f.Secret {
					cf.Type = "password"
				} else if val != nil && val != false {
					cf.Value = fmt.Sprint(val)
				}
			}
			page.Fields = append(page.Fields, cf)
		}
		return nil
	})
	if err != nil {
		a.fail(w, err)
		return
	}
	render(w, r, status, ConfigFormView(v, page))
}

func (a *App) configSave(w http.ResponseWriter, r *http.Request, uid int64) {
	spec := findConfig(r.PathValue("key"))
	r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
	if err := r.ParseForm(); err != nil {
		a.showConfigForm(w, r, uid, "The form could not be read.", nil, http.StatusBadRequest)
		return
	}
	var id int64
	if s := r.PathValue("id"); s != "new" {
		id, _ = strconv.ParseInt(s, 10, 64)
	}
	err := a.call(r.Context(), uid, true, func(env *orm.Env) error {
		if err := a.configAllowed(env, spec); err != nil {
			return err
		}
		m := env.Reg.Model(spec.Model)
		vals := orm.Values{}
		for _, name := range spec.Fields {
			f := m.Field(name)
			raw := r.PostFormValue(name)
			switch f.Type {
			case orm.Boolean:
				vals[name] = raw == "1"
			case orm.Many2many:
				var ids []any
				for _, s := range r.PostForm[name] {
					if n, err := strconv.ParseInt(s, 10, 64); err == nil {
						ids = append(ids, n)
					}
				}
				vals[name] = []any{[]any{int64(6), int64(0), ids}}
			case orm.Many2one, orm.Integer:
				if raw == "" {
					vals[name] = false
				} else if n, err := strconv.ParseInt(raw, 10, 64); err == nil {
					vals[name] = n
				} else {
					return orm.ValidationErrorf("%s: %q is not a whole number", f.String, raw)
				}
			case orm.Float, orm.Monetary:
				fv, ok := parseAmount(env.Lang(), raw)
				if !ok {
					return orm.ValidationErrorf("%s: %q is not a number", f.String, raw)
				}
				vals[name] = fv
			default:
				if f.Secret && raw == "" {
					continue // keep the password
				}
				if raw == "" {
					vals[name] = false
				} else {
					vals[name] = raw
				}
			}
		}
		if id == 0 {
			ids, err := env.Create(m, []orm.Values{vals})
			if err == nil {
				id = ids[0]
			}
			return err
		}
		return env.Write(m, []int64{id}, vals)
	})
	if err != nil {
		e := orm.AsError(err)
		if e.Kind == orm.KindInternal {
			a.fail(w, err)
			return
		}
		a.showConfigForm(w, r, uid, e.Error(), r.PostForm, e.HTTPStatus())
		return
	}
	http.Redirect(w, r, "/config/"+spec.Key, http.StatusSeeOther)
}
