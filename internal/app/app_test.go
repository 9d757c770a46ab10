package app_test

import (
	"context"
	"testing"
	"time"

	"github.com/kanso-crm/kanso/internal/app"
	"github.com/kanso-crm/kanso/internal/base"
	"github.com/kanso-crm/kanso/internal/orm"
	"github.com/kanso-crm/kanso/internal/testutil"
)

// Two nodes on one database run a due job once between them.
func TestPeriodicAssignmentRunsOncePerPeriod(t *testing.T) {
	testutil.Run(t, func(t *testing.T, b testutil.Backend) {
		ctx := context.Background()
		open := func() *app.App {
			a, err := app.Open(ctx, app.Config{DB: b.URL, AdminPassword: "admin-password", Log: testutil.Logger(t)})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { a.Close() })
			return a
		}
		n1 := open()
		n2 := open()
		count := func(name string, runs ...[]string) int {
			n := 0
			for _, ran := range runs {
				for _, j := range ran {
					if j == name {
						n++
					}
				}
			}
			return n
		}
		ran0, _ := n1.RunDueJobs(ctx)
		if count("crm.assign_leads", ran0) != 0 {
			t.Fatalf("assignment ran while switched off: %v", ran0)
		}
		var lead int64
		err := n1.Runner.Run(ctx, orm.SuperuserID, nil, true, func(env *orm.Env) error {
			if err := base.SetParam(env, "crm.lead.auto.assignment", "1"); err != nil {
				return err
			}
			ids, err := env.Create(env.Reg.Model("crm.lead"), []orm.Values{{"name": "Web enquiry", "user_id": nil}})
			if err != nil {
				return err
			}
			lead = ids[0]
			env.Now = env.Now.Add(-time.Minute)
			return env.Write(env.Reg.Model("crm.lead"), ids, orm.Values{"user_id": nil})
		})
		if err != nil {
			t.Fatal(err)
		}
		ran1, _ := n1.RunDueJobs(ctx)
		ran2, _ := n2.RunDueJobs(ctx)
		if count("crm.assign_leads", ran1, ran2) != 1 {
			t.Errorf("assignment ran %v on node 1 and %v on node 2; want once in all", ran1, ran2)
		}
		// the rollups' compaction: once on PostgreSQL, never on SQLite
		want := 0
		if b.Name == "postgres" {
			want = 1
		}
		if n := count("orm.compact_rollups", ran0, ran1, ran2); n != want {
			t.Errorf("rollup compaction ran %d times (%v, %v, %v), want %d", n, ran0, ran1, ran2, want)
		}
		n1.Runner.Run(ctx, orm.SuperuserID, nil, false, func(env *orm.Env) error {
			v, err := env.ReadValues(env.Reg.Model("crm.lead"), []int64{lead}, []string{"user_id", "team_id", "type"})
			if err != nil {
				return err
			}
			if v[0]["user_id"] == nil || v[0]["type"] != "opportunity" {
				t.Errorf("the periodic run did not assign the lead: %v", v[0])
			}
			return nil
		})
	})
}
