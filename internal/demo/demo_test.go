package demo_test

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kanso-crm/kanso/internal/app"
	"github.com/kanso-crm/kanso/internal/base"
	"github.com/kanso-crm/kanso/internal/crm"
	"github.com/kanso-crm/kanso/internal/db"
	"github.com/kanso-crm/kanso/internal/demo"
	"github.com/kanso-crm/kanso/internal/lookup"
	"github.com/kanso-crm/kanso/internal/orm"
	"github.com/kanso-crm/kanso/internal/testutil"
)

var testNow = time.Date(2026, 11, 20, 10, 30, 0, 0, time.UTC)

func openApp(t testing.TB, b testutil.Backend) *app.App {
	t.Helper()
	a, err := app.Open(context.Background(), app.Config{DB: b.URL, AdminPassword: "test-password", Log: testutil.Logger(t)})
	if err != nil {
		t.Fatalf("open %s: %v", b.Name, err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}

// read runs f as the superuser in a read transaction.
func read(t testing.TB, a *app.App, f func(env *orm.Env) error) {
	t.Helper()
	if err := a.Runner.Run(context.Background(), orm.SuperuserID, nil, false, f); err != nil {
		t.Fatal(err)
	}
}

func count(t testing.TB, a *app.App, q string, args ...any) int64 {
	t.Helper()
	var n int64
	read(t, a, func(env *orm.Env) error { return env.QueryRow(q, args...).Scan(&n) })
	return n
}

// ts reads a datetime column: text on SQLite, time.Time on PostgreSQL.
func ts(t testing.TB, v any) time.Time {
	t.Helper()
	switch x := v.(type) {
	case nil:
		return time.Time{}
	case time.Time:
		return x.UTC()
	case string:
		p, err := time.Parse("2006-01-02 15:04:05.999999", x)
		if err != nil {
			t.Fatalf("datetime %q: %v", x, err)
		}
		return p
	case []byte:
		return ts(t, string(x))
	}
	t.Fatalf("datetime of type %T", v)
	return time.Time{}
}

func num(v any) float64 {
	switch x := v.(type) {
	case float64:
		return x
	case int64:
		return float64(x)
	}
	return math.NaN()
}

func truthy(v any) bool {
	switch x := v.(type) {
	case bool:
		return x
	case int64:
		return x != 0
	}
	return false
}

func str(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case []byte:
		return string(x)
	}
	return ""
}

func id(v any) int64 {
	x, _ := v.(int64)
	return x
}

// rows reads a query into maps by column name.
func rows(t testing.TB, a *app.App, q string, args ...any) []map[string]any {
	t.Helper()
	var out []map[string]any
	read(t, a, func(env *orm.Env) error {
		rs, err := env.Query(q, args...)
		if err != nil {
			return err
		}
		defer rs.Close()
		cols, _ := rs.Columns()
		for rs.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rs.Scan(ptrs...); err != nil {
				return err
			}
			m := map[string]any{}
			for i, c := range cols {
				m[c] = vals[i]
			}
			out = append(out, m)
		}
		return rs.Err()
	})
	return out
}

func TestGenerate(t *testing.T) {
	testutil.Run(t, func(t *testing.T, b testutil.Backend) {
		a := openApp(t, b)
		ctx := context.Background()
		partnersBefore := count(t, a, "SELECT COUNT(*) FROM res_partner")
		var calls, lastDone, lastTotal int
		st, err := demo.Generate(ctx, a.Runner, demo.Options{Leads: 3000, Seed: 42, Now: testNow,
			Progress: func(done, total int) { calls, lastDone, lastTotal = calls+1, done, total }})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%+v", st)
		rollupMatches(t, a, true)
		textIndexMatches(t, a)

		// what was asked, what was counted
		if st.Leads != 3000 || st.Partners != 300 || st.Users != 9 || st.Teams != 3 {
			t.Errorf("stats %+v", st)
		}
		if math.Abs(float64(st.Messages)-9000) > 450 {
			t.Errorf("messages %d, want about 9,000", st.Messages)
		}
		if calls == 0 || lastDone != 3300 || lastTotal != 3300 {
			t.Errorf("progress: %d calls, last %d/%d", calls, lastDone, lastTotal)
		}
		// the steps account for the whole run, in order
		var names []string
		var sum time.Duration
		for _, p := range st.Phases {
			names, sum = append(names, p.Name), sum+p.Elapsed
		}
		want := []string{"setup", "customers", "leads and timelines", "indexes", "rollups", "activities", "statistics", "end"}
		if b.Name == "postgres" {
			want = slices.Insert(want, 5, "vacuum")
		}
		if !slices.Equal(names, want) || sum < st.Elapsed || sum > st.Elapsed+time.Second {
			t.Errorf("steps %v (%s in all), want %v adding up to %s", names, sum, want, st.Elapsed)
		}
		if b.Name == "sqlite" {
			// written without foreign key checks: every link holds, and
			// the writer checks them again afterwards
			rows, err := a.DB.Write.Query("PRAGMA foreign_key_check")
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
				var tbl, parent string
				var rowid, fk sql.NullInt64
				if err := rows.Scan(&tbl, &rowid, &parent, &fk); err != nil {
					t.Fatal(err)
				}
				t.Errorf("%s row %d refers to a missing %s", tbl, rowid.Int64, parent)
			}
			rows.Close()
			var on int
			if err := a.DB.Write.QueryRow("PRAGMA foreign_keys").Scan(&on); err != nil || on != 1 {
				t.Errorf("foreign keys after the load: %d, %v", on, err)
			}
		}
		if b.Name == "postgres" {
			// vacuumed after their compaction: statistics for the planner
			// and every page visible, for index-only scans
			for _, tbl := range []string{"crm_lead", "crm_lead_rollup", "crm_lead_partner_rollup"} {
				var tuples float64
				var pages, visible int
				if err := a.DB.Write.QueryRow("SELECT reltuples, relpages, relallvisible FROM pg_class WHERE relname = $1", tbl).Scan(&tuples, &pages, &visible); err != nil {
					t.Fatal(err)
				}
				if tuples <= 0 || pages == 0 || visible != pages {
					t.Errorf("%s: %v rows estimated, %d of %d pages all-visible", tbl, tuples, visible, pages)
				}
			}
		}
		if n := count(t, a, "SELECT COUNT(*) FROM crm_lead"); n != 3000 {
			t.Errorf("%d leads", n)
		}
		if n := count(t, a, "SELECT COUNT(*) FROM mail_message WHERE model = 'crm.lead'"); n != int64(st.Messages) {
			t.Errorf("%d messages in the database, stats say %d", n, st.Messages)
		}
		// planned activities on open opportunities, assigned to their salesperson, overdue to planned
		if st.Activities < 50 || int64(st.Activities) != count(t, a, "SELECT COUNT(*) FROM mail_activity WHERE active") {
			t.Errorf("%d planned activities (stats), %d in the database", st.Activities, count(t, a, "SELECT COUNT(*) FROM mail_activity"))
		}
		if n := count(t, a, `SELECT COUNT(*) FROM mail_activity m JOIN crm_lead l ON l.id = m.lead_id
			WHERE m.user_id = l.user_id AND l.type = 'opportunity' AND l.won_status = 'pending' AND m.res_model = 'crm.lead' AND m.res_id = l.id`); n != int64(st.Activities) {
			t.Errorf("%d of %d activities are on an open opportunity of their assignee", n, st.Activities)
		}
		for _, when := range []string{"<", ">"} {
			if n := count(t, a, "SELECT COUNT(*) FROM mail_activity WHERE date_deadline "+when+" '"+testNow.Format("2006-01-02")+"'"); n == 0 {
				t.Errorf("no activity with a deadline %s today", when)
			}
		}
		if n := count(t, a, "SELECT COUNT(*) FROM res_partner") - partnersBefore; n != 300+9 {
			t.Errorf("%d new partners, want 300 and 9 for the users", n)
		}

		checkTeams(t, a)
		checkLeads(t, a)
		checkPartners(t, a, partnersBefore)
		checkTimeline(t, a)
		checkUsers(t, a)

		// the marker, and no second run
		var marker string
		read(t, a, func(env *orm.Env) (err error) { marker, err = base.GetParam(env, demo.MarkerParam); return })
		var m map[string]any
		if err := json.Unmarshal([]byte(marker), &m); err != nil || m["status"] != "done" || m["leads"] != 3000.0 || m["messages"] != float64(st.Messages) {
			t.Errorf("marker %s (%v)", marker, err)
		}
		_, err = demo.Generate(ctx, a.Runner, demo.Options{Leads: 100, Seed: 42, Now: testNow})
		if err == nil || !strings.Contains(err.Error(), "already has demo data") {
			t.Errorf("second Generate: %v", err)
		}
		if n := count(t, a, "SELECT COUNT(*) FROM crm_lead"); n != 3000 {
			t.Errorf("%d leads after the refused second run", n)
		}
	})
}

func checkTeams(t *testing.T, a *app.App) {
	t.Helper()
	teams := rows(t, a, `SELECT t.id, t.name, t.stage_set, t.user_id, u.login FROM crm_team t LEFT JOIN res_users u ON u.id = t.user_id ORDER BY t.sequence`)
	got := map[string]map[string]any{}
	for _, r := range teams {
		got[str(r["name"])] = r
	}
	for name, want := range map[string][2]string{"North America": {"default", "james"}, "Jakarta": {"activity", "budi"}, "București": {"default", "ioana"}} {
		r := got[name]
		switch {
		case r == nil:
			t.Errorf("no team %s (have %v)", name, teams)
			continue
		case str(r["login"]) != want[1]:
			t.Errorf("team %s is led by %v, want %s", name, r["login"], want[1])
		}
		if name != "North America" && str(r["stage_set"]) != want[0] {
			t.Errorf("team %s has the stage set %v", name, r["stage_set"])
		}
	}
	if n := count(t, a, "SELECT COUNT(*) FROM crm_team WHERE name = 'Sales'"); n != 0 {
		t.Errorf("the Sales team was not renamed")
	}
	// the installed team keeps the shared stages; the new ones have their own
	if n := count(t, a, `SELECT COUNT(*) FROM crm_stage_crm_team_rel r JOIN crm_team t ON t.id = r.crm_team_id WHERE t.name = 'North America'`); n != 0 {
		t.Errorf("North America has %d stages of its own", n)
	}
	if n := count(t, a, `SELECT COUNT(*) FROM crm_stage_crm_team_rel r JOIN crm_team t ON t.id = r.crm_team_id WHERE t.name = 'Jakarta'`); n != 6 {
		t.Errorf("Jakarta has %d stages, want the 6 of the activity set", n)
	}
	// each demo user in one team, with the right groups, language and time zone
	members := rows(t, a, `SELECT u.login, u.lang, u.tz, t.name AS team FROM crm_team_member m JOIN res_users u ON u.id = m.user_id
		JOIN crm_team t ON t.id = m.crm_team_id WHERE m.active = ?`, true)
	seen := map[string]int{}
	for _, m := range members {
		seen[str(m["login"])]++
		want := map[string][2]string{"North America": {"en_US", "America/New_York"}, "Jakarta": {"id_ID", "Asia/Jakarta"},
			"București": {"ro_RO", "Europe/Bucharest"}}[str(m["team"])]
		if str(m["login"]) != "admin" && (str(m["lang"]) != want[0] || str(m["tz"]) != want[1]) {
			t.Errorf("member %v", m)
		}
	}
	for _, l := range []string{"james", "emily", "david", "budi", "siti", "dewi", "ioana", "maria", "andrei"} {
		if seen[l] != 1 {
			t.Errorf("user %s is in %d teams", l, seen[l])
		}
	}
	read(t, a, func(env *orm.Env) error {
		for login, groups := range map[string][2]bool{"james": {true, true}, "emily": {true, false}, "budi": {true, false}, "david": {false, false}, "maria": {false, false}} {
			var uid int64
			if err := env.QueryRow("SELECT id FROM res_users WHERE login = ?", login).Scan(&uid); err != nil {
				return err
			}
			u := env.WithUser(uid)
			if !u.HasGroup(base.GroupSaleSalesman) || u.HasGroup(base.GroupSaleSalesmanAll) != groups[0] || u.HasGroup(base.GroupSaleManager) != groups[1] {
				t.Errorf("%s: all documents %v, manager %v", login, u.HasGroup(base.GroupSaleSalesmanAll), u.HasGroup(base.GroupSaleManager))
			}
		}
		return nil
	})
}

// teamStages: per team, its stage ids in order and which are won or lost.
func teamStages(t *testing.T, a *app.App) map[int64][]map[string]any {
	out := map[int64][]map[string]any{}
	read(t, a, func(env *orm.Env) error {
		tids, err := orm.ScanIDs(must(env.Query("SELECT id FROM crm_team")))
		if err != nil {
			return err
		}
		for _, tid := range tids {
			ids, err := crm.TeamStages(env, tid)
			if err != nil {
				return err
			}
			for _, sid := range ids {
				var won, lost bool
				var name string
				if err := env.QueryRow("SELECT is_won, is_lost, name FROM crm_stage WHERE id = ?", sid).Scan(&won, &lost, &name); err != nil {
					return err
				}
				out[tid] = append(out[tid], map[string]any{"id": sid, "won": won, "lost": lost, "name": name})
			}
		}
		return nil
	})
	return out
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func checkLeads(t *testing.T, a *app.App) {
	t.Helper()
	stages := teamStages(t, a)
	members := map[[2]int64]bool{}
	for _, m := range rows(t, a, "SELECT crm_team_id, user_id FROM crm_team_member") {
		members[[2]int64{id(m["crm_team_id"]), id(m["user_id"])}] = true
	}
	leads := rows(t, a, `SELECT l.*, c.code AS country_code, p.email AS partner_email, p.phone AS partner_phone
		FROM crm_lead l LEFT JOIN res_country c ON c.id = l.country_id LEFT JOIN res_partner p ON p.id = l.partner_id`)
	byStatus := map[string]int{}
	var leadType, open, inactive, unassigned, withPartner int
	var early, late int
	from := testNow.AddDate(0, 0, -548)
	for _, l := range leads {
		lid := l["id"]
		fail := func(format string, args ...any) {
			t.Helper()
			t.Errorf("lead %v: %s", lid, fmt.Sprintf(format, args...))
		}
		status := str(l["won_status"])
		byStatus[status]++
		p, active := num(l["probability"]), truthy(l["active"])
		// the stage belongs to the team's pipeline
		var st map[string]any
		openIdx, nOpen := -1, 0
		for _, s := range stages[id(l["team_id"])] {
			if !s["won"].(bool) && !s["lost"].(bool) {
				if s["id"] == l["stage_id"] {
					openIdx = nOpen
				}
				nOpen++
			}
			if s["id"] == l["stage_id"] {
				st = s
			}
		}
		if st == nil {
			fail("stage %v is not one of team %v's", l["stage_id"], l["team_id"])
			continue
		}
		// won_status as crm computes it
		want := "pending"
		switch {
		case p == 100 && st["won"].(bool):
			want = "won"
		case !active && p == 0:
			want = "lost"
		}
		if status != want {
			fail("won_status %s, crm would say %s (p %v, active %v, stage %v)", status, want, p, active, st["name"])
		}
		if num(l["automated_probability"]) != p {
			fail("automated probability %v, probability %v", l["automated_probability"], p)
		}
		if status == "pending" {
			if openIdx < 0 {
				fail("pending in the stage %v", st["name"])
			} else if wp := math.Round(10 + 60*float64(openIdx)/float64(max(nOpen-1, 1))); p != wp {
				fail("probability %v in open stage %d of %d, want %v", p, openIdx, nOpen, wp)
			}
		}
		rev := num(l["expected_revenue"])
		if math.Abs(num(l["prorated_revenue"])-math.Round(rev*p)/100) > 0.001 {
			fail("prorated %v for %v at %v%%", l["prorated_revenue"], rev, p)
		}
		if rev < 0 || rev > 200000 || (rev < 500 && str(l["type"]) != "lead") {
			fail("expected revenue %v", rev)
		}
		created, closed := ts(t, l["create_date"]), ts(t, l["date_closed"])
		if created.Before(from) || created.After(testNow) {
			fail("created %s", created)
		}
		if created.Before(from.AddDate(0, 6, 0)) {
			early++
		}
		if created.After(testNow.AddDate(0, -6, 0)) {
			late++
		}
		if status == "pending" {
			if !closed.IsZero() || l["day_close"] != nil || l["lost_reason_id"] != nil {
				fail("pending with date_closed %v, day_close %v, reason %v", l["date_closed"], l["day_close"], l["lost_reason_id"])
			}
		} else {
			cycle := closed.Sub(created)
			if cycle < 5*24*time.Hour || cycle > 121*24*time.Hour || closed.After(testNow) {
				fail("closed %s after %s", closed, cycle)
			}
			if num(l["day_close"]) != math.Trunc(cycle.Hours()/24) {
				fail("day_close %v for %s", l["day_close"], cycle)
			}
			if (status == "lost") != (l["lost_reason_id"] != nil) {
				fail("%s with lost reason %v", status, l["lost_reason_id"])
			}
		}
		if open := ts(t, l["date_open"]); l["user_id"] == nil {
			unassigned++
			if !open.IsZero() || l["day_open"] != nil {
				fail("no salesperson but assigned on %v", l["date_open"])
			}
			if status != "pending" {
				fail("closed without salesperson")
			}
		} else {
			if !members[[2]int64{id(l["team_id"]), id(l["user_id"])}] {
				fail("salesperson %v is not a member of team %v", l["user_id"], l["team_id"])
			}
			if open.Before(created) || num(l["day_open"]) != math.Trunc(open.Sub(created).Hours()/24) {
				fail("assigned %s, created %s, day_open %v", open, created, l["day_open"])
			}
		}
		if !truthy(l["activated"]) {
			inactive++
			if l["user_id"] != nil {
				fail("not activated but has a salesperson")
			}
		}
		switch {
		case str(l["type"]) == "lead":
			leadType++
			if status != "pending" {
				fail("a %s lead", status)
			}
		case status == "pending":
			open++
		}
		if e := str(l["email_from"]); e != "" {
			n := base.NormalizeEmail(e)
			if str(l["email_normalized"]) != n || str(l["email_domain_criterion"]) != crm.EmailDomainCriterion(n) || str(l["email_state"]) != "correct" {
				fail("e-mail %q: %v %v %v", e, l["email_normalized"], l["email_domain_criterion"], l["email_state"])
			}
		} else if l["email_normalized"] != nil || l["email_state"] != nil {
			fail("no e-mail but %v %v", l["email_normalized"], l["email_state"])
		}
		if ph := str(l["phone"]); ph != "" {
			e164, ok := crm.SanitizePhone(ph, str(l["country_code"]))
			if !ok || str(l["phone_sanitized"]) != e164 || str(l["phone_state"]) != "correct" {
				fail("phone %q (%v): %v %v, crm says %s %v", ph, l["country_code"], l["phone_sanitized"], l["phone_state"], e164, ok)
			}
		}
		if l["partner_id"] != nil {
			withPartner++
			if str(l["email_from"]) != str(l["partner_email"]) || str(l["phone"]) != str(l["partner_phone"]) {
				fail("e-mail/phone %v %v, customer's %v %v", l["email_from"], l["phone"], l["partner_email"], l["partner_phone"])
			}
		}
		if str(l["name"]) == "" || l["create_uid"] == nil || l["write_date"] == nil || ts(t, l["write_date"]).Before(created) {
			fail("name %q, create_uid %v, write_date %v", l["name"], l["create_uid"], l["write_date"])
		}
	}
	n := float64(len(leads))
	share := func(what string, got int, want, tol float64) {
		t.Helper()
		if math.Abs(float64(got)/n-want) > tol {
			t.Errorf("%s: %d of %d (%.1f%%), want about %.0f%%", what, got, len(leads), 100*float64(got)/n, 100*want)
		}
	}
	share("won", byStatus["won"], 0.35, 0.04)
	share("lost", byStatus["lost"], 0.45, 0.05)
	share("leads not converted", leadType, 0.10, 0.03)
	share("open opportunities", open, 0.10, 0.03)
	share("with a customer", withPartner, 0.75, 0.10)
	if unassigned == 0 || inactive == 0 || unassigned > len(leads)/10 {
		t.Errorf("%d unassigned, %d not activated", unassigned, inactive)
	}
	if 10*late < 16*early { // the density triples over 18 months: twice as many in the last 6 as in the first 6
		t.Errorf("%d leads in the last 6 months, %d in the first 6: the business should grow", late, early)
	}
	// every team has unassigned leads for the assignment to work on
	for _, r := range rows(t, a, `SELECT t.name, COUNT(l.id) AS n FROM crm_team t LEFT JOIN crm_lead l ON l.team_id = t.id AND l.user_id IS NULL AND l.date_open IS NULL
		GROUP BY t.name`) {
		if num(r["n"]) == 0 {
			t.Errorf("team %v has no unassigned leads", r["name"])
		}
	}
	if n := count(t, a, "SELECT COUNT(*) FROM crm_tag_rel"); n < 2000 || n > 4500 {
		t.Errorf("%d lead tags", n)
	}
}

func checkPartners(t *testing.T, a *app.App, before int64) {
	t.Helper()
	ps := rows(t, a, `SELECT p.*, c.code AS country_code, pp.complete_name AS parent_name, pp.commercial_partner_id AS parent_commercial
		FROM res_partner p LEFT JOIN res_country c ON c.id = p.country_id LEFT JOIN res_partner pp ON pp.id = p.parent_id
		WHERE p.id NOT IN (SELECT partner_id FROM res_users) ORDER BY p.id`)
	ps = ps[len(ps)-300:] // the generated ones come last
	var companies, ro, other int
	for _, p := range ps {
		fail := func(format string, args ...any) {
			t.Helper()
			t.Errorf("partner %v %q: %s", p["id"], p["name"], fmt.Sprintf(format, args...))
		}
		if id(p["id"]) <= before {
			fail("not generated")
		}
		isCo := truthy(p["is_company"])
		if isCo {
			companies++
		}
		if str(p["type"]) == "other" {
			other++
		}
		wantName, wantCommercial := str(p["name"]), p["id"]
		if p["parent_id"] != nil {
			wantName, wantCommercial = str(p["parent_name"])+", "+str(p["name"]), p["parent_commercial"]
		}
		if str(p["complete_name"]) != wantName || p["commercial_partner_id"] != wantCommercial {
			fail("complete name %q, commercial %v; want %q, %v", p["complete_name"], p["commercial_partner_id"], wantName, wantCommercial)
		}
		if n := base.NormalizeEmail(str(p["email"])); str(p["email_normalized"]) != n {
			fail("email %q normalized %v", p["email"], p["email_normalized"])
		}
		if e164, ok := crm.SanitizePhone(str(p["phone"]), str(p["country_code"])); !ok || e164 != str(p["phone_sanitized"]) {
			fail("phone %q in %v: %v, crm says %s", p["phone"], p["country_code"], p["phone_sanitized"], e164)
		}
		if isCo && str(p["country_code"]) == "RO" {
			ro++
			if !lookup.ValidCUI(str(p["vat"])) {
				fail("CUI %q", p["vat"])
			}
		} else if p["vat"] != nil {
			fail("vat %v", p["vat"])
		}
		if str(p["lang"]) == "" || str(p["city"]) == "" || p["country_id"] == nil {
			fail("lang %v, city %v, country %v", p["lang"], p["city"], p["country_id"])
		}
	}
	if math.Abs(float64(companies)/300-0.30) > 0.06 || ro == 0 || other == 0 {
		t.Errorf("%d companies (%d Romanian), %d other addresses", companies, ro, other)
	}
}

func checkTimeline(t *testing.T, a *app.App) {
	t.Helper()
	leads := map[int64]map[string]any{}
	for _, l := range rows(t, a, "SELECT id, create_date, stage_id, won_status, type, date_conversion FROM crm_lead") {
		leads[id(l["id"])] = l
	}
	tracks := map[int64][]map[string]any{}
	for _, v := range rows(t, a, "SELECT * FROM mail_tracking_value ORDER BY id") {
		tracks[id(v["mail_message_id"])] = append(tracks[id(v["mail_message_id"])], v)
	}
	last := map[int64]time.Time{}
	seen := map[int64]bool{}
	subtypes := map[string]int{}
	for _, m := range rows(t, a, "SELECT * FROM mail_message WHERE model = 'crm.lead' ORDER BY res_id, id") {
		res := id(m["res_id"])
		l := leads[res]
		fail := func(format string, args ...any) {
			t.Helper()
			t.Errorf("message %v of lead %v: %s", m["id"], res, fmt.Sprintf(format, args...))
		}
		if l == nil {
			fail("no such lead")
			continue
		}
		sub := str(m["subtype"])
		subtypes[sub]++
		date, created := ts(t, m["date"]), ts(t, l["create_date"])
		if date.Before(created) || date.After(testNow) || date.Before(last[res]) {
			fail("dated %s; lead created %s, previous message %s", date, created, last[res])
		}
		last[res] = date
		if !seen[res] {
			seen[res] = true
			if sub != "crm.mt_lead_create" || !date.Equal(created) {
				fail("the first message is %s of %s", sub, date)
			}
			want := "Opportunity created"
			if str(l["type"]) == "lead" || l["date_conversion"] != nil {
				want = "Lead created"
			}
			if str(m["body"]) != want {
				fail("body %q, want %q", m["body"], want)
			}
		}
		if m["author_id"] == nil || m["create_uid"] == nil {
			fail("no author")
		}
		tv := tracks[id(m["id"])]
		switch sub {
		case "crm.mt_lead_stage":
			if len(tv) != 1 || str(tv[0]["field_name"]) != "stage_id" || tv[0]["new_value_integer"] == nil || str(tv[0]["new_value_char"]) == "" {
				fail("stage change tracked as %v", tv)
			}
		case "crm.mt_lead_won":
			if len(tv) != 1 || tv[0]["new_value_integer"] != l["stage_id"] || str(l["won_status"]) != "won" {
				fail("won: %v, lead in stage %v, %v", tv, l["stage_id"], l["won_status"])
			}
		case "crm.mt_lead_lost":
			fields := map[string]bool{}
			for _, v := range tv {
				fields[str(v["field_name"])] = true
			}
			if !fields["active"] || !fields["lost_reason_id"] || str(l["won_status"]) != "lost" {
				fail("lost: %v", tv)
			}
		default:
			if len(tv) != 0 {
				fail("%s with tracking %v", sub, tv)
			}
		}
	}
	for _, s := range []string{"crm.mt_lead_create", "crm.mt_lead_stage", "crm.mt_lead_won", "crm.mt_lead_lost", "mail.mt_note"} {
		if subtypes[s] == 0 {
			t.Errorf("no %s message (%v)", s, subtypes)
		}
	}
}

func checkUsers(t *testing.T, a *app.App) {
	t.Helper()
	ctx := context.Background()
	uids := map[string]int64{}
	read(t, a, func(env *orm.Env) error {
		for _, l := range []string{"james", "emily", "david", "budi", "siti", "dewi", "ioana", "maria", "andrei"} {
			uid, err := base.LoginPassword(env, l, demo.Password)
			if err != nil {
				return fmt.Errorf("login %s: %w", l, err)
			}
			uids[l] = uid
		}
		if _, err := base.LoginPassword(env, "maria", "wrong"); !errors.Is(err, orm.AccessDenied) {
			t.Errorf("wrong password: %v", err)
		}
		return nil
	})
	lead := func(env *orm.Env) *orm.Model { return env.Reg.Model("crm.lead") }
	// a salesperson with "own documents only" sees their leads and the unassigned ones
	own := uids["david"]
	var want []int64
	read(t, a, func(env *orm.Env) (err error) {
		want, err = orm.ScanIDs(must(env.Query("SELECT id FROM crm_lead WHERE active = ? AND (user_id = ? OR user_id IS NULL) ORDER BY id", true, own)))
		return err
	})
	if err := a.Runner.Run(ctx, own, nil, false, func(env *orm.Env) error {
		got, err := env.Search(lead(env), orm.And{}, orm.SearchOpts{Order: "id"})
		if err != nil {
			return err
		}
		if len(got) == 0 || fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("david sees %d leads, want his own and the unassigned: %d", len(got), len(want))
		}
		n, err := env.SearchCount(lead(env), orm.Leaf{Path: "user_id", Op: "=", Value: uids["emily"]}, 0)
		if err != nil || n != 0 {
			t.Errorf("david sees %d of emily's leads (%v)", n, err)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	// "all documents" sees them all
	all := count(t, a, "SELECT COUNT(*) FROM crm_lead WHERE active = ?", true)
	if err := a.Runner.Run(ctx, uids["emily"], nil, false, func(env *orm.Env) error {
		n, err := env.SearchCount(lead(env), orm.And{}, 0)
		if err != nil || n != all {
			t.Errorf("emily sees %d of %d leads (%v)", n, all, err)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	// the manager's pipeline report: read_group by stage
	var jakarta int64
	read(t, a, func(env *orm.Env) error {
		return env.QueryRow("SELECT id FROM crm_team WHERE name = 'Jakarta'").Scan(&jakarta)
	})
	wantN := count(t, a, "SELECT COUNT(*) FROM crm_lead WHERE active = ? AND team_id = ?", true, jakarta)
	var wantRev float64
	read(t, a, func(env *orm.Env) error {
		return env.QueryRow("SELECT SUM(expected_revenue) FROM crm_lead WHERE active = ? AND team_id = ?", true, jakarta).Scan(&wantRev)
	})
	stageOK := map[int64]bool{}
	for _, s := range teamStages(t, a)[jakarta] {
		stageOK[s["id"].(int64)] = true
	}
	if err := a.Runner.Run(ctx, uids["james"], nil, false, func(env *orm.Env) error {
		m := lead(env)
		groups, err := env.ReadGroup(m, orm.Leaf{Path: "team_id", Op: "=", Value: jakarta},
			[]orm.GroupBy{{Spec: "stage_id", Field: m.Field("stage_id")}},
			[]orm.Aggregate{{Spec: "expected_revenue:sum", Field: m.Field("expected_revenue"), Func: "sum"}}, 0, 0, "")
		if err != nil {
			return err
		}
		var n int64
		var rev float64
		for _, g := range groups {
			n += g.Count
			rev += num(g.Aggs["expected_revenue:sum"])
			if !stageOK[id(g.Keys[0])] {
				t.Errorf("group of stage %v, not a Jakarta stage", g.Keys[0])
			}
		}
		if len(groups) < 3 || n != wantN || math.Abs(rev-wantRev) > 0.01 {
			t.Errorf("read_group: %d groups, %d leads, %.2f revenue; want %d, %.2f", len(groups), n, rev, wantN, wantRev)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// fingerprint sums up a generated database by names, not ids.
func fingerprint(t *testing.T, a *app.App) string {
	h := sha256.New()
	for _, q := range []string{
		`SELECT t.name AS team, s.name AS stage, l.won_status, l.type, l.priority, COUNT(*) AS n, SUM(l.expected_revenue) AS rev,
			SUM(l.prorated_revenue) AS pro, SUM(l.day_close) AS days, COUNT(l.partner_id) AS customers, COUNT(l.user_id) AS assigned
			FROM crm_lead l JOIN crm_team t ON t.id = l.team_id JOIN crm_stage s ON s.id = l.stage_id
			GROUP BY t.name, s.name, l.won_status, l.type, l.priority ORDER BY 1, 2, 3, 4, 5`,
		`SELECT name, complete_name, email, phone, vat, city FROM res_partner ORDER BY complete_name, email, phone`,
		`SELECT name, email_from, phone, city FROM crm_lead ORDER BY create_date, name, email_from, phone`,
		`SELECT subtype, message_type, COUNT(*) AS n FROM mail_message GROUP BY subtype, message_type ORDER BY 1, 2`,
		`SELECT field_name, old_value_char, new_value_char, COUNT(*) AS n FROM mail_tracking_value GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`,
		`SELECT g.name, COUNT(*) AS n FROM crm_tag_rel r JOIN crm_tag g ON g.id = r.tag_id GROUP BY g.name ORDER BY 1`,
	} {
		for _, r := range rows(t, a, q) {
			keys := make([]string, 0, len(r))
			for k := range r {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				v := r[k]
				if f, ok := v.(float64); ok {
					v = strconv.FormatFloat(f, 'f', 2, 64) // sums may differ in the last bits
				}
				if b, ok := v.([]byte); ok {
					v = string(b)
				}
				fmt.Fprintf(h, "%s=%v;", k, v)
			}
			h.Write([]byte{'\n'})
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

// TestDeterministic: the same seed gives the same data, on either database.
func TestDeterministic(t *testing.T) {
	ctx := context.Background()
	gen := func(b testutil.Backend, seed uint64) string {
		a := openApp(t, b)
		if _, err := demo.Generate(ctx, a.Runner, demo.Options{Leads: 1500, Seed: seed, Now: testNow}); err != nil {
			t.Fatalf("%s: %v", b.Name, err)
		}
		return fingerprint(t, a)
	}
	first := gen(testutil.SQLite(t), 7)
	if again := gen(testutil.SQLite(t), 7); again != first {
		t.Errorf("same seed, different data")
	}
	if other := gen(testutil.SQLite(t), 8); other == first {
		t.Errorf("another seed, the same data")
	}
	if os.Getenv("KANSO_TEST_POSTGRES") != "" {
		if pg := gen(testutil.Postgres(t), 7); pg != first {
			t.Errorf("same seed, different data on PostgreSQL")
		}
	}
}

// TestDefaultsAndExistingLogin: the default sizes, and a login taken
// before the demo data is left alone.
func TestDefaultsAndExistingLogin(t *testing.T) {
	a := openApp(t, testutil.SQLite(t))
	ctx := context.Background()
	if err := a.Runner.Run(ctx, orm.SuperuserID, map[string]any{"install_mode": true}, true, func(env *orm.Env) error {
		_, err := env.Create(env.Reg.Model("res.users"), []orm.Values{{"name": "Maria Real", "login": "maria", "password": "her-own-password"}})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	st, err := demo.Generate(ctx, a.Runner, demo.Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if st.Leads != 2000 || st.Partners != 200 || st.Users != 8 || math.Abs(float64(st.Messages)-6000) > 300 {
		t.Errorf("defaults: %+v", st)
	}
	read(t, a, func(env *orm.Env) error {
		if _, err := base.LoginPassword(env, "maria", "her-own-password"); err != nil {
			t.Errorf("maria's own password: %v", err)
		}
		return nil
	})
	if n := count(t, a, "SELECT COUNT(*) FROM crm_team_member m JOIN res_users u ON u.id = m.user_id WHERE u.login = 'maria'"); n != 0 {
		t.Errorf("the existing maria was put in a team")
	}
	if n := count(t, a, "SELECT COUNT(*) FROM crm_lead l JOIN res_users u ON u.id = l.user_id WHERE u.login = 'maria'"); n != 0 {
		t.Errorf("the existing maria got %d leads", n)
	}
	// without its Romanian salesperson, București still has two
	if n := count(t, a, "SELECT COUNT(*) FROM crm_team_member m JOIN crm_team t ON t.id = m.crm_team_id WHERE t.name = 'București'"); n != 2 {
		t.Errorf("București has %d members", n)
	}
	if n := count(t, a, "SELECT COUNT(*) FROM mail_message WHERE model = 'crm.lead'"); n != int64(st.Messages) {
		t.Errorf("%d messages, stats say %d", n, st.Messages)
	}
}

func leadIndexSQL(t *testing.T, a *app.App, b testutil.Backend) []string {
	q := "SELECT name || ': ' || sql FROM sqlite_master WHERE type IN ('index', 'trigger') AND tbl_name = 'crm_lead' AND sql IS NOT NULL ORDER BY name"
	if b.Name == "postgres" {
		q = "SELECT indexname || ': ' || indexdef FROM pg_indexes WHERE tablename = 'crm_lead' ORDER BY indexname"
	}
	var out []string
	read(t, a, func(env *orm.Env) error {
		rs, err := env.Query(q)
		if err != nil {
			return err
		}
		defer rs.Close()
		for rs.Next() {
			var s string
			if err := rs.Scan(&s); err != nil {
				return err
			}
			out = append(out, s)
		}
		return rs.Err()
	})
	return out
}

// TestInterrupted: a large generation rebuilds some lead indexes at the
// end; cancelled half-way, it leaves them as they were, and the next run
// refuses the database.
func TestInterrupted(t *testing.T) {
	testutil.Run(t, func(t *testing.T, b testutil.Backend) {
		a := openApp(t, b)
		before := leadIndexSQL(t, a, b)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		var during []string
		_, err := demo.Generate(ctx, a.Runner, demo.Options{Leads: 50000, Partners: 500, Messages: 50000, Seed: 3, Now: testNow,
			Progress: func(done, total int) {
				if done > 500 && during == nil {
					during = leadIndexSQL(t, a, b)
					cancel() // after the first batch of leads
				}
			}})
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("cancelled Generate: %v", err)
		}
		if len(during) == 0 || len(during) > len(before)-4 {
			t.Errorf("%d indexes on crm_lead during the load, %d before: the random-key ones should be rebuilt at the end", len(during), len(before))
		}
		if after := leadIndexSQL(t, a, b); strings.Join(after, "\n") != strings.Join(before, "\n") {
			t.Errorf("indexes of crm_lead after an interrupted run:\n%s\nbefore:\n%s", strings.Join(after, "\n"), strings.Join(before, "\n"))
		}
		if n := count(t, a, "SELECT COUNT(*) FROM crm_lead"); n == 0 || n >= 50000 {
			t.Errorf("%d leads written", n)
		}
		// on SQLite the batches written added themselves to the rollup,
		// and the text index was built from them
		rollupMatches(t, a, false)
		textIndexMatches(t, a)
		_, err = demo.Generate(context.Background(), a.Runner, demo.Options{Leads: 100, Now: testNow})
		if err == nil || !strings.Contains(err.Error(), "already has demo data") {
			t.Errorf("Generate after an interrupted run: %v", err)
		}
	})
}

// TestGenerateBig: the load generator's data set. KANSO_DEMO_BIG=1 for
// 1,000,000 leads (or the number of leads), on SQLite and, with
// KANSO_TEST_POSTGRES, on PostgreSQL.
func TestGenerateBig(t *testing.T) {
	leads, _ := strconv.Atoi(os.Getenv("KANSO_DEMO_BIG"))
	if leads == 0 {
		t.Skip("KANSO_DEMO_BIG is not set")
	}
	if leads < 1000 {
		leads = 1000000
	}
	testutil.Run(t, func(t *testing.T, b testutil.Backend) {
		a := openApp(t, b)
		before := leadIndexSQL(t, a, b)
		cpu0, pg0 := cpuTime(), postgresCPU()
		last := time.Now()
		st, err := demo.Generate(context.Background(), a.Runner, demo.Options{Leads: leads, Seed: 1, Now: testNow,
			Progress: func(done, total int) {
				if time.Since(last) > 10*time.Second {
					t.Logf("%d/%d", done, total)
					last = time.Now()
				}
			}})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: %d leads, %d partners, %d messages in %s (this process: %s CPU; postgres processes: %s CPU)",
			b.Name, st.Leads, st.Partners, st.Messages, st.Elapsed.Round(time.Millisecond), (cpuTime() - cpu0).Round(time.Millisecond),
			(postgresCPU() - pg0).Round(time.Millisecond))
		if n := count(t, a, "SELECT COUNT(*) FROM crm_lead"); n != int64(leads) {
			t.Errorf("%d leads", n)
		}
		if n := count(t, a, "SELECT COUNT(*) FROM mail_message WHERE model = 'crm.lead'"); n != int64(st.Messages) {
			t.Errorf("%d messages, stats say %d", n, st.Messages)
		}
		if after := leadIndexSQL(t, a, b); strings.Join(after, "\n") != strings.Join(before, "\n") {
			t.Errorf("indexes of crm_lead changed:\n%s", strings.Join(after, "\n"))
		}
		rollupMatches(t, a, true)
		textIndexMatches(t, a)
	})
}

// textIndexMatches checks, on SQLite, that the text indexes of the leads
// and partners hold exactly their texts (FTS5's integrity check against
// the tables; PostgreSQL's trigram index is an ordinary index).
func textIndexMatches(t *testing.T, a *app.App) {
	t.Helper()
	if a.DB.Dialect != db.SQLite {
		return
	}
	for _, tbl := range []string{"crm_lead_text", "res_partner_text"} {
		if _, err := a.DB.Write.Exec("INSERT INTO " + tbl + "(" + tbl + ", rank) VALUES ('integrity-check', 1)"); err != nil {
			t.Errorf("text index %s: %v", tbl, err)
		}
		// a rebuild's larger memory for terms is not left to the writes after it
		var size sql.NullInt64
		if err := a.DB.Write.QueryRow("SELECT v FROM " + tbl + "_config WHERE k = 'hashsize'").Scan(&size); err != nil && err != sql.ErrNoRows {
			t.Errorf("hashsize of %s: %v", tbl, err)
		}
		if size.Valid && size.Int64 != 1<<20 {
			t.Errorf("hashsize of %s left at %d", tbl, size.Int64)
		}
	}
}

// rollupMatches checks that each rollup of the leads holds their count
// and sums, group by group, as a read_group over crm_lead gives them, and,
// after a completed load, in a row per group.
func rollupMatches(t *testing.T, a *app.App, compacted bool) {
	t.Helper()
	err := a.Runner.Run(context.Background(), orm.SuperuserID, map[string]any{"active_test": false}, false, func(env *orm.Env) error {
		m := env.Reg.Model("crm.lead")
		for _, r := range m.Rollups {
			gran := "month"
			if r.Trunc == "year" {
				gran = "year"
			}
			var gbs []orm.GroupBy
			for _, f := range r.Dims {
				gbs = append(gbs, orm.GroupBy{Spec: f, Field: m.Field(f)})
			}
			for _, f := range r.Months {
				gbs = append(gbs, orm.GroupBy{Spec: f + ":" + gran, Field: m.Field(f), Gran: gran})
			}
			var aggs []orm.Aggregate
			for _, f := range r.Sums {
				aggs = append(aggs, orm.Aggregate{Spec: f + ":sum", Field: m.Field(f), Func: "sum"})
			}
			text := func(env *orm.Env) (string, int, error) {
				gs, err := env.ReadGroup(m, orm.And{}, gbs, aggs, 0, 0, "")
				var b strings.Builder
				for _, g := range gs {
					fmt.Fprintf(&b, "%v %d", g.Keys, g.Count)
					for _, a := range aggs {
						v, _ := g.Aggs[a.Spec].(float64)
						fmt.Fprintf(&b, " %.2f", math.Round(v*100)/100+0)
					}
					b.WriteByte('\n')
				}
				return b.String(), len(gs), err
			}
			got, n, err := text(env)
			if err != nil {
				return err
			}
			want, _, err := text(env.WithContext(map[string]any{orm.ContextNoRollup: false}))
			if err != nil {
				return err
			}
			if got != want || n == 0 {
				t.Errorf("%s (%d groups) differs from the leads:\n%.3000s\nthe leads:\n%.3000s", r.Table, n, got, want)
			}
			// one row per group: merged after the load on PostgreSQL
			var rows int
			if err := env.QueryRow("SELECT count(*) FROM " + r.Table).Scan(&rows); err != nil {
				return err
			}
			if compacted && rows != n {
				t.Errorf("%d rows in %s for %d groups", rows, r.Table, n)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// postgresCPU sums the CPU time of the postgres processes of this machine
// (Linux only; 0 elsewhere).
func postgresCPU() time.Duration {
	var total time.Duration
	dirs, _ := os.ReadDir("/proc")
	for _, d := range dirs {
		b, err := os.ReadFile("/proc/" + d.Name() + "/stat")
		if err != nil || !strings.Contains(string(b), "(postgres)") {
			continue
		}
		f := strings.Fields(string(b)[strings.LastIndex(string(b), ")")+2:])
		if len(f) < 13 {
			continue
		}
		u, _ := strconv.Atoi(f[11])
		s, _ := strconv.Atoi(f[12])
		total += time.Duration(u+s) * 10 * time.Millisecond
	}
	return total
}
