package orm_test

import (
	"errors"
	"testing"

	"github.com/kanso-crm/kanso/internal/orm"
	"github.com/kanso-crm/kanso/internal/testutil"
)

// TestMemo: a memoised lookup is computed once per transaction and again
// after any write, through the ORM, to a model it depends on, after a
// rollback to a savepoint, and for another user.
func TestMemo(t *testing.T) {
	testutil.Run(t, func(t *testing.T, b testutil.Backend) {
		f := newFixture(t, b)
		partners := []string{"res.partner"}
		err := as(t, f, 2, func(env *orm.Env) error {
			m := env.Reg.Model("res.partner")
			fills := 0
			count := func(e *orm.Env) int64 {
				t.Helper()
				v, err := e.Memo("partners", partners, func() (any, error) {
					fills++
					return e.SearchCount(m, orm.And{}, 0)
				})
				testutil.Must(t, err, "memo")
				return v.(int64)
			}
			n0 := count(env)
			steps := []struct {
				what      string
				do        func() error
				fills     int
				wantDelta int64
			}{
				{"same key again", func() error { return nil }, 1, 0},
				{"through Sudo, another key", func() error { count(env.Sudo()); return nil }, 2, 0},
				{"write to another model", func() error {
					_, err := env.Create(env.Reg.Model("res.partner.category"), []orm.Values{{"name": "Memo tag"}})
					return err
				}, 2, 0},
				{"create a partner", func() error {
					_, err := env.Create(m, []orm.Values{{"name": "Memo One"}})
					return err
				}, 3, 1},
				{"savepoint rolled back", func() error {
					if _, err := env.Exec("SAVEPOINT memo"); err != nil {
						return err
					}
					if _, err := env.Create(m, []orm.Values{{"name": "Memo Two"}}); err != nil {
						return err
					}
					if got := count(env); got != n0+2 {
						t.Errorf("inside the savepoint: %d partners, want %d", got, n0+2)
					}
					_, err := env.Exec("ROLLBACK TO SAVEPOINT memo")
					return err
				}, 5, 1},
				{"raw SQL marked with Touched", func() error {
					if _, err := env.Exec("UPDATE res_partner SET active = ? WHERE name = ?", env.Dialect.BoolParam(false), "Memo One"); err != nil {
						return err
					}
					env.Touched("res.partner")
					return nil
				}, 6, 0},
			}
			for _, s := range steps {
				if err := s.do(); err != nil {
					return err
				}
				got := count(env)
				if fills != s.fills {
					t.Errorf("%s: %d computations, want %d", s.what, fills, s.fills)
				}
				if got != n0+s.wantDelta {
					t.Errorf("%s: %d partners, want %d", s.what, got, n0+s.wantDelta)
				}
			}
			// another user's memo is their own
			other := env.WithUser(orm.SuperuserID)
			if _, err := other.Memo("partners", partners, func() (any, error) { fills++; return int64(-1), nil }); err != nil {
				return err
			}
			if fills != 7 {
				t.Errorf("another user reused the memo (%d computations)", fills)
			}
			return nil
		})
		testutil.Must(t, err, "run")
	})
}

// TestStatementsReused: the statements cached by a transaction give the
// right answer when run again with other arguments, including inside the
// loop reading another statement's rows, and after the schema changed.
func TestStatementsReused(t *testing.T) {
	testutil.Run(t, func(t *testing.T, b testutil.Backend) {
		f := newFixture(t, b)
		err := as(t, f, 2, func(env *orm.Env) error {
			m := env.Reg.Model("res.partner")
			ids, err := env.Create(m, []orm.Values{{"name": "Stmt A"}, {"name": "Stmt B"}, {"name": "Stmt C"}})
			if err != nil {
				return err
			}
			rows, err := env.Query("SELECT id, name FROM res_partner WHERE id IN (?, ?, ?) ORDER BY id", ids[0], ids[1], ids[2])
			if err != nil {
				return err
			}
			defer rows.Close()
			// PostgreSQL's protocol runs one statement at a time on a
			// connection: the nested reads are SQLite's case (where the
			// statements are cached)
			nested := env.Dialect.String() == "sqlite"
			type row struct {
				id   int64
				name string
			}
			var read []row
			for rows.Next() {
				var r row
				testutil.Must(t, rows.Scan(&r.id, &r.name), "scan")
				read = append(read, r)
				if !nested {
					continue
				}
				var again string
				testutil.Must(t, env.QueryRow("SELECT name FROM res_partner WHERE id = ?", r.id).Scan(&again), "nested")
				if again != r.name {
					t.Errorf("partner %d: %q read again as %q", r.id, r.name, again)
				}
				if _, err := env.Exec("UPDATE res_partner SET comment = ? WHERE id = ?", "seen "+r.name, r.id); err != nil {
					return err
				}
			}
			testutil.Must(t, rows.Err(), "rows")
			rows.Close()
			for _, r := range read {
				if nested {
					break
				}
				id, name := r.id, r.name
				var again string
				testutil.Must(t, env.QueryRow("SELECT name FROM res_partner WHERE id = ?", id).Scan(&again), "again")
				if again != name {
					t.Errorf("partner %d: %q read again as %q", id, name, again)
				}
				if _, err := env.Exec("UPDATE res_partner SET comment = ? WHERE id = ?", "seen "+name, id); err != nil {
					return err
				}
			}
			for i, id := range ids {
				var c string
				testutil.Must(t, env.QueryRow("SELECT comment FROM res_partner WHERE id = ?", id).Scan(&c), "comment")
				if want := "seen Stmt " + string(rune('A'+i)); c != want {
					t.Errorf("comment of %d = %q, want %q", id, c, want)
				}
			}
			if _, err := env.Exec("CREATE TABLE memo_probe (id INTEGER PRIMARY KEY, v TEXT)"); err != nil {
				return err
			}
			for i, v := range []string{"one", "two"} {
				if _, err := env.Exec("INSERT INTO memo_probe (id, v) VALUES (?, ?)", i+1, v); err != nil {
					return err
				}
			}
			if _, err := env.Exec("ALTER TABLE memo_probe ADD COLUMN w TEXT"); err != nil {
				return err
			}
			var n int64
			testutil.Must(t, env.QueryRow("SELECT count(*) FROM memo_probe WHERE v = ?", "two").Scan(&n), "count")
			if _, err := env.Exec("INSERT INTO memo_probe (id, v) VALUES (?, ?)", 3, "two"); err != nil {
				return err
			}
			var n2 int64
			testutil.Must(t, env.QueryRow("SELECT count(*) FROM memo_probe WHERE v = ?", "two").Scan(&n2), "count")
			if n != 1 || n2 != 2 {
				t.Errorf("counts %d then %d, want 1 then 2", n, n2)
			}
			return errRollbackTest
		})
		if err != errRollbackTest {
			t.Fatal(err)
		}
	})
}

var errRollbackTest = errors.New("roll back the test's transaction")

// TestAfterCommitFromAnotherUser: work registered to run after the commit
// by an environment acting as another user runs too.
func TestAfterCommitFromAnotherUser(t *testing.T) {
	testutil.Run(t, func(t *testing.T, b testutil.Backend) {
		f := newFixture(t, b)
		ran := 0
		err := as(t, f, 2, func(env *orm.Env) error {
			env.AfterCommit(func() { ran++ })
			env.WithUser(orm.SuperuserID).AfterCommit(func() { ran += 10 })
			return nil
		})
		testutil.Must(t, err, "run")
		if ran != 11 {
			t.Errorf("after-commit work: %d, want 11", ran)
		}
	})
}
