package db

import (
	"container/list"
	"context"
	"database/sql"
	"sync"
	"time"
)

// StmtCache keeps statements prepared on a SQLite pool across
// transactions, so that a page does not parse its SQL again on every
// request (parsing was 12% of the server's CPU under JSON-2 load at a
// million leads). A transaction takes a statement with Tx.StmtContext,
// which reuses the one already prepared on its connection or prepares it
// there. The pool's statements are made by DB.PrepareContext, which needs
// a free connection: a transaction that asked for one would wait for
// itself (the single writer) or for the others (readers all held by
// requests that prepare), so they are prepared by one goroutine outside
// any transaction, from the texts transactions hand it with Want, and used
// from the next transaction on. At most max statements are kept, the
// least recently used closed first (database/sql closes a statement once
// no transaction uses it).
type StmtCache struct {
	pool  *sql.DB
	max   int
	queue chan string
	stop  chan struct{}
	done  chan struct{}
	once  sync.Once

	mu      sync.Mutex
	lru     list.List // of *cachedStmt, most recent first
	byQuery map[string]*list.Element
	wanted  map[string]bool // queued, not prepared yet
	idle    *sync.Cond      // signalled when the queue is drained (tests)
}

type cachedStmt struct {
	query string
	stmt  *sql.Stmt
}

// stmtPrepareTimeout bounds the wait for a free connection: the writer may
// be held by an import for seconds; the text is asked for again later.
const stmtPrepareTimeout = 5 * time.Second

func newStmtCache(pool *sql.DB, max int) *StmtCache {
	c := &StmtCache{pool: pool, max: max, queue: make(chan string, max), stop: make(chan struct{}), done: make(chan struct{}),
		byQuery: map[string]*list.Element{}, wanted: map[string]bool{}}
	c.idle = sync.NewCond(&c.mu)
	go c.run()
	return c
}

// Get returns the pool's statement for q, or nil when it is not prepared
// (yet).
func (c *StmtCache) Get(q string) *sql.Stmt {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.byQuery[q]
	if !ok {
		return nil
	}
	c.lru.MoveToFront(e)
	return e.Value.(*cachedStmt).stmt
}

// Want asks for q to be prepared on the pool, without waiting; a full
// queue drops the request.
func (c *StmtCache) Want(q string) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.byQuery[q]; ok || c.wanted[q] {
		return
	}
	select {
	case c.queue <- q:
		c.wanted[q] = true
	default:
	}
}

func (c *StmtCache) run() {
	defer close(c.done)
	for {
		select {
		case <-c.stop:
			return
		case q := <-c.queue:
			c.prepare(q)
		}
	}
}

func (c *StmtCache) prepare(q string) {
	ctx, cancel := context.WithTimeout(context.Background(), stmtPrepareTimeout)
	s, err := c.pool.PrepareContext(ctx, q)
	cancel()
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.wanted, q)
	if len(c.wanted) == 0 {
		c.idle.Broadcast()
	}
	if err != nil {
		return // the transaction that used q reported any error of its own
	}
	c.byQuery[q] = c.lru.PushFront(&cachedStmt{query: q, stmt: s})
	for c.lru.Len() > c.max {
		old := c.lru.Back()
		c.lru.Remove(old)
		cs := old.Value.(*cachedStmt)
		delete(c.byQuery, cs.query)
		cs.stmt.Close()
	}
}

// Settle returns once every statement wanted so far is prepared or given
// up (tests).
func (c *StmtCache) Settle() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for len(c.wanted) > 0 {
		c.idle.Wait()
	}
}

// len is the number of statements kept.
func (c *StmtCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lru.Len()
}

// close stops the preparer and closes the statements, before the pool.
func (c *StmtCache) close() {
	if c == nil {
		return
	}
	c.once.Do(func() { close(c.stop) })
	<-c.done
	c.mu.Lock()
	defer c.mu.Unlock()
	for e := c.lru.Front(); e != nil; e = e.Next() {
		e.Value.(*cachedStmt).stmt.Close()
	}
	c.lru.Init()
	c.byQuery = map[string]*list.Element{}
	c.wanted = map[string]bool{}
	c.idle.Broadcast()
}
