package testutil

import (
	"context"
	"log/slog"
	"sync"
)

// SQLLog is a log handler that keeps the statements a Runner logs as
// slow ("sql" attributes): with a threshold of a nanosecond, every one.
type SQLLog struct {
	mu  sync.Mutex
	sql []string
}

// Statements returns the statements logged so far, in order.
func (r *SQLLog) Statements() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.sql...)
}

// Reset forgets the statements logged so far.
func (r *SQLLog) Reset() {
	r.mu.Lock()
	r.sql = nil
	r.mu.Unlock()
}

func (r *SQLLog) Enabled(context.Context, slog.Level) bool { return true }
func (r *SQLLog) Handle(_ context.Context, rec slog.Record) error {
	rec.Attrs(func(a slog.Attr) bool {
		if a.Key == "sql" {
			r.mu.Lock()
			r.sql = append(r.sql, a.Value.String())
			r.mu.Unlock()
		}
		return true
	})
	return nil
}
func (r *SQLLog) WithAttrs([]slog.Attr) slog.Handler { return r }
func (r *SQLLog) WithGroup(string) slog.Handler      { return r }
