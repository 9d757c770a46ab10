package web

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/kanso-crm/kanso/internal/base"
	"github.com/kanso-crm/kanso/internal/mail"
	"github.com/kanso-crm/kanso/internal/orm"
	"github.com/kanso-crm/kanso/internal/report"
)

// Dashboards lists the boards, in the navigation's order.
var Dashboards = [][2]string{{"general", "General"}, {"missed-sales", "Missed Sales"}, {"actual-vs-target", "Actual vs Target"},
	{"sales-cycle", "Average Sales Cycle in Days"}, {"win-loss", "Win/Loss Ratio"}, {"revenue", "Revenue Analysis"}, {"activities", "Activities"}}

// Headline is a big figure that opens its records.
type Headline struct {
	Label, Value, Sub, URL string
}

// Chart is drawn by ECharts from its JSON.
type Chart struct {
	ID     string   `json:"id"`
	Title  string   `json:"title"`
	Kind   string   `json:"kind"` // bar, line, pie, gauge
	Labels []string `json:"labels"`
	Series []Series `json:"series"`
	Max    float64  `json:"max,omitempty"` // gauges
	Stack  bool     `json:"stack,omitempty"`
}

// Series is one line or set of bars; URLs open each point's records.
type Series struct {
	Name string    `json:"name"`
	Data []float64 `json:"data"`
	URLs []string  `json:"urls,omitempty"`
}

// DashboardPage is one board.
type DashboardPage struct {
	Key, Title string
	Headlines  []Headline
	Charts     []Chart
	Period     string
	Measure    string // win/loss: count or amount
	Team       string
	User       string
	Teams      [][2]string
	Users      [][2]string
	Manager    bool
	Data       any
	Note       string
}

// ChartsJSON is the charts for the page's script.
func (p *DashboardPage) ChartsJSON() string {
	b, _ := json.Marshal(p.Charts)
	return string(b)
}

// recordsURL opens the records of a domain (a bar or a slice of a
// dashboard's own chart, already a graph) in the pipeline's kanban of all
// teams, archived ones included (lost opportunities are archived); its
// List button goes on to the list from which to act.
func recordsURL(d []any) string {
	return "/crm/pipeline?" + url.Values{"team": {"all"}, "d": {mustJSON(withArchived(d))}}.Encode()
}

// withArchived is a figure's domain with the archived records too.
func withArchived(d []any) []any {
	return append([]any{"&", []any{"active", "in", []any{true, false}}}, andAll(d)...)
}

// drillURL opens the first step of a figure's drill-down, the graph of
// its records (the Pipeline Analysis by salesperson, with the figure's
// measure, archived records included); a bar of the graph opens the
// kanban of its records (drill=kanban), whose List button opens the list
// from which to act: Gauge > Graph > Kanban > Action.
func drillURL(d []any, measure string) string {
	q := url.Values{"view": {"graph"}, "t": {"bar"}, "r": {"user_id"}, "c": {""}, "m": {measure}, "gm": {measure}, "drill": {"kanban"},
		"d": {mustJSON(withArchived(d))}}
	return "/crm/reporting/pipeline?" + q.Encode()
}

// andAll makes a domain a single term (an empty domain is TRUE).
func andAll(d []any) []any {
	if len(d) == 0 {
		return []any{[]any{int64(1), "=", int64(1)}}
	}
	// count the top-level terms: juxtaposed terms are AND-ed
	terms := 0
	need := 1
	for _, x := range d {
		if need == 0 {
			terms++
			need = 1
		}
		switch x {
		case "&", "|":
			need++
		case "!":
		default:
			need--
		}
	}
	if need == 0 {
		terms++
	}
	out := []any{}
	for i := 1; i < terms; i++ {
		out = append(out, "&")
	}
	return append(out, d...)
}

func pointsSeries(name string, ps []report.Point, v2 bool) (Series, []string) {
	s := Series{Name: name}
	var labels []string
	for _, p := range ps {
		labels = append(labels, p.Label)
		if v2 {
			s.Data = append(s.Data, p.Value2)
		} else {
			s.Data = append(s.Data, p.Value)
		}
		s.URLs = append(s.URLs, recordsURL(p.Domain))
	}
	return s, labels
}

// dashboardUser authenticates a session or an API key (for embedding).
func (a *App) dashboardUser(r *http.Request) (int64, error) {
	if auth := r.Header.Get("Authorization"); auth != "" {
		scheme, key, _ := strings.Cut(auth, " ")
		if !strings.EqualFold(scheme, "bearer") {
			return 0, orm.AccessDenied
		}
		var uid int64
		err := a.Runner.Run(r.Context(), 0, nil, false, func(env *orm.Env) error {
			var err error
			uid, err = base.CheckAPIKey(env, strings.TrimSpace(key))
			return err
		})
		return uid, err
	}
	return a.sessionUID(r.Context(), r)
}

func wantsJSON(r *http.Request) bool {
	return strings.Contains(r.Header.Get("Accept"), "application/json") || r.URL.Query().Get("format") == "json"
}

// dashboard serves /dashboards/{name}: the page, or its figures as JSON
// when asked with Accept: application/json (session or bearer API key).
func (a *App) dashboard(w http.ResponseWriter, r *http.Request) {
	key := r.PathValue("name")
	title := ""
	for _, d := range Dashboards {
		if d[0] == key {
			title = d[1]
		}
	}
	if title == "" {
		http.NotFound(w, r)
		return
	}
	uid, err := a.dashboardUser(r)
	if err != nil || uid == 0 {
		if wantsJSON(r) || r.Header.Get("Authorization") != "" {
			jsonError(w, http.StatusUnauthorized, "Log in or send Authorization: bearer <API key>.")
			return
		}
		http.Redirect(w, r, "/web/login?redirect="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
		return
	}
	q := r.URL.Query()
	var v *View
	p := &DashboardPage{Key: key, Period: q.Get("period"), Measure: q.Get("measure"), Team: q.Get("team"), User: q.Get("user")}
	// links of before the measure had its own parameter said period=amount
	if p.Period == "amount" {
		p.Measure = "amount"
	}
	if p.Period != "quarter" && p.Period != "year" {
		p.Period = "month"
	}
	if p.Measure != "amount" {
		p.Measure = "count"
	}
	err = a.call(r.Context(), uid, false, func(env *orm.Env) error {
		var err error
		if v, err = a.newView(env, "", "dashboards"); err != nil {
			return err
		}
		p.Title = v.T(title)
		v.Title = p.Title
		p.Manager = v.Manager
		f := report.Filter{Period: p.Period, Today: todayUTC(env)}
		f.Team, _ = strconv.ParseInt(p.Team, 10, 64)
		f.User, _ = strconv.ParseInt(p.User, 10, 64)
		if err := p.choices(env); err != nil {
			return err
		}
		return buildDashboard(env, v, p, f)
	})
	if err != nil {
		if wantsJSON(r) {
			e := orm.AsError(err)
			jsonError(w, e.HTTPStatus(), e.Error())
			return
		}
		a.fail(w, err)
		return
	}
	if wantsJSON(r) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"dashboard": key, "period": p.Period, "measure": p.Measure, "team": p.Team, "user": p.User, "figures": p.Data})
		return
	}
	if q.Get("fragment") == "board" {
		render(w, r, http.StatusOK, DashboardBody(v, p))
		return
	}
	render(w, r, http.StatusOK, DashboardView(v, p))
}

// todayUTC is the user's today as a date.
func todayUTC(env *orm.Env) time.Time {
	t, _ := time.Parse("2006-01-02", mail.Today(env))
	return t
}

func (p *DashboardPage) choices(env *orm.Env) error {
	teams, err := env.SearchRead(env.Reg.Model("crm.team"), orm.And{}, []string{"name"}, orm.SearchOpts{}, false)
	if err != nil {
		return err
	}
	p.Teams = pairs(teams, "name")
	users, err := env.SearchRead(env.Reg.Model("res.users"), orm.Leaf{Path: "share", Op: "=", Value: false}, []string{"name"}, orm.SearchOpts{}, false)
	p.Users = pairs(users, "name")
	return err
}

func buildDashboard(env *orm.Env, v *View, p *DashboardPage, f report.Filter) error {
	switch p.Key {
	case "missed-sales":
		d, err := report.ComputeMissedSales(env, f)
		if err != nil {
			return err
		}
		p.Data = d
		p.Headlines = []Headline{{Label: v.T("Lost this month"), Value: v.Money(d.Current.Amount), Sub: v.Tf("%d opportunities", d.Current.Count), URL: drillURL(d.Current.Domain, revenueSum)},
			{Label: v.T("Lost last month"), Value: v.Money(d.Previous.Amount), Sub: v.Tf("%d opportunities", d.Previous.Count), URL: drillURL(d.Previous.Domain, revenueSum)},
			{Label: v.T("Change"), Value: v.Number(d.Change, 1) + " %"}}
		max := d.Previous.Amount * 2
		if max < d.Current.Amount {
			max = d.Current.Amount * 1.2
		}
		p.Charts = append(p.Charts, Chart{ID: "gauge", Title: v.T("Lost this month against last month"), Kind: "gauge", Max: max,
			Series: []Series{{Name: v.T("Lost this month"), Data: []float64{d.Current.Amount}, URLs: []string{drillURL(d.Current.Domain, revenueSum)}}}})
		s, labels := pointsSeries(v.T("Lost"), d.Months, false)
		p.Charts = append(p.Charts, Chart{ID: "months", Title: v.T("Lost revenue by month"), Kind: "bar", Labels: labels, Series: []Series{s}})
	case "actual-vs-target":
		d, err := report.ComputeActualVsTarget(env, f)
		if err != nil {
			return err
		}
		p.Data = d
		p.Headlines = []Headline{{Label: v.T("Won this period"), Value: v.Money(d.Current.Amount), Sub: v.Tf("%d opportunities", d.Current.Count), URL: drillURL(d.Current.Domain, revenueSum)},
			{Label: v.T("Target"), Value: v.Money(d.Target)}, {Label: v.T("Achieved"), Value: v.Number(d.Percent, 1) + " %"}}
		p.Charts = append(p.Charts, Chart{ID: "gauge", Title: v.T("Actual vs Target"), Kind: "gauge", Max: maxf(d.Target, d.Current.Amount),
			Series: []Series{{Name: v.T("Won"), Data: []float64{d.Current.Amount}, URLs: []string{drillURL(d.Current.Domain, revenueSum)}}}})
		actual, labels := pointsSeries(v.T("Actual"), d.Rows, false)
		target, _ := pointsSeries(v.T("Target"), d.Rows, true)
		target.URLs = nil
		p.Charts = append(p.Charts, Chart{ID: "periods", Title: v.T("Won revenue against target"), Kind: "bar", Labels: labels, Series: []Series{actual, target}})
		ta, tl := pointsSeries(v.T("Actual"), d.ByTeam, false)
		tt, _ := pointsSeries(v.T("Target"), d.ByTeam, true)
		tt.URLs = nil
		p.Charts = append(p.Charts, Chart{ID: "teams", Title: v.T("By sales team"), Kind: "bar", Labels: tl, Series: []Series{ta, tt}})
		ua, ul := pointsSeries(v.T("Actual"), d.ByUser, false)
		ut, _ := pointsSeries(v.T("Target"), d.ByUser, true)
		ut.URLs = nil
		p.Charts = append(p.Charts, Chart{ID: "users", Title: v.T("By salesperson"), Kind: "bar", Labels: ul, Series: []Series{ua, ut}})
	case "sales-cycle":
		d, err := report.ComputeSalesCycle(env, f)
		if err != nil {
			return err
		}
		p.Data = d
		p.Headlines = []Headline{{Label: v.T("Average days from creation to won"), Value: v.Number(d.Average, 1), Sub: v.Tf("%d opportunities", d.Count), URL: drillURL(d.Domain, "day_close:avg")}}
		s, labels := pointsSeries(v.T("Days"), d.ByPeriod, false)
		p.Charts = append(p.Charts, Chart{ID: "periods", Title: v.T("By period"), Kind: "line", Labels: labels, Series: []Series{s}})
		s, labels = pointsSeries(v.T("Days"), d.ByTeam, false)
		p.Charts = append(p.Charts, Chart{ID: "teams", Title: v.T("By sales team"), Kind: "bar", Labels: labels, Series: []Series{s}})
		s, labels = pointsSeries(v.T("Days"), d.ByUser, false)
		p.Charts = append(p.Charts, Chart{ID: "users", Title: v.T("By salesperson"), Kind: "bar", Labels: labels, Series: []Series{s}})
	case "win-loss":
		d, err := report.ComputeWinLoss(env, f)
		if err != nil {
			return err
		}
		p.Data = d
		// the measure chosen is the big figure, the pie and the graph the
		// figures open; the other one is the figure's detail
		figure := func(label string, f report.Figure) Headline {
			if p.Measure == "amount" {
				return Headline{Label: label, Value: v.Money(f.Amount), Sub: v.Tf("%d opportunities", f.Count), URL: drillURL(f.Domain, revenueSum)}
			}
			return Headline{Label: label, Value: v.Number(float64(f.Count), 0), Sub: v.Money(f.Amount), URL: drillURL(f.Domain, "__count")}
		}
		p.Headlines = []Headline{figure(v.T("Won"), d.Won), figure(v.T("Lost"), d.Lost),
			{Label: v.T("Win ratio (count)"), Value: v.Number(d.RatioCount, 1) + " %"}, {Label: v.T("Win ratio (amount)"), Value: v.Number(d.RatioAmount, 1) + " %"}}
		vals := []float64{float64(d.Won.Count), float64(d.Lost.Count)}
		if p.Measure == "amount" {
			vals = []float64{d.Won.Amount, d.Lost.Amount}
		}
		p.Charts = append(p.Charts, Chart{ID: "ratio", Title: v.T("Won and lost this year"), Kind: "pie", Labels: []string{v.T("Won"), v.T("Lost")},
			Series: []Series{{Name: v.T("Opportunities"), Data: vals, URLs: []string{recordsURL(d.Won.Domain), recordsURL(d.Lost.Domain)}}}})
	case "revenue":
		d, err := report.ComputeRevenue(env, f)
		if err != nil {
			return err
		}
		p.Data = d
		p.Headlines = []Headline{{Label: v.T("Won this year"), Value: v.Money(d.Total)}, {Label: v.T("Won last year"), Value: v.Money(d.TotalLastYear)}}
		this, labels := pointsSeries(v.T("This year"), d.Months, false)
		last, _ := pointsSeries(v.T("Last year"), d.Months, true)
		last.URLs = nil
		p.Charts = append(p.Charts, Chart{ID: "months", Title: v.T("Won revenue by month"), Kind: "bar", Labels: labels, Series: []Series{this, last}})
		s, l := pointsSeries(v.T("Revenue"), d.TopCustomers, false)
		p.Charts = append(p.Charts, Chart{ID: "customers", Title: v.T("Top 10 customers"), Kind: "bar", Labels: l, Series: []Series{s}})
		s, l = pointsSeries(v.T("Revenue"), d.TopSalespersons, false)
		p.Charts = append(p.Charts, Chart{ID: "salespersons", Title: v.T("Top 5 salespersons"), Kind: "bar", Labels: l, Series: []Series{s}})
	case "activities":
		d, err := report.ComputeActivities(env, f, mail.Today(env))
		if err != nil {
			return err
		}
		p.Data = d
		p.Headlines = []Headline{{Label: v.T("Overdue"), Value: v.Number(float64(d.Overdue), 0), URL: "/crm/activities"},
			{Label: v.T("Today"), Value: v.Number(float64(d.Today), 0), URL: "/crm/activities"}, {Label: v.T("Planned"), Value: v.Number(float64(d.Planned), 0), URL: "/crm/activities"}}
		for _, c := range []struct {
			id, title string
			ps        []report.Point
			kind      string
		}{{"types", v.T("Done by type"), d.DoneType, "pie"}, {"users", v.T("Done by person"), d.DoneUser, "bar"}, {"months", v.T("Done by month"), d.Months, "line"}} {
			s := Series{Name: v.T("Done")}
			var labels []string
			for _, pt := range c.ps {
				labels = append(labels, v.T(pt.Label))
				s.Data = append(s.Data, pt.Value)
			}
			p.Charts = append(p.Charts, Chart{ID: c.id, Title: c.title, Kind: c.kind, Labels: labels, Series: []Series{s}})
		}
	case "general":
		d, err := report.ComputeGeneral(env, f)
		if err != nil {
			return err
		}
		p.Data = d
		for _, t := range d.Teams {
			p.Headlines = append(p.Headlines, Headline{Label: t.Name, Value: v.Money(t.Open.Amount),
				Sub: v.Tf("%d open, %d overdue, %d unassigned; %s of the month's target", t.Open.Count, t.Overdue.Count, t.Unassigned.Count, v.Number(t.Percent, 1)+" %"),
				URL: "/crm/pipeline?search=none&team=" + itoa(t.Team)})
		}
		s := Series{Name: v.T("Open")}
		var labels []string
		for _, t := range d.Teams {
			labels = append(labels, t.Name)
			s.Data = append(s.Data, t.Open.Amount)
			s.URLs = append(s.URLs, recordsURL(t.Open.Domain))
		}
		p.Charts = append(p.Charts, Chart{ID: "teams", Title: v.T("Open pipeline by team"), Kind: "bar", Labels: labels, Series: []Series{s}})
	}
	return nil
}

// revenueSum is the measure of the figures in money.
const revenueSum = "expected_revenue:sum"

func maxf(a, b float64) float64 {
	m := a
	if b > m {
		m = b
	}
	if m == 0 {
		return 1
	}
	return m * 1.2
}
