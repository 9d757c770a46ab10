package db

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kanso-crm/kanso/internal/testutil"
)

func open(t *testing.T, b testutil.Backend) *DB {
	t.Helper()
	d, err := Open(context.Background(), b.URL)
	if err != nil {
		t.Fatalf("open %s: %v", b.Name, err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

func TestMigrateFreshAndIdempotent(t *testing.T) {
	testutil.Run(t, func(t *testing.T, b testutil.Backend) {
		ctx := context.Background()
		d := open(t, b)
		all, err := Migrations()
		if err != nil {
			t.Fatal(err)
		}
		n, err := d.Migrate(ctx, testutil.Logger(t))
		if err != nil || n != len(all) {
			t.Fatalf("first migrate: %d, %v; want %d applied", n, err, len(all))
		}
		n, err = d.Migrate(ctx, testutil.Logger(t))
		if err != nil || n != 0 {
			t.Fatalf("second migrate: %d, %v; want nothing to do", n, err)
		}
		v, err := d.SchemaVersion(ctx)
		if err != nil || v != len(all) {
			t.Fatalf("version %d, %v", v, err)
		}
	})
}

func TestMigrateRefusesNewerSchema(t *testing.T) {
	testutil.Run(t, func(t *testing.T, b testutil.Backend) {
		ctx := context.Background()
		d := open(t, b)
		if _, err := d.Migrate(ctx, testutil.Logger(t)); err != nil {
			t.Fatal(err)
		}
		all, _ := Migrations()
		if _, err := d.Write.ExecContext(ctx, d.Dialect.Rebind("INSERT INTO kanso_schema (version, name, applied_at) VALUES (?, 'future.sql', 'x')"), len(all)+1); err != nil {
			t.Fatal(err)
		}
		_, err := d.Migrate(ctx, testutil.Logger(t))
		var se *SchemaError
		if !errors.As(err, &se) || !strings.Contains(err.Error(), "newer than this kanso binary") {
			t.Fatalf("migrate on a newer schema: %v; want a refusal", err)
		}
	})
}

func TestMigrateRefusesHalfMigrated(t *testing.T) {
	testutil.Run(t, func(t *testing.T, b testutil.Backend) {
		ctx := context.Background()
		d := open(t, b)
		if _, err := d.Migrate(ctx, testutil.Logger(t)); err != nil {
			t.Fatal(err)
		}
		all, _ := Migrations()
		if _, err := d.Write.ExecContext(ctx, d.Dialect.Rebind("INSERT INTO kanso_schema (version, name, applied_at) VALUES (?, 'gap.sql', 'x')"), len(all)+2); err != nil {
			t.Fatal(err)
		}
		_, err := d.Migrate(ctx, testutil.Logger(t))
		if err == nil || !strings.Contains(err.Error(), "half migrated") {
			t.Fatalf("migrate with a gap: %v; want a half-migrated refusal", err)
		}
	})
}

// A failing migration leaves the database exactly as it was: the
// statements before the failure are rolled back with it.
func TestMigrateFailureRollsBack(t *testing.T) {
	testutil.Run(t, func(t *testing.T, b testutil.Backend) {
		ctx := context.Background()
		d := open(t, b)
		good := Migration{Version: 1, Name: "0001_a.sql", SQL: "CREATE TABLE a (id {id}, name TEXT);"}
		bad := Migration{Version: 2, Name: "0002_b.sql", SQL: "CREATE TABLE b (id {id});\nINSERT INTO a (name) VALUES ('kept?');\nTHIS IS NOT SQL;"}
		if _, err := d.migrate(ctx, testutil.Logger(t), []Migration{good}); err != nil {
			t.Fatal(err)
		}
		if _, err := d.migrate(ctx, testutil.Logger(t), []Migration{good, bad}); err == nil {
			t.Fatal("a broken migration succeeded")
		}
		v, err := d.SchemaVersion(ctx)
		if err != nil || v != 1 {
			t.Fatalf("version after failure: %d, %v; want 1", v, err)
		}
		var n int
		if err := d.Write.QueryRowContext(ctx, "SELECT count(*) FROM a").Scan(&n); err != nil || n != 0 {
			t.Fatalf("rows in a after failure: %d, %v; want 0", n, err)
		}
		if _, err := d.Write.ExecContext(ctx, "SELECT 1 FROM b"); err == nil {
			t.Fatal("table b exists after the failed migration")
		}
	})
}

// Upgrading an existing SQLite database first copies it aside.
func TestMigrateBacksUpSQLite(t *testing.T) {
	ctx := context.Background()
	b := testutil.SQLite(t)
	d := open(t, b)
	first := Migration{Version: 1, Name: "0001_a.sql", SQL: "CREATE TABLE a (id {id}, name TEXT);\nINSERT INTO a (name) VALUES ('before');"}
	second := Migration{Version: 2, Name: "0002_b.sql", SQL: "UPDATE a SET name = 'after';"}
	if _, err := d.migrate(ctx, testutil.Logger(t), []Migration{first}); err != nil {
		t.Fatal(err)
	}
	if _, err := d.migrate(ctx, testutil.Logger(t), []Migration{first, second}); err != nil {
		t.Fatal(err)
	}
	backups, _ := filepath.Glob(b.URL + ".v1-*.bak")
	if len(backups) != 1 {
		t.Fatalf("backups: %v; want one", backups)
	}
	bd, err := Open(ctx, backups[0])
	if err != nil {
		t.Fatal(err)
	}
	defer bd.Close()
	var name string
	if err := bd.Write.QueryRowContext(ctx, "SELECT name FROM a").Scan(&name); err != nil || name != "before" {
		t.Fatalf("backup holds %q, %v; want the data before the migration", name, err)
	}
	if st, err := os.Stat(backups[0]); err != nil || st.Size() == 0 {
		t.Fatalf("backup file: %v", err)
	}
}

func TestDialectHelpers(t *testing.T) {
	if got := Postgres.Rebind("a = ? AND b IN (?, ?)"); got != "a = $1 AND b IN ($2, $3)" {
		t.Errorf("rebind: %s", got)
	}
	if got := SQLite.Rebind("a = ?"); got != "a = ?" {
		t.Errorf("sqlite rebind changed the query: %s", got)
	}
	src := "CREATE TABLE t (id {id}, at {ts});\n-- dialect: postgres\nCREATE INDEX pg_only ON t (at);\n-- dialect: all\nSELECT 1;"
	if got := SQLite.expand(src); strings.Contains(got, "pg_only") || !strings.Contains(got, "INTEGER PRIMARY KEY") || !strings.Contains(got, "SELECT 1") {
		t.Errorf("sqlite expand: %s", got)
	}
	if got := Postgres.expand(src); !strings.Contains(got, "pg_only") || !strings.Contains(got, "BIGSERIAL") {
		t.Errorf("postgres expand: %s", got)
	}
}

// Date buckets give the same period starts on both databases.
func TestDateBuckets(t *testing.T) {
	testutil.Run(t, func(t *testing.T, b testutil.Backend) {
		ctx := context.Background()
		d := open(t, b)
		cases := map[string]string{"day": "2024-05-15", "week": "2024-05-13", "month": "2024-05-01", "quarter": "2024-04-01", "year": "2024-01-01"}
		for gran, want := range cases {
			_, expr, err := d.Dialect.DateBucket("x", gran)
			if err != nil {
				t.Fatal(err)
			}
			src := "(SELECT ? AS x) s"
			if d.Dialect == Postgres {
				src = "(SELECT CAST(? AS TIMESTAMP) AS x) s"
			}
			var got string
			if err := d.Write.QueryRowContext(ctx, d.Dialect.Rebind("SELECT "+expr+" FROM "+src), "2024-05-15 13:45:00").Scan(&got); err != nil {
				t.Fatalf("%s: %v", gran, err)
			}
			if got != want {
				t.Errorf("%s bucket of 2024-05-15 (a Wednesday): %s, want %s", gran, got, want)
			}
		}
	})
}

// A migration that rebuilds an index of an analysed SQLite database leaves
// it with statistics for every index, not some; an unanalysed one stays so.
func TestMigrateRefreshesPlannerStatistics(t *testing.T) {
	ctx := context.Background()
	for _, analysed := range []bool{false, true} {
		b := testutil.SQLite(t)
		d := open(t, b)
		first := Migration{Version: 1, Name: "0001_a.sql", SQL: "CREATE TABLE a (id {id}, k INTEGER, v INTEGER);\nCREATE INDEX a_k ON a (k);\n" +
			"INSERT INTO a (k, v) VALUES (1, 1), (2, 2), (3, 3);"}
		second := Migration{Version: 2, Name: "0002_b.sql", SQL: "DROP INDEX a_k;\nCREATE INDEX a_k ON a (k, v);\nCREATE INDEX a_v ON a (v);"}
		if _, err := d.migrate(ctx, testutil.Logger(t), []Migration{first}); err != nil {
			t.Fatal(err)
		}
		if analysed {
			if _, err := d.Write.ExecContext(ctx, "ANALYZE"); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := d.migrate(ctx, testutil.Logger(t), []Migration{first, second}); err != nil {
			t.Fatal(err)
		}
		var tables, stats int
		d.Write.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'").Scan(&tables)
		if tables == 1 {
			d.Write.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_stat1 WHERE idx IN ('a_k', 'a_v')").Scan(&stats)
		}
		if analysed && stats != 2 {
			t.Errorf("analysed database: statistics for %d of the 2 indexes after the migration", stats)
		}
		if !analysed && tables != 0 {
			t.Errorf("a database never analysed got planner statistics")
		}
	}
}

func TestSplitStatements(t *testing.T) {
	src := `CREATE TABLE a (x INTEGER);
-- a comment; not a statement
CREATE TRIGGER t AFTER INSERT ON a
BEGIN
    INSERT INTO b VALUES (1);
    DELETE FROM b WHERE x = 0;
END;
CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM b WHERE x = 0;
    RETURN NULL;
END
$$;
CREATE TRIGGER u AFTER DELETE ON a BEGIN
    DELETE FROM b WHERE x = old.x;
END;
SELECT 1;`
	got := splitStatements(src)
	want := []string{"CREATE TABLE a (x INTEGER);", "CREATE TRIGGER t", "CREATE FUNCTION f()", "CREATE TRIGGER u", "SELECT 1;"}
	if len(got) != len(want) {
		t.Fatalf("got %d statements, want %d:\n%s", len(got), len(want), strings.Join(got, "\n---\n"))
	}
	for i, w := range want {
		if !strings.HasPrefix(got[i], w) {
			t.Errorf("statement %d = %q, want it to start with %q", i, got[i], w)
		}
	}
	if !strings.HasSuffix(got[1], "END;") || !strings.HasSuffix(got[2], "$$;") || !strings.HasSuffix(got[3], "END;") {
		t.Errorf("bodies cut: %q / %q / %q", got[1], got[2], got[3])
	}
}

// TestOptimizeAnalysesLargeTablesOnly: a database whose tables hold a few
// rows keeps no planner statistics (they would mislead the planner once
// the tables grow); once one table holds 10,000 rows, every index gets
// statistics.
func TestOptimizeAnalysesLargeTablesOnly(t *testing.T) {
	ctx := context.Background()
	b := testutil.SQLite(t)
	d := open(t, b)
	for _, q := range []string{"CREATE TABLE a (id INTEGER PRIMARY KEY, k INTEGER)", "CREATE INDEX a_k ON a (k)",
		"WITH RECURSIVE s(v) AS (SELECT 1 UNION ALL SELECT v + 1 FROM s WHERE v < 100) INSERT INTO a (k) SELECT v % 7 FROM s"} {
		if _, err := d.Write.ExecContext(ctx, q); err != nil {
			t.Fatal(q, err)
		}
	}
	stats := func() int {
		var n int
		d.Write.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'").Scan(&n)
		if n == 1 {
			d.Write.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_stat1 WHERE idx = 'a_k'").Scan(&n)
		}
		return n
	}
	if err := d.Optimize(ctx); err != nil {
		t.Fatal(err)
	}
	if n := stats(); n != 0 {
		t.Errorf("100 rows: %d statistics, want none", n)
	}
	if _, err := d.Write.ExecContext(ctx, "WITH RECURSIVE s(v) AS (SELECT 1 UNION ALL SELECT v + 1 FROM s WHERE v < 20000) INSERT INTO a (k) SELECT v % 7 FROM s"); err != nil {
		t.Fatal(err)
	}
	if err := d.Optimize(ctx); err != nil {
		t.Fatal(err)
	}
	if n := stats(); n != 1 {
		t.Errorf("20,100 rows: %d statistics for the index, want 1", n)
	}
}
