package orm_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/kanso-crm/kanso/internal/base"
	"github.com/kanso-crm/kanso/internal/orm"
	"github.com/kanso-crm/kanso/internal/testutil"
)

// as runs f in one write transaction as uid.
func as(t *testing.T, f *fixture, uid int64, fn func(env *orm.Env) error) error {
	t.Helper()
	return f.a.Runner.Run(context.Background(), uid, nil, true, fn)
}

func call(env *orm.Env, model, method string, ids []int64, args map[string]any) (any, error) {
	return env.CallMethod(env.Reg.Model(model), method, ids, orm.Normalize(args).(map[string]any))
}

func TestCreateReadFormats(t *testing.T) {
	testutil.Run(t, func(t *testing.T, b testutil.Backend) {
		f := newFixture(t, b)
		err := as(t, f, 2, func(env *orm.Env) error {
			id, err := call(env, "res.partner", "create", nil, map[string]any{"vals_list": map[string]any{
				"name": "Nina", "parent_id": f.ids["Acme Corp"], "birthdate": "2000-02-29", "category_id": []any{[]any{6, 0, []any{f.tags["VIP"]}}}}})
			if err != nil {
				return err
			}
			recs, err := call(env, "res.partner", "read", []int64{id.(int64)}, map[string]any{
				"fields": []any{"name", "parent_id", "email", "credit_limit", "employee_count", "birthdate", "create_date", "category_id", "is_company", "complete_name", "type"}})
			if err != nil {
				return err
			}
			r := recs.([]map[string]any)[0]
			checks := map[string]any{"name": "Nina", "email": false, "credit_limit": 0.0, "employee_count": int64(0),
				"birthdate": "2000-02-29", "is_company": false, "complete_name": "Acme Corp, Nina", "type": "contact"}
			for k, want := range checks {
				if r[k] != want {
					t.Errorf("%s = %#v, want %#v", k, r[k], want)
				}
			}
			if p, ok := r["parent_id"].([]any); !ok || p[0] != f.ids["Acme Corp"] || p[1] != "Acme Corp" {
				t.Errorf("parent_id = %#v, want [id, name]", r["parent_id"])
			}
			if c, ok := r["category_id"].([]int64); !ok || len(c) != 1 || c[0] != f.tags["VIP"] {
				t.Errorf("category_id = %#v", r["category_id"])
			}
			if s, ok := r["create_date"].(string); !ok || len(s) != 19 {
				t.Errorf("create_date = %#v, want YYYY-MM-DD HH:MM:SS", r["create_date"])
			}
			bare, err := call(env, "res.partner", "read", []int64{id.(int64)}, map[string]any{"fields": []any{"parent_id"}, "load": nil})
			if err != nil {
				return err
			}
			if v := bare.([]map[string]any)[0]["parent_id"]; v != f.ids["Acme Corp"] {
				t.Errorf("load=None parent_id = %#v, want the bare id", v)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

func TestCreateValidation(t *testing.T) {
	cases := []struct {
		name string
		vals map[string]any
		want string
	}{
		{"unknown field", map[string]any{"name": "x", "nope": 1}, `Invalid field "nope"`},
		{"bad selection", map[string]any{"name": "x", "type": "alien"}, `"alien" is not one of`},
		{"missing target", map[string]any{"name": "x", "country_id": 999999}, `does not exist`},
		{"bad date", map[string]any{"name": "x", "birthdate": "31/12/2020"}, `not a date`},
		{"bad number", map[string]any{"name": "x", "credit_limit": "lots"}, `credit_limit`},
		{"required", map[string]any{"login": "nameless"}, `required`},
	}
	testutil.Run(t, func(t *testing.T, b testutil.Backend) {
		f := newFixture(t, b)
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				model := "res.partner"
				if c.name == "required" {
					model = "res.users"
				}
				var before, after int64
				count := func() int64 {
					var n int64
					as(t, f, 2, func(env *orm.Env) error {
						var err error
						n, err = env.WithContext(map[string]any{"active_test": false}).SearchCount(env.Reg.Model(model), orm.And{}, 0)
						return err
					})
					return n
				}
				before = count()
				err := as(t, f, 2, func(env *orm.Env) error {
					_, err := call(env, model, "create", nil, map[string]any{"vals_list": c.vals})
					return err
				})
				if err == nil || !strings.Contains(err.Error(), c.want) {
					t.Fatalf("create %v: %v; want an error mentioning %q", c.vals, err, c.want)
				}
				if k := orm.AsError(err).Kind; k != orm.KindValidation {
					t.Errorf("kind %v, want validation", k)
				}
				if after = count(); after != before {
					t.Errorf("%d records after a refused create, %d before", after, before)
				}
			})
		}
	})
}

// One call is one transaction: a failure undoes what the call did before it.
func TestCallIsOneTransaction(t *testing.T) {
	testutil.Run(t, func(t *testing.T, b testutil.Backend) {
		f := newFixture(t, b)
		err := as(t, f, 2, func(env *orm.Env) error {
			_, err := call(env, "res.partner", "create", nil, map[string]any{"vals_list": []any{
				map[string]any{"name": "First is fine"}, map[string]any{"name": "Second", "type": "alien"}}})
			return err
		})
		if err == nil {
			t.Fatal("create with a bad second record succeeded")
		}
		as(t, f, 2, func(env *orm.Env) error {
			n, err := env.SearchCount(env.Reg.Model("res.partner"), orm.Leaf{Path: "name", Op: "=", Value: "First is fine"}, 0)
			if err != nil || n != 0 {
				t.Errorf("first record kept: %d, %v", n, err)
			}
			return nil
		})
	})
}

func TestX2ManyCommands(t *testing.T) {
	testutil.Run(t, func(t *testing.T, b testutil.Backend) {
		f := newFixture(t, b)
		err := as(t, f, 2, func(env *orm.Env) error {
			p := env.Reg.Model("res.partner")
			read := func(id int64, field string) []int64 {
				v, err := env.ReadValues(p, []int64{id}, []string{field})
				if err != nil {
					t.Fatal(err)
				}
				return v[0][field].([]int64)
			}
			id := f.ids["Dan"]
			vip, lead := f.tags["VIP"], f.tags["Lead"]
			steps := []struct {
				cmds any
				want int
			}{
				{[]any{[]any{4, vip, 0}}, 1},
				{[]any{[]any{4, lead, 0}, []any{4, lead, 0}}, 2},
				{[]any{[]any{3, vip, 0}}, 1},
				{[]any{[]any{0, 0, map[string]any{"name": "New tag"}}}, 2},
				{[]any{[]any{5, 0, 0}}, 0},
				{[]any{[]any{6, 0, []any{vip, lead}}}, 2},
				{[]any{vip}, 1},
			}
			for i, s := range steps {
				if err := env.Write(p, []int64{id}, orm.Values{"category_id": orm.Normalize(s.cmds)}); err != nil {
					return err
				}
				if got := read(id, "category_id"); len(got) != s.want {
					t.Errorf("step %d %v: %d tags %v, want %d", i, s.cmds, len(got), got, s.want)
				}
			}
			// one2many: create a contact under Beta, then unlink Carol from it
			beta := f.ids["Beta Ltd"]
			if err := env.Write(p, []int64{beta}, orm.Values{"child_ids": orm.Normalize([]any{
				[]any{0, 0, map[string]any{"name": "Olga"}}, []any{3, f.ids["Carol"], 0}})}); err != nil {
				return err
			}
			kids := read(beta, "child_ids")
			names, _ := env.DisplayNames(p, kids)
			if len(kids) != 1 || names[kids[0]] != "Beta Ltd, Olga" {
				t.Errorf("Beta's contacts: %v", names)
			}
			if err := env.Write(p, []int64{beta}, orm.Values{"child_ids": orm.Normalize([]any{[]any{2, kids[0], 0}})}); err != nil {
				return err
			}
			if n, _ := env.SearchCount(p, orm.Leaf{Path: "name", Op: "=", Value: "Olga"}, 0); n != 0 {
				t.Error("command 2 did not delete the contact")
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

func TestWriteTrackingAndConflict(t *testing.T) {
	testutil.Run(t, func(t *testing.T, b testutil.Backend) {
		f := newFixture(t, b)
		id := f.ids["Alice"]
		var readDate string
		err := as(t, f, 2, func(env *orm.Env) error {
			recs, err := call(env, "res.partner", "read", []int64{id}, map[string]any{"fields": []any{"write_date"}})
			if err != nil {
				return err
			}
			readDate = recs.([]map[string]any)[0]["write_date"].(string)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		// a later transaction (one second on, so the seconds differ)
		f.a.Runner.Run(context.Background(), 2, nil, true, func(env *orm.Env) error { return nil })
		err = f.a.Runner.Run(context.Background(), 2, nil, true, func(env *orm.Env) error {
			env.Now = env.Now.Add(2 * time.Second)
			_, err := call(env, "res.partner", "write", []int64{id}, map[string]any{"vals": map[string]any{
				"email": "alice@new.example", "parent_id": f.ids["Beta Ltd"], "write_date": readDate}})
			return err
		})
		if err != nil {
			t.Fatalf("write with the current write_date: %v", err)
		}
		err = as(t, f, 2, func(env *orm.Env) error {
			_, err := call(env, "res.partner", "write", []int64{id}, map[string]any{"vals": map[string]any{
				"email": "alice@stale.example", "write_date": readDate}})
			return err
		})
		if orm.AsError(err).Kind != orm.KindConflict {
			t.Fatalf("write with a stale write_date: %v; want a conflict", err)
		}
		as(t, f, 2, func(env *orm.Env) error {
			v, _ := env.ReadValues(env.Reg.Model("res.partner"), []int64{id}, []string{"email"})
			if v[0]["email"] != "alice@new.example" {
				t.Errorf("email after the refused write: %v", v[0]["email"])
			}
			// the timeline holds one message with the two tracked changes
			rows, err := env.Query(`SELECT v.field_name, v.old_value_char, v.new_value_char, v.old_value_integer, v.new_value_integer, m.author_id
				FROM mail_tracking_value v JOIN mail_message m ON m.id = v.mail_message_id
				WHERE m.model = 'res.partner' AND m.res_id = ? ORDER BY v.field_name`, id)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			var got []string
			for rows.Next() {
				var field string
				var oc, nc *string
				var oi, ni *int64
				var author int64
				rows.Scan(&field, &oc, &nc, &oi, &ni, &author)
				s := field + ":"
				if oc != nil {
					s += *oc
				}
				s += "->"
				if nc != nil {
					s += *nc
				}
				got = append(got, s)
			}
			want := "email:alice@acme.com->alice@new.example|parent_id:Acme Corp->Beta Ltd"
			if strings.Join(got, "|") != want {
				t.Errorf("tracking values %v, want %s", got, want)
			}
			return nil
		})
	})
}

func TestUnlinkCopyNameSearch(t *testing.T) {
	testutil.Run(t, func(t *testing.T, b testutil.Backend) {
		f := newFixture(t, b)
		err := as(t, f, 2, func(env *orm.Env) error {
			nid, err := call(env, "res.partner", "copy", []int64{f.ids["Carol"]}, map[string]any{"default": map[string]any{"email": "c2@beta.io"}})
			if err != nil {
				return err
			}
			v, _ := env.ReadValues(env.Reg.Model("res.partner"), []int64{nid.(int64)}, []string{"name", "email", "parent_id"})
			if v[0]["name"] != "Carol (copy)" || v[0]["email"] != "c2@beta.io" || v[0]["parent_id"] != f.ids["Beta Ltd"] {
				t.Errorf("copy: %v", v[0])
			}
			res, err := call(env, "res.partner", "name_search", nil, map[string]any{"name": "carol", "limit": 5})
			if err != nil {
				return err
			}
			if l := res.([]any); len(l) != 2 {
				t.Errorf("name_search carol: %v", l)
			}
			if _, err := call(env, "res.partner", "unlink", []int64{nid.(int64)}, nil); err != nil {
				return err
			}
			_, err = call(env, "res.partner", "read", []int64{nid.(int64)}, map[string]any{"fields": []any{"name"}})
			if orm.AsError(err).Kind != orm.KindMissing {
				t.Errorf("read after unlink: %v; want a missing-record error", err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

func TestReadGroup(t *testing.T) {
	testutil.Run(t, func(t *testing.T, b testutil.Backend) {
		f := newFixture(t, b)
		err := as(t, f, 2, func(env *orm.Env) error {
			d := []any{[]any{"id", "in", []any{f.ids["Alice"], f.ids["Bob"], f.ids["Carol"], f.ids["Dan"]}}}
			res, err := call(env, "res.partner", "read_group", nil, map[string]any{"domain": d,
				"fields": []any{"credit_limit:sum"}, "groupby": []any{"country_id", "create_date:month"}})
			if err != nil {
				return err
			}
			groups := res.([]any)
			// countries ordered by name: Indonesia, Romania, then unset
			if len(groups) != 3 {
				t.Fatalf("groups: %v", groups)
			}
			g0 := groups[0].(map[string]any)
			if c := g0["country_id"].([]any); c[1] != "Indonesia" || g0["country_id_count"] != int64(1) || g0["credit_limit"] != 200.5 {
				t.Errorf("first group: %v", g0)
			}
			if ctx := g0["__context"].(map[string]any); ctx["group_by"].([]any)[0] != "create_date:month" {
				t.Errorf("lazy context: %v", ctx)
			}
			g1 := groups[1].(map[string]any)
			if g1["country_id_count"] != int64(2) || g1["credit_limit"] != 100.0 {
				t.Errorf("Romania group: %v", g1)
			}
			if groups[2].(map[string]any)["country_id"] != false {
				t.Errorf("last group should be the unset country: %v", groups[2])
			}
			// each group's __domain finds its records
			for _, g := range groups {
				gm := g.(map[string]any)
				dom, _ := orm.ParseDomain(gm["__domain"])
				n, err := env.SearchCount(env.Reg.Model("res.partner"), dom, 0)
				if err != nil || n != gm["country_id_count"] {
					t.Errorf("__domain %v counts %d, %v; group says %v", gm["__domain"], n, err, gm["country_id_count"])
				}
			}
			res, err = call(env, "res.partner", "read_group", nil, map[string]any{"domain": d,
				"fields": []any{"credit_limit:max"}, "groupby": []any{"create_date:month"}, "lazy": false, "orderby": "create_date:month desc"})
			if err != nil {
				return err
			}
			gs := res.([]any)
			last := gs[len(gs)-1].(map[string]any)
			if last["create_date:month"] != "January 2024" || last["__count"] != int64(2) || last["credit_limit"] != 100.0 {
				t.Errorf("January 2024 group: %v", last)
			}
			if r := last["__range"].(map[string]any)["create_date:month"].(map[string]any); r["from"] != "2024-01-01 00:00:00" || r["to"] != "2024-02-01 00:00:00" {
				t.Errorf("range: %v", r)
			}
			res, err = call(env, "res.partner", "formatted_read_group", nil, map[string]any{"domain": d,
				"groupby": []any{"create_date:quarter", "is_company"}, "aggregates": []any{"__count", "credit_limit:avg"}})
			if err != nil {
				return err
			}
			fg := res.([]any)[0].(map[string]any)
			if q := fg["create_date:quarter"].([]any); q[0] != "2024-01-01" || q[1] != "Q1 2024" || fg["__count"] != int64(3) {
				t.Errorf("formatted group: %v", fg)
			}
			if avg := fg["credit_limit:avg"].(float64); avg < 100.16 || avg > 100.17 {
				t.Errorf("avg = %v, want (100+200.5+0)/3", avg)
			}
			_, err = call(env, "res.partner", "read_group", nil, map[string]any{"domain": d, "fields": []any{}, "groupby": []any{"create_date:fortnight"}})
			if err == nil || !strings.Contains(err.Error(), "fortnight") {
				t.Errorf("bad granularity: %v", err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

// Record rules are data: a rule for salespeople limits them to their own
// or unassigned partners in search, read, write and unlink, while a rule
// of the "all documents" group opens everything again (group rules are
// OR-ed).
func TestRecordRules(t *testing.T) {
	testutil.Run(t, func(t *testing.T, b testutil.Backend) {
		f := newFixture(t, b)
		var sam, sue int64
		err := as(t, f, orm.SuperuserID, func(env *orm.Env) error {
			users := env.Reg.Model("res.users")
			mk := func(login string, group string) int64 {
				gid, _ := base.XID(env, group)
				ids, err := env.Create(users, []orm.Values{{"name": login, "login": login, "password": "password-" + login,
					"group_ids": []any{[]any{int64(6), int64(0), []any{gid}}}}})
				if err != nil {
					t.Fatal(err)
				}
				return ids[0]
			}
			sam, sue = mk("sam", base.GroupSaleSalesman), mk("sue", base.GroupSaleSalesman)
			if err := base.InstallRules(env, []base.Rule{
				{Name: "own partners", Model: "res.partner", Perms: "rwu", Groups: []string{base.GroupSaleSalesman},
					Domain: `[["user_id", "in", ["$uid", false]]]`},
				{Name: "all partners", Model: "res.partner", Perms: "rwu", Groups: []string{base.GroupSaleSalesmanAll}, Domain: `[[1, "=", 1]]`},
			}); err != nil {
				return err
			}
			p := env.Reg.Model("res.partner")
			if err := env.Write(p, []int64{f.ids["Alice"]}, orm.Values{"user_id": sam}); err != nil {
				return err
			}
			return env.Write(p, []int64{f.ids["Bob"]}, orm.Values{"user_id": sue})
		})
		if err != nil {
			t.Fatal(err)
		}
		err = as(t, f, sam, func(env *orm.Env) error {
			p := env.Reg.Model("res.partner")
			ids, err := env.Search(p, orm.Leaf{Path: "name", Op: "in", Value: []any{"Alice", "Bob", "Carol"}}, orm.SearchOpts{Order: "name"})
			if err != nil {
				return err
			}
			if len(ids) != 2 || ids[0] != f.ids["Alice"] || ids[1] != f.ids["Carol"] {
				t.Errorf("sam sees %v; want Alice (his) and Carol (unassigned)", ids)
			}
			if n, _ := env.SearchCount(p, orm.Leaf{Path: "name", Op: "=", Value: "Bob"}, 0); n != 0 {
				t.Error("sam counts Bob")
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, op := range []string{"read", "write", "unlink"} {
			err := as(t, f, sam, func(env *orm.Env) error {
				args := map[string]any{}
				if op == "write" {
					args["vals"] = map[string]any{"name": "Hijacked"}
				}
				_, err := call(env, "res.partner", op, []int64{f.ids["Bob"]}, args)
				return err
			})
			if orm.AsError(err).Kind != orm.KindAccess {
				t.Errorf("%s of another salesperson's partner: %v; want an access error", op, err)
			}
		}
		// the manager (admin holds Sales / Administrator) sees everything
		as(t, f, 2, func(env *orm.Env) error {
			n, err := env.SearchCount(env.Reg.Model("res.partner"), orm.Leaf{Path: "name", Op: "in", Value: []any{"Alice", "Bob", "Carol"}}, 0)
			if err != nil || n != 3 {
				t.Errorf("admin counts %d, %v", n, err)
			}
			v, _ := env.ReadValues(env.Reg.Model("res.partner"), []int64{f.ids["Bob"]}, []string{"name"})
			if v[0]["name"] != "Bob" {
				t.Errorf("Bob renamed to %v", v[0]["name"])
			}
			return nil
		})
	})
}

// Model rights: a user without the Settings group cannot touch users or
// rules, and the error says so.
func TestModelAccess(t *testing.T) {
	testutil.Run(t, func(t *testing.T, b testutil.Backend) {
		f := newFixture(t, b)
		var uid int64
		as(t, f, orm.SuperuserID, func(env *orm.Env) error {
			gid, _ := base.XID(env, base.GroupUser)
			ids, err := env.Create(env.Reg.Model("res.users"), []orm.Values{{"name": "Uma", "login": "uma", "password": "password-uma",
				"group_ids": []any{[]any{int64(6), int64(0), []any{gid}}}}})
			uid = ids[0]
			return err
		})
		for _, c := range []struct{ model, method string }{{"res.users", "create"}, {"ir.rule", "search"}, {"ir.model.access", "search"}} {
			err := as(t, f, uid, func(env *orm.Env) error {
				args := map[string]any{"domain": []any{}}
				if c.method == "create" {
					args = map[string]any{"vals_list": map[string]any{"name": "x", "login": "x"}}
				}
				_, err := call(env, c.model, c.method, nil, args)
				return err
			})
			var e *orm.Error
			if !errors.As(err, &e) || e.Kind != orm.KindAccess || !strings.Contains(e.Msg, c.model) {
				t.Errorf("%s.%s as a plain user: %v; want an access error naming the model", c.model, c.method, err)
			}
		}
		// but one's own preferences are writable
		err := as(t, f, uid, func(env *orm.Env) error {
			_, err := call(env, "res.users", "write", []int64{uid}, map[string]any{"vals": map[string]any{"lang": "ro_RO", "tz": "Europe/Bucharest"}})
			return err
		})
		if err != nil {
			t.Errorf("writing own preferences: %v", err)
		}
		err = as(t, f, uid, func(env *orm.Env) error {
			_, err := call(env, "res.users", "write", []int64{uid}, map[string]any{"vals": map[string]any{"login": "root"}})
			return err
		})
		if orm.AsError(err).Kind != orm.KindAccess {
			t.Errorf("writing own login: %v; want an access error", err)
		}
	})
}

// Display names of related records are read in one query per field:
// the number of queries of a search_read does not grow with its rows.
func TestSearchReadQueriesDoNotGrowWithRows(t *testing.T) {
	testutil.Run(t, func(t *testing.T, b testutil.Backend) {
		f := newFixture(t, b)
		as(t, f, orm.SuperuserID, func(env *orm.Env) error {
			p := env.Reg.Model("res.partner")
			var vals []orm.Values
			for i := 0; i < 60; i++ {
				vals = append(vals, orm.Values{"name": "Bulk", "parent_id": f.ids["Acme Corp"], "country_id": f.ro, "category_id": []any{[]any{int64(6), int64(0), []any{f.tags["VIP"]}}}})
			}
			_, err := env.Create(p, vals)
			return err
		})
		count := func(limit int64) int {
			var n int
			as(t, f, 2, func(env *orm.Env) error {
				before := env.Queries()
				_, err := env.SearchRead(env.Reg.Model("res.partner"), orm.Leaf{Path: "name", Op: "=", Value: "Bulk"},
					[]string{"name", "parent_id", "country_id", "category_id", "display_name"}, orm.SearchOpts{Limit: limit}, true)
				if err != nil {
					t.Fatal(err)
				}
				n = env.Queries() - before
				return nil
			})
			return n
		}
		count(1) // the first call loads the user's rights, which later calls reuse
		if few, many := count(5), count(60); few != many {
			t.Errorf("search_read made %d queries for 5 rows and %d for 60", few, many)
		}
	})
}

// Reading the same fields, named in any order, is one statement text, so
// that prepared statements are reused (SQLite keeps them across calls).
func TestReadStatementText(t *testing.T) {
	testutil.Run(t, func(t *testing.T, b testutil.Backend) {
		f := newFixture(t, b)
		f.a.Runner.SlowQuery = time.Nanosecond // every statement is logged
		t.Cleanup(func() { f.a.Runner.SlowQuery = 0 })
		texts := map[string]bool{}
		orders := [][]string{{"name", "email", "phone", "country_id", "ref"}, {"ref", "phone", "country_id", "email", "name"},
			{"country_id", "name", "ref", "email", "phone"}}
		for _, fields := range orders {
			logged := &testutil.SQLLog{}
			as(t, f, orm.SuperuserID, func(env *orm.Env) error {
				env.Log = slog.New(logged)
				_, err := env.ReadValues(env.Reg.Model("res.partner"), []int64{f.ids["Acme Corp"]}, fields)
				return err
			})
			for _, q := range logged.Statements() {
				if strings.Contains(q, `FROM "res_partner" t0 WHERE t0.id IN`) {
					texts[q] = true
				}
			}
		}
		if len(texts) != 1 {
			t.Errorf("%d statement texts for the same read, want 1: %v", len(texts), texts)
		}
	})
}

// A search_read with names reads the display names of many2one fields
// whose target names itself by a column in its own statement: as many
// statements as without names, and the same names as DisplayNames gives.
func TestSearchReadJoinsDisplayNames(t *testing.T) {
	testutil.Run(t, func(t *testing.T, b testutil.Backend) {
		f := newFixture(t, b)
		as(t, f, orm.SuperuserID, func(env *orm.Env) error {
			_, err := env.Create(env.Reg.Model("res.partner"), []orm.Values{
				{"name": "Joined", "parent_id": f.ids["Acme Corp"], "country_id": f.ro, "user_id": int64(2)}, {"name": "Joined"}})
			return err
		})
		fields := []string{"name", "parent_id", "country_id", "user_id", "parent_id"}
		dom := orm.Leaf{Path: "name", Op: "=", Value: "Joined"}
		as(t, f, 2, func(env *orm.Env) error {
			p := env.Reg.Model("res.partner")
			read := func(load bool) ([]map[string]any, int) {
				before := env.Queries()
				out, err := env.SearchRead(p, dom, fields, orm.SearchOpts{Order: "id"}, load)
				if err != nil {
					t.Fatal(err)
				}
				return out, env.Queries() - before
			}
			read(false) // the user's rights, loaded once
			_, bare := read(false)
			named, withNames := read(true)
			if withNames != bare {
				t.Errorf("%d statements with names, %d without", withNames, bare)
			}
			want := func(model string, id int64) []any {
				dn, err := env.DisplayNames(env.Reg.Model(model), []int64{id})
				if err != nil {
					t.Fatal(err)
				}
				return []any{id, dn[id]}
			}
			if len(named) != 2 {
				t.Fatalf("%d rows", len(named))
			}
			for field, w := range map[string]any{"parent_id": want("res.partner", f.ids["Acme Corp"]),
				"country_id": want("res.country", f.ro), "user_id": want("res.users", 2)} {
				if got := named[0][field]; fmt.Sprint(got) != fmt.Sprint(w) || fmt.Sprint(w) == fmt.Sprintf("[%d ]", w.([]any)[0]) {
					t.Errorf("%s = %v, want %v", field, got, w)
				}
				if got := named[1][field]; got != false {
					t.Errorf("empty %s = %v, want false", field, got)
				}
			}
			return nil
		})
	})
}

// On PostgreSQL a read-only call runs on a connection without a
// transaction (no BEGIN and COMMIT round trips); a writing call, and
// every call on SQLite, runs in one.
func TestReadOnlyCallWithoutTransaction(t *testing.T) {
	testutil.Run(t, func(t *testing.T, b testutil.Backend) {
		f := newFixture(t, b)
		inTx := func(write bool) bool {
			var in bool
			err := f.a.Runner.Run(context.Background(), orm.SuperuserID, nil, write, func(env *orm.Env) error {
				// a savepoint exists only inside a transaction
				_, err := env.Exec("SAVEPOINT probe")
				in = err == nil
				if in {
					_, err = env.Exec("RELEASE SAVEPOINT probe")
					return err
				}
				// and the call goes on after the refused statement
				var n int
				return env.QueryRow("SELECT count(*) FROM res_partner").Scan(&n)
			})
			if err != nil {
				t.Fatalf("write %v: %v", write, err)
			}
			return in
		}
		if !inTx(true) {
			t.Error("a writing call runs outside a transaction")
		}
		if got, want := inTx(false), b.Name == "sqlite"; got != want {
			t.Errorf("a read-only call in a transaction: %v, want %v", got, want)
		}
	})
}

// A read-only call that leaves rows open still ends and gives its
// connection back (on PostgreSQL it has no transaction whose end would
// close them).
func TestReadOnlyCallLeavingRowsOpen(t *testing.T) {
	testutil.Run(t, func(t *testing.T, b testutil.Backend) {
		f := newFixture(t, b)
		for i := 0; i < 40; i++ { // more calls than the pool has connections
			err := f.a.Runner.Run(context.Background(), orm.SuperuserID, nil, false, func(env *orm.Env) error {
				rows, err := env.Query("SELECT id FROM res_partner")
				if err != nil {
					return err
				}
				if !rows.Next() {
					return errors.New("no partner")
				}
				return nil // rows not closed
			})
			if err != nil {
				t.Fatal(err)
			}
		}
	})
}
