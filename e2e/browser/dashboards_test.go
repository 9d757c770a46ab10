package browser

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"math"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"

	"github.com/kanso-crm/kanso/internal/apptest"
	"github.com/kanso-crm/kanso/internal/base"
	"github.com/kanso-crm/kanso/internal/orm"
)

// The dashboards and the analyses in the browser (issue 6): every figure
// is compared with what the known dataset below must give.

const dashSeller = "Bianca Popescu"

// dashData is the dataset of the dashboard tests, built relative to today
// (UTC, the users' time zone) so that the current month, quarter and year
// each hold a different part of it.
//
//	name    user   revenue  status  closed                           days to close
//	Won A   admin    1000   won     today                                 10
//	Won B   Bianca   2000   won     another month of this quarter         20
//	Won C   admin    4000   won     a month of another quarter            40
//	Won D   Bianca   8000   won     this month last year                  50
//	Lost E  admin     500   lost    today
//	Lost F  Bianca    300   lost    the 10th of last month
//	Open G  admin    1500   New
//	Open H  Bianca   2500   Qualified
//	Open I  admin     700   Qualified, expected closing yesterday (overdue)
//
// Targets of the Sales team: 5,000 this month, 20,000 this quarter,
// 50,000 this year. Activities on Open G (the administrator's): one
// overdue, one today, two planned, and a call and a meeting done today.
type dashData struct {
	w      *world
	seller int64
	today  time.Time
	// lostFThisYear: Lost F was closed this year (not so in January)
	lostFThisYear bool
}

func newDashData(t *testing.T, s *apptest.Server) *dashData {
	t.Helper()
	d := &dashData{}
	d.seller = s.CreateUser(t, "bianca", "bianca-password", "sales_team.group_sale_salesman_all_leads")
	s.Sudo(t, func(env *orm.Env) error {
		return env.Write(env.Reg.Model("res.users"), []int64{d.seller}, orm.Values{"name": dashSeller})
	})
	now := time.Now().UTC()
	d.today = time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	y, m := d.today.Year(), d.today.Month()
	qs := time.Month((int(m)-1)/3*3 + 1)
	// another month of this quarter (in the past when there is one)
	inQuarter := qs
	if m == qs {
		inQuarter = qs + 1
	}
	// a month of another quarter of this year
	otherQuarter := time.January
	if qs == time.January {
		otherQuarter = time.July
	}
	tenth := func(y int, m time.Month) time.Time { return time.Date(y, m, 10, 0, 0, 0, 0, time.UTC) }
	lastMonth := tenth(y, m).AddDate(0, -1, 0)
	d.lostFThisYear = lastMonth.Year() == y
	yesterday := d.today.AddDate(0, 0, -1).Format("2006-01-02")

	opp := func(name, stage string, revenue float64, user int64, extra ...any) leadSpec {
		v := orm.Values{"expected_revenue": revenue, "user_id": user}
		for i := 0; i+1 < len(extra); i += 2 {
			v[extra[i].(string)] = extra[i+1]
		}
		return leadSpec{name: name, stage: stage, vals: v}
	}
	admin := int64(2)
	d.w = newWorld(t, s,
		opp("Won A", "New", 1000, admin), opp("Won B", "New", 2000, d.seller), opp("Won C", "New", 4000, admin),
		opp("Won D", "New", 8000, d.seller), opp("Lost E", "New", 500, admin), opp("Lost F", "Qualified", 300, d.seller),
		opp("Open G", "New", 1500, admin), opp("Open H", "Qualified", 2500, d.seller),
		opp("Open I", "Qualified", 700, admin, "date_deadline", yesterday))
	closing := []struct {
		name   string
		won    bool
		closed time.Time
		days   int
	}{
		{"Won A", true, d.today, 10}, {"Won B", true, tenth(y, inQuarter), 20}, {"Won C", true, tenth(y, otherQuarter), 40},
		{"Won D", true, tenth(y-1, m), 50}, {"Lost E", false, d.today, 3}, {"Lost F", false, lastMonth, 5},
	}
	s.Sudo(t, func(env *orm.Env) error {
		lead := env.Reg.Model("crm.lead")
		admin := env.WithUser(2)
		for _, c := range closing {
			id := []int64{d.w.leads[c.name]}
			var err error
			if c.won {
				err = admin.Write(lead, id, orm.Values{"stage_id": d.w.stages["Won"]})
			} else {
				_, err = admin.CallMethod(lead, "action_set_lost", id, map[string]any{"lost_reason_id": d.w.reasons["Too expensive"]})
			}
			if err != nil {
				return fmt.Errorf("close %s: %w", c.name, err)
			}
			// at noon, far from any day's edge
			closed := c.closed.Add(12 * time.Hour)
			created := closed.AddDate(0, 0, -c.days)
			if _, err := env.Exec("UPDATE crm_lead SET create_date = ?, date_closed = ?, day_close = ? WHERE id = ?",
				env.Dialect.TimeParam(created), env.Dialect.TimeParam(closed), float64(c.days), id[0]); err != nil {
				return err
			}
		}
		for _, tg := range []struct {
			period string
			start  time.Time
			amount float64
		}{{"month", time.Date(y, m, 1, 0, 0, 0, 0, time.UTC), 5000}, {"quarter", time.Date(y, qs, 1, 0, 0, 0, 0, time.UTC), 20000},
			{"year", time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC), 50000}} {
			if _, err := env.Create(env.Reg.Model("crm.target"), []orm.Values{{"team_id": d.w.team, "period": tg.period,
				"date_start": tg.start.Format("2006-01-02"), "amount": tg.amount}}); err != nil {
				return err
			}
		}
		types := map[string]int64{}
		for _, x := range []string{"call", "meeting", "todo", "email"} {
			id, err := base.XID(env, "mail.mail_activity_data_"+x)
			if err != nil || id == 0 {
				return fmt.Errorf("activity type %s: %d %v", x, id, err)
			}
			types[x] = id
		}
		act := env.Reg.Model("mail.activity")
		day := func(n int) string { return d.today.AddDate(0, 0, n).Format("2006-01-02") }
		var done []int64
		for _, a := range []struct {
			typ, summary string
			due          int
			done         bool
		}{{"call", "Call back", -1, false}, {"todo", "Send the offer", 0, false}, {"meeting", "Visit", 3, false},
			{"email", "Follow up", 5, false}, {"call", "First call", 0, true}, {"meeting", "Kick-off", 0, true}} {
			ids, err := admin.Create(act, []orm.Values{{"res_model": "crm.lead", "res_id": d.w.leads["Open G"], "activity_type_id": types[a.typ],
				"summary": a.summary, "date_deadline": day(a.due), "user_id": int64(2)}})
			if err != nil {
				return err
			}
			if a.done {
				done = append(done, ids...)
			}
		}
		_, err := admin.CallMethod(act, "action_done", done, nil)
		return err
	})
	return d
}

// ---- reading the pages

type dashHeadline struct {
	Label string `json:"label"`
	Value string `json:"value"`
	Sub   string `json:"sub"`
	Href  string `json:"href"`
}

// headlines are the big figures of a dashboard, by label.
func (b *session) headlines() map[string]dashHeadline {
	b.t.Helper()
	hs := eval[[]dashHeadline](b, `Array.from(document.querySelectorAll("#dashboard .headline")).map(h => ({
		label: h.querySelector(".label").textContent.trim(),
		value: h.querySelector(".value").textContent.replace(/\s+/g, " ").trim(),
		sub: (h.querySelector(".sub") || {textContent: ""}).textContent.replace(/\s+/g, " ").trim(),
		href: (h.querySelector("a.value") || {}).href || ""}))`)
	out := map[string]dashHeadline{}
	for _, h := range hs {
		out[h.Label] = h
	}
	return out
}

// headline is one big figure; the test fails when it is missing.
func (b *session) headline(label string) dashHeadline {
	b.t.Helper()
	hs := b.headlines()
	h, ok := hs[label]
	if !ok {
		b.t.Fatalf("%s: no headline %q (have %v)", b.location(), label, hs)
	}
	return h
}

// amount reads a figure as shown ("$ 1,234.50", "66.7 %", "3") in the
// English formats the tests use.
func amount(t *testing.T, s string) float64 {
	t.Helper()
	f := amountOr(s)
	if math.IsNaN(f) {
		t.Fatalf("the figure %q is not a number", s)
	}
	return f
}

// chartState is what an ECharts chart of the page draws.
type chartState struct {
	Labels []string      `json:"labels"`
	Series []chartSeries `json:"series"`
}

type chartSeries struct {
	Type   string     `json:"type"`
	Stack  string     `json:"stack"`
	Name   string     `json:"name"`
	Values []*float64 `json:"values"`
	Names  []string   `json:"names"`
}

// values are the numbers of a series (a gap is NaN).
func (s chartSeries) values() []float64 {
	out := make([]float64, len(s.Values))
	for i, v := range s.Values {
		out[i] = math.NaN()
		if v != nil {
			out[i] = *v
		}
	}
	return out
}

// chartReady tells whether ECharts has drawn the chart of the element
// (JavaScript).
func chartReady(id string) string {
	return `(el => !!(window.echarts && el && echarts.getInstanceByDom(el) && echarts.getInstanceByDom(el).getOption().series))(document.getElementById(` + js(id) + `))`
}

// chart waits until the chart of the element is drawn and reads it
// through ECharts.
func (b *session) chart(id string) chartState {
	b.t.Helper()
	waitFor[bool](b, "the chart "+id+" is drawn", chartReady(id))
	return eval[chartState](b, `(() => {
		const o = echarts.getInstanceByDom(document.getElementById(`+js(id)+`)).getOption();
		const val = d => d === null || d === undefined ? null : Array.isArray(d) ? d[1] : typeof d === "object" ? (d.value === undefined ? null : d.value) : d;
		return {labels: ((o.xAxis && o.xAxis[0] && o.xAxis[0].data) || []).map(String),
			series: (o.series || []).map(s => ({type: s.type, stack: s.stack || "", name: s.name || "",
				values: (s.data || []).map(val), names: (s.data || []).map(d => d && typeof d === "object" && !Array.isArray(d) ? (d.name || "") : "")}))};
	})()`)
}

type xy struct {
	X float64 `json:"x"`
	Y float64 `json:"y"`
}

// navigate runs actions that open a page and waits for it; the page must
// answer 200.
func (b *session) navigate(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if st := b.submit(what, steps...); st != 200 {
		b.fail(what, fmt.Errorf("%s answered %d", b.location(), st))
	}
}

// clickChartAt clicks with the mouse at a place of a chart (fractions of
// its width and height) and waits for the page it opens.
func (b *session) clickChartAt(what, id string, fx, fy float64) {
	b.t.Helper()
	waitFor[bool](b, "the chart "+id+" is drawn", chartReady(id))
	p := eval[xy](b, fmt.Sprintf(`(el => {
		el.scrollIntoView({block: "center", behavior: "instant"});
		const r = el.getBoundingClientRect();
		return {x: r.left + r.width * %f, y: r.top + r.height * %f};
	})(document.getElementById(%s))`, fx, fy, js(id)))
	b.navigate(what, chromedp.MouseClickXY(p.X, p.Y))
}

// clickChart clicks with the mouse, as a person does, in the middle of
// the bar of a category of a chart's series, and waits for the page it
// opens. It clicks once the chart's own hit test finds the bar there
// (the bars grow when they are drawn).
func (b *session) clickChart(what, id string, series, index int) {
	b.t.Helper()
	waitFor[bool](b, "the chart "+id+" is drawn", chartReady(id))
	eval[bool](b, `(el => { el.scrollIntoView({block: "center", behavior: "instant"}); return true; })(document.getElementById(`+js(id)+`))`)
	p := waitFor[xy](b, what+": the bar is under the mouse", fmt.Sprintf(`(() => {
		const el = document.getElementById(%s), r = el.getBoundingClientRect();
		const c = echarts.getInstanceByDom(el), d = c.getOption().series[%d].data[%d];
		const v = Array.isArray(d) ? d[1] : typeof d === "object" ? d.value : d;
		const top = c.convertToPixel({seriesIndex: %d}, [%d, v]), bottom = c.convertToPixel({seriesIndex: %d}, [%d, 0]);
		const x = top[0], y = (top[1] + bottom[1]) / 2, hit = c.getZr().handler.findHover(x, y);
		return hit && hit.target ? {x: r.left + x, y: r.top + y} : null;
	})()`, js(id), series, index, series, index, series, index))
	b.navigate(what, chromedp.MouseClickXY(p.X, p.Y))
}

// choose picks an option of a select that submits its form on change,
// as the dashboards' and the analyses' selects do (chromedp's SetValue
// fires input and change), and waits for the page.
func (b *session) choose(what, css, value string) {
	b.t.Helper()
	b.navigate(what, chromedp.SetValue(chromedp.CSS(css), value))
}

// follow clicks a link and waits for the page it opens.
func (b *session) follow(what, css string) {
	b.t.Helper()
	b.navigate(what, chromedp.Click(chromedp.CSS(css)))
}

// rowNames are the names of the records of a list page, sorted.
func (b *session) rowNames() []string {
	b.t.Helper()
	waitFor[bool](b, "the list is shown", `!!document.querySelector("#list-form table.list tbody")`)
	names := eval[[]string](b, `Array.from(document.querySelectorAll("#list-form table.list tbody tr")).map(r => r.cells[1].textContent.trim())`)
	sort.Strings(names)
	return names
}

func near(a, b float64) bool { return math.Abs(a-b) < 0.005 }

func sameFloats(got, want []float64) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if !near(got[i], want[i]) {
			return false
		}
	}
	return true
}

// pct is a share rounded as the dashboards round it, as shown.
func pct(part, whole float64) string {
	return strconv.FormatFloat(math.Round(part/whole*1000)/10, 'f', 1, 64) + " %"
}

// ---- 1 and 3: each dashboard shows the dataset's figures; the period and
// the measure change them.

func TestDashboardFiguresPeriodsAndMeasure(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *apptest.Server) {
		d := newDashData(t, s)
		b := newSession(t, s, desktop)
		b.login("admin", apptest.AdminPassword)

		checkMoney := func(h dashHeadline, want float64) {
			t.Helper()
			if got := amount(t, h.Value); !near(got, want) {
				t.Errorf("%s: %q shows %q; want %.2f", b.location(), h.Label, h.Value, want)
			}
		}
		checkText := func(h dashHeadline, field, got, want string) {
			t.Helper()
			if got != want {
				t.Errorf("%s: %q %s is %q; want %q", b.location(), h.Label, field, got, want)
			}
		}

		// ---- Missed Sales: Lost E this month against Lost F last month
		b.open("/dashboards/missed-sales", "#dashboard .headline")
		cur, prev := b.headline("Lost this month"), b.headline("Lost last month")
		checkMoney(cur, 500)
		checkText(cur, "sub", cur.Sub, "1 opportunities")
		checkMoney(prev, 300)
		checkText(prev, "sub", prev.Sub, "1 opportunities")
		if ch := b.headline("Change"); ch.Value != "66.7 %" {
			t.Errorf("missed sales: change %q; want 66.7 %% ((500 - 300) / 300)", ch.Value)
		}
		if g := b.chart("chart-gauge"); len(g.Series) != 1 || g.Series[0].Type != "gauge" || !sameFloats(g.Series[0].values(), []float64{500}) {
			t.Errorf("missed sales: the gauge draws %+v; want one gauge at 500", g)
		}

		// ---- Actual vs Target by month, quarter and year
		b.open("/dashboards/actual-vs-target", "#dashboard .headline")
		for _, c := range []struct {
			period         string
			won, target    float64
			count          int
			achieved, note string
		}{
			{"month", 1000, 5000, 1, "20.0 %", "Won A"},
			{"quarter", 3000, 20000, 2, "15.0 %", "Won A and B"},
			{"year", 7000, 50000, 3, "14.0 %", "Won A, B and C (D is last year's)"},
		} {
			if c.period != "month" {
				b.choose("choose the period "+c.period, `select[name="period"]`, c.period)
			}
			if q := eval[string](b, `location.search`); !strings.Contains(q, "period="+c.period) && c.period != "month" {
				t.Errorf("after choosing %s the address is %q", c.period, q)
			}
			if sel := eval[string](b, selectedValue(`select[name="period"]`)); sel != c.period {
				t.Errorf("the period select shows %q; want %q", sel, c.period)
			}
			won := b.headline("Won this period")
			checkMoney(won, c.won)
			checkText(won, "sub", won.Sub, fmt.Sprintf("%d opportunities", c.count))
			checkMoney(b.headline("Target"), c.target)
			if a := b.headline("Achieved"); a.Value != c.achieved {
				t.Errorf("actual vs target by %s: achieved %q; want %q (%s)", c.period, a.Value, c.achieved, c.note)
			}
			if g := b.chart("chart-gauge"); len(g.Series) != 1 || !sameFloats(g.Series[0].values(), []float64{c.won}) {
				t.Errorf("actual vs target by %s: the gauge draws %+v; want %.0f", c.period, g, c.won)
			}
			// the chart by period has every period of the year
			want := map[string]int{"month": 12, "quarter": 4, "year": 1}[c.period]
			if p := b.chart("chart-periods"); len(p.Labels) != want {
				t.Errorf("actual vs target by %s: %d periods on the chart %v; want %d", c.period, len(p.Labels), p.Labels, want)
			}
		}

		// ---- Average Sales Cycle: 10, 20 and 40 days; by period on the chart
		b.open("/dashboards/sales-cycle", "#dashboard .headline")
		avg := b.headline("Average days from creation to won")
		checkText(avg, "value", avg.Value, "23.3")
		checkText(avg, "sub", avg.Sub, "3 opportunities")
		for _, c := range []struct {
			period string
			want   []float64
		}{{"month", []float64{10, 20, 40}}, {"quarter", []float64{15, 40}}, {"year", []float64{23.3}}} {
			if c.period != "month" {
				b.choose("choose the period "+c.period, `select[name="period"]`, c.period)
			}
			p := b.chart("chart-periods")
			if len(p.Series) != 1 {
				t.Fatalf("sales cycle by %s: %d series", c.period, len(p.Series))
			}
			got := p.Series[0].values()
			sort.Float64s(got)
			if !sameFloats(got, c.want) {
				t.Errorf("sales cycle by %s: the chart draws %v days (labels %v); want %v", c.period, got, p.Labels, c.want)
			}
		}

		// ---- Win/Loss: by count, then by amount
		lostCount, lostAmount := 1.0, 500.0
		if d.lostFThisYear {
			lostCount, lostAmount = 2, 800
		}
		b.open("/dashboards/win-loss", "#dashboard .headline")
		measure := `select[aria-label="Measure"]`
		if sel := eval[string](b, selectedText(measure)); sel != "By count" {
			t.Errorf("win/loss opens by %q; want By count", sel)
		}
		won, lost := b.headline("Won"), b.headline("Lost")
		checkText(won, "value", won.Value, "3")
		checkText(lost, "value", lost.Value, strconv.Itoa(int(lostCount)))
		if v := b.headline("Win ratio (count)").Value; v != pct(3, 3+lostCount) {
			t.Errorf("win ratio by count %q; want %q", v, pct(3, 3+lostCount))
		}
		if v := b.headline("Win ratio (amount)").Value; v != pct(7000, 7000+lostAmount) {
			t.Errorf("win ratio by amount %q; want %q", v, pct(7000, 7000+lostAmount))
		}
		pie := b.chart("chart-ratio")
		if len(pie.Series) != 1 || pie.Series[0].Type != "pie" || !sameFloats(pie.Series[0].values(), []float64{3, lostCount}) {
			t.Errorf("win/loss by count: the pie draws %+v; want won 3, lost %.0f", pie, lostCount)
		}
		b.choose("choose the measure by amount", measure, "amount")
		if sel := eval[string](b, selectedText(measure)); sel != "By amount" {
			t.Errorf("after choosing by amount the select shows %q", sel)
		}
		pie = b.chart("chart-ratio")
		if len(pie.Series) != 1 || !sameFloats(pie.Series[0].values(), []float64{7000, lostAmount}) {
			t.Errorf("win/loss by amount: the pie draws %+v; want won 7000, lost %.0f", pie, lostAmount)
		}
		won, lost = b.headline("Won"), b.headline("Lost")
		checkMoney(won, 7000)
		checkText(won, "sub", won.Sub, "3 opportunities")
		checkMoney(lost, lostAmount)

		// ---- Revenue Analysis: this year against last year, top salespersons
		b.open("/dashboards/revenue", "#dashboard .headline")
		checkMoney(b.headline("Won this year"), 7000)
		checkMoney(b.headline("Won last year"), 8000)
		if top := b.chart("chart-salespersons"); len(top.Series) != 1 || fmt.Sprint(top.Labels) != fmt.Sprint([]string{"Administrator", dashSeller}) ||
			!sameFloats(top.Series[0].values(), []float64{5000, 2000}) {
			t.Errorf("revenue: top salespersons %+v; want Administrator 5000, %s 2000", top, dashSeller)
		}
		months := b.chart("chart-months")
		if len(months.Series) != 2 || len(months.Labels) != 12 {
			t.Fatalf("revenue: the monthly chart has %d series and %d months", len(months.Series), len(months.Labels))
		}
		m := int(d.today.Month()) - 1
		if this, last := months.Series[0].values(), months.Series[1].values(); !near(this[m], 1000) || !near(last[m], 8000) {
			t.Errorf("revenue: this month %.0f against %.0f last year; want 1000 (Won A) against 8000 (Won D)", this[m], last[m])
		}

		// ---- Activities: open ones by state, done ones by type
		b.open("/dashboards/activities", "#dashboard .headline")
		for label, want := range map[string]string{"Overdue": "1", "Today": "1", "Planned": "2"} {
			h := b.headline(label)
			checkText(h, "value", h.Value, want)
		}
		types := b.chart("chart-types")
		got := map[string]float64{}
		if len(types.Series) == 1 {
			for i, n := range types.Series[0].Names {
				got[n] = types.Series[0].values()[i]
			}
		}
		if len(got) != 2 || got["Call"] != 1 || got["Meeting"] != 1 {
			t.Errorf("activities done by type: %v; want Call 1, Meeting 1", got)
		}

		// ---- General: the Sales team's card
		b.open("/dashboards/general", "#dashboard .headline")
		sales := b.headline("Sales")
		checkMoney(sales, 4700) // G, H and I
		checkText(sales, "sub", sales.Sub, "3 open, 1 overdue, 0 unassigned; 20.0 % of the month's target")
	})
}

// selectedValue is the value of a select (JavaScript).
func selectedValue(css string) string {
	return `(s => s ? s.value : "")(document.querySelector(` + js(css) + `))`
}

// ---- 2: from a gauge or a headline figure, click by click, to the graph
// of its records, the kanban of the records of a bar and the list from
// which to act on them (the guide's Gauge > Graph > Kanban > Action).

func TestDashboardDrillDown(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *apptest.Server) {
		d := newDashData(t, s)
		// Won C belongs to another team (with the shared stages): the
		// Administrator's won opportunities span two teams
		s.Sudo(t, func(env *orm.Env) error {
			europe, err := env.Create(env.Reg.Model("crm.team"), []orm.Values{{"name": "Europe"}})
			if err != nil {
				return err
			}
			return env.WithUser(2).Write(env.Reg.Model("crm.lead"), []int64{d.w.leads["Won C"]}, orm.Values{"team_id": europe[0]})
		})
		b := newSession(t, s, desktop)
		b.login("admin", apptest.AdminPassword)

		// expectGraph checks the graph a figure opened: the records of the
		// figure by salesperson
		expectGraph := func(from string, labels []string, values []float64) {
			t.Helper()
			if p := eval[string](b, `location.pathname`); p != "/crm/reporting/pipeline" {
				t.Fatalf("%s opened %s; want the graph of the Pipeline Analysis", from, b.location())
			}
			q, _ := url.ParseQuery(strings.TrimPrefix(eval[string](b, `location.search`), "?"))
			if q.Get("view") != "graph" {
				t.Errorf("%s opened the analysis as %q; want the graph", from, q.Get("view"))
			}
			g := b.chart("chart")
			if len(g.Series) != 1 || fmt.Sprint(g.Labels) != fmt.Sprint(labels) || !sameFloats(g.Series[0].values(), values) {
				t.Errorf("%s: the graph draws %+v; want %v %v", from, g, labels, values)
			}
		}
		// expectKanban checks the kanban a bar opened: every card of the
		// board is shown (the counts of the columns add up to them) and
		// they are the records wanted; team is the team switcher's choice
		expectKanban := func(from, team string, want ...string) {
			t.Helper()
			if p := eval[string](b, `location.pathname`); p != "/crm/pipeline" {
				t.Fatalf("%s opened %s; want the kanban", from, b.location())
			}
			if got := eval[string](b, selectedValue("#team")); got != team {
				t.Errorf("%s: the kanban shows the team %q; want %q", from, got, team)
			}
			type board struct {
				Cards []string `json:"cards"`
				Count int      `json:"count"`
			}
			got := eval[board](b, `({cards: Array.from(document.querySelectorAll("#board li.card .card-title")).map(a => a.textContent.trim()),
				count: Array.from(document.querySelectorAll("#board section.column [data-count]")).reduce((n, c) => n + parseInt(c.textContent, 10), 0)})`)
			sort.Strings(got.Cards)
			if fmt.Sprint(got.Cards) != fmt.Sprint(want) || got.Count != len(want) {
				t.Errorf("%s: the kanban shows the cards %v of %d; want %v", from, got.Cards, got.Count, want)
			}
		}
		expectList := func(from string, want ...string) {
			t.Helper()
			if p := eval[string](b, `location.pathname`); p != "/list/opportunities" {
				t.Fatalf("%s opened %s; want the list of opportunities", from, b.location())
			}
			if got := b.rowNames(); fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("%s: the list shows %v; want %v", from, got, want)
			}
		}
		// kanbanThenList: the kanban a bar opened, then its List button
		kanbanThenList := func(from string, want ...string) {
			t.Helper()
			expectKanban(from, "all", want...)
			b.follow("click List on the kanban of "+from, "#btn-list")
			expectList("the List button of the kanban of "+from, want...)
		}

		// gauge > graph > kanban > list: the opportunities lost this month
		b.open("/dashboards/missed-sales", "#chart-gauge")
		b.clickChartAt("click the middle of the gauge of Missed Sales", "chart-gauge", 0.5, 0.5)
		expectGraph("the gauge of Missed Sales", []string{"Administrator"}, []float64{500})
		b.clickChart("click the bar of the Administrator", "chart", 0, 0)
		kanbanThenList("the bar of the graph of the lost opportunities", "Lost E")

		// a gauge at zero opens too: nothing of the seller's was lost this month
		b.open("/dashboards/missed-sales?user="+itoa(d.seller), "#chart-gauge")
		if g := b.chart("chart-gauge"); len(g.Series) != 1 || !sameFloats(g.Series[0].values(), []float64{0}) {
			t.Fatalf("missed sales of %s: the gauge draws %+v; want 0", dashSeller, g)
		}
		// away from the needle and the arc, near the corner of the chart
		b.clickChartAt("click the gauge at zero", "chart-gauge", 0.1, 0.1)
		expectGraph("the gauge at zero", []string{}, []float64{})
		if !eval[bool](b, `!!document.getElementById("no-data")`) {
			t.Errorf("the graph of no records does not say so")
		}

		// headline > graph > kanban > list: last month's
		b.open("/dashboards/missed-sales", "#dashboard .headline")
		b.follow("click the figure lost last month", b.headlineLink("Lost last month"))
		expectGraph("the figure lost last month", []string{dashSeller}, []float64{300})
		b.clickChart("click the bar of "+dashSeller, "chart", 0, 0)
		kanbanThenList("the bar of the graph of last month's lost opportunities", "Lost F")

		// the gauge of Actual vs Target by quarter: the revenue won this
		// quarter; the seller's is in the Won column, folded in the team's
		// kanban but open here, where it holds every card
		b.open("/dashboards/actual-vs-target?period=quarter", "#chart-gauge")
		b.clickChartAt("click the gauge of Actual vs Target", "chart-gauge", 0.5, 0.5)
		expectGraph("the gauge of Actual vs Target by quarter", []string{"Administrator", dashSeller}, []float64{1000, 2000})
		b.clickChart("click the bar of "+dashSeller, "chart", 0, 1)
		kanbanThenList("the bar of the won revenue of "+dashSeller+" this quarter", "Won B")

		// Win/Loss by count: the won figure opens the count by salesperson;
		// the Administrator's bar holds won opportunities of two teams,
		// which the kanban of all teams shows together
		b.open("/dashboards/win-loss", "#dashboard .headline")
		b.follow("click the won figure", b.headlineLink("Won"))
		expectGraph("the won figure", []string{"Administrator", dashSeller}, []float64{2, 1})
		b.clickChart("click the bar of the Administrator", "chart", 0, 0)
		kanban := b.location()
		teams := eval[map[string]string](b, `Object.fromEntries(Array.from(document.querySelectorAll("#board li.card")).map(c =>
			[c.querySelector(".card-title").textContent.trim(), (c.querySelector(".card-team") || {textContent: ""}).textContent.trim()]))`)
		if !sameMap(teams, map[string]string{"Won A": "Sales", "Won C": "Europe"}) {
			t.Errorf("the cards of the kanban of all teams say the teams %v; want Won A of Sales, Won C of Europe", teams)
		}
		kanbanThenList("the bar of the opportunities the Administrator won this year", "Won A", "Won C")
		// choosing a team in the kanban keeps the bar's records: the Sales
		// team's part, and the list of the same
		b.open(kanban, "#board")
		b.choose("choose the Sales team on the kanban of the bar", "#team", itoa(d.w.team))
		if q, _ := url.ParseQuery(strings.TrimPrefix(eval[string](b, `location.search`), "?")); q.Get("d") == "" || q.Get("team") != itoa(d.w.team) {
			t.Errorf("choosing the Sales team opened %s; want the Sales kanban with the bar's domain", b.location())
		}
		expectKanban("the Sales team chosen on the kanban of the bar", itoa(d.w.team), "Won A")
		b.follow("click List on the Sales kanban of the bar", "#btn-list")
		expectList("the List button of the Sales kanban of the bar", "Won A")

		// the average sales cycle opens the average days by salesperson:
		// 10 and 40 days for the Administrator, 20 for the seller
		b.open("/dashboards/sales-cycle", "#dashboard .headline")
		b.follow("click the average sales cycle", b.headlineLink("Average days from creation to won"))
		expectGraph("the average sales cycle", []string{"Administrator", dashSeller}, []float64{25, 20})
		b.clickChart("click the bar of the Administrator", "chart", 0, 0)
		kanbanThenList("the bar of the Administrator's sales cycle", "Won A", "Won C")

		// a bar of a dashboard's own graph opens the kanban of its records
		b.open("/dashboards/revenue", "#chart-salespersons")
		b.clickChart("click the bar of "+dashSeller+" among the top salespersons", "chart-salespersons", 0, 1)
		kanbanThenList("the bar of "+dashSeller+" among the top salespersons", "Won B")

		// a team card of the general board opens the team's kanban
		b.open("/dashboards/general", "#dashboard .headline")
		b.follow("click the Sales card", b.headlineLink("Sales"))
		if p := eval[string](b, `location.pathname`); p != "/crm/pipeline" {
			t.Fatalf("the Sales card opened %s; want the pipeline", b.location())
		}
		type col struct {
			Label string `json:"label"`
			Count string `json:"count"`
		}
		cols := eval[[]col](b, `Array.from(document.querySelectorAll("#board section.column")).map(c => ({label: c.getAttribute("aria-label"), count: c.querySelector("[data-count]").textContent.trim()}))`)
		counts := map[string]string{}
		for _, c := range cols {
			counts[c.Label] = c.Count
		}
		if counts["New"] != "1" || counts["Qualified"] != "2" || counts["Won"] != "3" {
			t.Errorf("the Sales kanban counts %v; want New 1 (G), Qualified 2 (H, I), Won 3 (A, B, D; C is Europe's)", counts)
		}
		if !eval[bool](b, `!!document.querySelector("#card-`+itoa(d.w.leads["Open G"])+`")`) {
			t.Errorf("the Sales kanban has no card for Open G")
		}
		// the folded Won column loads its cards when it is unfolded
		wonCol := columnSel(d.w.stages["Won"])
		if n := eval[int](b, `document.querySelectorAll(`+js(wonCol+" li.card")+`).length`); n != 0 {
			t.Errorf("the folded Won column has %d cards before it is unfolded", n)
		}
		b.do("unfold the Won column", chromedp.Click(chromedp.CSS(wonCol+" .fold")))
		wonCards := waitFor[[]string](b, "the cards of the Won column", `(l => l.length === 3 ? l.sort() : null)(Array.from(document.querySelectorAll(`+
			js(wonCol+" li.card .card-title")+`)).map(a => a.textContent.trim()))`)
		if fmt.Sprint(wonCards) != "[Won A Won B Won D]" {
			t.Errorf("the unfolded Won column shows %v; want Won A, B and D", wonCards)
		}
	})
}

// headlineLink selects the link of the headline figure with the label.
func (b *session) headlineLink(label string) string {
	b.t.Helper()
	i := eval[int](b, `Array.from(document.querySelectorAll("#dashboard .headlines > .headline")).findIndex(h => h.querySelector(".label").textContent.trim() === `+js(label)+`)`)
	if i < 0 {
		b.t.Fatalf("%s: no headline %q", b.location(), label)
	}
	return fmt.Sprintf("#dashboard .headlines > .headline:nth-child(%d) a.value", i+1)
}

// ---- 4: a pivot with two group-bys, built in the page, downloaded as XLSX.

// pivotCell is the text of a pivot cell by its row and column labels.
func (b *session) pivotCell(row, col, measure string) string {
	b.t.Helper()
	return eval[string](b, `(td => td ? td.textContent.trim() : "<none>")(document.querySelector(`+
		js(`#pivot td[title="`+row+` / `+col+`"][data-measure="`+measure+`"]`)+`))`)
}

func TestPivotTwoGroupBysAndDownload(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *apptest.Server) {
		newDashData(t, s)
		b := newSession(t, s, desktop)
		b.login("admin", apptest.AdminPassword)

		b.open("/crm/reporting/pipeline?view=pivot", "#pivot")
		// the columns by creation month go; the salesperson comes instead
		b.follow("collapse the columns by creation month", `#axis-c a.facet[data-spec="create_date:month"]`)
		if n := eval[int](b, `document.querySelectorAll("#axis-c a.facet").length`); n != 0 {
			t.Fatalf("after collapsing, the columns still have %d group-bys", n)
		}
		b.choose("expand the columns by salesperson", "#add-c", "user_id")
		// the rows by stage are rebuilt the same way
		b.follow("collapse the rows by stage", `#axis-r a.facet[data-spec="stage_id"]`)
		b.choose("expand the rows by stage", "#add-r", "stage_id")
		specs := func(axis string) []string {
			return eval[[]string](b, `Array.from(document.querySelectorAll("#axis-`+axis+` a.facet")).map(a => a.dataset.spec)`)
		}
		if r, c := specs("r"), specs("c"); fmt.Sprint(r) != "[stage_id]" || fmt.Sprint(c) != "[user_id]" {
			t.Fatalf("the pivot is grouped by rows %v and columns %v; want stage_id and user_id", r, c)
		}
		// measures: the count and the expected revenue, not the prorated one
		b.follow("add the count", `.measures a[data-measure="__count"]`)
		b.follow("add the expected revenue", `.measures a[data-measure="expected_revenue:sum"]`)
		b.follow("remove the prorated revenue", `.measures a[data-measure="prorated_revenue:sum"]`)
		on := eval[[]string](b, `Array.from(document.querySelectorAll(".measures a.measure.on")).map(a => a.dataset.measure)`)
		if !sameStrings(on, []string{"__count", "expected_revenue:sum"}) {
			t.Fatalf("the measures on are %v", on)
		}
		heads := eval[[]string](b, `Array.from(document.querySelectorAll("#pivot thead th.colhead")).map(h => h.textContent.trim())`)
		if fmt.Sprint(heads) != fmt.Sprint([]string{"Administrator", dashSeller, "Total"}) {
			t.Errorf("the column headers are %v", heads)
		}
		rows := eval[[]string](b, `Array.from(document.querySelectorAll("#pivot tbody th.rowhead")).map(h => h.textContent.trim())`)
		if fmt.Sprint(rows) != "[New Qualified Won]" {
			t.Errorf("the row headers are %v; want New, Qualified, Won (the lost ones are archived)", rows)
		}
		// the open and won opportunities: G (admin, New), H (Bianca) and I
		// (admin) Qualified, A and C (admin) and B and D (Bianca) Won
		for _, c := range []struct{ row, col, measure, want string }{
			{"Won", "Administrator", "__count", "2"},
			{"Won", "Administrator", "expected_revenue:sum", "5,000.00"},
			{"Won", dashSeller, "expected_revenue:sum", "10,000.00"},
			{"Qualified", dashSeller, "__count", "1"},
			{"Qualified", "Total", "expected_revenue:sum", "3,200.00"},
			{"New", dashSeller, "__count", ""},
			{"Total", "Administrator", "__count", "4"},
			{"Total", "Total", "expected_revenue:sum", "19,700.00"},
			{"Total", "Total", "__count", "7"},
		} {
			got := b.pivotCell(c.row, c.col, c.measure)
			if c.want == "" && got != "" || c.want != "" && (got == "<none>" || !near(amountOr(got), amount(t, c.want))) {
				t.Errorf("pivot cell %s / %s (%s): %q; want %q", c.row, c.col, c.measure, got, c.want)
			}
		}
		// a cell opens its records
		pivot := b.location()
		b.follow("open the cell Qualified / Administrator", `#pivot td[title="Qualified / Administrator"][data-measure="__count"] a`)
		if got := b.rowNames(); fmt.Sprint(got) != "[Open I]" {
			t.Errorf("the cell Qualified / Administrator lists %v; want [Open I]", got)
		}
		b.open(pivot, "#xlsx")

		// the download, fetched as the page's link does
		type download struct {
			Status      int    `json:"status"`
			Type        string `json:"type"`
			Disposition string `json:"disposition"`
			Body        string `json:"body"`
			Attr        bool   `json:"attr"`
		}
		dl := eval[download](b, `(async () => {
			const a = document.getElementById("xlsx");
			const r = await fetch(a.href);
			const buf = new Uint8Array(await r.arrayBuffer());
			let s = "";
			for (let i = 0; i < buf.length; i++) s += String.fromCharCode(buf[i]);
			return {status: r.status, type: r.headers.get("content-type") || "", disposition: r.headers.get("content-disposition") || "",
				body: btoa(s), attr: a.hasAttribute("download")};
		})()`)
		if dl.Status != 200 {
			t.Fatalf("the download answered %d", dl.Status)
		}
		if dl.Type != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" {
			t.Errorf("the download's content type is %q", dl.Type)
		}
		if !strings.Contains(dl.Disposition, "attachment") || !strings.Contains(dl.Disposition, ".xlsx") {
			t.Errorf("the download's disposition is %q", dl.Disposition)
		}
		if !dl.Attr {
			t.Errorf("the download link has no download attribute")
		}
		body, err := base64.StdEncoding.DecodeString(dl.Body)
		if err != nil {
			t.Fatalf("decode the download: %v", err)
		}
		if !bytes.HasPrefix(body, []byte("PK")) {
			t.Fatalf("the download is not a ZIP (XLSX) file: %q", body[:min(len(body), 16)])
		}
		f, err := excelize.OpenReader(bytes.NewReader(body))
		if err != nil {
			t.Fatalf("open the XLSX: %v", err)
		}
		defer f.Close()
		sheets := f.GetSheetList()
		if len(sheets) != 1 || sheets[0] != "Pipeline Analysis" {
			t.Fatalf("the workbook's sheets are %v", sheets)
		}
		grid, err := f.GetRows(sheets[0])
		if err != nil {
			t.Fatal(err)
		}
		cell := func(r, c int) string {
			if r < len(grid) && c < len(grid[r]) {
				return grid[r][c]
			}
			return ""
		}
		// row 1: the salespersons (each over its two measures), row 2: the
		// measures, then a row per stage and the total
		if cell(0, 1) != "Administrator" || cell(0, 3) != dashSeller || cell(0, 5) != "Total" {
			t.Errorf("the workbook's header is %v", grid[0])
		}
		if cell(1, 0) != "Stage" || cell(1, 1) != "Count" || cell(1, 2) != "Expected Revenue" {
			t.Errorf("the workbook's measure row is %v", grid[min(1, len(grid)-1)])
		}
		won := -1
		for i := range grid {
			if cell(i, 0) == "Won" {
				won = i
			}
		}
		if won < 0 {
			t.Fatalf("the workbook has no row Won: %v", grid)
		}
		// raw values, as numbers
		for _, c := range []struct {
			col  int
			want float64
		}{{1, 2}, {2, 5000}, {3, 2}, {4, 10000}, {5, 4}, {6, 15000}} {
			name, _ := excelize.CoordinatesToCellName(c.col+1, won+1)
			v, err := f.GetCellValue(sheets[0], name, excelize.Options{RawCellValue: true})
			if err != nil {
				t.Fatal(err)
			}
			if x, err := strconv.ParseFloat(v, 64); err != nil || !near(x, c.want) {
				t.Errorf("workbook cell %s (Won): %q; want %v", name, v, c.want)
			}
		}
		last := len(grid) - 1
		if cell(last, 0) != "Total" || amountOr(cell(last, 5)) != 7 {
			t.Errorf("the workbook's total row is %v; want Total … 7 records", grid[last])
		}
	})
}

// amountOr reads a figure, NaN when it is none.
func amountOr(s string) float64 {
	clean := strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' || r == '.' || r == '-' {
			return r
		}
		return -1
	}, s)
	f, err := strconv.ParseFloat(clean, 64)
	if err != nil {
		return math.NaN()
	}
	return f
}

// ---- 5: the chart of an analysis as bars, lines, stacked, and a pie.

func TestChartTypes(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *apptest.Server) {
		newDashData(t, s)
		b := newSession(t, s, desktop)
		b.login("admin", apptest.AdminPassword)

		b.open("/crm/reporting/pipeline?view=pivot&r=stage_id&c=user_id&m=__count", "#pivot")
		b.follow("switch to the graph", "#view-graph")
		state := func() chartState {
			t.Helper()
			return b.chart("chart")
		}
		// by stage (categories) and salesperson (series), counting
		wantLabels := "[New Qualified Won]"
		wantSeries := map[string][]float64{"Administrator": {1, 1, 2}, dashSeller: {0, 1, 2}}
		check := func(what, typ, stack string) {
			t.Helper()
			c := state()
			if fmt.Sprint(c.Labels) != wantLabels {
				t.Errorf("%s: categories %v; want %s", what, c.Labels, wantLabels)
			}
			if len(c.Series) != 2 {
				t.Fatalf("%s: %d series; want one per salesperson", what, len(c.Series))
			}
			for _, s := range c.Series {
				if s.Type != typ || s.Stack != stack {
					t.Errorf("%s: series %q is a %q stacked %q; want %q stacked %q", what, s.Name, s.Type, s.Stack, typ, stack)
				}
				if want, ok := wantSeries[s.Name]; !ok || !sameFloats(s.values(), want) {
					t.Errorf("%s: series %q draws %v; want %v", what, s.Name, s.values(), want)
				}
			}
		}
		pressed := func(id string) bool {
			return eval[bool](b, `(a => !!a && (a.classList.contains("on") || a.getAttribute("aria-pressed") === "true" || a.getAttribute("aria-current") === "true"))(document.getElementById(`+js(id)+`))`)
		}
		check("the graph", "bar", "")
		if !pressed("chart-bar") || pressed("chart-line") {
			t.Errorf("the bar switch is not the one shown as on")
		}
		b.follow("switch to lines", "#chart-line")
		check("lines", "line", "")
		if !pressed("chart-line") || pressed("chart-bar") {
			t.Errorf("after switching to lines the line switch is not on")
		}
		b.follow("stack the lines", "#stacked")
		check("stacked lines", "line", "total")
		if !pressed("stacked") {
			t.Errorf("the stacked switch is not on")
		}
		b.follow("switch to bars, still stacked", "#chart-bar")
		check("stacked bars", "bar", "total")
		b.follow("unstack", "#stacked")
		check("bars", "bar", "")

		// a pie: a slice per stage, its total
		b.follow("switch to a pie", "#chart-pie")
		pie := state()
		slices := func(c chartState) map[string]float64 {
			out := map[string]float64{}
			if len(c.Series) == 1 {
				for i, n := range c.Series[0].Names {
					out[n] = c.Series[0].values()[i]
				}
			}
			return out
		}
		if len(pie.Series) != 1 || pie.Series[0].Type != "pie" {
			t.Fatalf("the pie chart draws %+v", pie)
		}
		if got := slices(pie); !sameMap(fmtMap(got), map[string]string{"New": "1", "Qualified": "2", "Won": "4"}) {
			t.Errorf("the pie by count: %v; want New 1, Qualified 2, Won 4", got)
		}
		if eval[bool](b, `!!document.getElementById("stacked")`) {
			t.Errorf("a pie offers stacking")
		}
		// another measure: the expected revenue of each stage
		b.follow("chart the expected revenue", `.measures a[data-measure="expected_revenue:sum"]`)
		if got := slices(state()); !sameMap(fmtMap(got), map[string]string{"New": "1500", "Qualified": "3200", "Won": "15000"}) {
			t.Errorf("the pie by expected revenue: %v; want New 1500, Qualified 3200, Won 15000", got)
		}
		if typ := state().Series[0].Type; typ != "pie" {
			t.Errorf("changing the measure changed the chart to %q", typ)
		}
		// back to bars: the revenue by stage and salesperson
		b.follow("switch back to bars", "#chart-bar")
		wantSeries = map[string][]float64{"Administrator": {1500, 700, 5000}, dashSeller: {0, 2500, 10000}}
		check("bars of the expected revenue", "bar", "")
	})
}

func fmtMap(m map[string]float64) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		out[k] = strconv.FormatFloat(v, 'f', -1, 64)
	}
	return out
}
