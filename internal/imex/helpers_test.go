package imex_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/kanso-crm/kanso/internal/app"
	"github.com/kanso-crm/kanso/internal/base"
	"github.com/kanso-crm/kanso/internal/imex"
	"github.com/kanso-crm/kanso/internal/orm"
	"github.com/kanso-crm/kanso/internal/testutil"
)

const adminUID int64 = 2

type fixture struct {
	t *testing.T
	a *app.App
	r *orm.Runner
}

func open(t *testing.T, b testutil.Backend) *fixture {
	t.Helper()
	a, err := app.Open(context.Background(), app.Config{DB: b.URL, AdminPassword: "admin-password", Log: testutil.Logger(t)})
	testutil.Must(t, err, "open app on %s", b.Name)
	t.Cleanup(func() { a.Close() })
	return &fixture{t: t, a: a, r: a.Runner}
}

func (fx *fixture) sudo(f func(env *orm.Env) error) {
	fx.t.Helper()
	testutil.Must(fx.t, fx.r.Run(context.Background(), orm.SuperuserID, nil, true, f), "sudo")
}

func (fx *fixture) as(uid int64, f func(env *orm.Env) error) {
	fx.t.Helper()
	testutil.Must(fx.t, fx.r.Run(context.Background(), uid, nil, true, f), "as %d", uid)
}

// user creates a user in groups (external ids) with a language.
func (fx *fixture) user(login, lang string, groups ...string) int64 {
	fx.t.Helper()
	var id int64
	fx.sudo(func(env *orm.Env) error {
		var gids []any
		for _, g := range groups {
			gid, err := base.XID(env, g)
			if err != nil {
				return err
			}
			gids = append(gids, gid)
		}
		ids, err := env.Create(env.Reg.Model("res.users"), []orm.Values{{"name": login, "login": login, "lang": lang,
			"group_ids": []any{[]any{int64(6), int64(0), gids}}}})
		if err != nil {
			return err
		}
		id = ids[0]
		return nil
	})
	return id
}

// count counts records (archived included) as the superuser.
func (fx *fixture) count(model string, d orm.Domain) int {
	fx.t.Helper()
	var n int64
	fx.sudo(func(env *orm.Env) error {
		var err error
		n, err = env.WithContext(map[string]any{"active_test": false}).SearchCount(env.Reg.Model(model), d, 0)
		return err
	})
	return int(n)
}

// read reads canonical values of the records matching d (archived
// included), in id order.
func (fx *fixture) read(model string, d orm.Domain, fields ...string) []orm.Values {
	fx.t.Helper()
	var out []orm.Values
	fx.sudo(func(env *orm.Env) error {
		m := env.Reg.Model(model)
		ids, err := env.WithContext(map[string]any{"active_test": false}).Search(m, d, orm.SearchOpts{Order: "id"})
		if err != nil {
			return err
		}
		out, err = env.ReadValues(m, ids, fields)
		return err
	})
	return out
}

func (fx *fixture) names(model string, ids any) []string {
	fx.t.Helper()
	var out []string
	fx.sudo(func(env *orm.Env) error {
		var list []int64
		switch x := ids.(type) {
		case int64:
			list = []int64{x}
		case []int64:
			list = x
		}
		names, err := env.DisplayNames(env.Reg.Model(model), list)
		for _, id := range list {
			out = append(out, names[id])
		}
		return err
	})
	return out
}

// messages counts the timeline messages of a model's records.
func (fx *fixture) messages(model string) int {
	fx.t.Helper()
	var n int
	fx.sudo(func(env *orm.Env) error {
		return env.QueryRow("SELECT count(*) FROM mail_message WHERE model = ?", model).Scan(&n)
	})
	return n
}

func (fx *fixture) xid(x string) int64 {
	fx.t.Helper()
	var id int64
	fx.sudo(func(env *orm.Env) error {
		var err error
		id, err = base.XID(env, x)
		return err
	})
	return id
}

func (fx *fixture) create(model string, vals orm.Values) int64 {
	fx.t.Helper()
	var id int64
	fx.sudo(func(env *orm.Env) error {
		ids, err := env.Create(env.Reg.Model(model), []orm.Values{vals})
		if err == nil {
			id = ids[0]
		}
		return err
	})
	return id
}

func (fx *fixture) importFile(uid int64, path string, o imex.Options) *imex.Result {
	fx.t.Helper()
	f, err := os.Open(path)
	testutil.Must(fx.t, err, "open %s", path)
	defer f.Close()
	res, err := imex.Import(context.Background(), fx.r, uid, f, filepath.Base(path), o)
	testutil.Must(fx.t, err, "import %s", path)
	return res
}

func (fx *fixture) importBytes(uid int64, name string, data []byte, o imex.Options) (*imex.Result, error) {
	return imex.Import(context.Background(), fx.r, uid, bytes.NewReader(data), name, o)
}

func leaf(path, op string, v any) orm.Leaf { return orm.Leaf{Path: path, Op: op, Value: v} }

func problems(t *testing.T, res *imex.Result) {
	t.Helper()
	for _, p := range res.Problems {
		t.Logf("problem: %s", p)
	}
}
