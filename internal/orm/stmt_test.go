package orm_test

import (
	"context"
	"slices"
	"testing"

	"github.com/kanso-crm/kanso/internal/orm"
	"github.com/kanso-crm/kanso/internal/testutil"
)

// TestStatementsAcrossTransactions: on SQLite a statement prepared in one
// transaction is kept on the pool for the next ones, and a statement is
// never run again while rows read through it are open: the same query run
// in the middle of reading its own rows gives both readers every row.
func TestStatementsAcrossTransactions(t *testing.T) {
	f := newFixture(t, testutil.SQLite(t))
	const q = "SELECT id FROM res_partner ORDER BY id"
	read := func(fn func(env *orm.Env) error) {
		t.Helper()
		testutil.Must(t, f.a.Runner.Run(context.Background(), orm.SuperuserID, nil, false, fn), "read")
	}
	var all []int64
	read(func(env *orm.Env) error {
		rows, err := env.Query(q)
		if err != nil {
			return err
		}
		all, err = orm.ScanIDs(rows)
		return err
	})
	if len(all) < 3 {
		t.Fatalf("%d partners", len(all))
	}
	cache := f.a.DB.Stmts(false)
	cache.Settle()
	if cache.Get(q) == nil {
		t.Fatal("the statement was not kept for the next transactions")
	}
	read(func(env *orm.Env) error {
		outer, err := env.Query(q) // through the pool's statement
		if err != nil {
			return err
		}
		defer outer.Close()
		var got []int64
		for outer.Next() {
			var id int64
			if err := outer.Scan(&id); err != nil {
				return err
			}
			got = append(got, id)
			if len(got) == 2 {
				inner, err := env.Query(q)
				if err != nil {
					return err
				}
				ids, err := orm.ScanIDs(inner)
				if err != nil {
					return err
				}
				if !slices.Equal(ids, all) {
					t.Errorf("inner query: %v, want %v", ids, all)
				}
			}
		}
		if err := outer.Err(); err != nil {
			return err
		}
		if !slices.Equal(got, all) {
			t.Errorf("outer query around the inner one: %v, want %v", got, all)
		}
		// read to the end, the statement is free again
		rows, err := env.Query(q)
		if err != nil {
			return err
		}
		ids, err := orm.ScanIDs(rows)
		if err == nil && !slices.Equal(ids, all) {
			t.Errorf("query after: %v", ids)
		}
		return err
	})
}
