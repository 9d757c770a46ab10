package browser

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/kanso-crm/kanso/internal/apptest"
	"github.com/kanso-crm/kanso/internal/db"
	"github.com/kanso-crm/kanso/internal/orm"
)

// TestImportWithTheMappingScreen uploads a CSV with a bad number, sees the
// dry run's problem by row and column with nothing written, leaves the bad
// column out in the mapping and imports.
func TestImportWithTheMappingScreen(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *apptest.Server) {
		file := filepath.Join(t.TempDir(), "leads.csv")
		csv := "Opportunity;Email;Expected Revenue\n" +
			"Solar roof Cluj;office@solar.example;1.500,50\n" +
			"Bakery ovens;chef@bakery.example;a lot\n" +
			"Fleet GPS;fleet@gps.example;300\n"
		if err := os.WriteFile(file, []byte(csv), 0o644); err != nil {
			t.Fatal(err)
		}
		count := func() int64 {
			return countLeads(t, s, orm.Leaf{Path: "name", Op: "in", Value: []any{"Solar roof Cluj", "Bakery ovens", "Fleet GPS"}})
		}

		b := newSession(t, s, desktop)
		b.login("admin", apptest.AdminPassword)
		b.toMapping(file)

		problems := eval[string](b, `(t => t ? t.innerText : "")(document.getElementById("problems"))`)
		if !strings.Contains(problems, "Expected Revenue") || !strings.Contains(problems, "3") {
			t.Fatalf("the dry run does not report the bad number of row 3 in Expected Revenue:\n%s", problems)
		}
		if n := count(); n != 0 {
			t.Fatalf("the dry run wrote %d leads", n)
		}
		mapped := eval[string](b, `[...document.querySelectorAll("#mapping-form select[name^='map:']")].map(s => s.getAttribute("aria-label") + "=" + s.value).join(",")`)
		if !strings.Contains(mapped, "Opportunity=name") || !strings.Contains(mapped, "Email=email_from") {
			t.Errorf("the columns were not matched by their labels: %s", mapped)
		}

		// leave the bad column out and check again: no problem left
		b.do("unmap Expected Revenue", chromedp.SetValue(chromedp.CSS(`#mapping-form select[aria-label="Expected Revenue"]`), ""))
		b.submit("check again", chromedp.Click(chromedp.ID("btn-check")))
		b.do("wait for the new check", chromedp.WaitVisible(chromedp.ID("import-summary")))
		if eval[bool](b, `!!document.getElementById("problems")`) {
			t.Fatalf("problems remain after unmapping the bad column:\n%s", eval[string](b, `document.getElementById("problems").innerText`))
		}

		// the import goes through its progress page: hold the database's
		// writes meanwhile, so that the page is seen while the import waits
		release := holdWrites(t, s)
		b.submit("import", chromedp.Click(chromedp.ID("btn-import")))
		b.do("wait for the progress page", chromedp.WaitVisible(chromedp.ID("import-progress")), chromedp.WaitVisible(chromedp.ID("btn-cancel")))
		if path := eval[string](b, `location.pathname`); path != "/import/job" {
			t.Errorf("the import's page is %s", path)
		}
		if !eval[bool](b, `document.getElementById("import-bar") instanceof HTMLProgressElement`) {
			t.Errorf("no progress bar: %s", eval[string](b, `document.getElementById("import-job").innerText`))
		}
		// the page follows the import by itself and shows the result
		release()
		b.do("wait for the result", chromedp.WaitVisible(chromedp.ID("import-done")))
		if n := count(); n != 3 {
			t.Errorf("%d leads imported; want 3", n)
		}
		if got := eval[string](b, `document.getElementById("import-done").innerText`); !strings.Contains(got, "3") {
			t.Errorf("the result: %q", got)
		}
	})
}

// TestImportCancelled starts an import, cancels it from its progress page
// and finds nothing written.
func TestImportCancelled(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *apptest.Server) {
		file := filepath.Join(t.TempDir(), "leads.csv")
		if err := os.WriteFile(file, []byte("Opportunity,Email\nCancelled one,one@cancel.example\nCancelled two,two@cancel.example\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		count := func() int64 { return countLeads(t, s, orm.Leaf{Path: "name", Op: "=like", Value: "Cancelled %"}) }
		b := newSession(t, s, desktop)
		b.login("admin", apptest.AdminPassword)
		b.toMapping(file)

		release := holdWrites(t, s)
		b.submit("import", chromedp.Click(chromedp.ID("btn-import")))
		b.do("wait for the progress page", chromedp.WaitVisible(chromedp.ID("btn-cancel")))
		b.submit("cancel", chromedp.Click(chromedp.ID("btn-cancel")))
		b.do("wait for the cancellation", chromedp.WaitVisible(chromedp.ID("import-cancelled")))
		release()
		if n := count(); n != 0 {
			t.Errorf("the cancelled import wrote %d leads", n)
		}
		// the mapping screen is back, to import again
		b.do("wait for the mapping screen", chromedp.WaitVisible(chromedp.ID("btn-import")))
	})
}

// toMapping opens the lead import page, uploads a file and waits for the
// mapping screen with the dry run's result.
func (b *session) toMapping(file string) {
	b.open("/import/crm.lead", "#imp-file")
	b.do("choose the file", chromedp.SetUploadFiles(chromedp.ID("imp-file"), []string{file}))
	b.submit("check the file", chromedp.Click(chromedp.ID("btn-upload")))
	b.do("wait for the mapping screen", chromedp.WaitVisible(chromedp.ID("mapping-form")))
}

// countLeads counts the active leads matching d.
func countLeads(t *testing.T, s *apptest.Server, d orm.Domain) int64 {
	t.Helper()
	var n int64
	s.Sudo(t, func(env *orm.Env) error {
		var err error
		n, err = env.SearchCount(env.Reg.Model("crm.lead"), d, 0)
		return err
	})
	return n
}

// holdWrites keeps a write transaction open until release is called (or
// the test ends): an import started meanwhile waits, on SQLite for the one
// writer connection, on PostgreSQL for the lock on crm_lead.
func holdWrites(t *testing.T, s *apptest.Server) (release func()) {
	t.Helper()
	held, rel, done := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	go func() {
		done <- s.App.Runner.Run(context.Background(), orm.SuperuserID, nil, true, func(env *orm.Env) error {
			if env.Dialect == db.Postgres {
				if _, err := env.Exec("LOCK TABLE crm_lead IN SHARE ROW EXCLUSIVE MODE"); err != nil {
					return err
				}
			}
			close(held)
			<-rel
			return nil
		})
	}()
	select {
	case <-held:
	case err := <-done:
		t.Fatalf("hold the writes: %v", err)
	}
	var once sync.Once
	release = func() {
		once.Do(func() {
			close(rel)
			if err := <-done; err != nil {
				t.Errorf("hold the writes: %v", err)
			}
		})
	}
	t.Cleanup(release)
	return release
}

// TestImportWithoutJavaScript: with scripts off, the job's page reloads
// itself (a meta refresh) until the result shows.
func TestImportWithoutJavaScript(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *apptest.Server) {
		file := filepath.Join(t.TempDir(), "leads.csv")
		if err := os.WriteFile(file, []byte("Opportunity\nNo script one\nNo script two\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		b := newSession(t, s, desktop)
		b.login("admin", apptest.AdminPassword)
		b.do("turn scripts off", chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			_, err := cdp.Call(ctx, t, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
			return err
		}))
		b.toMapping(file)
		release := holdWrites(t, s)
		b.submit("import", chromedp.Click(chromedp.ID("btn-import")))
		b.do("wait for the progress page", chromedp.WaitVisible(chromedp.ID("import-refresh")))
		release()
		b.do("wait for the result", chromedp.WaitVisible(chromedp.ID("import-done")))
	})
}
