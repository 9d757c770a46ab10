package web_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/kanso-crm/kanso/internal/apptest"
	"github.com/kanso-crm/kanso/internal/base"
	"github.com/kanso-crm/kanso/internal/orm"
	"github.com/kanso-crm/kanso/internal/testutil"
	"github.com/kanso-crm/kanso/internal/web"
)

// analysisSite serves the pages with the analyses on the database of p,
// whether or not the application's routes include them yet.
type analysisSite struct {
	url   string
	admin *browser
}

func newAnalysisSite(t *testing.T, p *pages) *analysisSite {
	app, err := web.NewApp(p.s.App.Runner, testutil.Logger(t), false, "test")
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	app.Routes(mux)
	if _, pattern := mux.Handler(httptest.NewRequest("GET", "/crm/reporting/pipeline", nil)); !strings.Contains(pattern, "{analysis}") {
		app.AnalysisRoutes(mux)
	}
	srv := httptest.NewServer(web.Protect(mux))
	t.Cleanup(srv.Close)
	s := &analysisSite{url: srv.URL, admin: newBrowser(t, srv.URL)}
	s.admin.login("admin", apptest.AdminPassword)
	return s
}

func (s *analysisSite) browser(t *testing.T, login, pw string) *browser {
	b := newBrowser(t, s.url)
	b.login(login, pw)
	return b
}

// analysisData is a small known pipeline: opportunities by stage and
// creation month, two of them sue's, plus a lead and a lost opportunity
// that the pipeline analysis leaves out.
type analysisData struct {
	sue  int64
	ids  map[string]int64
	lost int64
}

func newAnalysisData(t *testing.T, p *pages) *analysisData {
	d := &analysisData{ids: map[string]int64{}}
	d.sue = p.s.CreateUser(t, "sue", "sue-password", base.GroupSaleSalesman)
	type row struct {
		name, stage, created string
		revenue              float64
		user                 int64
		typ                  string
	}
	rows := []row{
		{"A", "New", "2025-01-10 10:00:00", 100, 2, "opportunity"},
		{"B", "New", "2025-01-20 09:00:00", 200, d.sue, "opportunity"},
		{"C", "New", "2025-02-05 08:00:00", 400, 2, "opportunity"},
		{"D", "Qualified", "2025-01-15 12:00:00", 1000, 2, "opportunity"},
		{"E", "Qualified", "2025-03-01 00:00:00", 50, d.sue, "opportunity"},
		{"F", "Qualified", "2025-03-31 23:30:00", 25, 2, "opportunity"},
		{"G", "Proposition", "2025-02-28 17:00:00", 3000, 2, "opportunity"},
		{"Lead L", "New", "2025-01-11 10:00:00", 999, 2, "lead"},
		{"Lost X", "New", "2025-01-12 10:00:00", 7000, 2, "opportunity"},
	}
	for _, r := range rows {
		d.ids[r.name] = p.lead(t, orm.Values{"name": r.name, "type": r.typ, "team_id": p.team, "stage_id": p.stages[r.stage],
			"expected_revenue": r.revenue, "user_id": r.user})
	}
	var reason int64
	p.s.Sudo(t, func(env *orm.Env) error {
		for _, r := range rows {
			if _, err := env.Exec("UPDATE crm_lead SET create_date = ? WHERE id = ?", r.created+".000000", d.ids[r.name]); err != nil {
				return err
			}
		}
		var err error
		if reason, err = base.XID(env, "crm.lost_reason_1"); err != nil {
			return err
		}
		_, err = env.WithUser(2).CallMethod(env.Reg.Model("crm.lead"), "action_set_lost", []int64{d.ids["Lost X"]}, map[string]any{"lost_reason_id": reason})
		return err
	})
	d.lost = reason
	return d
}

// pivotCells reads the values of a pivot page by the title of their cell
// ("row / column") and measure: the text shown and the link.
type shownCell struct{ text, href string }

var cellRe = regexp.MustCompile(`<td class="num[^"]*" title="([^"]*)" data-measure="([^"]*)">\s*(?:<a href="([^"]*)">([^<]*)</a>|([^<]*))\s*</td>`)

func pivotCells(t *testing.T, body string) map[string]shownCell {
	t.Helper()
	out := map[string]shownCell{}
	for _, m := range cellRe.FindAllStringSubmatch(body, -1) {
		out[html.UnescapeString(m[1])+"|"+m[2]] = shownCell{text: html.UnescapeString(strings.TrimSpace(m[4] + m[5])), href: html.UnescapeString(m[3])}
	}
	if len(out) == 0 {
		t.Fatalf("no pivot cells in the page")
	}
	return out
}

// amount reads a shown number ("$ 1,075.00" → 1075).
func amount(s string) float64 {
	s = strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' || r == '.' || r == '-' {
			return r
		}
		return -1
	}, s)
	f, _ := strconv.ParseFloat(s, 64)
	return f
}

var rowHeadRe = regexp.MustCompile(`<th scope="row" class="rowhead level-0"[^>]*>\s*(?:<a href="[^"]*">)?([^<]+)`)

func rowOrder(body string) []string {
	var out []string
	for _, m := range rowHeadRe.FindAllStringSubmatch(body, -1) {
		out = append(out, html.UnescapeString(strings.TrimSpace(m[1])))
	}
	return out
}

func checkCells(t *testing.T, what string, cells map[string]shownCell, want map[string]float64) {
	t.Helper()
	for k, w := range want {
		c, ok := cells[k]
		if !ok {
			t.Errorf("%s: no cell %q", what, k)
			continue
		}
		if got := amount(c.text); got != w {
			t.Errorf("%s: cell %q shows %q, want %v", what, k, c.text, w)
		}
	}
}

const pipelinePivot = "/crm/reporting/pipeline?view=pivot&r=stage_id&c=create_date:month&m=__count&m=expected_revenue:sum"

func TestPipelineAnalysisPivot(t *testing.T) {
	testutil.Run(t, func(t *testing.T, be testutil.Backend) {
		p := newPages(t, be)
		data := newAnalysisData(t, p)
		site := newAnalysisSite(t, p)
		st, body := site.admin.get(pipelinePivot)
		if st != 200 {
			t.Fatalf("pivot: %d %s", st, body)
		}
		cells := pivotCells(t, body)
		checkCells(t, "stage × month", cells, map[string]float64{
			"New / January 2025|__count": 2, "New / January 2025|expected_revenue:sum": 300,
			"New / February 2025|__count": 1, "New / February 2025|expected_revenue:sum": 400,
			"Qualified / January 2025|__count": 1, "Qualified / January 2025|expected_revenue:sum": 1000,
			"Qualified / March 2025|__count": 2, "Qualified / March 2025|expected_revenue:sum": 75,
			"Proposition / February 2025|__count": 1, "Proposition / February 2025|expected_revenue:sum": 3000,
			// row totals, column totals, grand total
			"New / Total|__count": 3, "New / Total|expected_revenue:sum": 700,
			"Qualified / Total|__count": 3, "Qualified / Total|expected_revenue:sum": 1075,
			"Proposition / Total|__count": 1, "Proposition / Total|expected_revenue:sum": 3000,
			"Total / January 2025|__count": 3, "Total / January 2025|expected_revenue:sum": 1300,
			"Total / February 2025|__count": 2, "Total / February 2025|expected_revenue:sum": 3400,
			"Total / March 2025|__count": 2, "Total / March 2025|expected_revenue:sum": 75,
			"Total / Total|__count": 7, "Total / Total|expected_revenue:sum": 4775,
		})
		if c := cells["New / March 2025|__count"]; c.text != "" || c.href != "" {
			t.Errorf("an empty cell shows %+v", c)
		}
		if got := rowOrder(body); strings.Join(got, ",") != "New,Qualified,Proposition" {
			t.Errorf("rows in stage order: %v", got)
		}
		queries := pivotQueries(t, site, pipelinePivot)

		// a cell opens the list of exactly its records
		href := cells["New / January 2025|__count"].href
		if !strings.HasPrefix(href, "/list/opportunities?d=") {
			t.Fatalf("cell link: %q", href)
		}
		_, list := site.admin.get(href)
		if n := strings.Count(list, `name="ids" value=`); n != 2 || !strings.Contains(list, `value="`+itoa(data.ids["A"])+`"`) || !strings.Contains(list, `value="`+itoa(data.ids["B"])+`"`) {
			t.Errorf("the cell's list has %d rows", n)
		}
		_, list = site.admin.get(cells["Qualified / March 2025|__count"].href)
		if n := strings.Count(list, `name="ids" value=`); n != 2 || !strings.Contains(list, `value="`+itoa(data.ids["F"])+`"`) {
			t.Errorf("the March cell's list has %d rows (the 31st at 23:30 belongs to March)", n)
		}
		_, list = site.admin.get(cells["Total / Total|__count"].href)
		if n := strings.Count(list, `name="ids" value=`); n != 7 {
			t.Errorf("the grand total's list has %d rows", n)
		}

		// swap the axes
		m := regexp.MustCompile(`href="([^"]+)" id="swap"`).FindStringSubmatch(body)
		if m == nil {
			t.Fatal("no swap link")
		}
		swapped, _ := url.Parse(html.UnescapeString(m[1]))
		if q := swapped.Query(); q.Get("r") != "create_date:month" || q.Get("c") != "stage_id" {
			t.Errorf("swap link: %s", swapped)
		}
		_, body = site.admin.get(swapped.String())
		checkCells(t, "swapped", pivotCells(t, body), map[string]float64{
			"January 2025 / New|__count": 2, "March 2025 / Qualified|expected_revenue:sum": 75, "February 2025 / Total|__count": 2,
			"Total / Proposition|expected_revenue:sum": 3000, "Total / Total|__count": 7,
		})
		if got := rowOrder(body); strings.Join(got, ",") != "January 2025,February 2025,March 2025" {
			t.Errorf("swapped rows: %v", got)
		}

		// sort the rows by a measure, then the other way
		st, body = site.admin.get("/crm/reporting/pipeline?view=pivot&r=stage_id&c=&m=__count&m=expected_revenue:sum&o=" + url.QueryEscape("expected_revenue:sum desc"))
		if got := rowOrder(body); st != 200 || strings.Join(got, ",") != "Proposition,Qualified,New" {
			t.Errorf("sorted by revenue descending: %d %v", st, got)
		}
		m = regexp.MustCompile(`href="([^"]+)" class="sort" data-sort="expected_revenue:sum"`).FindStringSubmatch(body)
		if m == nil || !strings.Contains(html.UnescapeString(m[1]), "o=expected_revenue%3Asum+asc") {
			t.Fatalf("sort link: %v", m)
		}
		_, body = site.admin.get(html.UnescapeString(m[1]))
		if got := rowOrder(body); strings.Join(got, ",") != "New,Qualified,Proposition" {
			t.Errorf("sorted ascending: %v", got)
		}
		_, body = site.admin.get("/crm/reporting/pipeline?view=pivot&r=stage_id&c=&m=__count&o=" + url.QueryEscape("__count asc"))
		if got := rowOrder(body); strings.Join(got, ",") != "Proposition,New,Qualified" {
			t.Errorf("sorted by count, ties in stage order: %v", got)
		}

		// expand: a second row level for every row; collapse removes it
		_, body = site.admin.get("/crm/reporting/pipeline?view=pivot&r=stage_id&r=user_id&c=&m=__count")
		checkCells(t, "stage, salesperson", pivotCells(t, body), map[string]float64{
			"New / Administrator / Total|__count": 2, "New / sue / Total|__count": 1, "Qualified / sue / Total|__count": 1, "Total / Total|__count": 7,
		})
		if !strings.Contains(body, `rowspan="2"`) {
			t.Error("the stage header does not span its salespeople")
		}

		// the pivot takes the same queries however many cells it has
		for i := 0; i < 12; i++ {
			id := p.lead(t, orm.Values{"name": "More " + itoa(int64(i)), "type": "opportunity", "team_id": p.team,
				"stage_id": p.stages[[]string{"New", "Qualified", "Proposition"}[i%3]], "expected_revenue": 10.0, "user_id": int64(2)})
			p.s.Sudo(t, func(env *orm.Env) error {
				_, err := env.Exec("UPDATE crm_lead SET create_date = ? WHERE id = ?", fmt.Sprintf("2024-%02d-10 10:00:00.000000", 1+i), id)
				return err
			})
		}
		_, body = site.admin.get(pipelinePivot)
		cells = pivotCells(t, body)
		if n := len(cells); n != 2*4*16 {
			t.Errorf("the bigger pivot has %d cells", n)
		}
		checkCells(t, "bigger", cells, map[string]float64{"Qualified / May 2024|__count": 1, "Total / Total|__count": 19})
		if q := pivotQueries(t, site, pipelinePivot); q != queries {
			t.Errorf("the pivot took %d queries with more cells, %d before", q, queries)
		}
	})
}

func TestAnalysisDownloadAndChart(t *testing.T) {
	testutil.Run(t, func(t *testing.T, be testutil.Backend) {
		p := newPages(t, be)
		newAnalysisData(t, p)
		site := newAnalysisSite(t, p)
		_, body := site.admin.get(pipelinePivot)
		m := regexp.MustCompile(`href="([^"]+)" id="xlsx"`).FindStringSubmatch(body)
		if m == nil {
			t.Fatal("no download link")
		}
		resp, err := site.admin.c.Get(site.url + html.UnescapeString(m[1]))
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		buf.ReadFrom(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Content-Type"), "spreadsheetml") {
			t.Fatalf("xlsx: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		f, err := excelize.OpenReader(&buf)
		if err != nil {
			t.Fatalf("open xlsx: %v", err)
		}
		defer f.Close()
		sheet := f.GetSheetName(0)
		rows, err := f.GetRows(sheet, excelize.Options{RawCellValue: true})
		if err != nil || len(rows) < 3 {
			t.Fatalf("rows: %v %v", rows, err)
		}
		col := func(label string) int {
			for j, s := range rows[0] {
				if s == label {
					return j
				}
			}
			t.Fatalf("no column %q in %v", label, rows[0])
			return -1
		}
		row := func(label string) []string {
			for _, r := range rows {
				if len(r) > 0 && r[0] == label {
					return r
				}
			}
			t.Fatalf("no row %q", label)
			return nil
		}
		jan, feb, total := col("January 2025"), col("February 2025"), col("Total")
		if rows[1][jan] != "Count" || rows[1][jan+1] != "Expected Revenue" {
			t.Errorf("measure headers: %v", rows[1])
		}
		at := func(r []string, j int) string {
			if j < len(r) {
				return r[j]
			}
			return ""
		}
		for _, c := range []struct {
			row  string
			col  int
			want string
		}{{"New", jan, "2"}, {"New", jan + 1, "300"}, {"New", feb + 1, "400"}, {"Qualified", total, "3"}, {"Qualified", total + 1, "1075"},
			{"Proposition", feb + 1, "3000"}, {"Total", jan, "3"}, {"Total", total, "7"}, {"Total", total + 1, "4775"}} {
			if got := at(row(c.row), c.col); got != c.want {
				t.Errorf("xlsx %s, column %d: %q, want %s", c.row, c.col, got, c.want)
			}
		}
		if at(row("New"), col("March 2025")) != "" {
			t.Error("an empty cell is written")
		}
		name, _ := excelize.CoordinatesToCellName(jan+2, 3) // New × January, expected revenue
		if typ, _ := f.GetCellType(sheet, name); typ == excelize.CellTypeSharedString || typ == excelize.CellTypeInlineString {
			t.Errorf("%s holds text, not a number", name)
		}
		if v, _ := f.GetCellValue(sheet, name, excelize.Options{RawCellValue: true}); v != "300" {
			t.Errorf("%s = %q", name, v)
		}

		// the chart: categories are the stages, a series per month
		st, body := site.admin.get("/crm/reporting/pipeline?view=graph&t=bar&stacked=1&r=stage_id&c=create_date:month&gm=__count")
		cd := chartJSON(t, body)
		if st != 200 || cd.Type != "bar" || !cd.Stacked || strings.Join(cd.Categories, ",") != "New,Qualified,Proposition" {
			t.Fatalf("chart: %d %+v", st, cd)
		}
		var names []string
		for _, s := range cd.Series {
			names = append(names, s.Name)
		}
		if strings.Join(names, ",") != "January 2025,February 2025,March 2025" {
			t.Errorf("series: %v", names)
		}
		want := [][]any{{2.0, 1.0, 0.0}, {1.0, 0.0, 1.0}, {0.0, 2.0, 0.0}} // by series, then category; nothing is 0
		for i, s := range cd.Series {
			for j, pt := range s.Data {
				var got any
				if pt.Value != nil {
					got = *pt.Value
				}
				if got != want[i][j] {
					t.Errorf("series %s, %s: %v, want %v", s.Name, cd.Categories[j], got, want[i][j])
				}
				if (got != 0.0) != strings.HasPrefix(pt.URL, "/list/opportunities?d=") {
					t.Errorf("point and its list: %+v", pt)
				}
			}
		}
		// a bar opens the list of its records
		_, list := site.admin.get(cd.Series[0].Data[0].URL)
		if n := strings.Count(list, `name="ids" value=`); n != 2 {
			t.Errorf("the bar's list has %d rows", n)
		}
		// pie: the row totals of the chosen measure
		_, body = site.admin.get("/crm/reporting/pipeline?view=graph&t=pie&r=stage_id&c=create_date:month&gm=expected_revenue:sum")
		cd = chartJSON(t, body)
		if len(cd.Pie) != 3 || *cd.Pie[0].Value != 700 || *cd.Pie[1].Value != 1075 || *cd.Pie[2].Value != 3000 || cd.Pie[2].Name != "Proposition" {
			t.Errorf("pie: %+v", cd.Pie)
		}
		// no column group: one series, the measure
		_, body = site.admin.get("/crm/reporting/pipeline?view=graph&t=line&r=create_date:month&c=&gm=expected_revenue:sum")
		cd = chartJSON(t, body)
		if len(cd.Series) != 1 || len(cd.Series[0].Data) != 3 || *cd.Series[0].Data[1].Value != 3400 {
			t.Errorf("line: %+v", cd)
		}
	})
}

// pivotQueries reads the time and the number of queries the pivot of a
// page took (its Server-Timing header) and logs them.
func pivotQueries(t *testing.T, site *analysisSite, path string) int {
	t.Helper()
	resp, err := site.admin.c.Get(site.url + path)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	h := resp.Header.Get("Server-Timing")
	t.Logf("%s: %s", path, h)
	m := regexp.MustCompile(`desc="(\d+) queries"`).FindStringSubmatch(h)
	if m == nil {
		t.Fatalf("no Server-Timing: %q", h)
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

type chartPoint struct {
	Name  string   `json:"name"`
	Value *float64 `json:"value"`
	URL   string   `json:"url"`
}

type chartData struct {
	Type       string   `json:"type"`
	Stacked    bool     `json:"stacked"`
	Measure    string   `json:"measure"`
	Categories []string `json:"categories"`
	Series     []struct {
		Name string       `json:"name"`
		Data []chartPoint `json:"data"`
	} `json:"series"`
	Pie []chartPoint `json:"pie"`
}

func chartJSON(t *testing.T, body string) chartData {
	t.Helper()
	m := regexp.MustCompile(`(?s)<script id="chart-data" type="application/json">(.*?)</script>`).FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no chart data in the page")
	}
	var cd chartData
	if err := json.Unmarshal([]byte(m[1]), &cd); err != nil {
		t.Fatalf("chart data: %v", err)
	}
	return cd
}

// An own-documents salesperson's analysis counts only what the rules let
// her read.
func TestAnalysisRespectsRecordRules(t *testing.T) {
	testutil.Run(t, func(t *testing.T, be testutil.Backend) {
		p := newPages(t, be)
		newAnalysisData(t, p)
		site := newAnalysisSite(t, p)
		sue := site.browser(t, "sue", "sue-password")
		st, body := sue.get(pipelinePivot)
		if st != 200 {
			t.Fatalf("sue's pivot: %d", st)
		}
		cells := pivotCells(t, body)
		checkCells(t, "sue", cells, map[string]float64{
			"New / January 2025|__count": 1, "New / January 2025|expected_revenue:sum": 200,
			"Qualified / March 2025|__count": 1, "Total / Total|__count": 2, "Total / Total|expected_revenue:sum": 250,
		})
		if _, ok := cells["Proposition / Total|__count"]; ok {
			t.Error("sue sees a stage she has no opportunity in")
		}
		_, body = sue.get("/crm/reporting/pipeline?view=graph&t=pie&r=stage_id&gm=__count")
		if cd := chartJSON(t, body); len(cd.Pie) != 2 {
			t.Errorf("sue's pie: %+v", cd.Pie)
		}
	})
}

func TestOtherAnalyses(t *testing.T) {
	testutil.Run(t, func(t *testing.T, be testutil.Backend) {
		p := newPages(t, be)
		data := newAnalysisData(t, p)
		site := newAnalysisSite(t, p)
		// every analysis opens with its defaults
		for _, key := range []string{"leads", "pipeline", "activities", "forecast", "lost-reasons"} {
			st, body := site.admin.get("/crm/reporting/" + key)
			if st != 200 || !strings.Contains(body, `id="chart-data"`) || !strings.Contains(body, `aria-current="page" class="active"`) && !strings.Contains(body, `class="active" aria-current="page"`) {
				t.Errorf("%s: %d", key, st)
			}
		}
		// leads: the lead only, with the archived ones; the default filter is shown
		_, body := site.admin.get("/crm/reporting/leads")
		if !strings.Contains(body, "Created this year") {
			t.Error("the leads analysis does not start with this year's leads")
		}
		_, body = site.admin.get("/crm/reporting/leads?view=pivot&search=none")
		checkCells(t, "leads", pivotCells(t, body), map[string]float64{"Total / Total|__count": 1})
		if c := pivotCells(t, body)["Total / Total|__count"]; !strings.HasPrefix(c.href, "/list/leads?d=") {
			t.Errorf("leads cell link: %q", c.href)
		}
		// lost reasons: the lost opportunity, archived
		_, body = site.admin.get("/crm/reporting/lost-reasons?view=pivot&m=__count&m=expected_revenue:sum")
		cells := pivotCells(t, body)
		checkCells(t, "lost", cells, map[string]float64{"Total / Total|__count": 1, "Total / Total|expected_revenue:sum": 7000})
		_, list := site.admin.get(cells["Total / Total|__count"].href)
		if !strings.Contains(list, `value="`+itoa(data.ids["Lost X"])+`"`) {
			t.Error("the lost reasons' cell does not list the archived lost opportunity")
		}
		// search panel: a filter narrows the pivot
		_, body = site.admin.get("/crm/reporting/pipeline?view=pivot&r=stage_id&c=&m=__count&f=my")
		checkCells(t, "my pipeline", pivotCells(t, body), map[string]float64{"Total / Total|__count": 5})
		if !strings.Contains(body, `name="r" value="stage_id"`) {
			t.Error("the search panel does not keep the layout")
		}
		// the search panel's group-by groups the rows; removing its facet gives them back
		_, body = site.admin.get("/crm/reporting/pipeline?view=pivot&r=stage_id&c=&m=__count&g=user_id")
		if got := rowOrder(body); len(got) != 2 || !strings.Contains(strings.Join(got, ","), "sue") {
			t.Errorf("grouped by the panel: %v", got)
		}
		m := regexp.MustCompile(`<a class="facet group" href="([^"]+)" title="Remove">`).FindStringSubmatch(body)
		if m == nil {
			t.Fatal("no group-by facet")
		}
		_, body = site.admin.get(html.UnescapeString(m[1]))
		if got := rowOrder(body); strings.Join(got, ",") != "New,Qualified,Proposition" {
			t.Errorf("after removing the panel's group-by: %v", got)
		}
		// expand by a chosen group-by: the form keeps the layout and adds the level
		if !strings.Contains(body, `<select name="r" id="add-r"`) || !strings.Contains(body, `<option value="create_date:quarter">`) {
			t.Error("no form to expand the rows")
		}
		// a custom filter and a bad one
		_, body = site.admin.get("/crm/reporting/pipeline?view=pivot&r=stage_id&c=&m=__count&d=" + url.QueryEscape(`[["expected_revenue", ">", 150]]`))
		checkCells(t, "custom filter", pivotCells(t, body), map[string]float64{"Total / Total|__count": 4})
		st, body := site.admin.get("/crm/reporting/pipeline?view=pivot&r=stage_id&m=__count&d=" + url.QueryEscape(`[["nope", "=", 1]]`))
		if st != 422 || !strings.Contains(body, "nope") {
			t.Errorf("bad custom filter: %d", st)
		}
		// an unknown group-by is left out with a message
		st, body = site.admin.get("/crm/reporting/pipeline?view=pivot&r=nope&r=stage_id&c=description&m=__count")
		if st != 200 || !strings.Contains(body, `id="analysis-message"`) || len(rowOrder(body)) != 3 {
			t.Errorf("bad group-by: %d", st)
		}
		// activities: open and done ones
		var todo int64
		p.s.Sudo(t, func(env *orm.Env) error {
			var err error
			if todo, err = base.XID(env, "mail.mail_activity_data_todo"); err != nil {
				return err
			}
			act := env.Reg.Model("mail.activity")
			ids, err := env.WithUser(2).Create(act, []orm.Values{
				{"res_model": "crm.lead", "res_id": data.ids["A"], "activity_type_id": todo, "date_deadline": "2025-01-15", "user_id": int64(2)},
				{"res_model": "crm.lead", "res_id": data.ids["B"], "activity_type_id": todo, "date_deadline": "2025-01-20", "user_id": data.sue},
				{"res_model": "crm.lead", "res_id": data.ids["C"], "activity_type_id": todo, "date_deadline": "2025-02-20", "user_id": int64(2)},
			})
			if err != nil {
				return err
			}
			_, err = env.WithUser(2).CallMethod(act, "action_done", ids[:1], nil)
			return err
		})
		st, body = site.admin.get("/crm/reporting/activities?view=pivot&m=__count")
		if st != 200 {
			t.Fatalf("activities: %d", st)
		}
		checkCells(t, "activities", pivotCells(t, body), map[string]float64{
			"January 2025 / To-Do|__count": 2, "February 2025 / To-Do|__count": 1, "Total / Total|__count": 3})
		_, body = site.admin.get("/crm/reporting/activities?view=pivot&m=__count&f=done")
		checkCells(t, "done activities", pivotCells(t, body), map[string]float64{"Total / Total|__count": 1})
		_, body = site.admin.get("/crm/reporting/activities?view=pivot&r=user_id&c=&m=__count")
		checkCells(t, "activities by user", pivotCells(t, body), map[string]float64{"sue / Total|__count": 1, "Administrator / Total|__count": 2})
		// in Indonesian
		if st, _, _ := site.admin.post("/web/preferences", url.Values{"lang": {"id_ID"}, "tz": {"Asia/Jakarta"}}, nil); st != 200 {
			t.Fatalf("preferences: %d", st)
		}
		_, body = site.admin.get(pipelinePivot)
		if !strings.Contains(body, `lang="id"`) {
			t.Error("the analysis is not in the user's language")
		}
	})
}

// TestAnalysisTiming times the pivots on a bigger pipeline; it runs when
// KANSO_ANALYSIS_TIMING is the number of opportunities to create.
func TestAnalysisTiming(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("KANSO_ANALYSIS_TIMING"))
	if n <= 0 {
		t.Skip("set KANSO_ANALYSIS_TIMING=<opportunities> to time the pivots")
	}
	testutil.Run(t, func(t *testing.T, be testutil.Backend) {
		p := newPages(t, be)
		site := newAnalysisSite(t, p)
		sam := p.s.CreateUser(t, "sam", "sam-password", base.GroupSaleSalesman)
		stages := []int64{p.stages["New"], p.stages["Qualified"], p.stages["Proposition"], p.stages["Won"]}
		start := time.Now()
		for done := 0; done < n; done += 500 {
			p.s.Sudo(t, func(env *orm.Env) error {
				var vals []orm.Values
				for i := done; i < done+500 && i < n; i++ {
					user := int64(2)
					if i%3 == 0 {
						user = sam
					}
					vals = append(vals, orm.Values{"name": "Deal " + itoa(int64(i)), "type": "opportunity", "team_id": p.team, "stage_id": stages[i%4],
						"expected_revenue": float64(100 + i%1000), "user_id": user, "date_deadline": fmt.Sprintf("2025-%02d-15", 1+i%12)})
				}
				ids, err := env.WithUser(2).Create(env.Reg.Model("crm.lead"), vals)
				if err != nil {
					return err
				}
				for k, id := range ids {
					i := done + k
					if _, err := env.Exec("UPDATE crm_lead SET create_date = ? WHERE id = ?", fmt.Sprintf("%d-%02d-%02d 10:00:00.000000", 2023+i%3, 1+i%12, 1+i%28), id); err != nil {
						return err
					}
				}
				return nil
			})
		}
		t.Logf("%d opportunities created in %v", n, time.Since(start).Round(time.Millisecond))
		sb := site.browser(t, "sam", "sam-password")
		for _, path := range []string{
			pipelinePivot,
			"/crm/reporting/pipeline?view=pivot&r=stage_id&r=user_id&c=create_date:month&m=__count&m=expected_revenue:sum&m=prorated_revenue:sum&m=probability:avg",
			"/crm/reporting/pipeline?view=pivot&r=create_date:day&c=stage_id&m=__count",
			"/crm/reporting/forecast?view=graph&search=none",
		} {
			for _, b := range []*browser{site.admin, sb} {
				start := time.Now()
				resp, err := b.c.Get(site.url + path)
				if err != nil {
					t.Fatal(err)
				}
				var buf bytes.Buffer
				buf.ReadFrom(resp.Body)
				resp.Body.Close()
				t.Logf("%s %s: HTTP %d, %s, page %v, %d KB", who(b, site), path, resp.StatusCode, resp.Header.Get("Server-Timing"),
					time.Since(start).Round(time.Millisecond), buf.Len()/1024)
			}
		}
	})
}

func who(b *browser, site *analysisSite) string {
	if b == site.admin {
		return "admin"
	}
	return "sam (own documents)"
}
