// Package report computes the dashboards' figures. Every figure is a
// read_group on the live data, run as the user, so record rules apply (a
// salesperson with own documents sees their own figures) and nothing can
// drift from the records behind it. Each figure carries the domain of
// those records, for the drill-down to the pipeline and the list.
package report

import (
	"math"
	"sort"
	"time"

	"github.com/kanso-crm/kanso/internal/orm"
)

// Filter is what every dashboard is narrowed by.
type Filter struct {
	Team   int64  // 0: all teams
	User   int64  // 0: everybody
	Period string // month, quarter or year
	Today  time.Time
}

// Figure is an amount and a count with the records behind them.
type Figure struct {
	Amount float64 `json:"amount"`
	Count  int64   `json:"count"`
	Domain []any   `json:"domain"`
	From   string  `json:"from,omitempty"`
	To     string  `json:"to,omitempty"`
}

// Point is one bar of a chart.
type Point struct {
	Key    string  `json:"key"`
	Label  string  `json:"label"`
	Value  float64 `json:"value"`
	Value2 float64 `json:"value2,omitempty"`
	Count  int64   `json:"count"`
	Domain []any   `json:"domain"`
}

func day(t time.Time) string { return t.Format("2006-01-02") }

// periodStart is the first day of t's period.
func periodStart(t time.Time, period string) time.Time {
	switch period {
	case "year":
		return time.Date(t.Year(), 1, 1, 0, 0, 0, 0, time.UTC)
	case "quarter":
		return time.Date(t.Year(), time.Month((int(t.Month())-1)/3*3+1), 1, 0, 0, 0, 0, time.UTC)
	}
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
}

func addPeriod(t time.Time, period string, n int) time.Time {
	switch period {
	case "year":
		return t.AddDate(n, 0, 0)
	case "quarter":
		return t.AddDate(0, 3*n, 0)
	}
	return t.AddDate(0, n, 0)
}

func (f Filter) scope() orm.And {
	d := orm.And{orm.Leaf{Path: "type", Op: "=", Value: "opportunity"}}
	if f.Team != 0 {
		d = append(d, orm.Leaf{Path: "team_id", Op: "=", Value: f.Team})
	}
	if f.User != 0 {
		d = append(d, orm.Leaf{Path: "user_id", Op: "=", Value: f.User})
	}
	return d
}

func closedBetween(from, to time.Time) orm.Domain {
	return orm.And{orm.Leaf{Path: "date_closed", Op: ">=", Value: day(from)}, orm.Leaf{Path: "date_closed", Op: "<", Value: day(to)}}
}

var allRecords = map[string]any{"active_test": false}

func lead(env *orm.Env) *orm.Model { return env.Reg.Model("crm.lead") }

func gb(m *orm.Model, spec string) orm.GroupBy {
	name, gran, ok := cut(spec)
	g := orm.GroupBy{Spec: spec, Field: m.Field(name)}
	if ok {
		g.Gran = gran
	}
	return g
}

func cut(spec string) (string, string, bool) {
	for i := 0; i < len(spec); i++ {
		if spec[i] == ':' {
			return spec[:i], spec[i+1:], true
		}
	}
	return spec, "", false
}

func sum(m *orm.Model, field string) orm.Aggregate {
	return orm.Aggregate{Spec: field + ":sum", Field: m.Field(field), Func: "sum"}
}

// figure sums expected revenue over a domain (archived records included).
func figure(env *orm.Env, d orm.Domain, field string) (Figure, error) {
	m := lead(env)
	groups, err := env.WithContext(allRecords).ReadGroup(m, d, nil, []orm.Aggregate{sum(m, field)}, 0, 0, "")
	if err != nil {
		return Figure{}, err
	}
	f := Figure{Domain: orm.DomainToList(d)}
	if len(groups) == 1 {
		f.Count = groups[0].Count
		f.Amount, _ = groups[0].Aggs[field+":sum"].(float64)
	}
	return f, nil
}

// MissedSales compares what was lost this month with last month.
type MissedSales struct {
	Current  Figure  `json:"current"`
	Previous Figure  `json:"previous"`
	Change   float64 `json:"change_percent"`
	Months   []Point `json:"months"` // the last 12 months, for the graph
}

// ComputeMissedSales is the expected revenue of opportunities lost in the
// current month against the previous one.
func ComputeMissedSales(env *orm.Env, f Filter) (*MissedSales, error) {
	start := periodStart(f.Today, "month")
	lost := orm.And{f.scope(), orm.Leaf{Path: "won_status", Op: "=", Value: "lost"}}
	r := &MissedSales{}
	var err error
	if r.Current, err = figure(env, orm.And{lost, closedBetween(start, addPeriod(start, "month", 1))}, "expected_revenue"); err != nil {
		return nil, err
	}
	r.Current.From, r.Current.To = day(start), day(addPeriod(start, "month", 1))
	prev := addPeriod(start, "month", -1)
	if r.Previous, err = figure(env, orm.And{lost, closedBetween(prev, start)}, "expected_revenue"); err != nil {
		return nil, err
	}
	r.Previous.From, r.Previous.To = day(prev), day(start)
	if r.Previous.Amount != 0 {
		r.Change = math.Round((r.Current.Amount-r.Previous.Amount)/r.Previous.Amount*1000) / 10
	}
	r.Months, err = series(env, orm.And{lost, closedBetween(addPeriod(start, "month", -11), addPeriod(start, "month", 1))}, "date_closed:month", "expected_revenue")
	return r, err
}

// series groups a domain by one group-by and sums a field.
func series(env *orm.Env, d orm.Domain, groupby, field string) ([]Point, error) {
	m := lead(env)
	g := gb(m, groupby)
	var aggs []orm.Aggregate
	if field != "" {
		aggs = []orm.Aggregate{sum(m, field)}
	}
	groups, err := env.WithContext(allRecords).ReadGroup(m, d, []orm.GroupBy{g}, aggs, 0, 0, "")
	if err != nil {
		return nil, err
	}
	return points(env, g, groups, d, field+":sum")
}

func points(env *orm.Env, g orm.GroupBy, groups []orm.Group, d orm.Domain, agg string) ([]Point, error) {
	var ids []int64
	for _, x := range groups {
		if id, ok := x.Keys[0].(int64); ok && g.Field.IsRelational() {
			ids = append(ids, id)
		}
	}
	names := map[int64]string{}
	if len(ids) > 0 {
		var err error
		if names, err = env.Sudo().DisplayNames(env.Reg.Model(g.Field.Relation), ids); err != nil {
			return nil, err
		}
	}
	out := make([]Point, 0, len(groups))
	for _, x := range groups {
		p := Point{Count: x.Count, Domain: orm.DomainToList(orm.And{d, orm.GroupDomain(g, x.Keys[0])})}
		p.Value, _ = x.Aggs[agg].(float64)
		switch k := x.Keys[0].(type) {
		case nil:
			p.Key, p.Label = "", ""
		case int64:
			p.Key, p.Label = itoa(k), names[k]
		case string:
			p.Key, p.Label = k, k
			if g.Gran != "" {
				p.Label = orm.DateLabel(k, g.Gran)
			}
		default:
			p.Key, p.Label = "", ""
		}
		out = append(out, p)
	}
	return out, nil
}

func itoa(n int64) string {
	if n == 0 {
		return "0"
	}
	neg := n < 0
	if neg {
		n = -n
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	if neg {
		i--
		b[i] = '-'
	}
	return string(b[i:])
}

// ActualVsTarget compares won revenue with the targets.
type ActualVsTarget struct {
	Period  string  `json:"period"`
	Rows    []Point `json:"rows"`    // per period of the year: value = actual, value2 = target
	ByTeam  []Point `json:"by_team"` // current period
	ByUser  []Point `json:"by_user"`
	Current Figure  `json:"current"`
	Target  float64 `json:"target"`
	Percent float64 `json:"percent"`
}

// targets sums the targets of periods starting in [from, to) matching
// the filter, by start date, team and user.
func targets(env *orm.Env, f Filter, period string, from, to time.Time) (map[string]float64, map[int64]float64, map[int64]float64, error) {
	m := env.Reg.Model("crm.target")
	d := orm.And{orm.Leaf{Path: "period", Op: "=", Value: period}, orm.Leaf{Path: "date_start", Op: ">=", Value: day(from)}, orm.Leaf{Path: "date_start", Op: "<", Value: day(to)}}
	if f.Team != 0 {
		d = append(d, orm.Leaf{Path: "team_id", Op: "=", Value: f.Team})
	}
	if f.User != 0 {
		d = append(d, orm.Leaf{Path: "user_id", Op: "=", Value: f.User})
	}
	recs, err := env.SearchRead(m, d, []string{"date_start", "team_id", "user_id", "amount"}, orm.SearchOpts{}, false)
	if err != nil {
		return nil, nil, nil, err
	}
	byDate, byTeam, byUser := map[string]float64{}, map[int64]float64{}, map[int64]float64{}
	for _, r := range recs {
		a, _ := r["amount"].(float64)
		team, hasTeam := r["team_id"].(int64)
		user, hasUser := r["user_id"].(int64)
		// the period total counts team targets (or personal ones when no
		// team target exists for the filter): user targets are a split
		if hasTeam && !hasUser || f.User != 0 && hasUser {
			byDate[r["date_start"].(string)] += a
		}
		if hasTeam && !hasUser {
			byTeam[team] += a
		}
		if hasUser {
			byUser[user] += a
		}
	}
	return byDate, byTeam, byUser, nil
}

// ComputeActualVsTarget is the won revenue against the targets, per
// period of the current year, per team and per salesperson.
func ComputeActualVsTarget(env *orm.Env, f Filter) (*ActualVsTarget, error) {
	period := f.Period
	if period == "" {
		period = "month"
	}
	year := periodStart(f.Today, "year")
	cur := periodStart(f.Today, period)
	won := orm.And{f.scope(), orm.Leaf{Path: "won_status", Op: "=", Value: "won"}}
	r := &ActualVsTarget{Period: period}
	var err error
	if r.Rows, err = series(env, orm.And{won, closedBetween(year, addPeriod(year, "year", 1))}, "date_closed:"+period, "expected_revenue"); err != nil {
		return nil, err
	}
	byDate, _, _, err := targets(env, f, period, year, addPeriod(year, "year", 1))
	if err != nil {
		return nil, err
	}
	// every period of the year appears, with its target
	have := map[string]int{}
	for i, p := range r.Rows {
		have[p.Key] = i
	}
	for t := year; t.Before(addPeriod(year, "year", 1)); t = addPeriod(t, period, 1) {
		k := day(t)
		if _, ok := have[k]; !ok {
			r.Rows = append(r.Rows, Point{Key: k, Label: orm.DateLabel(k, period), Domain: orm.DomainToList(orm.And{won, closedBetween(t, addPeriod(t, period, 1))})})
			have[k] = len(r.Rows) - 1
		}
		r.Rows[have[k]].Value2 = byDate[k]
	}
	sort.Slice(r.Rows, func(i, j int) bool { return r.Rows[i].Key < r.Rows[j].Key })
	curD := orm.And{won, closedBetween(cur, addPeriod(cur, period, 1))}
	if r.Current, err = figure(env, curD, "expected_revenue"); err != nil {
		return nil, err
	}
	r.Target = byDateOf(byDate, day(cur))
	if r.Target > 0 {
		r.Percent = math.Round(r.Current.Amount/r.Target*1000) / 10
	}
	if r.ByTeam, err = series(env, curD, "team_id", "expected_revenue"); err != nil {
		return nil, err
	}
	if r.ByUser, err = series(env, curD, "user_id", "expected_revenue"); err != nil {
		return nil, err
	}
	_, curTeam, curUser, err := targets(env, f, period, cur, addPeriod(cur, period, 1))
	if err != nil {
		return nil, err
	}
	for i := range r.ByTeam {
		r.ByTeam[i].Value2 = curTeam[atoi(r.ByTeam[i].Key)]
	}
	for i := range r.ByUser {
		r.ByUser[i].Value2 = curUser[atoi(r.ByUser[i].Key)]
	}
	return r, nil
}

func byDateOf(m map[string]float64, k string) float64 { return m[k] }

func atoi(s string) int64 {
	var n int64
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0
		}
		n = n*10 + int64(c-'0')
	}
	return n
}

// SalesCycle is the mean number of days from creation to won.
type SalesCycle struct {
	Average  float64 `json:"average_days"`
	Count    int64   `json:"count"`
	ByPeriod []Point `json:"by_period"`
	ByTeam   []Point `json:"by_team"`
	ByUser   []Point `json:"by_user"`
	Domain   []any   `json:"domain"`
}

func avgSeries(env *orm.Env, d orm.Domain, groupby string) ([]Point, error) {
	m := lead(env)
	g := gb(m, groupby)
	groups, err := env.WithContext(allRecords).ReadGroup(m, d, []orm.GroupBy{g}, []orm.Aggregate{{Spec: "day_close:avg", Field: m.Field("day_close"), Func: "avg"}}, 0, 0, "")
	if err != nil {
		return nil, err
	}
	ps, err := points(env, g, groups, d, "day_close:avg")
	for i := range ps {
		ps[i].Value = math.Round(ps[i].Value*10) / 10
	}
	return ps, err
}

// ComputeSalesCycle averages the days to close of the opportunities won
// in the current year, by period, team and salesperson.
func ComputeSalesCycle(env *orm.Env, f Filter) (*SalesCycle, error) {
	period := f.Period
	if period == "" {
		period = "month"
	}
	year := periodStart(f.Today, "year")
	d := orm.And{f.scope(), orm.Leaf{Path: "won_status", Op: "=", Value: "won"}, closedBetween(year, addPeriod(year, "year", 1))}
	m := lead(env)
	groups, err := env.WithContext(allRecords).ReadGroup(m, d, nil, []orm.Aggregate{{Spec: "day_close:avg", Field: m.Field("day_close"), Func: "avg"}}, 0, 0, "")
	if err != nil {
		return nil, err
	}
	r := &SalesCycle{Domain: orm.DomainToList(d)}
	if len(groups) == 1 {
		r.Count = groups[0].Count
		a, _ := groups[0].Aggs["day_close:avg"].(float64)
		r.Average = math.Round(a*10) / 10
	}
	if r.ByPeriod, err = avgSeries(env, d, "date_closed:"+period); err != nil {
		return nil, err
	}
	if r.ByTeam, err = avgSeries(env, d, "team_id"); err != nil {
		return nil, err
	}
	r.ByUser, err = avgSeries(env, d, "user_id")
	return r, err
}

// WinLoss compares won and lost opportunities of the current year.
type WinLoss struct {
	Won         Figure  `json:"won"`
	Lost        Figure  `json:"lost"`
	RatioCount  float64 `json:"ratio_count"`  // won / (won + lost), in percent
	RatioAmount float64 `json:"ratio_amount"` // the same by amount
}

// ComputeWinLoss counts and sums won and lost opportunities closed this year.
func ComputeWinLoss(env *orm.Env, f Filter) (*WinLoss, error) {
	year := periodStart(f.Today, "year")
	closed := closedBetween(year, addPeriod(year, "year", 1))
	r := &WinLoss{}
	var err error
	if r.Won, err = figure(env, orm.And{f.scope(), orm.Leaf{Path: "won_status", Op: "=", Value: "won"}, closed}, "expected_revenue"); err != nil {
		return nil, err
	}
	if r.Lost, err = figure(env, orm.And{f.scope(), orm.Leaf{Path: "won_status", Op: "=", Value: "lost"}, closed}, "expected_revenue"); err != nil {
		return nil, err
	}
	if n := r.Won.Count + r.Lost.Count; n > 0 {
		r.RatioCount = math.Round(float64(r.Won.Count)/float64(n)*1000) / 10
	}
	if a := r.Won.Amount + r.Lost.Amount; a > 0 {
		r.RatioAmount = math.Round(r.Won.Amount/a*1000) / 10
	}
	return r, nil
}

// Revenue is the won revenue by month this year against last year, with
// the best customers and salespeople.
type Revenue struct {
	Months          []Point `json:"months"` // value: this year, value2: last year; key "01".."12"
	Total           float64 `json:"total"`
	TotalLastYear   float64 `json:"total_last_year"`
	TopCustomers    []Point `json:"top_customers"`
	TopSalespersons []Point `json:"top_salespersons"`
}

// ComputeRevenue groups won revenue by month for this and last year and
// ranks customers (10) and salespeople (5).
func ComputeRevenue(env *orm.Env, f Filter) (*Revenue, error) {
	year := periodStart(f.Today, "year")
	won := orm.And{f.scope(), orm.Leaf{Path: "won_status", Op: "=", Value: "won"}}
	thisYear := orm.And{won, closedBetween(year, addPeriod(year, "year", 1))}
	this, err := series(env, thisYear, "date_closed:month", "expected_revenue")
	if err != nil {
		return nil, err
	}
	last, err := series(env, orm.And{won, closedBetween(addPeriod(year, "year", -1), year)}, "date_closed:month", "expected_revenue")
	if err != nil {
		return nil, err
	}
	r := &Revenue{}
	for mth := 1; mth <= 12; mth++ {
		t := time.Date(year.Year(), time.Month(mth), 1, 0, 0, 0, 0, time.UTC)
		p := Point{Key: t.Format("01"), Label: t.Format("Jan"), Domain: orm.DomainToList(orm.And{won, closedBetween(t, t.AddDate(0, 1, 0))})}
		for _, x := range this {
			if x.Key == day(t) {
				p.Value, p.Count = x.Value, x.Count
			}
		}
		for _, x := range last {
			if x.Key == day(t.AddDate(-1, 0, 0)) {
				p.Value2 = x.Value
			}
		}
		r.Total += p.Value
		r.TotalLastYear += p.Value2
		r.Months = append(r.Months, p)
	}
	if r.TopCustomers, err = top(env, thisYear, "partner_id", 10); err != nil {
		return nil, err
	}
	r.TopSalespersons, err = top(env, thisYear, "user_id", 5)
	return r, err
}

func top(env *orm.Env, d orm.Domain, field string, n int64) ([]Point, error) {
	m := lead(env)
	g := gb(m, field)
	groups, err := env.WithContext(allRecords).ReadGroup(m, orm.And{d, orm.Leaf{Path: field, Op: "!=", Value: false}}, []orm.GroupBy{g},
		[]orm.Aggregate{sum(m, "expected_revenue")}, 0, n, "expected_revenue:sum desc")
	if err != nil {
		return nil, err
	}
	return points(env, g, groups, d, "expected_revenue:sum")
}
