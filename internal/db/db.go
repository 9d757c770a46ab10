// Package db opens Kanso's database (an embedded SQLite file or a PostgreSQL
// server), hides the differences between the two dialects behind a few
// helpers, and runs the embedded schema migrations.
package db

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"modernc.org/sqlite"
)

// SQLite's lower() folds ASCII only; Kanso's case-insensitive search must
// treat "Ș" and "ș" alike, as PostgreSQL's ILIKE does, so the SQLite
// connections get a Unicode-aware kanso_lower().
func init() {
	err := sqlite.RegisterDeterministicScalarFunction("kanso_lower", 1, func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
		switch v := args[0].(type) {
		case string:
			return strings.ToLower(v), nil
		case []byte:
			return strings.ToLower(string(v)), nil
		}
		return args[0], nil
	})
	if err != nil {
		panic("db: register kanso_lower: " + err.Error())
	}
}

// Dialect names the SQL flavour of a database.
type Dialect int

const (
	SQLite Dialect = iota
	Postgres
)

func (d Dialect) String() string {
	if d == Postgres {
		return "postgres"
	}
	return "sqlite"
}

// DB is an open Kanso database. Writes go through Write; reads may use
// Read. On SQLite, Write is a single connection (SQLite allows one writer
// at a time, so queueing in Go is cheaper than retrying on SQLITE_BUSY)
// and Read is a pool of read-only connections that see WAL snapshots. On
// PostgreSQL both are the same pgx pool.
type DB struct {
	Dialect Dialect
	Write   *sql.DB
	Read    *sql.DB
	// Path is the SQLite file, empty for PostgreSQL.
	Path string
	pool *pgxpool.Pool
	// the statements kept prepared on each SQLite pool (PostgreSQL's
	// driver keeps its own per connection)
	writeStmts, readStmts *StmtCache
}

// stmtCacheSize bounds the statements kept per SQLite pool: SQL built for
// a variable number of values (IN lists) makes many texts.
const stmtCacheSize = 256

// Stmts is the statement cache of the pool Begin(write) uses, nil on
// PostgreSQL.
func (d *DB) Stmts(write bool) *StmtCache {
	if write {
		return d.writeStmts
	}
	return d.readStmts
}

// IsPostgresURL tells whether a --db value names a PostgreSQL server.
func IsPostgresURL(s string) bool {
	return strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://")
}

// Open opens the database named by dsn: a PostgreSQL URL, or otherwise the
// path of a SQLite file (created when missing).
func Open(ctx context.Context, dsn string) (*DB, error) {
	if IsPostgresURL(dsn) {
		return openPostgres(ctx, dsn)
	}
	return openSQLite(ctx, dsn)
}

// SQLite's page cache is per connection: the writer gets 64 MB (bulk loads need it), each of the
// readers 4 MB, so that a server with its pool full stays within the memory
// budget (DESIGN.md: 200 MB resident) on a database of several gigabytes; the
// operating system's file cache holds the rest of the file for all of them.
// Readers also keep their temporary B-trees (a GROUP BY over 200,000 rows)
// in files, that is in that file cache, rather than in the process: at a
// million leads, 288 MB resident with 8 MB and in-memory temporaries, 155 MB
// so, and the same latencies now that the dashboards read the rollup
// (docs/PERFORMANCE.md, third pass).
const (
	sqliteWriterCacheKB = 64 << 10
	sqliteReaderCacheKB = 4 << 10
	sqliteReaders       = 8
)

func sqliteDSN(path string, readonly bool) string {
	q := "_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)" +
		"&_pragma=synchronous(NORMAL)&_time_format=sqlite"
	if readonly {
		q += fmt.Sprintf("&mode=ro&_pragma=query_only(1)&_pragma=cache_size(-%d)", sqliteReaderCacheKB)
	} else {
		q += fmt.Sprintf("&_txlock=immediate&_pragma=temp_store(MEMORY)&_pragma=cache_size(-%d)", sqliteWriterCacheKB)
	}
	return "file:" + path + "?" + q
}

// openWriter opens the single connection that writes a SQLite file.
func openWriter(ctx context.Context, path, dsn string) (*sql.DB, error) {
	w, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("db: open sqlite %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("db: open sqlite %s: %w", path, err)
	}
	return w, nil
}

func openSQLite(ctx context.Context, path string) (*DB, error) {
	w, err := openWriter(ctx, path, sqliteDSN(path, false))
	if err != nil {
		return nil, err
	}
	// The writer creates the file and switches it to WAL before readers open it.
	var mode string
	if err := w.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		w.Close()
		return nil, fmt.Errorf("db: sqlite journal mode: %w", err)
	}
	r, err := sql.Open("sqlite", sqliteDSN(path, true))
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("db: open sqlite readers %s: %w", path, err)
	}
	r.SetMaxOpenConns(sqliteReaders)
	r.SetMaxIdleConns(sqliteReaders)
	return &DB{Dialect: SQLite, Write: w, Read: r, Path: path,
		writeStmts: newStmtCache(w, stmtCacheSize), readStmts: newStmtCache(r, stmtCacheSize)}, nil
}

// OpenBulk opens a SQLite file for a bulk load by this process alone, as
// `kanso demo` fills a new database: one connection, which reads share
// too, without a journal and without syncs. WAL and the sync of every
// commit cost a million-lead load a fifth of its time (docs/PERFORMANCE.md),
// but a crash or a failed rollback then leaves a file to throw away: the
// caller loads a file of its own and moves it into place once closed.
// Opening it again with Open turns WAL on.
func OpenBulk(ctx context.Context, path string) (*DB, error) {
	if IsPostgresURL(path) {
		return nil, fmt.Errorf("db: a bulk load file is SQLite's, not %s", path)
	}
	q := fmt.Sprintf("_pragma=journal_mode(OFF)&_pragma=synchronous(OFF)&_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)"+
		"&_time_format=sqlite&_txlock=immediate&_pragma=temp_store(MEMORY)&_pragma=cache_size(-%d)", sqliteWriterCacheKB)
	w, err := openWriter(ctx, path, "file:"+path+"?"+q)
	if err != nil {
		return nil, err
	}
	stmts := newStmtCache(w, stmtCacheSize)
	return &DB{Dialect: SQLite, Write: w, Read: w, Path: path, writeStmts: stmts, readStmts: stmts}, nil
}

func openPostgres(ctx context.Context, url string) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("db: postgres url: %w", err)
	}
	if cfg.MaxConns < 16 {
		cfg.MaxConns = 16
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("db: connect postgres: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("db: connect postgres: %w", err)
	}
	sdb := stdlib.OpenDBFromPool(pool)
	return &DB{Dialect: Postgres, Write: sdb, Read: sdb, pool: pool}, nil
}

// Pool is the pgx pool behind a PostgreSQL database (nil on SQLite), for
// the few operations database/sql cannot express, such as COPY.
func (d *DB) Pool() *pgxpool.Pool { return d.pool }

// Close closes every connection.
func (d *DB) Close() error {
	d.writeStmts.close()
	if d.readStmts != d.writeStmts {
		d.readStmts.close()
	}
	var errs []error
	if d.Read != nil && d.Read != d.Write {
		errs = append(errs, d.Read.Close())
	}
	if d.Write != nil {
		errs = append(errs, d.Write.Close())
	}
	if d.pool != nil {
		d.pool.Close()
	}
	return errors.Join(errs...)
}

// Begin starts a transaction; write transactions take SQLite's writer lock
// at once (BEGIN IMMEDIATE), read-only ones use the reader pool.
func (d *DB) Begin(ctx context.Context, write bool) (*sql.Tx, error) {
	if write || d.Dialect == Postgres {
		tx, err := d.Write.BeginTx(ctx, nil)
		if err != nil {
			return nil, fmt.Errorf("db: begin: %w", err)
		}
		return tx, nil
	}
	tx, err := d.Read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("db: begin read: %w", err)
	}
	return tx, nil
}

// Rebind turns the ORM's "?" placeholders into the dialect's own. Kanso's
// generated SQL never contains a literal "?" (values are always bound).
func (d Dialect) Rebind(q string) string {
	if d != Postgres || !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 16)
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(q[i])
	}
	return b.String()
}

// Quote quotes an identifier taken from the model registry.
func Quote(ident string) string { return `"` + strings.ReplaceAll(ident, `"`, `""`) + `"` }

// DatetimeLayout is how datetimes are written in SQLite and read back by clients.
const DatetimeLayout = "2006-01-02 15:04:05"

// DateLayout is the layout of a date value.
const DateLayout = "2006-01-02"

// TimeParam converts a UTC datetime to a bound parameter.
func (d Dialect) TimeParam(t time.Time) any {
	t = t.UTC()
	if d == Postgres {
		return t
	}
	return t.Format("2006-01-02 15:04:05.000000")
}

// DateParam converts a date to a bound parameter.
func (d Dialect) DateParam(t time.Time) any {
	if d == Postgres {
		return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	}
	return t.Format(DateLayout)
}

// BoolParam converts a boolean to a bound parameter.
func (d Dialect) BoolParam(b bool) any {
	if d == Postgres {
		return b
	}
	if b {
		return int64(1)
	}
	return int64(0)
}

// ILike is the case-insensitive pattern operator.
func (d Dialect) ILike() string {
	if d == Postgres {
		return "ILIKE"
	}
	return "LIKE"
}

// DateBucket returns SQL expressions for grouping the datetime or date
// column expression col by period: group is what to GROUP BY, and label
// renders the period's first day as text "YYYY-MM-DD" (for the week, the
// Monday of the ISO week). They differ so that PostgreSQL groups on
// date_trunc (few, cheap groups) and formats only the result rows, and
// SQLite cuts its text dates instead of parsing them.
func (d Dialect) DateBucket(col, granularity string) (group, label string, err error) {
	if d == Postgres {
		switch granularity {
		case "day", "week", "month", "quarter", "year":
			g := "date_trunc('" + granularity + "', " + col + ")"
			return g, "to_char(" + g + ", 'YYYY-MM-DD')", nil
		}
		return "", "", fmt.Errorf("unknown date granularity %q", granularity)
	}
	var e string
	switch granularity {
	case "day":
		e = "substr(" + col + ", 1, 10)"
	case "week":
		// weekday: 0 = Sunday; go back to Monday
		e = "date(" + col + ", '-' || ((CAST(strftime('%w', " + col + ") AS INTEGER) + 6) % 7) || ' days')"
	case "month":
		e = "(substr(" + col + ", 1, 7) || '-01')"
	case "quarter":
		e = "(substr(" + col + ", 1, 5) || printf('%02d', ((CAST(substr(" + col + ", 6, 2) AS INTEGER) - 1) / 3) * 3 + 1) || '-01')"
	case "year":
		e = "(substr(" + col + ", 1, 4) || '-01-01')"
	default:
		return "", "", fmt.Errorf("unknown date granularity %q", granularity)
	}
	return e, e, nil
}

// NotNullColumns lists, per table, the columns the schema declares NOT NULL
// (primary keys included), so that the ORM knows them from the migrations
// instead of from a second declaration.
func (d *DB) NotNullColumns(ctx context.Context) (map[string]map[string]bool, error) {
	q := `SELECT m.name, p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p
		WHERE m.type = 'table' AND (p."notnull" = 1 OR p.pk > 0)`
	if d.Dialect == Postgres {
		q = `SELECT table_name, column_name FROM information_schema.columns
			WHERE table_schema = current_schema() AND is_nullable = 'NO'`
	}
	rows, err := d.Read.QueryContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("db: read NOT NULL columns: %w", err)
	}
	defer rows.Close()
	out := map[string]map[string]bool{}
	for rows.Next() {
		var table, column string
		if err := rows.Scan(&table, &column); err != nil {
			return nil, fmt.Errorf("db: read NOT NULL columns: %w", err)
		}
		if out[table] == nil {
			out[table] = map[string]bool{}
		}
		out[table][column] = true
	}
	return out, rows.Err()
}
