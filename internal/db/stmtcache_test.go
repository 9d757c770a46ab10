package db

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
)

// TestStmtCache: texts wanted are prepared on the pool by the background
// preparer, at most max of them are kept (the least recently used closed
// first), a text that fails to prepare is dropped, and a closed cache
// keeps nothing.
func TestStmtCache(t *testing.T) {
	ctx := context.Background()
	d, err := Open(ctx, filepath.Join(t.TempDir(), "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if _, err := d.Write.ExecContext(ctx, "CREATE TABLE t (x INTEGER)"); err != nil {
		t.Fatal(err)
	}
	c := newStmtCache(d.Read, 3)
	q := func(i int) string { return fmt.Sprintf("SELECT x + %d FROM t", i) }
	if c.Get(q(1)) != nil {
		t.Fatal("a statement before it was wanted")
	}
	c.Want(q(1))
	c.Want(q(1)) // once
	c.Want("SELECT nothing FROM nowhere")
	c.Settle()
	if c.Get(q(1)) == nil || c.Get("SELECT nothing FROM nowhere") != nil || c.len() != 1 {
		t.Fatalf("after one text and a bad one: %d kept", c.len())
	}
	// a transaction takes the pool's statement on its own connection
	tx, err := d.Read.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := tx.StmtContext(ctx, c.Get(q(1))).QueryContext(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rows.Close()
	tx.Rollback()

	for i := 2; i <= 4; i++ {
		c.Want(q(i))
		c.Settle()
		c.Get(q(1)) // the first stays the most recent
	}
	if c.len() != 3 || c.Get(q(1)) == nil || c.Get(q(2)) != nil || c.Get(q(4)) == nil {
		t.Errorf("kept %d; q1 %v, q2 %v, q4 %v", c.len(), c.Get(q(1)) != nil, c.Get(q(2)) != nil, c.Get(q(4)) != nil)
	}
	c.close()
	c.close() // twice is harmless
	if c.len() != 0 || c.Get(q(1)) != nil {
		t.Errorf("a closed cache keeps %d", c.len())
	}
}
