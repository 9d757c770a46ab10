package orm

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// minCopyRows is the smallest batch written by COPY: below it the
// sequence's round trip costs more than COPY saves.
const minCopyRows = 16

// errNoCopy: the transaction's connection is not pgx's.
var errNoCopy = errors.New("orm: the connection cannot COPY")

// canCopy tells whether n rows are written by COPY: a write transaction
// on PostgreSQL, whose connection the call holds (Runner.Run).
func (e *Env) canCopy(n int) bool { return e.raw != nil && n >= minCopyRows }

// copyRows inserts rows, each holding the values of cols, into table with
// PostgreSQL's COPY, in the call's transaction. COPY takes the rows in
// pgx's binary format, with no statement text to build, rebind and parse:
// the importer's own CPU per row is a fifth lower than with multi-row
// INSERTs; the server's time is the same (docs/PERFORMANCE.md). With
// WriteBehind the COPY runs while the call goes on.
func (e *Env) copyRows(table string, cols []string, rows [][]any) error {
	e.st.queries++
	run := func() error {
		if e.slow > 0 {
			defer e.timeQuery("COPY "+table, nil, time.Now())
		}
		err := e.raw.Raw(func(dc any) error {
			c, ok := dc.(*stdlib.Conn)
			if !ok {
				return errNoCopy
			}
			n, err := c.Conn().CopyFrom(e.Ctx, pgx.Identifier{table}, cols, pgx.CopyFromRows(rows))
			if err == nil && int(n) != len(rows) {
				err = fmt.Errorf("%d rows copied of %d", n, len(rows))
			}
			return err
		})
		if err != nil {
			return fmt.Errorf("orm: copy into %s: %w", table, err)
		}
		return nil
	}
	if b := e.st.tx.behind; b != nil {
		b.add(run)
		return nil
	}
	return run()
}

// behind runs the COPYs of a transaction in WriteBehind mode, in the
// order given, on a goroutine of their own.
type behind struct {
	jobs    chan func() error
	pending sync.WaitGroup
	mu      sync.Mutex
	err     error // the first failure; the transaction is then aborted
}

func newBehind() *behind {
	b := &behind{jobs: make(chan func() error, 8)}
	go func() {
		for job := range b.jobs {
			if b.failed() == nil {
				if err := job(); err != nil {
					b.mu.Lock()
					b.err = err
					b.mu.Unlock()
				}
			}
			b.pending.Done()
		}
	}()
	return b
}

func (b *behind) add(job func() error) {
	b.pending.Add(1)
	b.jobs <- job
}

func (b *behind) failed() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.err
}

// wait returns once every COPY given has run, with the first failure.
func (b *behind) wait() error {
	b.pending.Wait()
	return b.failed()
}

// WriteBehind lets the COPYs of the transaction's bulk creates run on the
// server while the call goes on preparing the next records, and tells
// whether it could (a write transaction on PostgreSQL). The next statement
// waits for them, so that everything runs in the order given and reads
// see what was written; a COPY's failure is returned by that statement,
// by Sync or by the commit, which then rolls back. A caller that needs to
// know which records failed (the importer) does without, or starts over
// without it: Create may return before its records are in the database.
func (e *Env) WriteBehind() bool {
	if e.raw == nil {
		return false
	}
	if e.st.tx.behind == nil {
		e.st.tx.behind = newBehind()
	}
	return true
}

// Sync waits for the COPYs running behind (WriteBehind) and returns the
// first failure of the transaction's.
func (e *Env) Sync() error {
	if b := e.st.tx.behind; b != nil {
		return b.wait()
	}
	return nil
}

// endBehind waits for the COPYs running behind and stops their
// goroutine, at the end of the transaction.
func (e *Env) endBehind() error {
	b := e.st.tx.behind
	if b == nil {
		return nil
	}
	err := b.wait()
	close(b.jobs)
	e.st.tx.behind = nil
	return err
}

// nextIDs takes n ids from the sequence of table's id column, in
// increasing order, for rows inserted by COPY.
func (e *Env) nextIDs(table string, n int) ([]int64, error) {
	rows, err := e.Query("SELECT nextval(pg_get_serial_sequence(?, 'id')) FROM generate_series(1, ?)", quoteIdent(table), n)
	if err != nil {
		return nil, err
	}
	ids, err := ScanIDs(rows)
	if err != nil {
		return nil, err
	}
	if len(ids) != n {
		return nil, fmt.Errorf("orm: %d ids from the sequence of %s for %d rows", len(ids), table, n)
	}
	slices.Sort(ids)
	return ids, nil
}
