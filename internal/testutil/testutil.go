// Package testutil opens the real databases tests run against: a SQLite
// file in a temporary directory always, and a fresh PostgreSQL database
// when KANSO_TEST_POSTGRES holds a server URL.
package testutil

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/jackc/pgx/v5"
)

// Backend is a database a test runs on.
type Backend struct {
	Name string // "sqlite" or "postgres"
	URL  string // a file path or a postgres:// URL
}

// Backends returns SQLite, plus PostgreSQL when configured. Each call
// gives new, empty databases that are removed when the test ends.
func Backends(t testing.TB) []Backend {
	t.Helper()
	out := []Backend{SQLite(t)}
	if os.Getenv("KANSO_TEST_POSTGRES") != "" {
		out = append(out, Postgres(t))
	}
	return out
}

// SQLite returns a new SQLite file path.
func SQLite(t testing.TB) Backend {
	t.Helper()
	return Backend{Name: "sqlite", URL: filepath.Join(t.TempDir(), "kanso.db")}
}

// Postgres creates an empty database on the server named by
// KANSO_TEST_POSTGRES and drops it after the test; it skips the test
// when the variable is unset.
func Postgres(t testing.TB) Backend {
	t.Helper()
	admin := os.Getenv("KANSO_TEST_POSTGRES")
	if admin == "" {
		t.Skip("KANSO_TEST_POSTGRES is not set")
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		t.Fatalf("connect to KANSO_TEST_POSTGRES: %v", err)
	}
	defer conn.Close(ctx)
	b := make([]byte, 6)
	rand.Read(b)
	name := "kanso_test_" + hex.EncodeToString(b)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), admin)
		if err != nil {
			t.Logf("drop test database: %v", err)
			return
		}
		defer c.Close(context.Background())
		if _, err := c.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Logf("drop test database: %v", err)
		}
	})
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatalf("KANSO_TEST_POSTGRES: %v", err)
	}
	u.Path = "/" + name
	return Backend{Name: "postgres", URL: u.String()}
}

// Logger returns a logger that writes to the test log only when -v.
func Logger(t testing.TB) *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(string(p))
	return len(p), nil
}

// Run runs f as a subtest on each backend.
func Run(t *testing.T, f func(t *testing.T, b Backend)) {
	for _, b := range Backends(t) {
		t.Run(b.Name, func(t *testing.T) { f(t, b) })
	}
}

// Must fails the test on error.
func Must(t testing.TB, err error, what string, args ...any) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", fmt.Sprintf(what, args...), err)
	}
}
