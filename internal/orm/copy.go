package orm

import (
	"errors"
	"fmt"
	"slices"
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
// pgx's binary format and needs no statement to parse, nor an expression
// per value as a VALUES list does: at 100,000 leads the server's share of
// an import is about 15% lower (docs/PERFORMANCE.md).
func (e *Env) copyRows(table string, cols []string, rows [][]any) error {
	e.st.queries++
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
