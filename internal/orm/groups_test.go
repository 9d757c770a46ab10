package orm_test

import (
	"context"
	"testing"

	"github.com/kanso-crm/kanso/internal/app"
	"github.com/kanso-crm/kanso/internal/base"
	"github.com/kanso-crm/kanso/internal/orm"
	"github.com/kanso-crm/kanso/internal/testutil"
)

// A field restricted to groups is invisible to everybody else: absent
// from fields_get, refused in read, write, domains and group-bys.
func TestFieldGroups(t *testing.T) {
	testutil.Run(t, func(t *testing.T, b testutil.Backend) {
		a := openApp(t, b)
		reg, err := app.NewRegistry()
		if err != nil {
			t.Fatal(err)
		}
		reg.Model("res.partner").Field("credit_limit").Groups = []string{base.GroupSystem}
		r := &orm.Runner{DB: a.DB, Reg: reg, Log: testutil.Logger(t)}
		ctx := context.Background()
		var uid, pid int64
		r.Run(ctx, orm.SuperuserID, nil, true, func(env *orm.Env) error {
			gid, _ := base.XID(env, base.GroupUser)
			ids, err := env.Create(reg.Model("res.users"), []orm.Values{{"name": "Pat", "login": "pat", "password": "pat-password",
				"group_ids": []any{[]any{int64(6), int64(0), []any{gid}}}}})
			if err != nil {
				t.Fatal(err)
			}
			uid = ids[0]
			ids, err = env.Create(reg.Model("res.partner"), []orm.Values{{"name": "Limited", "credit_limit": 500.0}})
			pid = ids[0]
			return err
		})
		p := reg.Model("res.partner")
		attempts := map[string]func(env *orm.Env) error{
			"read": func(env *orm.Env) error {
				_, err := env.Read(p, []int64{pid}, []string{"credit_limit"}, true)
				return err
			},
			"write": func(env *orm.Env) error { return env.Write(p, []int64{pid}, orm.Values{"credit_limit": 1.0}) },
			"search": func(env *orm.Env) error {
				_, err := env.Search(p, orm.Leaf{Path: "credit_limit", Op: ">", Value: 100}, orm.SearchOpts{})
				return err
			},
			"read_group": func(env *orm.Env) error {
				_, err := env.CallMethod(p, "read_group", nil, map[string]any{"domain": []any{}, "fields": []any{"credit_limit:sum"}, "groupby": []any{"is_company"}})
				return err
			},
		}
		for name, f := range attempts {
			err := r.Run(ctx, uid, nil, true, f)
			if orm.AsError(err).Kind != orm.KindAccess {
				t.Errorf("%s of a restricted field as a plain user: %v; want an access error", name, err)
			}
			if err := r.Run(ctx, 2, nil, true, f); err != nil {
				t.Errorf("%s as the administrator: %v", name, err)
			}
		}
		r.Run(ctx, uid, nil, false, func(env *orm.Env) error {
			if _, ok := env.FieldsGet(p, nil, nil)["credit_limit"]; ok {
				t.Error("fields_get shows the restricted field")
			}
			recs, err := env.Read(p, []int64{pid}, nil, true)
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := recs[0]["credit_limit"]; ok {
				t.Error("read without fields returns the restricted field")
			}
			return nil
		})
	})
}
