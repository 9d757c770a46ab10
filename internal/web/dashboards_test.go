package web_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kanso-crm/kanso/internal/base"
	"github.com/kanso-crm/kanso/internal/orm"
	"github.com/kanso-crm/kanso/internal/testutil"
)

// A small known world: won and lost opportunities this month, last
// month and last year, of two salespeople, with targets.
func dashboardWorld(t *testing.T, p *pages) (sam int64) {
	sam = p.s.CreateUser(t, "sam", "sam-password", base.GroupSaleSalesman)
	now := time.Now().UTC()
	month := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	type opp struct {
		user    int64
		amount  float64
		status  string
		created time.Time
		closed  time.Time
		partner string
	}
	var reason int64
	p.s.Sudo(t, func(env *orm.Env) error {
		reason, _ = base.XID(env, "crm.lost_reason_1")
		return nil
	})
	opps := []opp{
		{2, 1000, "won", month.AddDate(0, 0, -10), month.Add(24 * time.Hour), "Acme"},
		{2, 3000, "won", month.AddDate(0, 0, -20), month.Add(48 * time.Hour), "Beta"},
		{sam, 500, "won", month.AddDate(0, 0, -5), month.Add(48 * time.Hour), "Acme"},
		{2, 700, "lost", month.AddDate(0, 0, -3), month.Add(24 * time.Hour), "Gamma"},
		{sam, 300, "lost", month.AddDate(0, -1, -3), month.AddDate(0, -1, 2), "Gamma"},
		{2, 9000, "won", month.AddDate(-1, 0, -30), month.AddDate(-1, 0, 0), "Acme"},
	}
	for _, o := range opps {
		p.s.Sudo(t, func(env *orm.Env) error {
			pid, err := env.Create(env.Reg.Model("res.partner"), []orm.Values{{"name": o.partner, "is_company": true}})
			if err != nil {
				return err
			}
			uenv := env.WithUser(o.user)
			ids, err := uenv.Create(env.Reg.Model("crm.lead"), []orm.Values{{"name": "opp", "type": "opportunity", "expected_revenue": o.amount,
				"team_id": p.team, "user_id": o.user, "partner_id": pid[0]}})
			if err != nil {
				return err
			}
			if o.status == "won" {
				err = uenv.Write(env.Reg.Model("crm.lead"), ids, orm.Values{"stage_id": p.stages["Won"]})
			} else {
				_, err = uenv.CallMethod(env.Reg.Model("crm.lead"), "action_set_lost", ids, map[string]any{"lost_reason_id": reason})
			}
			if err != nil {
				return err
			}
			_, err = env.Exec("UPDATE crm_lead SET create_date = ?, date_closed = ?, day_close = ? WHERE id = ?",
				env.Dialect.TimeParam(o.created), env.Dialect.TimeParam(o.closed), float64(int(o.closed.Sub(o.created).Hours()/24)), ids[0])
			return err
		})
	}
	p.s.Sudo(t, func(env *orm.Env) error {
		_, err := env.Create(env.Reg.Model("crm.target"), []orm.Values{{"team_id": p.team, "period": "month", "date_start": month.Format("2006-01-02"), "amount": 10000.0}})
		return err
	})
	return sam
}

func getJSON(t *testing.T, c *http.Client, url string, header map[string]string) map[string]any {
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Accept", "application/json")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("%s: %d %s", url, resp.StatusCode, b)
	}
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("%s: %v", url, err)
	}
	return out["figures"].(map[string]any)
}

func TestDashboardFigures(t *testing.T) {
	testutil.Run(t, func(t *testing.T, be testutil.Backend) {
		p := newPages(t, be)
		sam := dashboardWorld(t, p)
		ms := getJSON(t, p.b.c, p.s.URL+"/dashboards/missed-sales", nil)
		if cur := ms["current"].(map[string]any); cur["amount"] != 700.0 || cur["count"] != 1.0 {
			t.Errorf("missed sales this month: %v", cur)
		}
		if prev := ms["previous"].(map[string]any); prev["amount"] != 300.0 {
			t.Errorf("missed sales last month: %v", prev)
		}
		wl := getJSON(t, p.b.c, p.s.URL+"/dashboards/win-loss", nil)
		if won := wl["won"].(map[string]any); won["count"] != 3.0 || won["amount"] != 4500.0 {
			t.Errorf("won this year: %v (the opportunity of last year must not count)", won)
		}
		at := getJSON(t, p.b.c, p.s.URL+"/dashboards/actual-vs-target", nil)
		if at["target"] != 10000.0 || at["percent"] != 45.0 || at["current"].(map[string]any)["amount"] != 4500.0 {
			t.Errorf("actual vs target: %v %v %v", at["target"], at["percent"], at["current"])
		}
		rv := getJSON(t, p.b.c, p.s.URL+"/dashboards/revenue", nil)
		tops := rv["top_customers"].([]any)
		if len(tops) == 0 || tops[0].(map[string]any)["label"] != "Beta" || tops[0].(map[string]any)["value"] != 3000.0 {
			t.Errorf("top customers: %v", tops)
		}
		if ts := rv["top_salespersons"].([]any); len(ts) != 2 || ts[0].(map[string]any)["value"] != 4000.0 {
			t.Errorf("top salespersons: %v", ts)
		}
		sc := getJSON(t, p.b.c, p.s.URL+"/dashboards/sales-cycle", nil)
		if sc["count"] != 3.0 {
			t.Errorf("sales cycle count: %v", sc)
		}
		// a salesperson with own documents sees their own figures, with an API key
		key := p.s.APIKey(t, "sam")
		wl = getJSON(t, http.DefaultClient, p.s.URL+"/dashboards/win-loss", map[string]string{"Authorization": "bearer " + key})
		if won := wl["won"].(map[string]any); won["count"] != 1.0 || won["amount"] != 500.0 {
			t.Errorf("sam's won figures: %v", won)
		}
		_ = sam
		// no credentials: 401 for JSON
		req, _ := http.NewRequest("GET", p.s.URL+"/dashboards/win-loss", nil)
		req.Header.Set("Accept", "application/json")
		if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 401 {
			t.Errorf("anonymous JSON: %v %v", resp, err)
		}
		// every page renders with its charts' data and drill-down links
		for _, d := range []string{"general", "missed-sales", "actual-vs-target", "sales-cycle", "win-loss", "revenue", "activities"} {
			st, body := p.b.get("/dashboards/" + d)
			if st != 200 || !strings.Contains(body, `id="dashboard-data"`) || !strings.Contains(body, `"kind":`) {
				t.Errorf("%s page: %d", d, st)
			}
		}
		// the drill-down list of the lost figure shows the lost opportunity
		cur := ms["current"].(map[string]any)
		dom, _ := json.Marshal(append([]any{"&", []any{"active", "in", []any{true, false}}}, cur["domain"].([]any)...))
		_, body := p.b.get("/list/opportunities?d=" + url.QueryEscape(string(dom)))
		if strings.Count(body, `name="ids" value=`) != 1 {
			t.Errorf("drill-down list rows: %d", strings.Count(body, `name="ids" value=`))
		}
	})
}
