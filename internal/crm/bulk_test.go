package crm_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/kanso-crm/kanso/internal/db"
	"github.com/kanso-crm/kanso/internal/orm"
	"github.com/kanso-crm/kanso/internal/testutil"
)

// TestCreateManyLeads: one create call with 1,200 leads (several multi-row
// INSERT statements, records with different columns interleaved) gives
// each lead its own values, defaults, tags, creation message and customer
// sync, in the order given; one bad record refuses the whole call.
func TestCreateManyLeads(t *testing.T) {
	testutil.Run(t, func(t *testing.T, b testutil.Backend) {
		w := newWorld(t, b)
		tag := w.admin.Create("crm.tag", map[string]any{"name": "Bulk"})
		other := w.admin.Create("crm.tag", map[string]any{"name": "Cleared"})
		partner := w.sam.Create("res.partner", map[string]any{"name": "Bulk Customer SRL", "is_company": true})
		ro := mustXID(t, w, "base.ro")
		const n = 1200
		var list []any
		for i := 0; i < n; i++ {
			v := map[string]any{"name": fmt.Sprintf("Bulk lead %04d", i), "expected_revenue": float64(i)}
			switch i % 4 {
			case 0:
				// numbers are parsed on several cores: each keeps its own
				v["phone"], v["country_id"] = fmt.Sprintf("0721 %03d %03d", i/1000, i%1000), ro
				if i%40 == 0 {
					v["phone"] = "12" // not a number anywhere
				}
			case 1:
				// the forms of "link to these tags" a client may send
				switch i % 3 {
				case 0:
					v["tag_ids"] = []any{[]any{6, 0, []any{tag}}}
				case 1:
					v["tag_ids"] = []any{[]any{4, tag, 0}, []any{4, tag, 0}}
				case 2:
					v["tag_ids"] = []any{[]any{4, other, 0}, []any{5, 0, 0}, []any{4, tag, 0}}
				}
			case 2:
				v["email_from"] = fmt.Sprintf("buyer%d@bulk.example", i)
				v["stage_id"] = w.stages["Qualified"]
			case 3:
				if i == 3 {
					v["partner_id"] = partner
					v["email_from"] = "office@bulk-customer.example"
				}
			}
			list = append(list, v)
		}
		got := w.sam.Must("crm.lead", "create", map[string]any{"vals_list": list})
		idList := ids(got)
		if len(idList) != n {
			t.Fatalf("%d ids for %d leads", len(idList), n)
		}
		recs := w.sam.Must("crm.lead", "read", map[string]any{"ids": idList, "fields": []any{"name", "expected_revenue", "tag_ids", "email_from",
			"stage_id", "user_id", "team_id", "probability", "partner_id", "phone_sanitized", "phone_state"}}).([]any)
		byID := map[int64]map[string]any{}
		for _, r := range recs {
			m := r.(map[string]any)
			byID[m["id"].(int64)] = m
		}
		for i, id := range idList {
			r := byID[id]
			if r == nil {
				t.Fatalf("lead %d (%d) not readable", i, id)
			}
			if want := fmt.Sprintf("Bulk lead %04d", i); r["name"] != want || fmt.Sprint(r["expected_revenue"]) != fmt.Sprint(i) {
				t.Fatalf("id %d holds %v / %v, want %q / %d: ids and records out of order", id, r["name"], r["expected_revenue"], want, i)
			}
			switch {
			case i%40 == 0:
				if r["phone_state"] != "incorrect" {
					t.Errorf("lead %d: phone %v is %v, want incorrect", i, r["phone_sanitized"], r["phone_state"])
				}
			case i%4 == 0:
				if want := fmt.Sprintf("+40721%03d%03d", i/1000, i%1000); r["phone_sanitized"] != want || r["phone_state"] != "correct" {
					t.Errorf("lead %d: phone %v (%v), want %s (correct)", i, r["phone_sanitized"], r["phone_state"], want)
				}
			case r["phone_sanitized"] != false:
				t.Errorf("lead %d: phone %v without a number", i, r["phone_sanitized"])
			}
			tags := r["tag_ids"].([]any)
			if (i%4 == 1) != (len(tags) == 1 && tags[0] == tag) {
				t.Errorf("lead %d: tags %v", i, tags)
			}
			wantStage := w.stages["New"]
			if i%4 == 2 {
				wantStage = w.stages["Qualified"]
			}
			if m2o(r["stage_id"]) != wantStage || m2o(r["user_id"]) != w.samID || m2o(r["team_id"]) != w.team {
				t.Errorf("lead %d: stage %v, salesperson %v, team %v", i, r["stage_id"], r["user_id"], r["team_id"])
			}
			if i == 0 || i == 2 || i == n-1 {
				if tl := timeline(t, w, id); len(tl) != 1 || tl[0] != "Lead created" {
					t.Errorf("lead %d: timeline %q, want one creation message", i, tl)
				}
			}
		}
		// the record name of each message is its lead's
		w.s.Sudo(t, func(env *orm.Env) error {
			var bad int64
			err := env.QueryRow(`SELECT count(*) FROM mail_message m JOIN crm_lead l ON l.id = m.res_id
				WHERE m.model = 'crm.lead' AND l.name LIKE 'Bulk lead %' AND m.record_name <> l.name`).Scan(&bad)
			if bad != 0 {
				t.Errorf("%d creation messages name another lead", bad)
			}
			return err
		})
		if p := w.admin.Read("res.partner", partner, "email"); p["email"] != "office@bulk-customer.example" {
			t.Errorf("the customer's e-mail was not synced from its lead: %v", p["email"])
		}
		// the statements of a create do not grow with the number of leads
		queries := func(k int) int {
			var q int
			w.s.Sudo(t, func(env *orm.Env) error {
				env = env.WithUser(w.samID)
				var vl []orm.Values
				for i := 0; i < k; i++ {
					vl = append(vl, orm.Values{"name": fmt.Sprintf("Counted %d", i), "email_from": fmt.Sprintf("c%d@count.example", i)})
				}
				start := env.Queries()
				_, err := env.Create(env.Reg.Model("crm.lead"), vl)
				q = env.Queries() - start
				return err
			})
			return q
		}
		if q10, q400 := queries(10), queries(400); q400 > q10+5 {
			t.Errorf("creating 10 leads runs %d statements, 400 leads %d: they grow with the leads", q10, q400)
		}
		// one record refers to a stage that does not exist: nothing is created
		before := w.admin.Must("crm.lead", "search_count", map[string]any{"domain": []any{}}).(int64)
		list[700] = map[string]any{"name": "Broken", "stage_id": 999999}
		status, _ := w.sam.Call("crm.lead", "create", map[string]any{"vals_list": list})
		if status != http.StatusUnprocessableEntity {
			t.Errorf("create with a bad record: status %d, want 422", status)
		}
		if after := w.admin.Must("crm.lead", "search_count", map[string]any{"domain": []any{}}).(int64); after != before {
			t.Errorf("%d leads after a refused create, want %d", after, before)
		}
	})
}

// TestCreateManyLeadsStatements: on PostgreSQL a create of many leads
// writes the leads, their tags and their creation messages by COPY, not
// by INSERT statements; on SQLite by multi-row INSERTs. A user whom no
// record rule restricts (the administrator) creates them without a check
// of the new records afterwards; a salesperson's own-documents rule is
// still checked (TestCreateManyLeads refuses another's records).
func TestCreateManyLeadsStatements(t *testing.T) {
	testutil.Run(t, func(t *testing.T, b testutil.Backend) {
		w := newWorld(t, b)
		tag := w.admin.Create("crm.tag", map[string]any{"name": "Copied"})
		rec := &testutil.SQLLog{}
		r := &orm.Runner{DB: w.s.App.DB, Reg: w.s.App.Reg, Log: slog.New(rec), SlowQuery: 1}
		create := func(uid int64, n int) []int64 {
			rec.Reset()
			var ids []int64
			err := r.Run(context.Background(), uid, nil, true, func(env *orm.Env) error {
				var vl []orm.Values
				for i := 0; i < n; i++ {
					vl = append(vl, orm.Values{"name": fmt.Sprintf("Copied %d", i), "expected_revenue": float64(i), "date_deadline": "2027-01-15",
						"tag_ids": []any{[]any{6, 0, []any{tag}}}, "user_id": w.samID})
				}
				var err error
				ids, err = env.Create(env.Reg.Model("crm.lead"), vl)
				return err
			})
			testutil.Must(t, err, "create %d leads", n)
			return ids
		}
		has := func(prefix string) bool {
			for _, q := range rec.Statements() {
				if strings.HasPrefix(q, prefix) {
					return true
				}
			}
			return false
		}
		ids := create(2, 40) // the administrator
		copies := []string{"COPY crm_lead", "COPY crm_tag_rel", "COPY mail_message"}
		inserts := []string{`INSERT INTO "crm_lead"`, `INSERT INTO "crm_tag_rel"`, "INSERT INTO mail_message"}
		want, not := copies, inserts
		if b.Name == "sqlite" {
			want, not = inserts, copies
		}
		for _, p := range want {
			if !has(p) {
				t.Errorf("no statement %q in %q", p, rec.Statements())
			}
		}
		for _, p := range not {
			if has(p) {
				t.Errorf("a statement %q", p)
			}
		}
		if has(`SELECT t0.id, CASE WHEN`) {
			t.Errorf("the administrator's new leads were checked against record rules: %q", rec.Statements())
		}
		got := w.admin.Must("crm.lead", "read", map[string]any{"ids": ids, "fields": []any{"name", "expected_revenue", "date_deadline", "tag_ids"}}).([]any)
		for i, x := range got {
			m := x.(map[string]any)
			if m["name"] != fmt.Sprintf("Copied %d", i) || fmt.Sprint(m["expected_revenue"]) != fmt.Sprint(i) || m["date_deadline"] != "2027-01-15" || fmt.Sprint(m["tag_ids"]) != fmt.Sprint([]any{tag}) {
				t.Errorf("lead %d read back as %v", i, m)
			}
		}
		create(w.samID, 40)
		if !has(`SELECT t0.id, CASE WHEN`) {
			t.Errorf("a salesperson's new leads were not checked against the record rules: %q", rec.Statements())
		}
	})
}

// refuseName makes the database itself refuse a lead named name, as a
// constraint the ORM does not know of would (a CHECK on PostgreSQL, a
// trigger on SQLite, which cannot add constraints to a table).
func refuseName(t *testing.T, w *world, name string) {
	t.Helper()
	w.s.Sudo(t, func(env *orm.Env) error {
		q := "ALTER TABLE crm_lead ADD CONSTRAINT crm_lead_refused CHECK (name <> '" + name + "')"
		if env.Dialect == db.SQLite {
			q = "CREATE TRIGGER crm_lead_refused BEFORE INSERT ON crm_lead WHEN NEW.name = '" + name + "' BEGIN SELECT RAISE(ABORT, 'refused'); END"
		}
		_, err := env.Exec(q)
		return err
	})
}

// TestWriteBehind: on PostgreSQL, with WriteBehind, a create returns
// before its COPYs have run; the next statement sees the records, and a
// COPY the database refuses fails Sync, the statements after it and the
// commit, which rolls everything back. SQLite has no writes behind.
func TestWriteBehind(t *testing.T) {
	testutil.Run(t, func(t *testing.T, b testutil.Backend) {
		w := newWorld(t, b)
		refuseName(t, w, "Refused by the database")
		leads := func(prefix string, n int, bad int) []orm.Values {
			var vl []orm.Values
			for i := 0; i < n; i++ {
				name := fmt.Sprintf("%s %d", prefix, i)
				if i == bad {
					name = "Refused by the database"
				}
				vl = append(vl, orm.Values{"name": name})
			}
			return vl
		}
		count := func(env *orm.Env, prefix string) int64 {
			var n int64
			testutil.Must(t, env.QueryRow("SELECT count(*) FROM crm_lead WHERE name LIKE ?", prefix+" %").Scan(&n), "count")
			return n
		}
		r := w.s.App.Runner
		run := func(fn func(env *orm.Env) error) error {
			return r.Run(context.Background(), orm.SuperuserID, nil, true, fn)
		}
		testutil.Must(t, run(func(env *orm.Env) error {
			if got := env.WriteBehind(); got != (b.Name == "postgres") {
				t.Fatalf("WriteBehind on %s: %v", b.Name, got)
			}
			if _, err := env.Create(env.Reg.Model("crm.lead"), leads("Behind", 40, -1)); err != nil {
				return err
			}
			if n := count(env, "Behind"); n != 40 {
				t.Errorf("the statement after the create sees %d leads of 40", n)
			}
			return nil
		}), "create behind")
		// a COPY refused: Sync says so, and the statements after it fail
		err := run(func(env *orm.Env) error {
			env.WriteBehind()
			_, err := env.Create(env.Reg.Model("crm.lead"), leads("Refused", 40, 30))
			if b.Name == "sqlite" {
				if err == nil {
					t.Error("SQLite's create did not fail")
				}
				return err
			}
			if err != nil {
				t.Errorf("the create waited for its COPY: %v", err)
			}
			if err := env.Sync(); err == nil || !strings.Contains(err.Error(), "crm_lead_refused") {
				t.Errorf("Sync: %v", err)
			}
			if _, err := env.Exec("SELECT 1"); err == nil {
				t.Error("a statement after the refused COPY succeeded")
			}
			return nil
		})
		if b.Name == "postgres" && err == nil {
			t.Error("the commit after a refused COPY succeeded")
		}
		// the commit waits for the last COPY and fails with it
		err = run(func(env *orm.Env) error {
			env.WriteBehind()
			_, err := env.Create(env.Reg.Model("crm.lead"), leads("Last", 40, 39))
			if b.Name == "postgres" && err != nil {
				t.Errorf("the create waited for its COPY: %v", err)
			}
			return err
		})
		if err == nil || !strings.Contains(err.Error(), "refused") {
			t.Errorf("commit after a refused COPY: %v", err)
		}
		w.s.Sudo(t, func(env *orm.Env) error {
			if n, m := count(env, "Refused"), count(env, "Last"); n != 0 || m != 0 {
				t.Errorf("%d and %d leads of the refused transactions were committed", n, m)
			}
			return nil
		})
	})
}
