package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/kanso-crm/kanso/internal/db"
	"github.com/kanso-crm/kanso/internal/imex"
	"github.com/kanso-crm/kanso/internal/mail"
	"github.com/kanso-crm/kanso/internal/orm"
)

// The reporting analyses: a pivot table and a chart over one model, with
// the search panel of the lists. The pivot is computed with one grouped
// query by rows and columns together, plus one each for the row totals,
// the column totals and the grand total, never per cell; totals come from
// their own query so that averages and many2many groupings (a record in
// several tags) are right. The records of a cell open in the list with the
// cell's domain as the custom filter.

// AnalysisRoutes registers the analysis pages.
func (a *App) AnalysisRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /crm/reporting/{analysis}", a.page(a.analysisPage))
	mux.HandleFunc("GET /crm/reporting/{analysis}/xlsx", a.page(a.analysisXLSX))
}

// measureOpt is a measure an analysis offers.
type measureOpt struct {
	Spec  string // aggregate: "__count" or "field:func"
	Label string
	Kind  string // count, money or number
}

func leadMeasures() []measureOpt {
	return []measureOpt{
		{Spec: "__count", Label: "Count", Kind: "count"},
		{Spec: "expected_revenue:sum", Label: "Expected Revenue", Kind: "money"},
		{Spec: "prorated_revenue:sum", Label: "Prorated Revenue", Kind: "money"},
		{Spec: "recurring_revenue_monthly:sum", Label: "Expected MRR", Kind: "money"},
		{Spec: "probability:avg", Label: "Probability", Kind: "number"},
		{Spec: "day_open:avg", Label: "Days to Assign", Kind: "number"},
		{Spec: "day_close:avg", Label: "Days to Close", Kind: "number"},
	}
}

// analysisDef is one analysis of the Reporting menu.
type analysisDef struct {
	Key       string // URL part: /crm/reporting/<key>
	Title     string
	Model     string
	ListURL   string                        // the list a cell opens; "" when there is none
	Domain    func(env *orm.Env) orm.Domain // the records analysed
	AllActive bool                          // archived records too (context active_test false)
	TextPath  string                        // what the free text of the search box looks in
	Rows      []string                      // default group-bys
	Cols      []string
	Measures  []string
	View      string   // pivot or graph
	Chart     string   // bar, line or pie
	Filters   []string // filters on when the page is opened without a query
	Search    func() *SearchDef
	Options   []measureOpt
}

func analysisDefs() []*analysisDef {
	opp := func(*orm.Env) orm.Domain { return orm.Leaf{Path: "type", Op: "=", Value: "opportunity"} }
	return []*analysisDef{
		{Key: "leads", Title: "Leads Analysis", Model: "crm.lead", ListURL: "/list/leads", TextPath: "display_name",
			// Odoo's Active and Inactive filters both on: archived leads count too
			Domain: func(*orm.Env) orm.Domain {
				return orm.And{orm.Leaf{Path: "type", Op: "=", Value: "lead"}, orm.Leaf{Path: "active", Op: "in", Value: []any{true, false}}}
			},
			Rows: []string{"create_date:month"}, Cols: []string{"team_id"}, Measures: []string{"__count"},
			View: "graph", Chart: "bar", Filters: []string{"year"}, Search: leadSearchDef, Options: leadMeasures()},
		{Key: "pipeline", Title: "Pipeline Analysis", Model: "crm.lead", ListURL: "/list/opportunities", TextPath: "display_name", Domain: opp,
			Rows: []string{"stage_id"}, Cols: []string{"create_date:month"}, Measures: []string{"prorated_revenue:sum"},
			View: "graph", Chart: "bar", Search: leadSearchDef, Options: leadMeasures()},
		{Key: "activities", Title: "Activities Analysis", Model: "mail.activity", AllActive: true, TextPath: "summary",
			Domain: func(*orm.Env) orm.Domain { return orm.And{} },
			Rows:   []string{"date_deadline:month"}, Cols: []string{"activity_type_id"}, Measures: []string{"__count"},
			View: "graph", Chart: "bar", Search: activitySearchDef, Options: []measureOpt{{Spec: "__count", Label: "Count", Kind: "count"}}},
		{Key: "forecast", Title: "Forecast", Model: "crm.lead", ListURL: "/list/opportunities", TextPath: "display_name", Domain: opp,
			Rows: []string{"date_deadline:month"}, Measures: []string{"prorated_revenue:sum"},
			View: "graph", Chart: "bar", Filters: []string{"open"}, Search: leadSearchDef, Options: leadMeasures()},
		{Key: "lost-reasons", Title: "Lost Reasons", Model: "crm.lead", ListURL: "/list/opportunities", TextPath: "display_name",
			Domain: func(*orm.Env) orm.Domain {
				return orm.And{orm.Leaf{Path: "type", Op: "=", Value: "opportunity"}, orm.Leaf{Path: "won_status", Op: "=", Value: "lost"},
					orm.Leaf{Path: "active", Op: "in", Value: []any{true, false}}}
			},
			Rows: []string{"lost_reason_id"}, Measures: []string{"__count", "expected_revenue:sum"},
			View: "graph", Chart: "pie", Search: leadSearchDef, Options: leadMeasures()},
	}
}

func findAnalysis(key string) *analysisDef {
	for _, d := range analysisDefs() {
		if d.Key == key {
			return d
		}
	}
	return nil
}

// activitySearchDef is the search panel of the activities analysis.
func activitySearchDef() *SearchDef {
	today := func(env *orm.Env) string { return mail.Today(env) }
	return &SearchDef{Model: "mail.activity",
		Fields: []SearchField{{"summary", "Summary", "summary"}, {"type", "Activity Type", "activity_type_id"}, {"user", "Assigned to", "user_id"},
			{"document", "Document Name", "res_name"}},
		Filters: []Filter{
			{"mine", "My Activities", 1, func(env *orm.Env) orm.Domain { return orm.Leaf{Path: "user_id", Op: "=", Value: env.UID} }},
			{"open", "Open", 2, func(env *orm.Env) orm.Domain { return orm.Leaf{Path: "active", Op: "=", Value: true} }},
			{"done", "Done", 2, func(env *orm.Env) orm.Domain { return orm.Leaf{Path: "active", Op: "=", Value: false} }},
			{"overdue", "Overdue", 3, func(env *orm.Env) orm.Domain {
				return orm.And{orm.Leaf{Path: "active", Op: "=", Value: true}, orm.Leaf{Path: "date_deadline", Op: "<", Value: today(env)}}
			}},
			{"year", "Trailing 12 months", 4, func(env *orm.Env) orm.Domain {
				t, err := time.Parse(db.DateLayout, today(env))
				if err != nil {
					t = env.Now
				}
				return orm.Leaf{Path: "date_deadline", Op: ">=", Value: t.AddDate(0, 0, -365).Format(db.DateLayout)}
			}},
		},
		GroupBys: []GroupOption{{"activity_type_id", "Activity Type"}, {"user_id", "Assigned to"}, {"date_deadline:month", "Due Date"},
			{"date_done:month", "Done Date"}, {"lead_id", "Lead/Opportunity"}, {"res_model", "Related Document Model"}},
	}
}

// pivotVal is one value of a cell; OK is false where there is nothing.
type pivotVal struct {
	V  float64
	OK bool
}

// PivotCell holds the values of a cell, by measure, and the list of its records.
type PivotCell struct {
	Vals []pivotVal
	URL  string
}

// PivotHead is the header of a row or column at one level; Span is the
// number of lines it covers, 0 when the previous header covers it.
type PivotHead struct {
	Label string
	Span  int
	URL   string
}

// PivotLine is a row or a column of the pivot: one combination of the
// group-by values of its axis.
type PivotLine struct {
	Keys   []any
	Labels []string
	Heads  []PivotHead
	Total  PivotCell
}

// Label is the line's labels joined.
func (l *PivotLine) Label() string { return strings.Join(l.Labels, " / ") }

// Pivot is the computed table.
type Pivot struct {
	RowGB, ColGB []orm.GroupBy
	Measures     []measureOpt
	Rows, Cols   []*PivotLine
	Cells        [][]PivotCell // [row][column]
	Grand        PivotCell
	Count        int64 // records in the analysis
	Elapsed      time.Duration
	Queries      int // SQL statements it took
}

// MaxPivotColumns and MaxPivotRows keep a pivot readable.
const (
	MaxPivotColumns = 250
	MaxPivotRows    = 5000
)

// Analysis is an analysis page as asked for by its URL.
type Analysis struct {
	Def          *analysisDef
	S            *SearchState
	View         string
	Chart        string
	Stacked      bool
	Rows, Cols   []string
	Measures     []string
	Order        string // "<measure> asc|desc"
	GraphMeasure string
	Text         string // free text of the search box
	Message      string
	// Drill: the analysis is a step of a dashboard figure's drill-down
	// (drill=kanban): its bars and cells open the records in the
	// pipeline's kanban, of every team, instead of the list
	Drill     bool
	panelRows []string // the rows without the search panel's group-by
	Pivot     *Pivot
	ChartData *ChartData
}

func specList(q url.Values, key string, def []string) []string {
	vals, ok := q[key]
	if !ok {
		return append([]string(nil), def...)
	}
	var out []string
	seen := map[string]bool{}
	for _, v := range vals {
		for _, s := range strings.Split(v, ",") {
			if s = strings.TrimSpace(s); s != "" && !seen[s] {
				seen[s] = true
				out = append(out, s)
			}
		}
	}
	return out
}

// parseAnalysis reads the state of an analysis page from its query.
func parseAnalysis(def *analysisDef, q url.Values) *Analysis {
	an := &Analysis{Def: def, View: q.Get("view"), Chart: q.Get("t"), Stacked: q.Get("stacked") == "1", Text: strings.TrimSpace(q.Get("q"))}
	if an.View != "pivot" && an.View != "graph" {
		an.View = def.View
	}
	if an.Chart != "bar" && an.Chart != "line" && an.Chart != "pie" {
		an.Chart = def.Chart
	}
	an.Drill = q.Get("drill") == "kanban" && def.ListURL == "/list/opportunities"
	an.S = parseSearch(def.Search(), "/crm/reporting/"+def.Key, q)
	if len(q) == 0 {
		for _, f := range def.Filters {
			an.S.Filters[f] = true
		}
	}
	an.Rows = specList(q, "r", def.Rows)
	an.Cols = specList(q, "c", def.Cols)
	an.panelRows = an.Rows
	if an.S.GroupBy != "" {
		// the group-by of the search panel groups the rows (the links of
		// the page carry it as r; removing its facet gives the rows back)
		an.Rows = []string{an.S.GroupBy}
	}
	known := map[string]bool{}
	for _, o := range def.Options {
		known[o.Spec] = true
	}
	for _, m := range specList(q, "m", def.Measures) {
		if known[m] {
			an.Measures = append(an.Measures, m)
		}
	}
	if len(an.Measures) == 0 {
		an.Measures = []string{def.Options[0].Spec}
	}
	an.GraphMeasure = q.Get("gm")
	if !known[an.GraphMeasure] {
		an.GraphMeasure = an.Measures[0]
	}
	if o := q.Get("o"); o != "" {
		spec, dir, _ := strings.Cut(o, " ")
		if (dir == "asc" || dir == "desc") && slicesContains(an.Measures, spec) {
			an.Order = spec + " " + dir
		}
	}
	an.keep()
	return an
}

func slicesContains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

// keep makes the search panel carry the layout of the analysis.
func (an *Analysis) keep() {
	an.S.Keep = url.Values{}
	for k, vs := range an.layoutValues() {
		an.S.Keep[k] = vs
	}
	if an.S.GroupBy != "" {
		an.S.Keep["r"] = append([]string{""}, an.panelRows...)
	}
}

// layoutValues are the parameters of the analysis apart from the search.
func (an *Analysis) layoutValues() url.Values {
	q := url.Values{}
	list := func(k string, l []string) {
		if len(l) == 0 {
			q[k] = []string{""} // explicitly none, not the default
		} else {
			q[k] = append([]string(nil), l...)
		}
	}
	list("r", an.Rows)
	list("c", an.Cols)
	list("m", an.Measures)
	q.Set("view", an.View)
	if an.Drill {
		q.Set("drill", "kanban")
	}
	if an.Order != "" {
		q.Set("o", an.Order)
	}
	if an.View == "graph" {
		q.Set("t", an.Chart)
		q.Set("gm", an.GraphMeasure)
		if an.Stacked {
			q.Set("stacked", "1")
		}
	}
	return q
}

// values are all the parameters of the page.
func (an *Analysis) values() url.Values {
	q := an.layoutValues()
	s := an.S
	for _, f := range s.Facets {
		q.Add("s", f.Field+":"+f.Value)
	}
	var keys []string
	for k, on := range s.Filters {
		if on {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	q["f"] = keys
	if len(keys) == 0 {
		q.Del("f")
	}
	if s.Custom != "" {
		q.Set("d", s.Custom)
	}
	if an.Text != "" {
		q.Set("q", an.Text)
	}
	return q
}

func (an *Analysis) base() string { return "/crm/reporting/" + an.Def.Key }

func (an *Analysis) link(change func(q url.Values)) string {
	q := an.values()
	if change != nil {
		change(q)
	}
	return an.base() + "?" + q.Encode()
}

// URL is the page as shown.
func (an *Analysis) URL() string { return an.link(nil) }

// XLSXURL downloads the pivot as shown.
func (an *Analysis) XLSXURL() string { return an.base() + "/xlsx?" + an.values().Encode() }

// ViewURL switches between the pivot and the chart.
func (an *Analysis) ViewURL(view string) string {
	c := *an
	c.View = view
	return c.link(nil)
}

// ChartURL sets the chart type.
func (an *Analysis) ChartURL(t string) string {
	return an.link(func(q url.Values) { q.Set("t", t) })
}

// StackURL switches stacking.
func (an *Analysis) StackURL() string {
	return an.link(func(q url.Values) {
		if an.Stacked {
			q.Del("stacked")
		} else {
			q.Set("stacked", "1")
		}
	})
}

// GraphMeasureURL charts another measure.
func (an *Analysis) GraphMeasureURL(spec string) string {
	return an.link(func(q url.Values) { q.Set("gm", spec) })
}

// MeasureURL adds or removes a measure of the pivot (one stays).
func (an *Analysis) MeasureURL(spec string) string {
	var ms []string
	on := slicesContains(an.Measures, spec)
	for _, o := range an.Def.Options {
		if o.Spec == spec && !on || o.Spec != spec && slicesContains(an.Measures, o.Spec) {
			ms = append(ms, o.Spec)
		}
	}
	if len(ms) == 0 {
		return an.URL()
	}
	return an.link(func(q url.Values) {
		q["m"] = ms
		if o, _, _ := strings.Cut(an.Order, " "); o == spec && on {
			q.Del("o")
		}
	})
}

// SortURL sorts the rows by a measure's total, ascending then descending.
func (an *Analysis) SortURL(spec string) string {
	dir := "asc"
	if an.Order == spec+" asc" {
		dir = "desc"
	}
	return an.link(func(q url.Values) { q.Set("o", spec+" "+dir) })
}

// SortMark shows the sort on a measure header.
func (an *Analysis) SortMark(spec string) string {
	switch an.Order {
	case spec + " asc":
		return " ▲"
	case spec + " desc":
		return " ▼"
	}
	return ""
}

// SwapURL exchanges rows and columns.
func (an *Analysis) SwapURL() string {
	return an.link(func(q url.Values) {
		q["r"], q["c"] = q["c"], q["r"]
		q.Del("o")
	})
}

// RemoveGroupURL collapses one level of an axis ("r" or "c").
func (an *Analysis) RemoveGroupURL(axis string, i int) string {
	l := an.Rows
	if axis == "c" {
		l = an.Cols
	}
	rest := append(append([]string(nil), l[:i]...), l[i+1:]...)
	if len(rest) == 0 {
		rest = []string{""}
	}
	return an.link(func(q url.Values) {
		q[axis] = rest
		if axis == "r" {
			q.Del("o")
		}
	})
}

// HiddenFields are the parameters the "add a level" forms carry, without
// the axis they add to (its current levels come first, then the choice).
func (an *Analysis) HiddenFields(axis string) [][2]string {
	q := an.values()
	var out [][2]string
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		for _, v := range q[k] {
			if k == axis && v == "" {
				continue
			}
			out = append(out, [2]string{k, v})
		}
	}
	return out
}

// GroupChoice is an option of the "add a level" lists.
type GroupChoice struct {
	Label string
	Spec  string   // non-date fields
	Date  []string // date fields: the specs by granularity
}

var granularities = []string{"year", "quarter", "month", "week", "day"}

func granLabel(g string) string {
	switch g {
	case "year":
		return "Year"
	case "quarter":
		return "Quarter"
	case "week":
		return "Week"
	case "day":
		return "Day"
	}
	return "Month"
}

// GroupChoices lists the fields the axes can be grouped by.
func (an *Analysis) GroupChoices() []GroupChoice {
	var out []GroupChoice
	for _, f := range an.S.Fields {
		if !f.Groupable {
			continue
		}
		c := GroupChoice{Label: f.Label, Spec: f.Name}
		if f.Type == "date" || f.Type == "datetime" {
			c.Spec = ""
			for _, g := range granularities {
				c.Date = append(c.Date, f.Name+":"+g)
			}
		}
		out = append(out, c)
	}
	return out
}

// GroupLabel names a group-by: its field, and the granularity of a date.
func (an *Analysis) GroupLabel(v *View, spec string) string {
	name, gran, _ := strings.Cut(spec, ":")
	label := ""
	for _, g := range an.S.Def.GroupBys {
		if n, _, _ := strings.Cut(g.Spec, ":"); n == name {
			label = v.T(g.Label)
			break
		}
	}
	if label == "" {
		for _, f := range an.S.Fields {
			if f.Name == name {
				label = f.Label
				if f.Type == "date" || f.Type == "datetime" {
					if gran == "" {
						gran = "month"
					}
				}
			}
		}
	}
	if label == "" {
		label = name
	}
	if gran != "" {
		label += ": " + v.T(granLabel(gran))
	}
	return label
}

// MeasureOpt is the option of a measure spec.
func (an *Analysis) MeasureOpt(spec string) measureOpt {
	for _, o := range an.Def.Options {
		if o.Spec == spec {
			return o
		}
	}
	return measureOpt{Spec: spec, Label: spec, Kind: "number"}
}

// Format shows a value of a measure.
func (an *Analysis) Format(v *View, m measureOpt, x float64) string {
	switch m.Kind {
	case "count":
		return v.Number(x, 0)
	case "money":
		return v.Money(x)
	}
	return v.Number(x, 2)
}

// RowHeadCols is the number of header columns of the rows.
func (p *Pivot) RowHeadCols() int {
	if len(p.RowGB) == 0 {
		return 1
	}
	return len(p.RowGB)
}

// ColHeadRows is the number of header rows above the measures.
func (p *Pivot) ColHeadRows() int {
	if len(p.ColGB) == 0 {
		return 1
	}
	return len(p.ColGB)
}

// parseGroupSpec checks a group-by against the model, as read_group does.
func parseGroupSpec(env *orm.Env, m *orm.Model, spec string) (orm.GroupBy, bool) {
	name, gran, hasGran := strings.Cut(spec, ":")
	f := m.Field(name)
	if f == nil || f.Secret || f.Type == orm.One2many || f.Type == orm.Binary || f.Type == orm.Text || f.Type == orm.HTML {
		return orm.GroupBy{}, false
	}
	if f.Type == orm.Many2many {
		if f.NotStored || f.Related != "" || f.RelTable == "" {
			return orm.GroupBy{}, false
		}
	} else if !f.Stored() {
		return orm.GroupBy{}, false
	}
	if len(f.Groups) > 0 {
		ok := false
		for _, g := range f.Groups {
			ok = ok || env.HasGroup(g)
		}
		if !ok {
			return orm.GroupBy{}, false
		}
	}
	g := orm.GroupBy{Spec: spec, Field: f}
	if f.Type == orm.Date || f.Type == orm.Datetime {
		g.Gran = "month"
		if hasGran {
			if !slicesContains(granularities, gran) {
				return orm.GroupBy{}, false
			}
			g.Gran = gran
		}
	} else if hasGran {
		return orm.GroupBy{}, false
	}
	return g, true
}

func aggregateOf(m *orm.Model, spec string) orm.Aggregate {
	if spec == "__count" {
		return orm.Aggregate{Spec: spec, Func: "count"}
	}
	name, fn, _ := strings.Cut(spec, ":")
	return orm.Aggregate{Spec: spec, Field: m.Field(name), Func: fn}
}

func groupKey(keys []any) string {
	b, _ := json.Marshal(keys)
	return string(b)
}

func groupVals(g orm.Group, ms []measureOpt) []pivotVal {
	out := make([]pivotVal, len(ms))
	for i, m := range ms {
		if m.Spec == "__count" {
			out[i] = pivotVal{float64(g.Count), true}
			continue
		}
		switch x := g.Aggs[m.Spec].(type) {
		case float64:
			out[i] = pivotVal{x, true}
		case int64:
			out[i] = pivotVal{float64(x), true}
		case nil:
			// a sum over records without values is 0; an average of nothing is nothing
			if !strings.HasSuffix(m.Spec, ":avg") {
				out[i] = pivotVal{0, g.Count > 0}
			}
		}
	}
	return out
}

// load computes the analysis as the user: the page's group-bys (invalid
// ones are dropped with a message) and measures over the search.
func (an *Analysis) load(env *orm.Env, v *View, measures []string) error {
	m := env.Reg.Model(an.Def.Model)
	var bad []string
	parse := func(specs []string) ([]orm.GroupBy, []string) {
		var gbs []orm.GroupBy
		var kept []string
		for _, s := range specs {
			g, ok := parseGroupSpec(env, m, s)
			if !ok {
				bad = append(bad, s)
				continue
			}
			gbs = append(gbs, g)
			kept = append(kept, s)
		}
		return gbs, kept
	}
	rows, rowSpecs := parse(an.Rows)
	cols, colSpecs := parse(an.Cols)
	an.Rows, an.Cols = rowSpecs, colSpecs
	if len(bad) > 0 {
		an.Message = v.Tf("These group-bys cannot be used and were left out: %s", strings.Join(bad, ", "))
		an.keep()
	}
	sd, err := an.S.Domain(env)
	if err != nil {
		return err
	}
	d := orm.And{an.Def.Domain(env), sd}
	if an.Text != "" {
		d = append(d, orm.Leaf{Path: an.Def.TextPath, Op: "ilike", Value: an.Text})
	}
	var ms []measureOpt
	for _, s := range measures {
		ms = append(ms, an.MeasureOpt(s))
	}
	order := ""
	if an.Order != "" {
		terms := []string{an.Order}
		for _, g := range rows {
			terms = append(terms, g.Spec)
		}
		order = strings.Join(terms, ", ")
	}
	p, msg, err := computePivot(env, v, m, d, rows, cols, ms, order, an.RecordsURL())
	if err != nil {
		return err
	}
	if msg != "" {
		an.Message = msg
	}
	an.Pivot = p
	return nil
}

// RecordsURL is the page a cell or a bar opens, its domain added as d:
// the list, or in a drill-down the kanban of all teams.
func (an *Analysis) RecordsURL() string {
	if an.Drill {
		return "/crm/pipeline?team=all"
	}
	return an.Def.ListURL
}

// computePivot reads the pivot in at most four grouped queries.
// A grouping with too many rows or columns gives an empty pivot and the
// reason.
func computePivot(env *orm.Env, v *View, m *orm.Model, d orm.Domain, rows, cols []orm.GroupBy, ms []measureOpt, order, listURL string) (*Pivot, string, error) {
	start, queries := time.Now(), env.Queries()
	aggs := make([]orm.Aggregate, len(ms))
	for i, x := range ms {
		aggs[i] = aggregateOf(m, x.Spec)
	}
	p := &Pivot{RowGB: rows, ColGB: cols, Measures: ms}
	var rowG, colG, cellG []orm.Group
	var err error
	if len(rows) > 0 {
		if rowG, err = env.ReadGroup(m, d, rows, aggs, 0, 0, order); err != nil {
			return nil, "", err
		}
		if len(rowG) > MaxPivotRows {
			return &Pivot{Measures: ms, Grand: PivotCell{Vals: make([]pivotVal, len(ms))}},
				v.Tf("This grouping gives %d rows; choose a coarser one.", len(rowG)), nil
		}
	}
	if len(cols) > 0 {
		if colG, err = env.ReadGroup(m, d, cols, aggs, 0, 0, ""); err != nil {
			return nil, "", err
		}
		if len(colG) > MaxPivotColumns {
			return &Pivot{Measures: ms, Grand: PivotCell{Vals: make([]pivotVal, len(ms))}},
				v.Tf("This grouping gives %d columns; choose a coarser one.", len(colG)), nil
		}
	}
	switch {
	case len(rows) > 0 && len(cols) > 0:
		all := append(append([]orm.GroupBy(nil), rows...), cols...)
		if cellG, err = env.ReadGroup(m, d, all, aggs, 0, 0, ""); err != nil {
			return nil, "", err
		}
	case len(rows) > 0:
		cellG = rowG
	case len(cols) > 0:
		cellG = colG
	}
	grand, err := env.ReadGroup(m, d, nil, aggs, 0, 0, "")
	if err != nil {
		return nil, "", err
	}
	if len(grand) == 1 {
		p.Grand = PivotCell{Vals: groupVals(grand[0], ms)}
		p.Count = grand[0].Count
	} else {
		p.Grand = PivotCell{Vals: make([]pivotVal, len(ms))}
	}
	names, err := groupLabels(env, v, append(append([]orm.GroupBy(nil), rows...), cols...), rowG, colG, len(rows))
	if err != nil {
		return nil, "", err
	}
	link := func(conds ...orm.Domain) string {
		if listURL == "" {
			return ""
		}
		sep := "?"
		if strings.Contains(listURL, "?") {
			sep = "&"
		}
		return listURL + sep + "d=" + url.QueryEscape(domainJSON(flattenAnd(append(orm.And{d}, conds...))))
	}
	conds := func(gbs []orm.GroupBy, keys []any) []orm.Domain {
		out := make([]orm.Domain, len(gbs))
		for i, g := range gbs {
			out[i] = orm.GroupDomain(g, keys[i])
		}
		return out
	}
	lines := func(groups []orm.Group, gbs []orm.GroupBy, offset int) []*PivotLine {
		out := make([]*PivotLine, 0, len(groups))
		for _, g := range groups {
			l := &PivotLine{Keys: g.Keys, Total: PivotCell{Vals: groupVals(g, ms), URL: link(conds(gbs, g.Keys)...)}}
			for i := range gbs {
				l.Labels = append(l.Labels, names[offset+i](g.Keys[i]))
			}
			out = append(out, l)
		}
		// headers: a level's header spans the following lines with the same values up to it
		for i, l := range out {
			for lv := range gbs {
				h := PivotHead{Label: l.Labels[lv]}
				if i > 0 && groupKey(out[i-1].Keys[:lv+1]) == groupKey(l.Keys[:lv+1]) {
					l.Heads = append(l.Heads, h)
					continue
				}
				h.Span = 1
				for j := i + 1; j < len(out) && groupKey(out[j].Keys[:lv+1]) == groupKey(l.Keys[:lv+1]); j++ {
					h.Span++
				}
				h.URL = link(conds(gbs[:lv+1], l.Keys[:lv+1])...)
				l.Heads = append(l.Heads, h)
			}
		}
		return out
	}
	p.Rows = lines(rowG, rows, 0)
	p.Cols = lines(colG, cols, len(rows))
	byKey := map[string]orm.Group{}
	for _, g := range cellG {
		byKey[groupKey(g.Keys)] = g
	}
	p.Cells = make([][]PivotCell, len(p.Rows))
	for i, r := range p.Rows {
		p.Cells[i] = make([]PivotCell, len(p.Cols))
		for j, c := range p.Cols {
			keys := append(append([]any(nil), r.Keys...), c.Keys...)
			g, ok := byKey[groupKey(keys)]
			if !ok {
				p.Cells[i][j] = PivotCell{Vals: make([]pivotVal, len(ms))}
				continue
			}
			p.Cells[i][j] = PivotCell{Vals: groupVals(g, ms), URL: link(append(conds(rows, r.Keys), conds(cols, c.Keys)...)...)}
		}
	}
	p.Grand.URL = link()
	p.Elapsed, p.Queries = time.Since(start), env.Queries()-queries
	return p, "", nil
}

// flattenAnd merges nested conjunctions and drops the empty ones, for
// short cell domains.
func flattenAnd(d orm.Domain) orm.Domain {
	a, ok := d.(orm.And)
	if !ok {
		return d
	}
	out := orm.And{}
	for _, c := range a {
		switch x := flattenAnd(c).(type) {
		case orm.And:
			out = append(out, x...)
		default:
			out = append(out, x)
		}
	}
	if len(out) == 1 {
		return out[0]
	}
	return out
}

// domainJSON is a domain in Odoo's list form, as the lists read it.
func domainJSON(d orm.Domain) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.Encode(orm.DomainToList(d))
	return strings.TrimSpace(b.String())
}

// groupLabels returns, per group-by, the function naming its keys; the
// names of related records are read in one query per group-by.
func groupLabels(env *orm.Env, v *View, gbs []orm.GroupBy, rowG, colG []orm.Group, nrows int) ([]func(any) string, error) {
	out := make([]func(any) string, len(gbs))
	for i, g := range gbs {
		g := g
		groups, k := rowG, i
		if i >= nrows {
			groups, k = colG, i-nrows
		}
		var names map[int64]string
		if g.Field.Type == orm.Many2one || g.Field.Type == orm.Many2many {
			var ids []int64
			seen := map[int64]bool{}
			for _, gr := range groups {
				if id, ok := gr.Keys[k].(int64); ok && !seen[id] {
					seen[id] = true
					ids = append(ids, id)
				}
			}
			var err error
			// the keys come from records the user reads; the names of
			// their stages, teams and users are shown as the lists do
			if names, err = env.Sudo().DisplayNames(env.Reg.Model(g.Field.Relation), ids); err != nil {
				return nil, err
			}
		}
		out[i] = func(key any) string {
			switch {
			case key == nil:
				return v.T("None")
			case g.Gran != "":
				return dateGroupLabel(v, key.(string), g.Gran)
			case names != nil:
				return v.T(names[key.(int64)])
			case g.Field.Type == orm.Selection:
				return v.T(g.Field.SelectionLabel(fmt.Sprint(key)))
			case g.Field.Type == orm.Boolean:
				if key == true {
					return v.T("Yes")
				}
				return v.T("No")
			}
			return fmtAny(key)
		}
	}
	return out, nil
}

// dateGroupLabel names a date group in the user's language.
func dateGroupLabel(v *View, bucket, gran string) string {
	t, err := time.Parse(db.DateLayout, bucket)
	if err != nil {
		return bucket
	}
	switch gran {
	case "month":
		return v.T(monthName(t.Month())) + " " + strconv.Itoa(t.Year())
	case "day":
		return v.Date(bucket)
	}
	return orm.DateLabel(bucket, gran)
}

func monthName(m time.Month) string {
	switch m {
	case time.January:
		return "January"
	case time.February:
		return "February"
	case time.March:
		return "March"
	case time.April:
		return "April"
	case time.May:
		return "May"
	case time.June:
		return "June"
	case time.July:
		return "July"
	case time.August:
		return "August"
	case time.September:
		return "September"
	case time.October:
		return "October"
	case time.November:
		return "November"
	}
	return "December"
}

// ChartData is what analysis.js draws.
type ChartData struct {
	Type       string        `json:"type"`
	Stacked    bool          `json:"stacked"`
	Measure    string        `json:"measure"`
	Decimals   int           `json:"decimals"`
	Categories []string      `json:"categories"`
	Series     []ChartSeries `json:"series"`
	Pie        []ChartPoint  `json:"pie,omitempty"`
}

// ChartSeries is one series of a bar or line chart.
type ChartSeries struct {
	Name string       `json:"name"`
	Data []ChartPoint `json:"data"`
}

// ChartPoint is a bar, a point or a slice; clicking it opens URL.
type ChartPoint struct {
	Name  string   `json:"name,omitempty"`
	Value *float64 `json:"value"`
	URL   string   `json:"url,omitempty"`
}

// chartData turns a one-measure pivot into the chart: categories are the
// rows, series the columns (bar and line), slices the row totals (pie).
func chartData(v *View, an *Analysis, p *Pivot) *ChartData {
	m := p.Measures[0]
	cd := &ChartData{Type: an.Chart, Stacked: an.Stacked, Measure: v.T(m.Label), Decimals: 2, Categories: []string{}, Series: []ChartSeries{}}
	if m.Kind == "count" {
		cd.Decimals = 0
	}
	// a count or a sum of nothing is 0 on the chart (lines stay joined);
	// an average of nothing stays a gap
	avg := strings.HasSuffix(m.Spec, ":avg")
	point := func(c PivotCell) ChartPoint {
		pt := ChartPoint{URL: c.URL}
		if len(c.Vals) > 0 && c.Vals[0].OK {
			x := c.Vals[0].V
			pt.Value = &x
		} else if !avg {
			pt.Value = new(float64)
		}
		return pt
	}
	type cat struct {
		label string
		total PivotCell
		cells []PivotCell
	}
	var cats []cat
	if len(p.RowGB) == 0 {
		cats = []cat{{v.T("Total"), p.Grand, nil}}
		for _, c := range p.Cols {
			cats[0].cells = append(cats[0].cells, c.Total)
		}
	} else {
		for i, r := range p.Rows {
			cats = append(cats, cat{r.Label(), r.Total, p.Cells[i]})
		}
	}
	for _, c := range cats {
		cd.Categories = append(cd.Categories, c.label)
	}
	if an.Chart == "pie" {
		cd.Pie = []ChartPoint{}
		for _, c := range cats {
			pt := point(c.total)
			pt.Name = c.label
			cd.Pie = append(cd.Pie, pt)
		}
		return cd
	}
	if len(p.ColGB) == 0 {
		s := ChartSeries{Name: cd.Measure}
		for _, c := range cats {
			s.Data = append(s.Data, point(c.total))
		}
		cd.Series = append(cd.Series, s)
		return cd
	}
	for j, col := range p.Cols {
		s := ChartSeries{Name: col.Label()}
		for _, c := range cats {
			s.Data = append(s.Data, point(c.cells[j]))
		}
		cd.Series = append(cd.Series, s)
	}
	return cd
}

// runAnalysis loads the analysis in one read-only call; a bad custom
// filter is dropped with the reason, as the lists do.
func (a *App) runAnalysis(r *http.Request, uid int64) (*View, *Analysis, int, error) {
	def := findAnalysis(r.PathValue("analysis"))
	if def == nil {
		return nil, nil, http.StatusNotFound, nil
	}
	q := r.URL.Query()
	status, message := http.StatusOK, ""
	for {
		an := parseAnalysis(def, q)
		var v *View
		err := a.call(r.Context(), uid, false, func(env *orm.Env) error {
			var err error
			if v, err = a.newView(env, "", "reporting"); err != nil {
				return err
			}
			v.Title = v.T(def.Title)
			if err := loadSearchExtras(env, v, an.S); err != nil {
				return err
			}
			e := env
			if def.AllActive {
				e = env.WithContext(map[string]any{"active_test": false})
			}
			measures := an.Measures
			if an.View == "graph" {
				measures = []string{an.GraphMeasure}
			}
			return an.load(e, v, measures)
		})
		if err != nil {
			if e := orm.AsError(err); e.Kind == orm.KindValidation && q.Get("d") != "" && status == http.StatusOK {
				q = cloneValues(q)
				q.Del("d")
				status, message = http.StatusUnprocessableEntity, e.Error()
				continue
			}
			return v, an, 0, err
		}
		if message != "" {
			an.Message = message
		}
		if an.View == "graph" {
			an.ChartData = chartData(v, an, an.Pivot)
		}
		return v, an, status, nil
	}
}

func cloneValues(q url.Values) url.Values {
	out := url.Values{}
	for k, v := range q {
		out[k] = append([]string(nil), v...)
	}
	return out
}

func (a *App) analysisPage(w http.ResponseWriter, r *http.Request, uid int64) {
	v, an, status, err := a.runAnalysis(r, uid)
	if err != nil {
		a.fail(w, err)
		return
	}
	if an == nil {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Server-Timing", fmt.Sprintf(`pivot;dur=%.2f;desc="%d queries"`, float64(an.Pivot.Elapsed.Microseconds())/1000, an.Pivot.Queries))
	render(w, r, status, AnalysisView(v, an))
}

// analysisXLSX downloads the pivot as shown: headers as text, values as numbers.
func (a *App) analysisXLSX(w http.ResponseWriter, r *http.Request, uid int64) {
	q := r.URL.Query()
	q.Set("view", "pivot")
	r.URL.RawQuery = q.Encode()
	v, an, _, err := a.runAnalysis(r, uid)
	if err != nil {
		a.fail(w, err)
		return
	}
	if an == nil {
		http.NotFound(w, r)
		return
	}
	f, err := pivotWorkbook(v, an)
	if err != nil {
		a.fail(w, err)
		return
	}
	defer f.Close()
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", `attachment; filename="`+an.Def.Key+`.xlsx"`)
	if err := f.Write(w); err != nil {
		a.Log.Error("xlsx", "err", err)
	}
}

func pivotWorkbook(v *View, an *Analysis) (*excelize.File, error) {
	p := an.Pivot
	f := excelize.NewFile()
	sheet := imex.SheetName(v.T(an.Def.Title))
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return nil, err
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Alignment: &excelize.Alignment{Vertical: "top"}})
	if err != nil {
		return nil, err
	}
	money, _ := f.NewStyle(&excelize.Style{NumFmt: 4})  // #,##0.00
	number, _ := f.NewStyle(&excelize.Style{NumFmt: 2}) // 0.00
	count, _ := f.NewStyle(&excelize.Style{NumFmt: 3})  // #,##0
	style := func(m measureOpt) int {
		switch m.Kind {
		case "money":
			return money
		case "count":
			return count
		}
		return number
	}
	cell := func(col, row int) string {
		c, _ := excelize.CoordinatesToCellName(col, row)
		return c
	}
	var errs []error
	set := func(col, row int, val any, st int) {
		if err := f.SetCellValue(sheet, cell(col, row), val); err != nil {
			errs = append(errs, err)
		}
		if st != 0 {
			f.SetCellStyle(sheet, cell(col, row), cell(col, row), st)
		}
	}
	merge := func(c1, r1, c2, r2 int) {
		if c1 != c2 || r1 != r2 {
			f.MergeCell(sheet, cell(c1, r1), cell(c2, r2))
		}
	}
	nm := len(p.Measures)
	hc := p.RowHeadCols()
	hr := p.ColHeadRows()
	// column headers, one row per level, then the measures
	for lv := 0; lv < hr; lv++ {
		col := hc + 1
		for _, c := range p.Cols {
			h := c.Heads[lv]
			if h.Span > 0 {
				set(col, lv+1, h.Label, bold)
				merge(col, lv+1, col+h.Span*nm-1, lv+1)
			}
			col += nm
		}
		if lv == 0 {
			set(col, 1, v.T("Total"), bold)
			merge(col, 1, col+nm-1, hr)
		}
	}
	mrow := hr + 1
	for i, g := range an.Rows {
		if i < len(p.RowGB) {
			set(i+1, mrow, an.GroupLabel(v, g), bold)
		}
	}
	col := hc + 1
	for range len(p.Cols) + 1 {
		for _, m := range p.Measures {
			set(col, mrow, v.T(m.Label), bold)
			col++
		}
	}
	values := func(row, col int, c PivotCell) {
		for k, m := range p.Measures {
			if c.Vals[k].OK {
				set(col+k, row, c.Vals[k].V, style(m))
			}
		}
	}
	row := mrow + 1
	for i, r := range p.Rows {
		for lv, h := range r.Heads {
			if h.Span > 0 {
				set(lv+1, row, h.Label, bold)
				merge(lv+1, row, lv+1, row+h.Span-1)
			}
		}
		for j := range p.Cols {
			values(row, hc+1+j*nm, p.Cells[i][j])
		}
		values(row, hc+1+len(p.Cols)*nm, r.Total)
		row++
	}
	set(1, row, v.T("Total"), bold)
	merge(1, row, hc, row)
	for j, c := range p.Cols {
		values(row, hc+1+j*nm, c.Total)
	}
	values(row, hc+1+len(p.Cols)*nm, p.Grand)
	if len(errs) > 0 {
		return nil, errs[0]
	}
	last, _ := excelize.ColumnNumberToName(hc)
	f.SetColWidth(sheet, "A", last, 28)
	f.SetPanes(sheet, &excelize.Panes{Freeze: true, XSplit: hc, YSplit: mrow, TopLeftCell: cell(hc+1, mrow+1), ActivePane: "bottomRight"})
	return f, nil
}
