// Package apptest boots the real Kanso program on a free port for
// end-to-end tests, on a SQLite file or a PostgreSQL database.
package apptest

import (
	"context"
	"net/http"
	"testing"

	"github.com/kanso-crm/kanso/internal/app"
	"github.com/kanso-crm/kanso/internal/base"
	"github.com/kanso-crm/kanso/internal/orm"
	"github.com/kanso-crm/kanso/internal/testutil"
)

// AdminPassword is the admin password of test databases.
const AdminPassword = "admin-password"

// Server is a running Kanso.
type Server struct {
	App *app.App
	URL string
}

// Start opens the database (installing it), listens on 127.0.0.1:0 and
// serves until the test ends.
func Start(t testing.TB, b testutil.Backend) *Server {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	a, err := app.Open(ctx, app.Config{Addr: "127.0.0.1:0", DB: b.URL, AdminPassword: AdminPassword, Log: testutil.Logger(t)})
	if err != nil {
		cancel()
		t.Fatalf("open app on %s: %v", b.Name, err)
	}
	if err := a.Listen(); err != nil {
		cancel()
		a.Close()
		t.Fatalf("listen: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- a.Serve(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil && err != http.ErrServerClosed {
			t.Logf("serve: %v", err)
		}
		a.Close()
	})
	return &Server{App: a, URL: a.URL()}
}

// Sudo runs f as the superuser in one transaction.
func (s *Server) Sudo(t testing.TB, f func(env *orm.Env) error) {
	t.Helper()
	if err := s.App.Runner.Run(context.Background(), orm.SuperuserID, nil, true, f); err != nil {
		t.Fatalf("sudo: %v", err)
	}
}

// APIKey creates an API key for a login.
func (s *Server) APIKey(t testing.TB, login string) string {
	t.Helper()
	var key string
	s.Sudo(t, func(env *orm.Env) error {
		var uid int64
		if err := env.QueryRow("SELECT id FROM res_users WHERE login = ?", login).Scan(&uid); err != nil {
			return err
		}
		var err error
		key, err = base.GenerateAPIKey(env, uid, "test", "rpc", nil)
		return err
	})
	return key
}

// CreateUser creates a user with a password and groups (external ids)
// and returns its id.
func (s *Server) CreateUser(t testing.TB, login, password string, groups ...string) int64 {
	t.Helper()
	var id int64
	s.Sudo(t, func(env *orm.Env) error {
		var gids []any
		for _, g := range groups {
			gid, err := base.XID(env, g)
			if err != nil {
				return err
			}
			if gid == 0 {
				t.Fatalf("unknown group %s", g)
			}
			gids = append(gids, gid)
		}
		ids, err := env.Create(env.Reg.Model("res.users"), []orm.Values{{"name": login, "login": login, "password": password,
			"group_ids": []any{[]any{int64(6), int64(0), gids}}}})
		if err != nil {
			return err
		}
		id = ids[0]
		return nil
	})
	return id
}
