package crm_test

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"math"
	"math/rand"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/kanso-crm/kanso/internal/apptest"
	"github.com/kanso-crm/kanso/internal/base"
	"github.com/kanso-crm/kanso/internal/orm"
	"github.com/kanso-crm/kanso/internal/testutil"
)

// rollupQuery is one read_group the rollup must answer as the leads do.
type rollupQuery struct {
	name    string
	domain  orm.Domain
	groupby []string
	aggs    []string
	order   string
	limit   int64
	rolled  bool // read from a rollup (false: the query needs the leads)
	// the customer rollup has no salesperson: an own-documents
	// salesperson's rule needs the leads
	managerOnly bool
}

func rollupQueries(teamA int64) []rollupQuery {
	opp := orm.Leaf{Path: "type", Op: "=", Value: "opportunity"}
	nov := orm.And{orm.Leaf{Path: "date_closed", Op: ">=", Value: "2026-11-01"}, orm.Leaf{Path: "date_closed", Op: "<", Value: "2026-12-01"}}
	return []rollupQuery{
		{name: "board columns", domain: orm.And{opp, orm.Leaf{Path: "team_id", Op: "=", Value: teamA}}, groupby: []string{"stage_id"},
			aggs: []string{"expected_revenue:sum"}, rolled: true},
		{name: "lost in a month", domain: orm.And{opp, orm.Leaf{Path: "won_status", Op: "=", Value: "lost"}, nov},
			aggs: []string{"expected_revenue:sum", "__count"}, rolled: true},
		{name: "won by quarter, days to close", domain: orm.And{orm.Leaf{Path: "won_status", Op: "=", Value: "won"}},
			groupby: []string{"date_closed:quarter"}, aggs: []string{"day_close:avg", "prorated_revenue:sum"}, rolled: true},
		{name: "pivot stage x creation year", groupby: []string{"stage_id", "create_date:year"},
			aggs: []string{"expected_revenue:sum", "probability:avg", "recurring_revenue_monthly:sum", "day_open:avg"}, rolled: true},
		{name: "not closed in November, or no team", domain: orm.Or{orm.Not{D: nov}, orm.Leaf{Path: "team_id", Op: "=", Value: false}},
			groupby: []string{"user_id"}, aggs: []string{"expected_revenue:sum"}, rolled: true},
		{name: "top salespersons", domain: orm.And{opp, orm.Leaf{Path: "user_id", Op: "!=", Value: false}}, groupby: []string{"user_id"},
			aggs: []string{"expected_revenue:sum"}, order: "expected_revenue:sum desc", limit: 1, rolled: true},
		{name: "team by name, lost reasons", domain: orm.Leaf{Path: "team_id", Op: "ilike", Value: "rollup a"},
			groupby: []string{"lost_reason_id", "active"}, aggs: []string{"__count"}, order: "__count desc", rolled: true},
		{name: "unclosed", domain: orm.Leaf{Path: "date_closed", Op: "=", Value: false}, groupby: []string{"won_status"}, rolled: true},
		// these need the leads themselves
		{name: "closed from the middle of a month", domain: orm.Leaf{Path: "date_closed", Op: ">=", Value: "2026-11-15"},
			aggs: []string{"expected_revenue:sum"}},
		{name: "by day", groupby: []string{"date_closed:day"}},
		{name: "by name", domain: orm.Leaf{Path: "name", Op: "ilike", Value: "3"}, groupby: []string{"stage_id"}},
		{name: "by customer", groupby: []string{"partner_id"}, aggs: []string{"expected_revenue:sum"}, rolled: true, managerOnly: true},
		{name: "top customers of the year", domain: orm.And{opp, orm.Leaf{Path: "won_status", Op: "=", Value: "won"},
			orm.Leaf{Path: "date_closed", Op: ">=", Value: "2026-01-01"}, orm.Leaf{Path: "date_closed", Op: "<", Value: "2027-01-01"},
			orm.Leaf{Path: "partner_id", Op: "!=", Value: false}}, groupby: []string{"partner_id"},
			aggs: []string{"expected_revenue:sum"}, order: "expected_revenue:sum desc", limit: 3, rolled: true, managerOnly: true},
		{name: "customers closed from a month's start", domain: orm.Leaf{Path: "date_closed", Op: ">=", Value: "2026-11-01"},
			groupby: []string{"partner_id"}, aggs: []string{"expected_revenue:sum"}},
		{name: "maximum", groupby: []string{"stage_id"}, aggs: []string{"expected_revenue:max"}},
	}
}

// TestRollupMatchesTheLeads: after every kind of write (create, write of
// each kept field, archive, unlink, a team deleted under its leads), the
// read_groups that read crm_lead_rollup give what the same read_groups
// give over crm_lead, for a manager and for an own-documents salesperson
// (whose record rule the rollup serves too), and those that cannot use it
// read the leads.
func TestRollupMatchesTheLeads(t *testing.T) {
	testutil.Run(t, func(t *testing.T, b testutil.Backend) {
		s := apptest.Start(t, b)
		u1 := s.CreateUser(t, "roll1", "roll1-password", base.GroupSaleSalesman)
		u2 := s.CreateUser(t, "roll2", "roll2-password", base.GroupSaleSalesman)
		rng := rand.New(rand.NewSource(7))
		var teams, stages, reasons []int64
		s.Sudo(t, func(env *orm.Env) error {
			for _, n := range []string{"Rollup A", "Rollup B", "Rollup C"} {
				ids, err := env.Create(env.Reg.Model("crm.team"), []orm.Values{{"name": n}})
				if err != nil {
					return err
				}
				teams = append(teams, ids[0])
			}
			var err error
			if stages, err = env.Search(env.Reg.Model("crm.stage"), orm.And{}, orm.SearchOpts{}); err != nil {
				return err
			}
			reasons, err = env.Search(env.Reg.Model("crm.lost.reason"), orm.And{}, orm.SearchOpts{})
			return err
		})
		pick := func(ids []int64, none bool) any {
			if none && rng.Intn(4) == 0 {
				return false
			}
			return ids[rng.Intn(len(ids))]
		}
		closed := func() any {
			switch rng.Intn(5) {
			case 0:
				return false
			case 1:
				return "2026-11-01 00:00:00" // on a month's first instant
			}
			return fmt.Sprintf("2026-%02d-%02d %02d:%02d:00", 9+rng.Intn(3), 1+rng.Intn(28), rng.Intn(24), rng.Intn(60))
		}
		money := func() any {
			if rng.Intn(6) == 0 {
				return false
			}
			return float64(rng.Intn(1000000)) / 100
		}
		randomLead := func(i int) orm.Values {
			return orm.Values{"name": fmt.Sprintf("Rollup lead %d", i), "type": []string{"lead", "opportunity"}[rng.Intn(2)],
				"team_id": pick(teams, true), "user_id": pick([]int64{u1, u2}, true), "stage_id": pick(stages, false),
				"expected_revenue": money(), "probability": float64(rng.Intn(101)), "date_closed": closed(),
				"lost_reason_id": pick(reasons, true), "active": rng.Intn(5) != 0}
		}
		var leads []int64
		s.Sudo(t, func(env *orm.Env) error {
			var vals []orm.Values
			for i := 0; i < 300; i++ {
				vals = append(vals, randomLead(i))
			}
			var err error
			leads, err = env.Create(env.Reg.Model("crm.lead"), vals)
			return err
		})
		check := func(round string) {
			t.Helper()
			for _, uid := range []int64{orm.SuperuserID, u1} {
				compareRollup(t, s, uid, round, teams[0])
			}
		}
		check("created")
		fields := []string{"stage_id", "user_id", "team_id", "expected_revenue", "probability", "date_closed", "active", "type", "lost_reason_id"}
		for round := 0; round < 4; round++ {
			s.Sudo(t, func(env *orm.Env) error {
				m := env.Reg.Model("crm.lead")
				for i := 0; i < 40; i++ {
					id := leads[rng.Intn(len(leads))]
					v := randomLead(i)
					f := fields[rng.Intn(len(fields))]
					err := env.WithContext(map[string]any{"active_test": false}).Write(m, []int64{id}, orm.Values{f: v[f]})
					if err != nil && (orm.AsError(err) == nil || orm.AsError(err).Kind == orm.KindInternal) {
						return fmt.Errorf("write %s of %d: %w", f, id, err)
					} // a refused write (a won lead made lost) changes nothing

				}
				// several leads in one statement
				if err := env.Write(m, leads[round*20:round*20+15], orm.Values{"expected_revenue": money(), "stage_id": pick(stages, false)}); err != nil {
					return err
				}
				gone := leads[len(leads)-5:]
				leads = leads[:len(leads)-5]
				return env.Unlink(m, gone)
			})
			check(fmt.Sprintf("round %d", round))
		}
		// the database sets team_id to NULL under a deleted team
		s.Sudo(t, func(env *orm.Env) error {
			return env.Unlink(env.Reg.Model("crm.team"), teams[2:])
		})
		check("team deleted")
		// PostgreSQL appends rows per statement; compacted, one per group
		var rows, groups int
		s.Sudo(t, func(env *orm.Env) error {
			if err := orm.CompactRollups(env); err != nil {
				return err
			}
			if err := env.QueryRow("SELECT count(*) FROM crm_lead_rollup").Scan(&rows); err != nil {
				return err
			}
			return env.QueryRow("SELECT count(*) FROM (SELECT DISTINCT type, active, won_status, team_id, user_id, stage_id, company_id, lost_reason_id, date_closed, create_date FROM crm_lead_rollup) g").Scan(&groups)
		})
		if rows != groups {
			t.Errorf("%d rows for %d groups after compaction", rows, groups)
		}
		check("compacted")
		if b.Name != "postgres" {
			return
		}
		// a compaction rewrites the groups that have several rows only:
		// none when nothing changed, the one of a lead whose revenue did
		ctids := func() map[string]bool {
			out := map[string]bool{}
			s.Sudo(t, func(env *orm.Env) error {
				rows, err := env.Query("SELECT ctid::text FROM crm_lead_rollup")
				if err != nil {
					return err
				}
				defer rows.Close()
				for rows.Next() {
					var c string
					if err := rows.Scan(&c); err != nil {
						return err
					}
					out[c] = true
				}
				return rows.Err()
			})
			return out
		}
		compact := func() { s.Sudo(t, orm.CompactRollups) }
		before := ctids()
		compact()
		if after := ctids(); !maps.Equal(before, after) {
			t.Errorf("a compaction with nothing to merge rewrote rows: %d before, %d after", len(before), len(after))
		}
		s.Sudo(t, func(env *orm.Env) error {
			return env.Write(env.Reg.Model("crm.lead"), leads[:1], orm.Values{"expected_revenue": 123.45})
		})
		compact()
		after, gone := ctids(), 0
		for c := range before {
			if !after[c] {
				gone++
			}
		}
		if gone != 1 || len(after) != len(before) {
			t.Errorf("one lead's revenue changed: %d rows rewritten, %d rows for %d before; want 1 and as many", gone, len(after), len(before))
		}
		check("one group compacted again")
	})
}

// TestRollupWritersDoNotWait: on PostgreSQL, a transaction writing a lead
// does not wait for another, still open, that wrote a lead of the same
// group (same team, salesperson, stage, month): the rollup's triggers
// append rows instead of updating the group's row, which would lock it
// until that commit (an import holds its transaction for seconds).
func TestRollupWritersDoNotWait(t *testing.T) {
	b := testutil.Postgres(t)
	s := apptest.Start(t, b)
	var ids []int64
	s.Sudo(t, func(env *orm.Env) error {
		var err error
		ids, err = env.Create(env.Reg.Model("crm.lead"), []orm.Values{{"name": "Same group 1", "expected_revenue": 10.0}, {"name": "Same group 2", "expected_revenue": 20.0}})
		return err
	})
	wrote, release, done := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	go func() {
		done <- s.App.Runner.Run(context.Background(), orm.SuperuserID, nil, true, func(env *orm.Env) error {
			if err := env.Write(env.Reg.Model("crm.lead"), ids[:1], orm.Values{"expected_revenue": 11.0}); err != nil {
				return err
			}
			close(wrote)
			<-release // commit only once the other writer is through
			return nil
		})
	}()
	<-wrote
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := s.App.Runner.Run(ctx, orm.SuperuserID, nil, true, func(env *orm.Env) error {
		return env.Write(env.Reg.Model("crm.lead"), ids[1:], orm.Values{"expected_revenue": 21.0})
	})
	close(release)
	if err != nil {
		t.Fatalf("the second writer waited for the first one's commit: %v", err)
	}
	testutil.Must(t, <-done, "first writer")
	s.Sudo(t, func(env *orm.Env) error {
		m := env.Reg.Model("crm.lead")
		gs, err := env.ReadGroup(m, orm.And{}, nil, []orm.Aggregate{{Spec: "expected_revenue:sum", Field: m.Field("expected_revenue"), Func: "sum"}}, 0, 0, "")
		if err == nil && (len(gs) != 1 || gs[0].Aggs["expected_revenue:sum"] != 32.0) {
			t.Errorf("sum after both writes: %v, want 32", gs)
		}
		return err
	})
}

func compareRollup(t *testing.T, s *apptest.Server, uid int64, round string, teamA int64) {
	t.Helper()
	rec := &testutil.SQLLog{}
	r := &orm.Runner{DB: s.App.DB, Reg: s.App.Reg, Log: slog.New(rec), SlowQuery: 1}
	err := r.Run(context.Background(), uid, map[string]any{"active_test": false}, false, func(env *orm.Env) error {
		m := env.Reg.Model("crm.lead")
		qs := rollupQueries(teamA)
		// every group of the rollup, with every measure
		qs = append(qs, rollupQuery{name: "every group", rolled: true,
			groupby: []string{"type", "active", "won_status", "team_id", "user_id", "stage_id", "company_id", "lost_reason_id", "date_closed:month", "create_date:month"},
			aggs:    []string{"expected_revenue:sum", "prorated_revenue:sum", "recurring_revenue_monthly:sum", "probability:sum", "day_open:sum", "day_close:avg"}})
		for _, q := range qs {
			var gbs []orm.GroupBy
			for _, g := range q.groupby {
				name, gran, _ := strings.Cut(g, ":")
				gbs = append(gbs, orm.GroupBy{Spec: g, Field: m.Field(name), Gran: gran})
			}
			var aggs []orm.Aggregate
			for _, a := range q.aggs {
				if a == "__count" {
					aggs = append(aggs, orm.Aggregate{Spec: a, Func: "count"})
					continue
				}
				name, fn, _ := strings.Cut(a, ":")
				aggs = append(aggs, orm.Aggregate{Spec: a, Field: m.Field(name), Func: fn})
			}
			d := q.domain
			if d == nil {
				d = orm.And{}
			}
			rec.Reset()
			got, err := env.ReadGroup(m, d, gbs, aggs, 0, q.limit, q.order)
			if err != nil {
				return fmt.Errorf("%s: %w", q.name, err)
			}
			logged := rec.Statements()
			used := len(logged) > 0 && strings.Contains(logged[len(logged)-1], `_rollup" t0`)
			if want := q.rolled && (!q.managerOnly || uid == orm.SuperuserID); used != want {
				t.Errorf("%s, uid %d: read a rollup = %v, want %v\n%v", q.name, uid, used, want, logged)
			}
			want, err := env.WithContext(map[string]any{orm.ContextNoRollup: false}).ReadGroup(m, d, gbs, aggs, 0, q.limit, q.order)
			if err != nil {
				return err
			}
			if a, b := groupsText(got), groupsText(want); a != b {
				t.Errorf("%s, %s, uid %d: the rollup gives\n%s\nthe leads give\n%s", round, q.name, uid, lineDiff(a, b), lineDiff(b, a))
			}
		}
		return nil
	})
	testutil.Must(t, err, "read groups")
}

// groupsText prints groups with sums rounded to the cent and averages to
// 1e-6, so that a sum added in another order compares equal.
func groupsText(gs []orm.Group) string {
	var b strings.Builder
	for _, g := range gs {
		fmt.Fprintf(&b, "%v n=%d", g.Keys, g.Count)
		keys := make([]string, 0, len(g.Aggs))
		for k := range g.Aggs {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			v := g.Aggs[k]
			if f, ok := v.(float64); ok {
				v = math.Round(f*1e6) / 1e6
				if strings.HasSuffix(k, ":sum") {
					v = math.Round(f*100) / 100
				}
				v = v.(float64) + 0 // -0 prints as 0
			}
			fmt.Fprintf(&b, " %s=%v", k, v)
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// lineDiff is the lines of a that b lacks.
func lineDiff(a, b string) string {
	have := map[string]int{}
	for _, l := range strings.Split(b, "\n") {
		have[l]++
	}
	var out []string
	for _, l := range strings.Split(a, "\n") {
		if have[l] > 0 {
			have[l]--
			continue
		}
		out = append(out, l)
	}
	return strings.Join(out, "\n")
}
