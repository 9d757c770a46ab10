// Package pythontest runs integrator.py, an Odoo integrator's script
// written with Python's standard library only, against the real program.
package pythontest

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/kanso-crm/kanso/internal/apptest"
	"github.com/kanso-crm/kanso/internal/base"
	"github.com/kanso-crm/kanso/internal/orm"
	"github.com/kanso-crm/kanso/internal/testutil"
)

const (
	restrictedLogin    = "integrator-sales"
	restrictedPassword = "integrator-sales-password"
	conflictRef        = "integrator-conflict"
)

// prepare boots Kanso with what the script expects: a salesperson who
// sees only their own and unassigned partners, and a partner last
// changed an hour ago for the optimistic-concurrency check.
func prepare(t *testing.T, b testutil.Backend) (srv *apptest.Server, adminKey, restrictedKey string) {
	t.Helper()
	srv = apptest.Start(t, b)
	srv.CreateUser(t, restrictedLogin, restrictedPassword, base.GroupSaleSalesman)
	srv.Sudo(t, func(env *orm.Env) error {
		if err := base.InstallRules(env, []base.Rule{
			{Name: "Personal partners", Model: "res.partner", Domain: `[["user_id", "in", ["$uid", false]]]`,
				Groups: []string{base.GroupSaleSalesman}, Perms: "rwcu"},
			{Name: "All partners", Model: "res.partner", Domain: `[[1, "=", 1]]`,
				Groups: []string{base.GroupSaleSalesmanAll}, Perms: "rwcu"},
		}); err != nil {
			return err
		}
		ids, err := env.Create(env.Reg.Model("res.partner"), []orm.Values{{"name": "Conflict target", "ref": conflictRef}})
		if err != nil {
			return err
		}
		_, err = env.Exec("UPDATE res_partner SET write_date = ? WHERE id = ?", env.Dialect.TimeParam(time.Now().Add(-time.Hour)), ids[0])
		return err
	})
	return srv, srv.APIKey(t, "admin"), srv.APIKey(t, restrictedLogin)
}

func runScript(t *testing.T, py string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, py, append([]string{"integrator.py"}, args...)...)
	cmd.Env = append(os.Environ(), "PYTHONUNBUFFERED=1", "PYTHONDONTWRITEBYTECODE=1")
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func TestIntegratorScript(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 is not on PATH")
	}
	testutil.Run(t, func(t *testing.T, b testutil.Backend) {
		srv, adminKey, restrictedKey := prepare(t, b)
		out, err := runScript(t, py, "--url", srv.URL, "--db", "kanso",
			"--login", "admin", "--password", apptest.AdminPassword, "--api-key", adminKey,
			"--restricted-login", restrictedLogin, "--restricted-password", restrictedPassword,
			"--restricted-api-key", restrictedKey)
		if err != nil {
			t.Fatalf("integrator.py failed (%v):\n%s", err, out)
		}
		t.Logf("integrator.py:\n%s", out)
		n := 0
		for _, line := range strings.Split(out, "\n") {
			if strings.HasPrefix(line, "ok   ") {
				n++
			}
		}
		if n != 9 || !strings.Contains(out, "all 9 checks passed") {
			t.Errorf("integrator.py reported %d checks, want 9:\n%s", n, out)
		}
		// the script cleaned up after itself
		var left int64
		srv.Sudo(t, func(env *orm.Env) error {
			return env.QueryRow("SELECT count(*) FROM res_partner WHERE ref LIKE ?", "integrator-%-%").Scan(&left)
		})
		if left != 0 {
			t.Errorf("%d partners of the script are left", left)
		}
	})
}

// The script must stop at the first failed check with a clear message.
func TestIntegratorScriptReportsFailures(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 is not on PATH")
	}
	srv, adminKey, restrictedKey := prepare(t, testutil.SQLite(t))
	out, err := runScript(t, py, "--url", srv.URL, "--login", "admin", "--password", "not-the-admin-password",
		"--api-key", adminKey, "--restricted-login", restrictedLogin, "--restricted-password", restrictedPassword,
		"--restricted-api-key", restrictedKey)
	if err == nil {
		t.Fatalf("integrator.py succeeded with a wrong password:\n%s", out)
	}
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
		t.Errorf("exit: %v, want status 1", err)
	}
	if !strings.Contains(out, "ok   common.version") || !strings.Contains(out, "FAIL authenticate") || strings.Contains(out, "search_read") {
		t.Errorf("output does not stop at the failed authentication:\n%s", out)
	}
	// without the credentials it explains what is missing
	out, err = runScript(t, py, "--url", srv.URL)
	if err == nil || !strings.Contains(out, "--login") {
		t.Errorf("integrator.py without credentials: %v\n%s", err, out)
	}
}
