package crm_test

import (
	"context"
	"database/sql"
	"log/slog"
	"strings"
	"testing"

	"github.com/kanso-crm/kanso/internal/apptest"
	"github.com/kanso-crm/kanso/internal/base"
	"github.com/kanso-crm/kanso/internal/orm"
	"github.com/kanso-crm/kanso/internal/testutil"
)

// TestBoardAndListQueryPlans: on SQLite, the statements of a salesperson's
// board (column counts and sums from the rollup, activity progress, cards), of
// name_search and of the
// opportunities in the model's default order use indexes, never a scan
// of crm_lead or a sort of its rows. The million-lead figures in
// docs/PERFORMANCE.md depend on these plans (a scan costs 70 ms to 1 s).
func TestBoardAndListQueryPlans(t *testing.T) {
	b := testutil.SQLite(t)
	s := apptest.Start(t, b)
	uid := s.CreateUser(t, "planner", "planner-password", base.GroupSaleSalesman)
	rec := &testutil.SQLLog{}
	r := &orm.Runner{DB: s.App.DB, Reg: s.App.Reg, Log: slog.New(rec), SlowQuery: 1}
	var team int64
	s.Sudo(t, func(env *orm.Env) error {
		ids, err := env.Search(env.Reg.Model("crm.team"), orm.And{}, orm.SearchOpts{Limit: 1})
		team = ids[0]
		return err
	})
	err := r.Run(context.Background(), uid, nil, false, func(env *orm.Env) error {
		lead := env.Reg.Model("crm.lead")
		board := orm.And{orm.Leaf{Path: "type", Op: "=", Value: "opportunity"}, orm.Leaf{Path: "team_id", Op: "=", Value: team},
			orm.Leaf{Path: "user_id", Op: "=", Value: uid}}
		byStage := []orm.GroupBy{{Spec: "stage_id", Field: lead.Field("stage_id")}}
		sum := []orm.Aggregate{{Spec: "expected_revenue:sum", Field: lead.Field("expected_revenue"), Func: "sum"}}
		if _, err := env.ReadGroup(lead, board, byStage, sum, 0, 0, ""); err != nil {
			return err
		}
		overdue := append(orm.And{}, board...)
		overdue = append(overdue, orm.Leaf{Path: "activity_ids", Op: "any", Value: orm.And{orm.Leaf{Path: "date_deadline", Op: "<", Value: "2026-11-23"}}})
		if _, err := env.ReadGroup(lead, overdue, byStage, nil, 0, 0, ""); err != nil {
			return err
		}
		if _, err := env.Search(lead, orm.Leaf{Path: "type", Op: "=", Value: "opportunity"}, orm.SearchOpts{Limit: 80, Offset: 160}); err != nil {
			return err
		}
		// the newest first: the list sorted by its "Created on" column, and
		// the API scripts' usual order
		for _, order := range []string{"create_date desc", "id desc"} {
			if _, err := env.Search(lead, orm.Leaf{Path: "type", Op: "=", Value: "opportunity"}, orm.SearchOpts{Limit: 80, Order: order}); err != nil {
				return err
			}
		}
		// search-as-you-type walks the leads in the model's order, or
		// sorts the few the text index names (text.go)
		if _, err := env.NameSearch(lead, "sol", orm.And{}, "ilike", 8); err != nil {
			return err
		}
		return nil
	})
	testutil.Must(t, err, "run")
	statements := rec.Statements()
	if len(statements) < 3 {
		t.Fatalf("%d statements recorded", len(statements))
	}
	checked, rolled := 0, 0
	for _, q := range statements {
		if strings.Contains(q, `FROM "crm_lead_rollup" t0`) {
			rolled++ // the columns' counts and sums: a few rows per stage
		}
		if !strings.Contains(q, `FROM "crm_lead" t0`) {
			continue
		}
		checked++
		// the plan of constants in place of the parameters (the statements
		// hold no "?" in a string)
		all := queryPlan(t, s.App.DB.Write, q)
		plan := strings.Split(all, "\n")
		if strings.Contains(all, "SCAN t0") || strings.Contains(all, "SCAN t2") || strings.Contains(all, "TEMP B-TREE FOR ORDER BY") && strings.Contains(q, "LIMIT") && !strings.Contains(q, " MATCH ") {
			t.Errorf("plan of\n%s\n%s", q, all)
		}
		// the activities' rule ("on a lead the user may read") is checked
		// per activity by the lead's key, not by listing the user's leads
		for _, line := range plan {
			if strings.Contains(line, " t2 ") && strings.Contains(q, "mail_activity") && !strings.Contains(line, "INTEGER PRIMARY KEY") {
				t.Errorf("the activity rule lists the readable leads:\n%s\n%s", q, all)
			}
		}
	}
	if checked < 3 || rolled != 1 {
		t.Errorf("%d statements on crm_lead checked, want 3 or more, and %d on its rollup, want 1 (the columns)", checked, rolled)
	}
}

// queryPlan is SQLite's plan of q, with constants in place of its
// parameters (the statements hold no "?" in a string), a line per step.
func queryPlan(t *testing.T, d *sql.DB, q string) string {
	t.Helper()
	rows, err := d.Query("EXPLAIN QUERY PLAN " + strings.ReplaceAll(q, "?", "1"))
	testutil.Must(t, err, "explain %s", q)
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, notused int
		var detail string
		testutil.Must(t, rows.Scan(&id, &parent, &notused, &detail), "scan")
		plan = append(plan, detail)
	}
	return strings.Join(plan, "\n")
}

// TestOrderThroughAManyToOneKeepsNulls: ordering by a many2one sorts by the
// comodel's own order (a lead's "priority desc, id desc") through a LEFT
// JOIN, where even NOT NULL columns are NULL for records without a target:
// those records come first, as PostgreSQL's DESC (and Odoo) puts NULLs, on
// both databases — SQLite alone would put them last without NULLS FIRST.
func TestOrderThroughAManyToOneKeepsNulls(t *testing.T) {
	testutil.Run(t, func(t *testing.T, b testutil.Backend) {
		w := newWorld(t, b)
		lead := w.admin.Create("crm.lead", map[string]any{"name": "Ordered", "priority": "2"})
		partner := w.admin.Create("res.partner", map[string]any{"name": "No lead here"})
		onLead := w.admin.Create("mail.activity", map[string]any{"res_model": "crm.lead", "res_id": lead, "summary": "on the lead"})
		onPartner := w.admin.Create("mail.activity", map[string]any{"res_model": "res.partner", "res_id": partner, "summary": "on the partner"})
		got := ids(w.admin.Must("mail.activity", "search", map[string]any{"domain": []any{[]any{"id", "in", []any{onLead, onPartner}}}, "order": "lead_id"}))
		if len(got) != 2 || got[0] != onPartner || got[1] != onLead {
			t.Errorf("activities ordered by lead: %v; want the one without a lead (%d) before the one on a lead (%d)", got, onPartner, onLead)
		}
	})
}

// TestNotNullFromTheSchema: the ORM learns which columns are NOT NULL from
// the database the migrations built, on both databases.
func TestNotNullFromTheSchema(t *testing.T) {
	testutil.Run(t, func(t *testing.T, b testutil.Backend) {
		s := apptest.Start(t, b)
		lead := s.App.Reg.Model("crm.lead")
		// the dates the ORM fills on every create count as NOT NULL too
		for name, want := range map[string]bool{"priority": true, "type": true, "active": true, "partner_id": false, "date_deadline": false,
			"create_date": true, "write_date": true} {
			if got := lead.Field(name).NotNull; got != want {
				t.Errorf("crm.lead.%s NotNull = %v, want %v", name, got, want)
			}
		}
	})
}
