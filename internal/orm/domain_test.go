package orm_test

import (
	"context"
	"sort"
	"strings"
	"testing"

	"github.com/kanso-crm/kanso/internal/app"
	"github.com/kanso-crm/kanso/internal/base"
	"github.com/kanso-crm/kanso/internal/orm"
	"github.com/kanso-crm/kanso/internal/testutil"
)

// fixture is a small known world of partners on which every domain rule
// of Odoo's language is checked, with the same expected rows on SQLite
// and PostgreSQL.
type fixture struct {
	a     *app.App
	ids   map[string]int64 // partner name -> id
	names map[int64]string
	tags  map[string]int64
	ro    int64 // country Romania
	id    int64 // country Indonesia
}

func openApp(t testing.TB, b testutil.Backend) *app.App {
	t.Helper()
	a, err := app.Open(context.Background(), app.Config{DB: b.URL, AdminPassword: "test-password", Log: testutil.Logger(t)})
	if err != nil {
		t.Fatalf("open %s: %v", b.Name, err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}

func newFixture(t *testing.T, b testutil.Backend) *fixture {
	a := openApp(t, b)
	f := &fixture{a: a, ids: map[string]int64{}, names: map[int64]string{}, tags: map[string]int64{}}
	err := a.Runner.Run(context.Background(), orm.SuperuserID, nil, true, func(env *orm.Env) error {
		var err error
		if f.ro, err = base.XID(env, "base.ro"); err != nil {
			return err
		}
		if f.id, err = base.XID(env, "base.id"); err != nil {
			return err
		}
		cat := env.Reg.Model("res.partner.category")
		for _, n := range []string{"VIP", "Lead"} {
			ids, err := env.Create(cat, []orm.Values{{"name": n}})
			if err != nil {
				return err
			}
			f.tags[n] = ids[0]
		}
		p := env.Reg.Model("res.partner")
		mk := func(v orm.Values) {
			if err != nil {
				return
			}
			var ids []int64
			ids, err = env.Create(p, []orm.Values{v})
			if err == nil {
				f.ids[v["name"].(string)] = ids[0]
				f.names[ids[0]] = v["name"].(string)
			}
		}
		tags := func(names ...string) []any {
			var ids []any
			for _, n := range names {
				ids = append(ids, f.tags[n])
			}
			return []any{[]any{int64(6), int64(0), ids}}
		}
		mk(orm.Values{"name": "Acme Corp", "is_company": true, "email": "info@acme.com", "country_id": f.ro, "city": "Cluj-Napoca", "employee_count": int64(50)})
		mk(orm.Values{"name": "Beta Ltd", "is_company": true, "country_id": f.id, "employee_count": int64(5)})
		mk(orm.Values{"name": "Gamma SRL", "is_company": true, "active": false})
		mk(orm.Values{"name": "Alice", "parent_id": f.ids["Acme Corp"], "email": "alice@acme.com", "country_id": f.ro, "city": "Cluj",
			"credit_limit": 100.0, "birthdate": "1990-05-01", "category_id": tags("VIP"), "type": "contact"})
		mk(orm.Values{"name": "Bob", "parent_id": f.ids["Acme Corp"], "country_id": f.id, "credit_limit": 200.5,
			"birthdate": "1985-12-31", "category_id": tags("VIP", "Lead"), "type": "invoice"})
		mk(orm.Values{"name": "Carol", "parent_id": f.ids["Beta Ltd"], "email": "carol@beta.io", "country_id": f.ro, "type": "delivery"})
		mk(orm.Values{"name": "Dan", "email": "dan_x@example.com", "credit_limit": 0.0})
		mk(orm.Values{"name": "Danny", "email": "danAx@example.com"})
		mk(orm.Values{"name": "Eve", "parent_id": f.ids["Gamma SRL"], "email": "EVE@GAMMA.RO"})
		mk(orm.Values{"name": "Ștefan", "email": "stefan@acme.com", "city": "Iași"})
		mk(orm.Values{"name": "Zed", "active": false, "email": "zed@acme.com"})
		if err != nil {
			return err
		}
		// Fixed creation dates around a day boundary (DOM-09).
		for name, when := range map[string]string{"Alice": "2024-01-31 23:59:59", "Bob": "2024-02-01 00:00:00", "Carol": "2024-01-31 00:00:00"} {
			t, _ := orm.ParseDatetime(when)
			if _, err := env.Exec("UPDATE res_partner SET create_date = ? WHERE id = ?", env.Dialect.TimeParam(t), f.ids[name]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("fixture: %v", err)
	}
	return f
}

// search runs a domain as admin and returns the fixture's names found,
// sorted.
func (f *fixture) search(t *testing.T, domain []any, ctx map[string]any) ([]string, error) {
	var out []string
	err := f.a.Runner.Run(context.Background(), 2, ctx, false, func(env *orm.Env) error {
		d, err := orm.ParseDomain(orm.Normalize(domain))
		if err != nil {
			return err
		}
		ids, err := env.Search(env.Reg.Model("res.partner"), d, orm.SearchOpts{})
		if err != nil {
			return err
		}
		for _, id := range ids {
			if n, ok := f.names[id]; ok {
				out = append(out, n)
			}
		}
		return nil
	})
	sort.Strings(out)
	return out, err
}

// The domain table. Placeholders in values: "@Name" is the id of the
// partner Name, "#Tag" a tag id, "$RO" and "$ID" country ids.
var domainCases = []struct {
	name   string
	domain []any
	want   string // names, comma separated, sorted
	ctx    map[string]any
}{
	{"empty is true", []any{}, "Acme Corp,Alice,Beta Ltd,Bob,Carol,Dan,Danny,Eve,Ștefan", nil},
	{"equal", []any{[]any{"name", "=", "Alice"}}, "Alice", nil},
	{"not equal", []any{[]any{"name", "!=", "Alice"}}, "Acme Corp,Beta Ltd,Bob,Carol,Dan,Danny,Eve,Ștefan", nil},
	{"deprecated <> alias", []any{[]any{"name", "<>", "Alice"}}, "Acme Corp,Beta Ltd,Bob,Carol,Dan,Danny,Eve,Ștefan", nil},
	{"unset is NULL", []any{[]any{"email", "=", false}}, "Beta Ltd,Bob", nil},
	{"set is NOT NULL", []any{[]any{"email", "!=", false}}, "Acme Corp,Alice,Carol,Dan,Danny,Eve,Ștefan", nil},
	{"None is False", []any{[]any{"email", "=", nil}}, "Beta Ltd,Bob", nil},
	{"not equal matches NULL", []any{[]any{"email", "!=", "alice@acme.com"}}, "Acme Corp,Beta Ltd,Bob,Carol,Dan,Danny,Eve,Ștefan", nil},
	{"ilike wraps and ignores case", []any{[]any{"email", "ilike", "ACME"}}, "Acme Corp,Alice,Ștefan", nil},
	{"ilike unicode case", []any{[]any{"name", "ilike", "ștef"}}, "Ștefan", nil},
	{"ilike unicode upper", []any{[]any{"city", "ilike", "IAȘI"}}, "Ștefan", nil},
	{"like is case sensitive", []any{[]any{"email", "like", "ACME"}}, "", nil},
	{"like matches", []any{[]any{"email", "like", "acme"}}, "Acme Corp,Alice,Ștefan", nil},
	{"like escapes _", []any{[]any{"email", "like", "dan_x"}}, "Dan", nil},
	{"=like keeps _ as wildcard", []any{[]any{"email", "=like", "dan_x%"}}, "Dan,Danny", nil},
	{"=like is anchored", []any{[]any{"email", "=like", "%@beta.io"}}, "Carol", nil},
	{"=ilike", []any{[]any{"email", "=ilike", "%@BETA.IO"}}, "Carol", nil},
	{"=ilike upper data", []any{[]any{"email", "=ilike", "eve@gamma.ro"}}, "Eve", nil},
	{"not ilike matches NULL", []any{[]any{"email", "not ilike", "acme"}}, "Beta Ltd,Bob,Carol,Dan,Danny,Eve", nil},
	{"not like", []any{[]any{"email", "not like", "ACME"}}, "Acme Corp,Alice,Beta Ltd,Bob,Carol,Dan,Danny,Eve,Ștefan", nil},
	{"like empty is true", []any{[]any{"email", "like", ""}}, "Acme Corp,Alice,Beta Ltd,Bob,Carol,Dan,Danny,Eve,Ștefan", nil},
	{"not ilike empty leaves unset", []any{[]any{"email", "not ilike", ""}}, "Beta Ltd,Bob", nil},
	{"greater", []any{[]any{"credit_limit", ">", 100}}, "Bob", nil},
	{"greater or equal", []any{[]any{"credit_limit", ">=", 100}}, "Alice,Bob", nil},
	{"less", []any{[]any{"credit_limit", "<", 150.25}, []any{"name", "in", []any{"Alice", "Bob", "Dan"}}}, "Alice,Dan", nil},
	{"less than False is empty", []any{[]any{"birthdate", "<", false}}, "", nil},
	{"greater than False is empty", []any{[]any{"credit_limit", ">", false}}, "", nil},
	{"integer equal", []any{[]any{"employee_count", "=", 50}}, "Acme Corp", nil},
	{"in", []any{[]any{"name", "in", []any{"Alice", "Carol", "Nobody"}}}, "Alice,Carol", nil},
	{"empty in is false", []any{[]any{"name", "in", []any{}}}, "", nil},
	{"empty not in is true", []any{[]any{"name", "not in", []any{}}}, "Acme Corp,Alice,Beta Ltd,Bob,Carol,Dan,Danny,Eve,Ștefan", nil},
	{"not in matches NULL", []any{[]any{"email", "not in", []any{"alice@acme.com", "carol@beta.io"}}}, "Acme Corp,Beta Ltd,Bob,Dan,Danny,Eve,Ștefan", nil},
	{"in with False", []any{[]any{"email", "in", []any{"alice@acme.com", false}}}, "Alice,Beta Ltd,Bob", nil},
	{"not in with False", []any{[]any{"email", "not in", []any{"alice@acme.com", false}}}, "Acme Corp,Carol,Dan,Danny,Eve,Ștefan", nil},
	{"=? with False is true", []any{[]any{"parent_id", "=?", false}}, "Acme Corp,Alice,Beta Ltd,Bob,Carol,Dan,Danny,Eve,Ștefan", nil},
	{"=? with value", []any{[]any{"parent_id", "=?", "@Acme Corp"}}, "Alice,Bob", nil},
	{"boolean true", []any{[]any{"is_company", "=", true}}, "Acme Corp,Beta Ltd", nil},
	{"boolean false matches NULL or false", []any{[]any{"is_company", "=", false}}, "Alice,Bob,Carol,Dan,Danny,Eve,Ștefan", nil},
	{"boolean not true", []any{[]any{"is_company", "!=", true}}, "Alice,Bob,Carol,Dan,Danny,Eve,Ștefan", nil},
	{"selection", []any{[]any{"type", "in", []any{"invoice", "delivery"}}}, "Bob,Carol", nil},
	{"date greater", []any{[]any{"birthdate", ">", "1986-01-01"}}, "Alice", nil},
	{"date unset", []any{[]any{"birthdate", "=", false}, []any{"parent_id", "!=", false}}, "Carol,Eve", nil},
	{"datetime <= day includes the whole day (DOM-09)", []any{[]any{"create_date", "<=", "2024-01-31"}}, "Alice,Carol", nil},
	{"datetime > day starts the next day", []any{[]any{"create_date", ">", "2024-01-31"}, []any{"name", "in", []any{"Alice", "Bob", "Carol"}}}, "Bob", nil},
	{"datetime < day", []any{[]any{"create_date", "<", "2024-01-31"}}, "", nil},
	{"datetime >= day", []any{[]any{"create_date", ">=", "2024-01-31"}, []any{"name", "in", []any{"Alice", "Bob", "Carol"}}}, "Alice,Bob,Carol", nil},
	{"datetime = day", []any{[]any{"create_date", "=", "2024-01-31"}}, "Alice,Carol", nil},
	{"datetime exact", []any{[]any{"create_date", "=", "2024-02-01 00:00:00"}}, "Bob", nil},
	{"or", []any{"|", []any{"name", "=", "Alice"}, []any{"name", "=", "Bob"}}, "Alice,Bob", nil},
	{"not", []any{"!", []any{"email", "ilike", "acme"}}, "Beta Ltd,Bob,Carol,Dan,Danny,Eve", nil},
	{"nested prefix", []any{"|", []any{"name", "=", "Dan"}, "&", []any{"country_id", "=", "$RO"}, []any{"is_company", "=", false}}, "Alice,Carol,Dan", nil},
	{"implicit and", []any{[]any{"country_id", "=", "$RO"}, []any{"is_company", "=", false}}, "Alice,Carol", nil},
	{"explicit and", []any{"&", []any{"country_id", "=", "$RO"}, []any{"is_company", "=", false}}, "Alice,Carol", nil},
	{"not of or", []any{"!", "|", []any{"name", "=", "Alice"}, []any{"name", "=", "Bob"}}, "Acme Corp,Beta Ltd,Carol,Dan,Danny,Eve,Ștefan", nil},
	{"constant true", []any{[]any{1, "=", 1}}, "Acme Corp,Alice,Beta Ltd,Bob,Carol,Dan,Danny,Eve,Ștefan", nil},
	{"constant false", []any{[]any{0, "=", 1}}, "", nil},
	{"many2one id", []any{[]any{"country_id", "=", "$ID"}}, "Beta Ltd,Bob", nil},
	{"many2one unset", []any{[]any{"country_id", "=", false}}, "Dan,Danny,Eve,Ștefan", nil},
	{"many2one set", []any{[]any{"country_id", "!=", false}}, "Acme Corp,Alice,Beta Ltd,Bob,Carol", nil},
	{"many2one != id matches NULL", []any{[]any{"country_id", "!=", "$RO"}}, "Beta Ltd,Bob,Dan,Danny,Eve,Ștefan", nil},
	{"many2one in with False", []any{[]any{"country_id", "in", []any{"$ID", false}}}, "Beta Ltd,Bob,Dan,Danny,Eve,Ștefan", nil},
	{"many2one not in with False", []any{[]any{"country_id", "not in", []any{"$ID", false}}}, "Acme Corp,Alice,Carol", nil},
	{"many2one by name ilike", []any{[]any{"country_id", "ilike", "roman"}}, "Acme Corp,Alice,Carol", nil},
	{"many2one by exact name", []any{[]any{"country_id", "=", "Indonesia"}}, "Beta Ltd,Bob", nil},
	{"many2one by names in", []any{[]any{"country_id", "in", []any{"Indonesia", "Romania"}}}, "Acme Corp,Alice,Beta Ltd,Bob,Carol", nil},
	{"many2one not ilike name matches NULL", []any{[]any{"country_id", "not ilike", "roman"}}, "Beta Ltd,Bob,Dan,Danny,Eve,Ștefan", nil},
	{"many2one name search includes archived", []any{[]any{"parent_id", "ilike", "gamma"}}, "Eve", nil},
	{"dotted path", []any{[]any{"country_id.code", "=", "RO"}}, "Acme Corp,Alice,Carol", nil},
	{"two-level path", []any{[]any{"parent_id.country_id.code", "=", "RO"}}, "Alice,Bob", nil},
	{"path through archived parent", []any{[]any{"parent_id.name", "=", "Gamma SRL"}}, "Eve", nil},
	{"any on many2one", []any{[]any{"parent_id", "any", []any{[]any{"employee_count", ">", 10}}}}, "Alice,Bob", nil},
	{"not any on many2one", []any{[]any{"parent_id", "not any", []any{[]any{"employee_count", ">", 10}}}}, "Acme Corp,Beta Ltd,Carol,Dan,Danny,Eve,Ștefan", nil},
	{"many2many contains", []any{[]any{"category_id", "=", "#Lead"}}, "Bob", nil},
	{"many2many in", []any{[]any{"category_id", "in", []any{"#VIP"}}}, "Alice,Bob", nil},
	{"many2many not in includes untagged", []any{[]any{"category_id", "not in", []any{"#Lead"}}}, "Acme Corp,Alice,Beta Ltd,Carol,Dan,Danny,Eve,Ștefan", nil},
	{"many2many unset", []any{[]any{"category_id", "=", false}, []any{"is_company", "=", false}}, "Carol,Dan,Danny,Eve,Ștefan", nil},
	{"many2many set", []any{[]any{"category_id", "!=", false}}, "Alice,Bob", nil},
	{"many2many by name", []any{[]any{"category_id", "ilike", "vi"}}, "Alice,Bob", nil},
	{"many2many path", []any{[]any{"category_id.name", "=", "Lead"}}, "Bob", nil},
	{"many2many not ilike name", []any{[]any{"category_id", "not ilike", "lead"}, []any{"is_company", "=", false}}, "Alice,Carol,Dan,Danny,Eve,Ștefan", nil},
	{"one2many set (active children)", []any{[]any{"child_ids", "!=", false}}, "Acme Corp,Beta Ltd", nil},
	{"one2many unset", []any{[]any{"child_ids", "=", false}, []any{"is_company", "=", true}}, "", nil},
	{"one2many path", []any{[]any{"child_ids.name", "=", "Carol"}}, "Beta Ltd", nil},
	{"any on one2many", []any{[]any{"child_ids", "any", []any{[]any{"email", "ilike", "acme"}}}}, "Acme Corp", nil},
	{"not any on one2many", []any{[]any{"child_ids", "not any", []any{[]any{"email", "ilike", "acme"}}}, []any{"is_company", "=", true}}, "Beta Ltd", nil},
	{"one2many contains id", []any{[]any{"child_ids", "in", []any{"@Carol"}}}, "Beta Ltd", nil},
	{"child_of on id includes itself", []any{[]any{"id", "child_of", "@Acme Corp"}}, "Acme Corp,Alice,Bob", nil},
	{"child_of by name", []any{[]any{"id", "child_of", "Beta"}}, "Beta Ltd,Carol", nil},
	{"child_of on many2one", []any{[]any{"parent_id", "child_of", []any{"@Acme Corp", "@Beta Ltd"}}}, "Alice,Bob,Carol", nil},
	{"parent_of", []any{[]any{"id", "parent_of", "@Alice"}}, "Acme Corp,Alice", nil},
	{"parent_of several", []any{[]any{"id", "parent_of", []any{"@Alice", "@Carol"}}}, "Acme Corp,Alice,Beta Ltd,Carol", nil},
	{"display_name searches the complete name and e-mail", []any{[]any{"display_name", "ilike", "acme"}}, "Acme Corp,Alice,Bob,Ștefan", nil},
	{"not of a leaf keeps NULL", []any{"!", []any{"country_id", "=", "$RO"}}, "Beta Ltd,Bob,Dan,Danny,Eve,Ștefan", nil},
	{"not of and", []any{"!", "&", []any{"country_id", "=", "$RO"}, []any{"is_company", "=", true}}, "Alice,Beta Ltd,Bob,Carol,Dan,Danny,Eve,Ștefan", nil},
	{"not less than", []any{"!", []any{"credit_limit", "<", 150}}, "Bob", nil},
	{"active filter off by mention", []any{[]any{"active", "=", false}}, "Gamma SRL,Zed", nil},
	{"both active states", []any{"|", []any{"active", "=", true}, []any{"active", "=", false}}, "Acme Corp,Alice,Beta Ltd,Bob,Carol,Dan,Danny,Eve,Gamma SRL,Zed,Ștefan", nil},
	{"active_test false context", []any{[]any{"email", "ilike", "acme"}}, "Acme Corp,Alice,Zed,Ștefan", map[string]any{"active_test": false}},
}

func (f *fixture) resolve(v any) any {
	switch x := v.(type) {
	case string:
		switch {
		case strings.HasPrefix(x, "@"):
			return f.ids[x[1:]]
		case strings.HasPrefix(x, "#"):
			return f.tags[x[1:]]
		case x == "$RO":
			return f.ro
		case x == "$ID":
			return f.id
		}
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = f.resolve(e)
		}
		return out
	}
	return v
}

func TestDomainLanguage(t *testing.T) {
	testutil.Run(t, func(t *testing.T, b testutil.Backend) {
		f := newFixture(t, b)
		for _, c := range domainCases {
			t.Run(c.name, func(t *testing.T) {
				got, err := f.search(t, f.resolve(c.domain).([]any), c.ctx)
				if err != nil {
					t.Fatalf("search %v: %v", c.domain, err)
				}
				if strings.Join(got, ",") != c.want {
					t.Errorf("domain %v\n got: %s\nwant: %s", c.domain, strings.Join(got, ","), c.want)
				}
			})
		}
	})
}

func TestDomainErrors(t *testing.T) {
	cases := []struct {
		name   string
		domain any
		want   string // part of the message
	}{
		{"unknown field", []any{[]any{"nope", "=", 1}}, `res.partner.nope`},
		{"unknown field in path", []any{[]any{"country_id.nope", "=", 1}}, `res.country.nope`},
		{"path through a non-relational field", []any{[]any{"name.x", "=", 1}}, `not a relational field`},
		{"unknown operator", []any{[]any{"name", "contains", "x"}}, `unknown operator "contains"`},
		{"upper-case operator", []any{[]any{"name", "ILIKE", "x"}}, `unknown operator "ILIKE"`},
		{"missing operand", []any{"&", []any{"name", "=", "x"}}, `missing its operands`},
		{"unknown logical operator", []any{"^", []any{"name", "=", "x"}, []any{"name", "=", "y"}}, `unknown domain operator "^"`},
		{"short leaf", []any{[]any{"name", "="}}, `needs 3 items`},
		{"not a list", map[string]any{"name": "x"}, `expected a list`},
		{"bad integer", []any{[]any{"employee_count", "=", "many"}}, `employee_count`},
		{"bad date", []any{[]any{"birthdate", ">", "yesterday"}}, `not a date`},
		{"any on a scalar", []any{[]any{"name", "any", []any{}}}, `needs a relational field`},
		{"child_of without hierarchy", []any{[]any{"country_id", "child_of", 1}}, `no hierarchy`},
		{"bad sub-domain", []any{[]any{"parent_id", "any", []any{[]any{"zzz", "=", 1}}}}, `res.partner.zzz`},
	}
	testutil.Run(t, func(t *testing.T, b testutil.Backend) {
		a := openApp(t, b)
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				err := a.Runner.Run(context.Background(), 2, nil, false, func(env *orm.Env) error {
					d, err := orm.ParseDomain(orm.Normalize(c.domain))
					if err != nil {
						return err
					}
					_, err = env.Search(env.Reg.Model("res.partner"), d, orm.SearchOpts{})
					return err
				})
				if err == nil {
					t.Fatalf("domain %v: no error", c.domain)
				}
				e := orm.AsError(err)
				if e.Kind != orm.KindValidation {
					t.Errorf("domain %v: error kind %v (%v), want a validation error", c.domain, e.Kind, err)
				}
				if !strings.Contains(err.Error(), c.want) {
					t.Errorf("domain %v: error %q does not mention %q", c.domain, err, c.want)
				}
			})
		}
	})
}

// The compiled SQL binds every value: a value that looks like SQL is
// just a value.
func TestDomainValuesAreBound(t *testing.T) {
	testutil.Run(t, func(t *testing.T, b testutil.Backend) {
		f := newFixture(t, b)
		for _, v := range []string{"x' OR '1'='1", "x\"; DROP TABLE res_partner; --", "%", "_", `\`} {
			got, err := f.search(t, []any{[]any{"name", "=", v}}, nil)
			if err != nil || len(got) != 0 {
				t.Errorf("name = %q: got %v, %v; want no rows", v, got, err)
			}
		}
		got, err := f.search(t, []any{[]any{"name", "ilike", "%"}}, nil)
		if err != nil || len(got) != 0 {
			t.Errorf("ilike %%: got %v, %v; want no rows (the percent sign is literal)", got, err)
		}
		all, err := f.search(t, []any{}, nil)
		if err != nil || len(all) != 9 {
			t.Errorf("table still answers: %v %v", all, err)
		}
	})
}
