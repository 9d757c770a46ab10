package orm

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/kanso-crm/kanso/internal/db"
)

// SuperuserID is the id of the technical superuser (Odoo's __system__);
// the admin user is 2.
const SuperuserID int64 = 1

// Env is the environment of one call: who acts, in which transaction,
// with which context (lang, tz, active_test, ...). Every model method
// receives one; one API call or page action is one Env and one
// transaction.
type Env struct {
	Ctx     context.Context
	Dialect db.Dialect
	Reg     *Registry
	UID     int64
	Context map[string]any
	// Su bypasses access rights and record rules (Odoo's sudo()).
	Su    bool
	Now   time.Time
	Log   *slog.Logger
	st    *envState
	user  *UserInfo
	cache *accessCache
	slow  time.Duration
	// stmts keeps statements prepared across transactions (SQLite).
	stmts *db.StmtCache
	// tx is the call's transaction; nil for a read-only call on
	// PostgreSQL, which runs on a connection without one (see Run).
	tx *sql.Tx
	// conn runs the statements: tx, or the read-only call's connection.
	conn sqlConn
	// raw is the connection of a write transaction on PostgreSQL, for
	// COPY (copy.go); nil elsewhere.
	raw *sql.Conn
}

// sqlConn is what *sql.Tx and *sql.Conn share.
type sqlConn interface {
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
	ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error)
}

// envState is shared by an Env and the variants derived from it.
type envState struct {
	queries int
	access  map[string]*modelAccess
	changed map[string]bool
	tx      *txState // shared by every Env of the transaction
}

// Changed lists the models written during the call (for live updates).
func (e *Env) Changed() []string {
	out := make([]string, 0, len(e.st.changed))
	for m := range e.st.changed {
		out = append(out, m)
	}
	return out
}

// Runner opens environments on a database.
type Runner struct {
	DB  *db.DB
	Reg *Registry
	Log *slog.Logger
	// SlowQuery, when positive, logs the statements that take longer.
	SlowQuery time.Duration
	// OnCommit, when set, is told which models a committed call changed.
	OnCommit func(models []string)
	cache    accessCache
}

// Run executes fn in one transaction as user uid; the transaction is
// committed when fn returns nil and rolled back otherwise. Read-only
// calls (write false) may use SQLite's reader pool; on PostgreSQL they
// run on one connection without a transaction: at READ COMMITTED, the
// isolation Kanso's transactions use, each statement sees its own
// snapshot inside a transaction too, so what they read is the same,
// without the two round trips of BEGIN and COMMIT (a fifth of a JSON-2
// search_read's). A read-only call does not write: SQLite's reader
// connections refuse it, which the tests of every read-only path run.
func (r *Runner) Run(ctx context.Context, uid int64, ctxv map[string]any, write bool, fn func(env *Env) error) error {
	var tx *sql.Tx
	var conn sqlConn
	var raw *sql.Conn
	if !write && r.DB.Dialect == db.Postgres {
		c, err := r.DB.Read.Conn(ctx)
		if err != nil {
			return fmt.Errorf("orm: connection: %w", err)
		}
		// as a transaction's end does, the call's end closes rows left
		// open (their context ends), which the connection's Close waits for
		var cancel context.CancelFunc
		ctx, cancel = context.WithCancel(ctx)
		defer func() {
			cancel()
			c.Close()
		}()
		conn = c
	} else if r.DB.Dialect == db.Postgres {
		// the transaction runs on a connection the call holds, so that
		// a bulk create can COPY on it (copy.go)
		c, err := r.DB.Write.Conn(ctx)
		if err != nil {
			return fmt.Errorf("orm: connection: %w", err)
		}
		if tx, err = c.BeginTx(ctx, nil); err != nil {
			c.Close()
			return fmt.Errorf("orm: begin: %w", err)
		}
		defer func() {
			tx.Rollback() // after a commit: sql.ErrTxDone, nothing done
			c.Close()
		}()
		conn, raw = tx, c
	} else {
		var err error
		if tx, err = r.DB.Begin(ctx, write); err != nil {
			return err
		}
		conn = tx
	}
	if ctxv == nil {
		ctxv = map[string]any{}
	}
	log := r.Log
	if log == nil {
		log = slog.Default()
	}
	env := &Env{Ctx: ctx, tx: tx, Dialect: r.DB.Dialect, Reg: r.Reg, UID: uid, Context: ctxv,
		Now: time.Now().UTC(), Log: log, st: &envState{access: map[string]*modelAccess{}, changed: map[string]bool{}, tx: newTxState()}, cache: &r.cache, slow: r.SlowQuery,
		stmts: r.DB.Stmts(write), conn: conn, raw: raw}
	if uid == SuperuserID {
		env.Su = true
	}
	err := fn(env)
	if berr := env.endBehind(); err == nil {
		err = berr
	}
	if err != nil {
		if tx != nil {
			tx.Rollback()
		}
		return err
	}
	if tx != nil {
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("orm: commit: %w", err)
		}
	}
	for m := range env.st.changed {
		if securityModels[m] {
			r.cache.clear()
			break
		}
	}
	for _, f := range env.st.tx.afterCommit {
		f()
	}
	if r.OnCommit != nil && len(env.st.changed) > 0 {
		r.OnCommit(env.Changed())
	}
	return nil
}

// AfterCommit registers f to run once the transaction has committed.
func (e *Env) AfterCommit(f func()) { e.st.tx.afterCommit = append(e.st.tx.afterCommit, f) }

// Sudo returns the same environment with access checks off.
func (e *Env) Sudo() *Env {
	c := *e
	c.Su = true
	return &c
}

// WithUser returns the environment acting as another user.
func (e *Env) WithUser(uid int64) *Env {
	c := *e
	c.UID = uid
	c.Su = uid == SuperuserID
	c.user = nil
	c.st = &envState{access: map[string]*modelAccess{}, changed: e.st.changed, tx: e.st.tx}
	return &c
}

// WithContext returns the environment with extra context keys.
func (e *Env) WithContext(kv map[string]any) *Env {
	c := *e
	c.Context = make(map[string]any, len(e.Context)+len(kv))
	for k, v := range e.Context {
		c.Context[k] = v
	}
	for k, v := range kv {
		c.Context[k] = v
	}
	return &c
}

// ActiveTest tells whether archived records are hidden (the default).
func (e *Env) ActiveTest() bool {
	if v, ok := e.Context["active_test"]; ok {
		if b, ok := v.(bool); ok {
			return b
		}
	}
	return true
}

// Lang is the context language, defaulting to the user's.
func (e *Env) Lang() string {
	if s, ok := e.Context["lang"].(string); ok && s != "" {
		return s
	}
	if u, err := e.User(); err == nil && u.Lang != "" {
		return u.Lang
	}
	return "en_US"
}

// timeQuery logs q when it took longer than the Runner's SlowQuery (for a
// SELECT: until its first row). The values are not logged: they may be
// personal data or secrets.
func (e *Env) timeQuery(q string, args []any, start time.Time) {
	if d := time.Since(start); d > e.slow {
		e.Log.Warn("slow SQL", "ms", float64(d.Microseconds())/1000, "sql", q, "params", len(args), "uid", e.UID)
	}
}

// Queries counts the SQL statements run in this environment.
func (e *Env) Queries() int { return e.st.queries }

// Query runs a SELECT written with "?" placeholders.
func (e *Env) Query(q string, args ...any) (*sql.Rows, error) {
	if err := e.Sync(); err != nil {
		return nil, err
	}
	e.st.queries++
	if e.slow > 0 {
		defer e.timeQuery(q, args, time.Now())
	}
	if s := e.stmt(q); s != nil {
		rows, err := s.QueryContext(e.Ctx, args...)
		if err != nil {
			return nil, fmt.Errorf("orm: query: %w [%s]", err, q)
		}
		e.st.tx.reading(q, rows)
		return rows, nil
	}
	rows, err := e.conn.QueryContext(e.Ctx, e.Dialect.Rebind(q), args...)
	if err != nil {
		return nil, fmt.Errorf("orm: query: %w [%s]", err, q)
	}
	return rows, nil
}

// QueryRow runs a single-row SELECT.
func (e *Env) QueryRow(q string, args ...any) *sql.Row {
	// after a COPY behind failed, the statement fails too: the
	// transaction is aborted (and Sync and the commit say why)
	e.Sync()
	e.st.queries++
	if e.slow > 0 {
		defer e.timeQuery(q, args, time.Now())
	}
	if s := e.stmt(q); s != nil {
		return s.QueryRowContext(e.Ctx, args...)
	}
	return e.conn.QueryRowContext(e.Ctx, e.Dialect.Rebind(q), args...)
}

// Exec runs a statement.
func (e *Env) Exec(q string, args ...any) (sql.Result, error) {
	if err := e.Sync(); err != nil {
		return nil, err
	}
	e.st.queries++
	e.noteExec(q)
	if e.slow > 0 {
		defer e.timeQuery(q, args, time.Now())
	}
	var res sql.Result
	var err error
	if s := e.stmt(q); s != nil {
		res, err = s.ExecContext(e.Ctx, args...)
	} else {
		res, err = e.conn.ExecContext(e.Ctx, e.Dialect.Rebind(q), args...)
	}
	if err != nil {
		return nil, fmt.Errorf("orm: exec: %w [%s]", err, q)
	}
	return res, nil
}

// InsertID runs an INSERT and returns the new row's id.
func (e *Env) InsertID(q string, args ...any) (int64, error) {
	if err := e.Sync(); err != nil {
		return 0, err
	}
	e.st.queries++
	if e.Dialect == db.Postgres {
		var id int64
		err := e.conn.QueryRowContext(e.Ctx, e.Dialect.Rebind(q+" RETURNING id"), args...).Scan(&id)
		if err != nil {
			return 0, fmt.Errorf("orm: insert: %w [%s]", err, q)
		}
		return id, nil
	}
	var res sql.Result
	var err error
	if s := e.stmt(q); s != nil {
		res, err = s.ExecContext(e.Ctx, args...)
	} else {
		res, err = e.conn.ExecContext(e.Ctx, q, args...)
	}
	if err != nil {
		return 0, fmt.Errorf("orm: insert: %w [%s]", err, q)
	}
	return res.LastInsertId()
}

// ScanIDs reads a one-column result of ids.
func ScanIDs(rows *sql.Rows) ([]int64, error) {
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("orm: scan id: %w", err)
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// UserInfo is what the ORM knows of the acting user.
type UserInfo struct {
	ID        int64
	Login     string
	Name      string
	PartnerID int64
	CompanyID int64
	Lang      string
	TZ        string
	Share     bool
	GroupIDs  []int64
	Groups    map[string]bool // external ids, implied groups included
}

// User loads the acting user (once per environment).
func (e *Env) User() (*UserInfo, error) {
	if e.user != nil {
		return e.user, nil
	}
	if c := e.cache.get(e.UID, e.Now); c != nil {
		e.user = c.user
		return e.user, nil
	}
	u := &UserInfo{ID: e.UID, Groups: map[string]bool{}}
	var lang, tz, name sql.NullString
	err := e.QueryRow(`SELECT u.login, u.partner_id, u.company_id, u.lang, u.tz, u.name, u.share
		FROM res_users u WHERE u.id = ?`, e.UID).
		Scan(&u.Login, &u.PartnerID, &u.CompanyID, &lang, &tz, &name, &u.Share)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, AccessErrorf("User %d does not exist", e.UID)
	}
	if err != nil {
		return nil, fmt.Errorf("orm: load user %d: %w", e.UID, err)
	}
	u.Lang, u.TZ, u.Name = lang.String, tz.String, name.String
	if u.Lang == "" {
		u.Lang = "en_US"
	}
	if u.TZ == "" {
		u.TZ = "UTC"
	}
	// Groups with the implied closure, and their external ids.
	rows, err := e.Query(`WITH RECURSIVE g(id) AS (
			SELECT gid FROM res_groups_users_rel WHERE uid = ?
			UNION SELECT r.hid FROM res_groups_implied_rel r JOIN g ON r.gid = g.id)
		SELECT g.id, COALESCE(d.module || '.' || d.name, '') FROM g
		LEFT JOIN ir_model_data d ON d.model = 'res.groups' AND d.res_id = g.id`, e.UID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var xid string
		if err := rows.Scan(&id, &xid); err != nil {
			return nil, fmt.Errorf("orm: load groups: %w", err)
		}
		u.GroupIDs = append(u.GroupIDs, id)
		if xid != "" {
			u.Groups[xid] = true
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("orm: load groups: %w", err)
	}
	e.user = u
	if !e.st.securityChanged() {
		e.cache.putUser(e.UID, u, e.Now)
	}
	return u, nil
}

// securityChanged tells whether this call changed users or rights: what
// it reads of them then must not be cached for other calls.
func (s *envState) securityChanged() bool {
	for m := range s.changed {
		if securityModels[m] {
			return true
		}
	}
	return false
}

// HasGroup tells whether the acting user belongs to a group given by its
// external id (e.g. "sales_team.group_sale_manager").
func (e *Env) HasGroup(xid string) bool {
	if e.UID == SuperuserID {
		return true
	}
	u, err := e.User()
	if err != nil {
		return false
	}
	return u.Groups[xid]
}
