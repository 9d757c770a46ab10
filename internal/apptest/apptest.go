// Package apptest boots the real Kanso program on a free port for
// end-to-end tests, on a SQLite file or a PostgreSQL database.
package apptest

import (
	"bytes"
	"context"
	"encoding/json"
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

// Client calls the JSON-2 API with an API key.
type Client struct {
	t   testing.TB
	URL string
	Key string
}

// Client returns a JSON-2 client acting as login (a new API key).
func (s *Server) Client(t testing.TB, login string) *Client {
	return &Client{t: t, URL: s.URL, Key: s.APIKey(t, login)}
}

// Call posts to /json/2/model/method and returns the HTTP status and the
// decoded answer (numbers normalised as the ORM does).
func (c *Client) Call(model, method string, body map[string]any) (int, any) {
	c.t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		c.t.Fatalf("encode: %v", err)
	}
	req, _ := http.NewRequest("POST", c.URL+"/json/2/"+model+"/"+method, bytes.NewReader(b))
	req.Header.Set("Authorization", "bearer "+c.Key)
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatalf("POST %s/%s: %v", model, method, err)
	}
	defer resp.Body.Close()
	var out any
	dec := json.NewDecoder(resp.Body)
	dec.UseNumber()
	if err := dec.Decode(&out); err != nil {
		c.t.Fatalf("decode %s/%s: %v", model, method, err)
	}
	return resp.StatusCode, orm.Normalize(out)
}

// Must calls and fails the test unless the answer is 200.
func (c *Client) Must(model, method string, body map[string]any) any {
	c.t.Helper()
	st, out := c.Call(model, method, body)
	if st != http.StatusOK {
		c.t.Fatalf("%s/%s %v: HTTP %d %v", model, method, body, st, out)
	}
	return out
}

// Read reads one record's fields as a map.
func (c *Client) Read(model string, id int64, fields ...string) map[string]any {
	c.t.Helper()
	f := make([]any, len(fields))
	for i, x := range fields {
		f[i] = x
	}
	out := c.Must(model, "read", map[string]any{"ids": []any{id}, "fields": f, "context": map[string]any{"active_test": false}})
	list := out.([]any)
	if len(list) != 1 {
		c.t.Fatalf("read %s(%d): %v", model, id, out)
	}
	return list[0].(map[string]any)
}

// Create creates one record and returns its id.
func (c *Client) Create(model string, vals map[string]any) int64 {
	c.t.Helper()
	return c.Must(model, "create", map[string]any{"vals_list": vals}).(int64)
}

// ErrorName returns the Odoo exception name of an error answer.
func ErrorName(out any) string {
	if m, ok := out.(map[string]any); ok {
		s, _ := m["name"].(string)
		return s
	}
	return ""
}
