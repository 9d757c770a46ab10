package web

import (
	"encoding/json"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/kanso-crm/kanso/internal/orm"
)

// SearchField is a field the search box can look in ("Customer for: acme").
type SearchField struct {
	Name  string // key in the URL
	Label string
	Path  string // fields searched with ilike, separated by |
}

// Filter is a predefined filter; filters of the same group are OR-ed,
// groups are AND-ed.
type Filter struct {
	Key, Label string
	Group      int
	Domain     func(env *orm.Env) orm.Domain
}

// GroupOption is a predefined group-by.
type GroupOption struct{ Spec, Label string }

// SearchDef is the search panel of a model.
type SearchDef struct {
	Model    string
	Fields   []SearchField
	Filters  []Filter
	GroupBys []GroupOption
}

// Facet is a typed search ("Customer: acme").
type Facet struct{ Field, Label, Value string }

// Favorite is a saved search (ir.filters).
type Favorite struct {
	ID        int64
	Name      string
	Default   bool
	Shared    bool
	URL       string
	IsCurrent bool
}

// FieldInfo describes a field for the custom filter builder and group-by.
type FieldInfo struct {
	Name      string      `json:"name"`
	Label     string      `json:"label"`
	Type      string      `json:"type"`
	Groupable bool        `json:"groupable"`
	Selection [][2]string `json:"selection,omitempty"`
}

// SearchState is the search of a page, read from and written to the URL.
type SearchState struct {
	Def       *SearchDef
	Base      string // page URL without the search
	Facets    []Facet
	Filters   map[string]bool
	GroupBy   string
	Custom    string // a domain as JSON, from the builder or a favorite
	Favorites []Favorite
	Fields    []FieldInfo
	Keep      url.Values // other parameters of the page (team, all…)
}

func leadSearchDef() *SearchDef {
	day := func(env *orm.Env) time.Time { return env.Now }
	return &SearchDef{Model: "crm.lead",
		Fields: []SearchField{{"name", "Opportunity", "display_name"}, {"customer", "Customer", "partner_id|partner_name|contact_name"}, {"salesperson", "Salesperson", "user_id"},
			{"team", "Sales Team", "team_id"}, {"tag", "Tag", "tag_ids"}, {"email", "Email", "email_from"}, {"phone", "Phone", "phone"}, {"city", "City", "city"}},
		Filters: []Filter{
			{"my", "My Pipeline", 1, func(env *orm.Env) orm.Domain { return orm.Leaf{Path: "user_id", Op: "=", Value: env.UID} }},
			{"unassigned", "Unassigned", 1, func(env *orm.Env) orm.Domain { return orm.Leaf{Path: "user_id", Op: "=", Value: false} }},
			{"open", "Open", 2, func(env *orm.Env) orm.Domain { return orm.Leaf{Path: "won_status", Op: "=", Value: "pending"} }},
			{"won", "Won", 2, func(env *orm.Env) orm.Domain { return orm.Leaf{Path: "won_status", Op: "=", Value: "won"} }},
			{"lost", "Lost", 2, func(env *orm.Env) orm.Domain {
				return orm.And{orm.Leaf{Path: "won_status", Op: "=", Value: "lost"}, orm.Leaf{Path: "active", Op: "in", Value: []any{true, false}}}
			}},
			{"month", "Created this month", 3, func(env *orm.Env) orm.Domain {
				t := day(env)
				return orm.Leaf{Path: "create_date", Op: ">=", Value: time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC).Format("2006-01-02")}
			}},
			{"year", "Created this year", 3, func(env *orm.Env) orm.Domain {
				return orm.Leaf{Path: "create_date", Op: ">=", Value: time.Date(day(env).Year(), 1, 1, 0, 0, 0, 0, time.UTC).Format("2006-01-02")}
			}},
			{"overdue", "Overdue closing", 4, func(env *orm.Env) orm.Domain {
				return orm.Leaf{Path: "date_deadline", Op: "<", Value: day(env).Format("2006-01-02")}
			}},
			{"archived", "Archived", 5, func(env *orm.Env) orm.Domain { return orm.Leaf{Path: "active", Op: "=", Value: false} }},
		},
		GroupBys: []GroupOption{{"user_id", "Salesperson"}, {"team_id", "Sales Team"}, {"stage_id", "Stage"}, {"country_id", "Country"},
			{"city", "City"}, {"source_id", "Source"}, {"medium_id", "Medium"}, {"campaign_id", "Campaign"}, {"lost_reason_id", "Lost Reason"},
			{"create_date:month", "Creation Date"}, {"date_deadline:month", "Expected Closing"}},
	}
}

func partnerSearchDef() *SearchDef {
	return &SearchDef{Model: "res.partner",
		Fields: []SearchField{{"name", "Name", "display_name"}, {"email", "Email", "email"}, {"phone", "Phone", "phone"}, {"city", "City", "city"},
			{"vat", "Tax ID", "vat"}, {"salesperson", "Salesperson", "user_id"}},
		Filters: []Filter{
			{"companies", "Companies", 1, func(env *orm.Env) orm.Domain { return orm.Leaf{Path: "is_company", Op: "=", Value: true} }},
			{"persons", "Individuals", 1, func(env *orm.Env) orm.Domain { return orm.Leaf{Path: "is_company", Op: "=", Value: false} }},
			{"archived", "Archived", 2, func(env *orm.Env) orm.Domain { return orm.Leaf{Path: "active", Op: "=", Value: false} }},
		},
		GroupBys: []GroupOption{{"country_id", "Country"}, {"city", "City"}, {"user_id", "Salesperson"}, {"is_company", "Is a Company"}},
	}
}

// parseSearch reads the search of a page from its query.
func parseSearch(def *SearchDef, base string, q url.Values, keep ...string) *SearchState {
	s := &SearchState{Def: def, Base: base, Filters: map[string]bool{}, Keep: url.Values{}}
	for _, f := range q["s"] {
		name, val, ok := strings.Cut(f, ":")
		if !ok || strings.TrimSpace(val) == "" {
			continue
		}
		for _, sf := range def.Fields {
			if sf.Name == name {
				s.Facets = append(s.Facets, Facet{Field: name, Label: sf.Label, Value: val})
			}
		}
	}
	for _, f := range q["f"] {
		s.Filters[f] = true
	}
	s.GroupBy = q.Get("g")
	s.Custom = q.Get("d")
	for _, k := range keep {
		if v := q.Get(k); v != "" {
			s.Keep.Set(k, v)
		}
	}
	return s
}

// Empty tells whether no search is applied.
func (s *SearchState) Empty() bool {
	return len(s.Facets) == 0 && len(s.Filters) == 0 && s.GroupBy == "" && s.Custom == ""
}

// Domain is the search as a domain.
func (s *SearchState) Domain(env *orm.Env) (orm.Domain, error) {
	var and orm.And
	for _, f := range s.Facets {
		for _, sf := range s.Def.Fields {
			if sf.Name == f.Field {
				var or orm.Or
				for _, path := range strings.Split(sf.Path, "|") {
					or = append(or, orm.Leaf{Path: path, Op: "ilike", Value: f.Value})
				}
				and = append(and, or)
			}
		}
	}
	groups := map[int]orm.Or{}
	for _, f := range s.Def.Filters {
		if s.Filters[f.Key] {
			groups[f.Group] = append(groups[f.Group], f.Domain(env))
		}
	}
	keys := make([]int, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
	}
	sort.Ints(keys)
	for _, k := range keys {
		and = append(and, groups[k])
	}
	if s.Custom != "" {
		var v any
		if err := json.Unmarshal([]byte(s.Custom), &v); err != nil {
			return nil, orm.ValidationErrorf("The custom filter is not valid: %s", err)
		}
		d, err := orm.ParseDomain(orm.Normalize(v))
		if err != nil {
			return nil, err
		}
		and = append(and, d)
	}
	return and, nil
}

// query renders the state (with changes applied by the callers).
func (s *SearchState) query(facets []Facet, filters map[string]bool, group, custom string) string {
	q := url.Values{}
	for k, v := range s.Keep {
		q[k] = v
	}
	for _, f := range facets {
		q.Add("s", f.Field+":"+f.Value)
	}
	var keys []string
	for k, on := range filters {
		if on {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		q.Add("f", k)
	}
	if group != "" {
		q.Set("g", group)
	}
	if custom != "" {
		q.Set("d", custom)
	}
	if len(q) == 0 {
		return s.Base + "?search=none"
	}
	return s.Base + "?" + q.Encode()
}

// URL is the page with the current search.
func (s *SearchState) URL() string { return s.query(s.Facets, s.Filters, s.GroupBy, s.Custom) }

// ToggleFilter is the page with a filter switched.
func (s *SearchState) ToggleFilter(key string) string {
	f := map[string]bool{}
	for k, v := range s.Filters {
		f[k] = v
	}
	f[key] = !f[key]
	return s.query(s.Facets, f, s.GroupBy, s.Custom)
}

// WithGroup is the page grouped by spec (or ungrouped when it is the current one).
func (s *SearchState) WithGroup(spec string) string {
	if s.GroupBy == spec {
		spec = ""
	}
	return s.query(s.Facets, s.Filters, spec, s.Custom)
}

// WithoutFacet removes one typed search.
func (s *SearchState) WithoutFacet(i int) string {
	f := append(append([]Facet(nil), s.Facets[:i]...), s.Facets[i+1:]...)
	return s.query(f, s.Filters, s.GroupBy, s.Custom)
}

// WithoutCustom removes the custom filter.
func (s *SearchState) WithoutCustom() string { return s.query(s.Facets, s.Filters, s.GroupBy, "") }

// FieldsJSON describes the model's fields for the filter builder.
func (s *SearchState) FieldsJSON() string {
	b, _ := json.Marshal(s.Fields)
	return string(b)
}

// loadSearchExtras reads the favorites and the fields of the model.
func loadSearchExtras(env *orm.Env, v *View, s *SearchState) error {
	m := env.Reg.Model(s.Def.Model)
	res, err := env.CallMethod(env.Reg.Model("ir.filters"), "get_filters", nil, map[string]any{"model": s.Def.Model})
	if err != nil {
		return err
	}
	for _, f := range res.([]map[string]any) {
		fav := Favorite{ID: f["id"].(int64), Name: f["name"].(string), Default: f["is_default"] == true}
		users, _ := f["user_ids"].([]int64)
		fav.Shared = len(users) == 0
		q := url.Values{}
		for k, vs := range s.Keep {
			q[k] = vs
		}
		q.Set("d", f["domain"].(string))
		var ctx map[string]any
		if json.Unmarshal([]byte(f["context"].(string)), &ctx) == nil {
			if g, ok := ctx["group_by"].([]any); ok && len(g) > 0 {
				q.Set("g", g[0].(string))
			}
		}
		q.Set("fav", itoa(fav.ID))
		fav.URL = s.Base + "?" + q.Encode()
		fav.IsCurrent = s.Custom == f["domain"].(string)
		s.Favorites = append(s.Favorites, fav)
	}
	for _, f := range m.Fields() {
		if f.Secret || f.Type == orm.Binary || f.Name == "id" || f.Name == "display_name" || f.Name == "kanban_position" {
			continue
		}
		if f.Compute != nil && !f.Stored() || f.Related != "" {
			continue
		}
		fi := FieldInfo{Name: f.Name, Label: v.T(f.String), Type: string(f.Type),
			Groupable: f.Stored() && f.Type != orm.Text && f.Type != orm.HTML || f.Type == orm.Many2many}
		for _, opt := range f.Selection {
			fi.Selection = append(fi.Selection, [2]string{opt[0], v.T(opt[1])})
		}
		s.Fields = append(s.Fields, fi)
	}
	sort.Slice(s.Fields, func(i, j int) bool { return s.Fields[i].Label < s.Fields[j].Label })
	return nil
}

// defaultFavorite is the user's default saved search, if any.
func defaultFavorite(s *SearchState) *Favorite {
	for i := range s.Favorites {
		if s.Favorites[i].Default {
			return &s.Favorites[i]
		}
	}
	return nil
}

func mustJSON(v any) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // domains keep their & and > readable
	enc.Encode(v)
	return strings.TrimSuffix(b.String(), "\n")
}

// saveFavorite stores the current search of a page as a saved filter
// (ir.filters): its domain and its group-by.
func (a *App) saveFavorite(w http.ResponseWriter, r *http.Request, uid int64) {
	r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "The form could not be read.", http.StatusBadRequest)
		return
	}
	page, err := url.Parse(r.PostFormValue("s"))
	if err != nil || !strings.HasPrefix(page.Path, "/") || strings.HasPrefix(page.Path, "//") {
		http.Error(w, "Bad page address.", http.StatusBadRequest)
		return
	}
	var def *SearchDef
	switch r.PostFormValue("model") {
	case "crm.lead":
		def = leadSearchDef()
	case "res.partner":
		def = partnerSearchDef()
	case "mail.activity":
		def = activitySearchDef()
	default:
		http.Error(w, "Unknown model.", http.StatusBadRequest)
		return
	}
	s := parseSearch(def, page.Path, page.Query())
	back := page.Path + "?" + page.RawQuery
	err = a.call(r.Context(), uid, true, func(env *orm.Env) error {
		d, err := s.Domain(env)
		if err != nil {
			return err
		}
		if q := page.Query().Get("q"); q != "" {
			d = orm.And{d, orm.Leaf{Path: "display_name", Op: "ilike", Value: q}}
		}
		ctx := map[string]any{}
		if s.GroupBy != "" {
			ctx["group_by"] = []any{s.GroupBy}
		}
		vals := map[string]any{"name": strings.TrimSpace(r.PostFormValue("name")), "model_id": def.Model,
			"domain": mustJSON(orm.DomainToList(d)), "context": mustJSON(ctx), "is_default": r.PostFormValue("default") == "1"}
		if r.PostFormValue("shared") == "1" {
			vals["user_ids"] = []any{}
		}
		res, err := env.CallMethod(env.Reg.Model("ir.filters"), "create_filter", nil, map[string]any{"vals": vals})
		if err != nil {
			return err
		}
		q := url.Values{}
		for k, vs := range s.Keep {
			q[k] = vs
		}
		for _, k := range []string{"team", "col"} {
			if v := page.Query().Get(k); v != "" {
				q.Set(k, v)
			}
		}
		q.Set("d", vals["domain"].(string))
		if s.GroupBy != "" {
			q.Set("g", s.GroupBy)
		}
		q.Set("fav", itoa(res.(int64)))
		back = page.Path + "?" + q.Encode()
		return nil
	})
	if err != nil {
		a.pageErrorText(w, err)
		return
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}
