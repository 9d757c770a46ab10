package web

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/kanso-crm/kanso/internal/imex"
	"github.com/kanso-crm/kanso/internal/orm"
)

// ListColumn is a column of a list page, read from the registry.
type ListColumn struct {
	Field string
	Label string
	Kind  string // text, m2o, money, number, date, datetime, selection, bool, stars, tags
}

// ListSpec describes one list page.
type ListSpec struct {
	Key      string // URL part: /list/<key>
	Model    string
	Title    string
	Nav      string
	Columns  []ListColumn
	Domain   orm.Domain
	Order    string
	FormURL  string // prefix of a record's page, e.g. /crm/lead/
	Mass     []string
	Optional []ListColumn // columns the user may add
	Search   *SearchDef
}

// ListPage is a list page as shown.
type ListPage struct {
	Spec     *ListSpec
	Rows     []map[string]any
	Total    int64
	Capped   bool
	Page     int
	Pages    int
	Order    string
	Query    string
	Extra    map[string]bool // optional columns shown
	Users    [][2]string
	Tags     [][2]string
	Reasons  [][2]string
	Teams    [][2]string
	Message  string
	Selected map[string]bool
	S        *SearchState
	Groups   []ListGroup
}

// PipelineURL opens the list's opportunities on the board: with a search,
// every team's board with the same search (so the cards are the list's
// rows); without one, the user's default board.
func (p *ListPage) PipelineURL() string {
	if p.S == nil || p.S.Empty() {
		return "/crm/pipeline"
	}
	ps := *p.S
	ps.Base, ps.Keep = "/crm/pipeline", url.Values{"team": {"all"}}
	return ps.URL()
}

// ListGroup is one group of a grouped list.
type ListGroup struct {
	Label string
	Count int64
	Sums  map[string]float64
	URL   string
}

// PerPage is the number of rows of a list page.
const PerPage = 80

// CountCap is where counting stops: lists show "10,000+" past it.
const CountCap = 10000

func leadColumns() []ListColumn {
	return []ListColumn{{"name", "Opportunity", "text"}, {"partner_id", "Customer", "m2o"}, {"email_from", "Email", "text"},
		{"user_id", "Salesperson", "m2o"}, {"team_id", "Sales Team", "m2o"}, {"stage_id", "Stage", "m2o"},
		{"expected_revenue", "Expected Revenue", "money"}, {"priority", "Priority", "stars"}}
}

func listSpecs() map[string]*ListSpec {
	mass := []string{"assign", "team", "tag", "lost", "archive", "delete", "export", "export_xlsx"}
	specs := []*ListSpec{
		{Key: "leads", Model: "crm.lead", Title: "Leads", Nav: "leads", Columns: append([]ListColumn{{"create_date", "Created on", "datetime"}}, leadColumns()...),
			Domain: orm.Leaf{Path: "type", Op: "=", Value: "lead"}, FormURL: "/crm/lead/", Mass: mass, Search: leadSearchDef(),
			Optional: []ListColumn{{"phone", "Phone", "text"}, {"city", "City", "text"}, {"country_id", "Country", "m2o"}, {"source_id", "Source", "m2o"}, {"probability", "Probability", "number"}}},
		{Key: "opportunities", Model: "crm.lead", Title: "Opportunities", Nav: "pipeline", Columns: append(leadColumns(), ListColumn{"date_deadline", "Expected Closing", "date"}),
			Domain: orm.Leaf{Path: "type", Op: "=", Value: "opportunity"}, FormURL: "/crm/lead/", Mass: mass, Search: leadSearchDef(),
			Optional: []ListColumn{{"probability", "Probability", "number"}, {"prorated_revenue", "Prorated Revenue", "money"}, {"phone", "Phone", "text"}, {"country_id", "Country", "m2o"}}},
		{Key: "customers", Model: "res.partner", Title: "Customers", Nav: "customers",
			Columns: []ListColumn{{"complete_name", "Name", "text"}, {"email", "Email", "text"}, {"phone", "Phone", "text"}, {"city", "City", "text"},
				{"country_id", "Country", "m2o"}, {"user_id", "Salesperson", "m2o"}},
			Domain: orm.And{}, Mass: []string{"assign", "archive", "export", "export_xlsx"}, Search: partnerSearchDef(), FormURL: "/contacts/",
			Optional: []ListColumn{{"vat", "Tax ID", "text"}, {"function", "Job Position", "text"}, {"website", "Website", "text"}}},
	}
	out := map[string]*ListSpec{}
	for _, s := range specs {
		out[s.Key] = s
	}
	return out
}

func (p *ListPage) url(page int, order string) string {
	q := url.Values{}
	if page > 1 {
		q.Set("page", strconv.Itoa(page))
	}
	if order != "" {
		q.Set("order", order)
	}
	if p.Query != "" {
		q.Set("q", p.Query)
	}
	for k := range p.Extra {
		q.Add("col", k)
	}
	if p.S != nil {
		if u, err := url.Parse(p.S.URL()); err == nil {
			for k, vs := range u.Query() {
				if k != "col" && k != "search" {
					q[k] = vs
				}
			}
		}
	}
	s := "/list/" + p.Spec.Key
	if e := q.Encode(); e != "" {
		s += "?" + e
	}
	return s
}

// SortURL sorts by a column, flipping the direction on a second click.
func (p *ListPage) SortURL(field string) string {
	if p.Order == field+" asc" {
		return p.url(1, field+" desc")
	}
	return p.url(1, field+" asc")
}

// Columns are the shown columns: the standard ones and the optional ones asked for.
func (p *ListPage) Columns() []ListColumn {
	cols := append([]ListColumn(nil), p.Spec.Columns...)
	for _, c := range p.Spec.Optional {
		if p.Extra[c.Field] {
			cols = append(cols, c)
		}
	}
	return cols
}

// Cell renders a value for display.
func (p *ListPage) Cell(v *View, c ListColumn, row map[string]any) string {
	val := row[c.Field]
	switch c.Kind {
	case "m2o":
		if l, ok := val.([]any); ok && len(l) == 2 {
			return v.T(fmt.Sprint(l[1])) // default data (stages, reasons) has translations
		}
		return ""
	case "money":
		return v.Money(num(val))
	case "number":
		return v.Number(num(val), 2)
	case "date":
		if s, ok := val.(string); ok {
			return v.Date(s)
		}
		return ""
	case "datetime":
		if s, ok := val.(string); ok {
			return v.DateTime(s)
		}
		return ""
	case "stars":
		n, _ := strconv.Atoi(fmt.Sprint(val))
		return strings.Repeat("★", n)
	}
	if val == false || val == nil {
		return ""
	}
	return fmt.Sprint(val)
}

func (a *App) listPage(w http.ResponseWriter, r *http.Request, uid int64) {
	spec := listSpecs()[r.PathValue("key")]
	if spec == nil {
		http.NotFound(w, r)
		return
	}
	a.showList(w, r, uid, spec, "", http.StatusOK)
}

func (a *App) showList(w http.ResponseWriter, r *http.Request, uid int64, spec *ListSpec, message string, status int) {
	q := r.URL.Query()
	p := &ListPage{Spec: spec, Query: strings.TrimSpace(q.Get("q")), Order: q.Get("order"), Extra: map[string]bool{}, Message: message, Selected: map[string]bool{}}
	for _, c := range q["col"] {
		p.Extra[c] = true
	}
	p.S = parseSearch(spec.Search, "/list/"+spec.Key, q, "col")
	p.Page, _ = strconv.Atoi(q.Get("page"))
	if p.Page < 1 {
		p.Page = 1
	}
	var v *View
	redirect := ""
	err := a.call(r.Context(), uid, false, func(env *orm.Env) error {
		var err error
		if v, err = a.newView(env, "", spec.Nav); err != nil {
			return err
		}
		v.Title = v.T(spec.Title)
		if err := loadSearchExtras(env, v, p.S); err != nil {
			return err
		}
		if p.S.Empty() && len(q) == 0 {
			if fav := defaultFavorite(p.S); fav != nil {
				redirect = fav.URL
				return nil
			}
		}
		m := env.Reg.Model(spec.Model)
		sd, err := p.S.Domain(env)
		if err != nil {
			return err
		}
		d := orm.Domain(orm.And{spec.Domain, sd})
		if p.Query != "" {
			d = orm.And{spec.Domain, sd, orm.Leaf{Path: "display_name", Op: "ilike", Value: p.Query}}
		}
		if p.S.GroupBy != "" {
			return p.loadGroups(env, v, m, d)
		}
		order := p.Order
		if order != "" {
			// only the shown columns can be sorted on
			field, _, _ := strings.Cut(order, " ")
			ok := false
			for _, c := range p.Columns() {
				ok = ok || c.Field == field
			}
			if !ok {
				order, p.Order = "", ""
			}
		}
		if order == "" {
			order = spec.Order
		}
		n, err := env.SearchCount(m, d, CountCap+1)
		if err != nil {
			return err
		}
		p.Total, p.Capped = n, n > CountCap
		if p.Capped {
			p.Total = CountCap
		}
		p.Pages = int((p.Total + PerPage - 1) / PerPage)
		var fields []string
		for _, c := range p.Columns() {
			fields = append(fields, c.Field)
		}
		if p.Rows, err = env.SearchRead(m, d, fields, orm.SearchOpts{Offset: int64((p.Page - 1) * PerPage), Limit: PerPage, Order: order}, true); err != nil {
			return err
		}
		return p.loadChoices(env)
	})
	if err != nil {
		e := orm.AsError(err)
		if e.Kind == orm.KindValidation && p.S.Custom != "" {
			// a bad custom filter: show the list without it and say why
			q.Del("d")
			r.URL.RawQuery = q.Encode()
			a.showList(w, r, uid, spec, e.Error(), http.StatusUnprocessableEntity)
			return
		}
		a.fail(w, err)
		return
	}
	if redirect != "" {
		http.Redirect(w, r, redirect, http.StatusSeeOther)
		return
	}
	if r.URL.Query().Get("fragment") == "table" {
		render(w, r, status, ListTable(v, p))
		return
	}
	render(w, r, status, ListView(v, p))
}

// loadChoices reads what the mass actions offer.
func (p *ListPage) loadChoices(env *orm.Env) error {
	users, err := env.SearchRead(env.Reg.Model("res.users"), orm.Leaf{Path: "share", Op: "=", Value: false}, []string{"name"}, orm.SearchOpts{}, false)
	if err != nil {
		return err
	}
	p.Users = pairs(users, "name")
	if p.Spec.Model == "crm.lead" {
		tags, err := env.SearchRead(env.Reg.Model("crm.tag"), orm.And{}, []string{"name"}, orm.SearchOpts{}, false)
		if err != nil {
			return err
		}
		p.Tags = pairs(tags, "name")
		reasons, err := env.SearchRead(env.Reg.Model("crm.lost.reason"), orm.And{}, []string{"name"}, orm.SearchOpts{}, false)
		if err != nil {
			return err
		}
		p.Reasons = pairs(reasons, "name")
		teams, err := env.SearchRead(env.Reg.Model("crm.team"), orm.And{}, []string{"name"}, orm.SearchOpts{}, false)
		if err != nil {
			return err
		}
		p.Teams = pairs(teams, "name")
	}
	return nil
}

// listAction runs a mass action on the selected rows, in one transaction.
func (a *App) listAction(w http.ResponseWriter, r *http.Request, uid int64) {
	spec := listSpecs()[r.PathValue("key")]
	if spec == nil {
		http.NotFound(w, r)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 4<<20)
	if err := r.ParseForm(); err != nil {
		a.showList(w, r, uid, spec, "The form could not be read.", http.StatusBadRequest)
		return
	}
	var ids []int64
	for _, s := range r.PostForm["ids"] {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			ids = append(ids, n)
		}
	}
	action := r.PostFormValue("action")
	if len(ids) == 0 {
		a.showList(w, r, uid, spec, "Select at least one row.", http.StatusUnprocessableEntity)
		return
	}
	if action == "export" {
		a.exportCSV(w, r, uid, spec, ids)
		return
	}
	if action == "export_xlsx" {
		a.exportXLSX(w, r, uid, spec, ids)
		return
	}
	var done string
	err := a.call(r.Context(), uid, true, func(env *orm.Env) error {
		m := env.Reg.Model(spec.Model)
		num := func(k string) int64 {
			n, _ := strconv.ParseInt(r.PostFormValue(k), 10, 64)
			return n
		}
		var err error
		switch action {
		case "assign":
			u := num("user_id")
			vals := orm.Values{"user_id": false}
			if u != 0 {
				vals["user_id"] = u
			}
			err = env.Write(m, ids, vals)
		case "team":
			t := num("team_id")
			vals := orm.Values{"team_id": false}
			if t != 0 {
				vals["team_id"] = t
			}
			err = env.Write(m, ids, vals)
		case "tag":
			err = env.Write(m, ids, orm.Values{"tag_ids": []any{[]any{int64(4), num("tag_id"), int64(0)}}})
		case "lost":
			_, err = env.CallMethod(m, "action_set_lost", ids, map[string]any{"lost_reason_id": num("lost_reason_id")})
		case "archive":
			_, err = env.CallMethod(m, "action_archive", ids, nil)
		case "delete":
			err = env.Unlink(m, ids)
		default:
			return orm.ValidationErrorf("Unknown action %q", action)
		}
		done = fmt.Sprintf("%d", len(ids))
		return err
	})
	if err != nil {
		e := orm.AsError(err)
		if e.Kind == orm.KindInternal {
			a.fail(w, err)
			return
		}
		a.showList(w, r, uid, spec, e.Error(), e.HTTPStatus())
		return
	}
	_ = done
	http.Redirect(w, r, "/list/"+spec.Key+"?"+r.URL.RawQuery, http.StatusSeeOther)
}

// exportCSV streams the selected rows with the shown columns.
func (a *App) exportCSV(w http.ResponseWriter, r *http.Request, uid int64, spec *ListSpec, ids []int64) {
	var rows []map[string]any
	var v *View
	cols := spec.Columns
	err := a.call(r.Context(), uid, false, func(env *orm.Env) error {
		var err error
		if v, err = a.newView(env, "", ""); err != nil {
			return err
		}
		var fields []string
		for _, c := range cols {
			fields = append(fields, c.Field)
		}
		rows, err = env.Read(env.Reg.Model(spec.Model), ids, fields, true)
		return err
	})
	if err != nil {
		a.fail(w, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+spec.Key+`.csv"`)
	cw := csv.NewWriter(w)
	head := []string{"id"}
	for _, c := range cols {
		head = append(head, v.T(c.Label))
	}
	cw.Write(head)
	p := &ListPage{Spec: spec}
	for _, row := range rows {
		rec := []string{fmt.Sprint(row["id"])}
		for _, c := range cols {
			if c.Kind == "money" || c.Kind == "number" {
				rec = append(rec, strconv.FormatFloat(num(row[c.Field]), 'f', -1, 64))
				continue
			}
			if c.Kind == "stars" {
				rec = append(rec, fmt.Sprint(row[c.Field]))
				continue
			}
			rec = append(rec, p.Cell(v, c, row))
		}
		cw.Write(rec)
	}
	cw.Flush()
}

// loadGroups reads a grouped list: one row per group with its count and
// the sums of the money columns (one grouped query).
func (p *ListPage) loadGroups(env *orm.Env, v *View, m *orm.Model, d orm.Domain) error {
	spec := p.S.GroupBy
	name, _, _ := strings.Cut(spec, ":")
	f := m.Field(name)
	if f == nil {
		return orm.ValidationErrorf("Unknown group-by %q", spec)
	}
	gb := orm.GroupBy{Spec: spec, Field: f}
	if f.Type == orm.Date || f.Type == orm.Datetime {
		gb.Gran = "month"
		if _, g, ok := strings.Cut(spec, ":"); ok {
			gb.Gran = g
		}
	}
	var aggs []orm.Aggregate
	for _, c := range p.Columns() {
		if c.Kind == "money" {
			aggs = append(aggs, orm.Aggregate{Spec: c.Field, Field: m.Field(c.Field), Func: "sum"})
		}
	}
	groups, err := env.ReadGroup(m, d, []orm.GroupBy{gb}, aggs, 0, 200, "")
	if err != nil {
		return err
	}
	var ids []int64
	for _, g := range groups {
		if id, ok := g.Keys[0].(int64); ok && (f.Type == orm.Many2one || f.Type == orm.Many2many) {
			ids = append(ids, id)
		}
	}
	var names map[int64]string
	if len(ids) > 0 {
		if names, err = env.Sudo().DisplayNames(env.Reg.Model(f.Relation), ids); err != nil {
			return err
		}
	}
	for _, g := range groups {
		lg := ListGroup{Count: g.Count, Sums: map[string]float64{}}
		key := g.Keys[0]
		switch {
		case key == nil:
			lg.Label = v.T("None")
		case gb.Gran != "":
			lg.Label = orm.DateLabel(key.(string), gb.Gran)
		case f.Type == orm.Many2one || f.Type == orm.Many2many:
			lg.Label = names[key.(int64)]
		case f.Type == orm.Selection:
			lg.Label = v.T(f.SelectionLabel(key.(string)))
		case f.Type == orm.Boolean:
			lg.Label = v.T("No")
			if key == true {
				lg.Label = v.T("Yes")
			}
		default:
			lg.Label = fmtAny(key)
		}
		for _, a := range aggs {
			lg.Sums[a.Spec] = num(g.Aggs[a.Spec])
		}
		// the group opens as the list filtered on it
		cond := orm.DomainToList(orm.GroupDomain(gb, key))
		if p.S.Custom != "" {
			var cur any
			if json.Unmarshal([]byte(p.S.Custom), &cur) == nil {
				// juxtaposed domains are AND-ed
				if curList, ok := cur.([]any); ok {
					cond = append(curList, cond...)
				}
			}
		}
		lg.URL = p.S.query(p.S.Facets, p.S.Filters, "", mustJSON(cond))
		p.Groups = append(p.Groups, lg)
	}
	return nil
}

func fmtAny(v any) string {
	if v == nil {
		return ""
	}
	return strings.TrimSpace(strings.ReplaceAll(fmt.Sprint(v), "\n", " "))
}

// exportXLSX streams the selected rows with the list's columns as a
// spreadsheet, labels in the user's language (the importer reads it back).
func (a *App) exportXLSX(w http.ResponseWriter, r *http.Request, uid int64, spec *ListSpec, ids []int64) {
	var fields []string
	for _, c := range spec.Columns {
		fields = append(fields, c.Field)
	}
	var buf bytes.Buffer
	if _, err := imex.Export(r.Context(), a.Runner, uid, &buf, imex.ExportOptions{Model: spec.Model, IDs: ids, Fields: append([]string{"id"}, fields...),
		Format: "xlsx", Labels: true}); err != nil {
		a.fail(w, err)
		return
	}
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", `attachment; filename="`+spec.Key+`.xlsx"`)
	w.Write(buf.Bytes())
}
