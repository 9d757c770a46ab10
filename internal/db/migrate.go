package db

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migration is one embedded schema change. Files are named
// NNNN_description.sql. A file is written once for both dialects using a
// few type macros (see expand); a section that starts with the line
// "-- dialect: sqlite" or "-- dialect: postgres" applies to that dialect
// only, until the next such line or "-- dialect: all".
type Migration struct {
	Version int
	Name    string
	SQL     string
}

// Migrations lists the embedded migrations in order.
func Migrations() ([]Migration, error) {
	entries, err := fs.ReadDir(migrationFiles, "migrations")
	if err != nil {
		return nil, fmt.Errorf("db: list migrations: %w", err)
	}
	var out []Migration
	for _, e := range entries {
		name := e.Name()
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("db: migration file %s: name must start with a number and _", name)
		}
		body, err := migrationFiles.ReadFile(path.Join("migrations", name))
		if err != nil {
			return nil, fmt.Errorf("db: read migration %s: %w", name, err)
		}
		out = append(out, Migration{Version: v, Name: name, SQL: string(body)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	for i, m := range out {
		if m.Version != i+1 {
			return nil, fmt.Errorf("db: migration %s: expected version %d", m.Name, i+1)
		}
	}
	return out, nil
}

// expand turns a migration into the dialect's SQL.
func (d Dialect) expand(src string) string {
	var keep []string
	on := true
	for _, line := range strings.Split(src, "\n") {
		t := strings.TrimSpace(line)
		if rest, ok := strings.CutPrefix(t, "-- dialect:"); ok {
			rest = strings.TrimSpace(rest)
			on = rest == "all" || rest == d.String()
			continue
		}
		if on {
			keep = append(keep, line)
		}
	}
	s := strings.Join(keep, "\n")
	var pairs []string
	if d == Postgres {
		pairs = []string{"{id}", "BIGSERIAL PRIMARY KEY", "{ts}", "TIMESTAMP", "{date}", "DATE",
			"{bool}", "BOOLEAN", "{true}", "TRUE", "{false}", "FALSE", "{float}", "DOUBLE PRECISION",
			"{int}", "BIGINT", "{text}", "TEXT", "{blob}", "BYTEA", "{now}", "(now() at time zone 'utc')"}
	} else {
		pairs = []string{"{id}", "INTEGER PRIMARY KEY", "{ts}", "TEXT", "{date}", "TEXT",
			"{bool}", "INTEGER", "{true}", "1", "{false}", "0", "{float}", "REAL",
			"{int}", "INTEGER", "{text}", "TEXT", "{blob}", "BLOB", "{now}", "(strftime('%Y-%m-%d %H:%M:%f', 'now'))"}
	}
	return strings.NewReplacer(pairs...).Replace(s)
}

// SchemaError explains why the binary refuses a database.
type SchemaError struct{ Msg string }

func (e *SchemaError) Error() string { return e.Msg }

// Migrate brings the schema up to date. All pending migrations run in one
// transaction, so a failure leaves the database as it was. Before touching
// an existing SQLite database it writes a backup copy next to it. It
// refuses a database whose schema is newer than this binary or whose
// recorded versions have a gap (half migrated by another tool).
func (d *DB) Migrate(ctx context.Context, log *slog.Logger) (applied int, err error) {
	all, err := Migrations()
	if err != nil {
		return 0, err
	}
	return d.migrate(ctx, log, all)
}

func (d *DB) migrate(ctx context.Context, log *slog.Logger, all []Migration) (applied int, err error) {
	if _, err := d.Write.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS kanso_schema (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`); err != nil {
		return 0, fmt.Errorf("db: create kanso_schema: %w", err)
	}
	done, err := d.appliedVersions(ctx)
	if err != nil {
		return 0, err
	}
	for i, v := range done {
		if v != i+1 {
			return 0, &SchemaError{Msg: fmt.Sprintf("database schema is half migrated: version %d is recorded but %d is missing; restore the backup taken before the failed upgrade", v, i+1)}
		}
	}
	if len(done) > len(all) {
		return 0, &SchemaError{Msg: fmt.Sprintf("database schema version %d is newer than this kanso binary (knows up to %d); run a newer kanso", len(done), len(all))}
	}
	pending := all[len(done):]
	if len(pending) == 0 {
		return 0, nil
	}
	if d.Dialect == SQLite && len(done) > 0 && d.Path != "" && d.Path != ":memory:" {
		backup := fmt.Sprintf("%s.v%d-%s.bak", d.Path, len(done), time.Now().UTC().Format("20060102T150405"))
		if _, err := os.Stat(backup); err == nil {
			return 0, fmt.Errorf("db: backup %s already exists", backup)
		}
		if _, err := d.Write.ExecContext(ctx, "VACUUM INTO ?", backup); err != nil {
			return 0, fmt.Errorf("db: backup before migration to %s: %w", backup, err)
		}
		log.Info("database backed up before migration", "backup", backup)
	}
	tx, err := d.Write.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("db: begin migration: %w", err)
	}
	defer tx.Rollback()
	for _, m := range pending {
		for _, stmt := range splitStatements(d.Dialect.expand(m.SQL)) {
			if _, err := tx.ExecContext(ctx, stmt); err != nil {
				return 0, fmt.Errorf("db: migration %s: %w\n%s", m.Name, err, stmt)
			}
		}
		if _, err := tx.ExecContext(ctx, d.Dialect.Rebind("INSERT INTO kanso_schema (version, name, applied_at) VALUES (?, ?, ?)"),
			m.Version, m.Name, time.Now().UTC().Format(time.RFC3339)); err != nil {
			return 0, fmt.Errorf("db: record migration %s: %w", m.Name, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("db: commit migrations: %w", err)
	}
	log.Info("database migrated", "from", len(done), "to", len(all))
	if err := d.refreshStats(ctx); err != nil {
		return len(pending), err
	}
	return len(pending), nil
}

// refreshStats re-analyses a SQLite database that has planner statistics
// (someone ran ANALYZE) after migrations: an index a migration rebuilt has
// none, and statistics for some indexes but not others mislead SQLite's
// planner (on the million-lead data set a dashboard query went from an
// index on won_status to a scan of every opportunity, 20 ms -> 1.4 s).
// Without statistics at all the planner's defaults serve Kanso's queries.
func (d *DB) refreshStats(ctx context.Context) error {
	if d.Dialect != SQLite {
		return nil // PostgreSQL's autovacuum analyses new indexes' tables
	}
	stats, err := d.hasStats(ctx)
	if err != nil || !stats {
		return err
	}
	return d.analyze(ctx)
}

// hasStats tells whether someone ran ANALYZE on this SQLite database.
func (d *DB) hasStats(ctx context.Context) (bool, error) {
	var n int
	if err := d.Write.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'").Scan(&n); err != nil {
		return false, fmt.Errorf("db: look for planner statistics: %w", err)
	}
	return n > 0, nil
}

// analyze takes planner statistics of every table, reading at most
// analysisLimit entries of each index.
func (d *DB) analyze(ctx context.Context) error {
	return d.withAnalysisLimit(ctx, "ANALYZE", "planner statistics")
}

// withAnalysisLimit runs stmt (ANALYZE, PRAGMA optimize) on the writer
// with the analysis limit set.
func (d *DB) withAnalysisLimit(ctx context.Context, stmt, what string) error {
	if _, err := d.Write.ExecContext(ctx, "PRAGMA analysis_limit = "+strconv.Itoa(analysisLimit)); err != nil {
		return fmt.Errorf("db: analysis limit: %w", err)
	}
	if _, err := d.Write.ExecContext(ctx, stmt); err != nil {
		return fmt.Errorf("db: %s: %w", what, err)
	}
	return nil
}

// analysisLimit is how many entries of each index ANALYZE reads: the
// estimates it gives served the plans of every page measured at a million
// leads as well as a full ANALYZE, in a second instead of 8 to 20.
const analysisLimit = 1000

// Optimize gives SQLite's planner statistics once a table holds
// analyseFrom rows, and refreshes them when tables have grown much since
// (PRAGMA optimize), both with the analysis limit. Without them, on the
// million-lead data set, the board's activity bars went through a
// salesperson's 54,000 leads instead of the 1,500 activities (45 ms ->
// under 1 ms each). A small database keeps none: statistics taken on a few
// rows would mislead the planner once the tables grow. Connections opened
// before keep the statistics they loaded, so it runs when the database
// opens, before any reader. PostgreSQL's autovacuum does this there.
func (d *DB) Optimize(ctx context.Context) error {
	if d.Dialect != SQLite {
		return nil
	}
	stats, err := d.hasStats(ctx)
	if err != nil {
		return err
	}
	if !stats {
		big, err := d.largestTable(ctx)
		if err != nil || big < analyseFrom {
			return err
		}
		return d.analyze(ctx)
	}
	// PRAGMA optimize honours the analysis limit of the connection
	return d.withAnalysisLimit(ctx, "PRAGMA optimize", "optimize")
}

// analyseFrom is the number of rows from which a table is worth
// statistics.
const analyseFrom = 10000

// largestTable is the highest rowid of the database's tables, an upper
// bound of the rows of its largest table read from each primary key's end.
func (d *DB) largestTable(ctx context.Context) (int64, error) {
	rows, err := d.Write.QueryContext(ctx, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND sql NOT LIKE '%WITHOUT ROWID%'")
	if err != nil {
		return 0, fmt.Errorf("db: list tables: %w", err)
	}
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return 0, fmt.Errorf("db: list tables: %w", err)
		}
		names = append(names, n)
	}
	rows.Close()
	var most int64
	for _, n := range names {
		var v sql.NullInt64
		if err := d.Write.QueryRowContext(ctx, "SELECT max(rowid) FROM "+Quote(n)).Scan(&v); err != nil {
			return 0, fmt.Errorf("db: size of %s: %w", n, err)
		}
		most = max(most, v.Int64)
	}
	return most, nil
}

func (d *DB) appliedVersions(ctx context.Context) ([]int, error) {
	rows, err := d.Write.QueryContext(ctx, "SELECT version FROM kanso_schema ORDER BY version")
	if err != nil {
		return nil, fmt.Errorf("db: read kanso_schema: %w", err)
	}
	defer rows.Close()
	var out []int
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			return nil, fmt.Errorf("db: read kanso_schema: %w", err)
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// SchemaVersion returns the newest applied migration.
func (d *DB) SchemaVersion(ctx context.Context) (int, error) {
	var v sql.NullInt64
	err := d.Write.QueryRowContext(ctx, "SELECT max(version) FROM kanso_schema").Scan(&v)
	if err != nil {
		return 0, fmt.Errorf("db: schema version: %w", err)
	}
	return int(v.Int64), nil
}

// splitStatements splits a script on semicolons that end a line, except
// inside a trigger's body (from a line "BEGIN" to a line "END;") and a
// dollar-quoted function body ($$ … $$).
func splitStatements(s string) []string {
	var out []string
	var cur strings.Builder
	trigger, dollar := false, false // inside BEGIN … END; or $$ … $$
	for _, line := range strings.Split(s, "\n") {
		t := strings.TrimSpace(line)
		if t == "" || strings.HasPrefix(t, "--") {
			continue
		}
		cur.WriteString(line)
		cur.WriteByte('\n')
		if strings.Count(t, "$$")%2 == 1 {
			dollar = !dollar
		}
		switch {
		case dollar:
		case strings.EqualFold(t, "BEGIN") || strings.HasSuffix(strings.ToUpper(t), " BEGIN"):
			trigger = true
		case trigger && strings.EqualFold(t, "END;"):
			trigger = false
		}
		if !trigger && !dollar && strings.HasSuffix(t, ";") {
			out = append(out, strings.TrimSpace(cur.String()))
			cur.Reset()
		}
	}
	if strings.TrimSpace(cur.String()) != "" {
		out = append(out, strings.TrimSpace(cur.String()))
	}
	return out
}
