package crm_test

import (
	"context"
	"testing"

	"github.com/kanso-crm/kanso/internal/apptest"
	"github.com/kanso-crm/kanso/internal/base"
	"github.com/kanso-crm/kanso/internal/orm"
	"github.com/kanso-crm/kanso/internal/testutil"
)

// TestRulesOfTheSalesGroups: a salesperson who sees all documents has the
// own-leads rule OR-ed with the all-leads rule, which must leave no
// condition at all (otherwise every relational condition on leads carries a
// sub-query listing every lead); an own-documents salesperson keeps theirs.
func TestRulesOfTheSalesGroups(t *testing.T) {
	testutil.Run(t, func(t *testing.T, b testutil.Backend) {
		s := apptest.Start(t, b)
		own := s.CreateUser(t, "own", "own-password", base.GroupSaleSalesman)
		all := s.CreateUser(t, "all", "all-password", base.GroupSaleSalesmanAll)
		rule := func(uid int64, model string) orm.Domain {
			var d orm.Domain
			if err := s.App.Runner.Run(context.Background(), uid, nil, false, func(env *orm.Env) error {
				var err error
				d, err = env.RuleDomain(env.Reg.Model(model), orm.PermRead)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			return d
		}
		for _, model := range []string{"crm.lead", "crm.team"} {
			if d := rule(all, model); !orm.IsTrue(d) {
				t.Errorf("%s: an all-documents salesperson's read rule is %#v; want none", model, d)
			}
		}
		if d := rule(own, "crm.lead"); orm.IsTrue(d) {
			t.Errorf("crm.lead: an own-documents salesperson has no read rule")
		}
	})
}
