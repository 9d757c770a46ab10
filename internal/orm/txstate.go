package orm

import (
	"database/sql"
	"strconv"
	"strings"

	"github.com/kanso-crm/kanso/internal/db"
)

// txState is what one transaction keeps for every Env derived in it
// (Sudo, WithContext, WithUser): prepared statements and memoised
// lookups. It dies with the transaction.
type txState struct {
	// stmts are the statements prepared in the transaction, by SQL text
	// (SQLite only: PostgreSQL's driver keeps its own statement cache).
	stmts map[string]*sql.Stmt
	// open are the last rows Query read through each of them, which may
	// still be open: a statement is one SQLite handle, and running it
	// again would reset them.
	open map[string]*sql.Rows
	// gen counts the writes through the ORM per model; a memoised value
	// is valid while the generations of the models it read are unchanged.
	gen map[string]uint64
	// epoch moves on every rollback to a savepoint, which may undo writes
	// that the generations counted.
	epoch uint64
	memo  map[string]memoEntry
	// afterCommit runs once the transaction has committed.
	afterCommit []func()
	// behind runs COPYs while the call goes on (Env.WriteBehind).
	behind *behind
}

type memoEntry struct {
	val   any
	deps  []string
	gens  []uint64
	epoch uint64
}

// maxStmts bounds the statements a transaction keeps prepared: SQL built
// for a variable number of values (IN lists) would otherwise grow it.
const maxStmts = 256

// maxKeptStmt is the longest text kept prepared across transactions: the
// longer ones are the multi-row INSERTs of bulk creates, whose repeats are
// within one transaction, and whose prepared programs are large.
const maxKeptStmt = 8 << 10

// maxMemo bounds the memoised values of a transaction.
const maxMemo = 4096

func newTxState() *txState {
	return &txState{gen: map[string]uint64{}}
}

// touch records a write to a model, invalidating what was memoised from it.
func (e *Env) touch(model string) {
	e.st.tx.gen[model]++
}

// Touched tells the transaction's memo that code wrote the table of model
// without the ORM (raw SQL), so that lookups memoised from it are redone.
func (e *Env) Touched(model string) { e.touch(model) }

// Memo returns the value fill computes for key, computing it once per
// transaction as long as none of the models in deps is written through
// the ORM (and no savepoint is rolled back). It serves lookups that a
// bulk operation repeats for every record — a team's stages, a setting,
// the default team of a user — so that importing 100,000 leads does not
// run the same queries 100,000 times. The key is private to the acting
// user and their sudo flag. What fill returns must not be modified by
// callers.
func (e *Env) Memo(key string, deps []string, fill func() (any, error)) (any, error) {
	k := e.memoKey(key)
	if v, ok := e.memoGet(k); ok {
		return v, nil
	}
	v, err := fill()
	if err != nil {
		return nil, err
	}
	e.memoPut(k, deps, v)
	return v, nil
}

func (e *Env) memoKey(key string) string {
	return strconv.FormatInt(e.UID, 10) + "/" + strconv.FormatBool(e.Su) + "/" + key
}

func (e *Env) memoGet(k string) (any, bool) {
	ts := e.st.tx
	m, ok := ts.memo[k]
	if !ok || m.epoch != ts.epoch {
		return nil, false
	}
	for i, d := range m.deps {
		if ts.gen[d] != m.gens[i] {
			return nil, false
		}
	}
	return m.val, true
}

func (e *Env) memoPut(k string, deps []string, v any) {
	ts := e.st.tx
	if ts.memo == nil || len(ts.memo) >= maxMemo {
		ts.memo = map[string]memoEntry{}
	}
	gens := make([]uint64, len(deps))
	for i, d := range deps {
		gens[i] = ts.gen[d]
	}
	ts.memo[k] = memoEntry{val: v, deps: deps, gens: gens, epoch: ts.epoch}
}

// stmt returns the transaction's prepared statement for q, taking it
// from the pool's statements prepared in earlier transactions (db.StmtCache)
// or preparing it, and asking the pool to keep it for the next ones; nil
// when statements are not cached (PostgreSQL, or the transaction's cache is
// full) or when rows of q read through it are still open, and the caller
// runs q directly.
//
// A statement is one SQLite handle: Query's rows are tracked (reading) so
// that q is not run through it again while they are read; the results of
// Exec, InsertID and QueryRow are consumed before the next call.
func (e *Env) stmt(q string) *sql.Stmt {
	if e.Dialect != db.SQLite {
		return nil
	}
	ts := e.st.tx
	if r := ts.open[q]; r != nil {
		if _, err := r.Columns(); err == nil {
			return nil // still being read
		}
		delete(ts.open, q)
	}
	if s, ok := ts.stmts[q]; ok {
		return s
	}
	if len(ts.stmts) >= maxStmts {
		return nil
	}
	var s *sql.Stmt
	if p := e.stmts.Get(q); p != nil {
		s = e.tx.StmtContext(e.Ctx, p)
	} else {
		var err error
		if s, err = e.tx.PrepareContext(e.Ctx, q); err != nil {
			return nil // the direct call reports the error
		}
		if len(q) <= maxKeptStmt {
			e.stmts.Want(q)
		}
	}
	if ts.stmts == nil {
		ts.stmts = map[string]*sql.Stmt{}
	}
	ts.stmts[q] = s
	return s
}

// reading records the rows a Query of q returned through its statement.
func (ts *txState) reading(q string, rows *sql.Rows) {
	if ts.open == nil {
		ts.open = map[string]*sql.Rows{}
	}
	ts.open[q] = rows
}

// noteExec keeps the memo honest about statements that undo writes.
func (e *Env) noteExec(q string) {
	if len(q) > 8 && strings.EqualFold(q[:8], "ROLLBACK") {
		e.st.tx.epoch++
	}
}
