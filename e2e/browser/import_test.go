package browser

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/kanso-crm/kanso/internal/apptest"
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
			var n int64
			s.Sudo(t, func(env *orm.Env) error {
				var err error
				n, err = env.SearchCount(env.Reg.Model("crm.lead"), orm.Leaf{Path: "name", Op: "in",
					Value: []any{"Solar roof Cluj", "Bakery ovens", "Fleet GPS"}}, 0)
				return err
			})
			return n
		}

		b := newSession(t, s, desktop)
		b.login("admin", apptest.AdminPassword)
		b.open("/import/crm.lead", "#imp-file")
		b.do("choose the file", chromedp.SetUploadFiles(chromedp.ID("imp-file"), []string{file}))
		b.submit("check the file", chromedp.Click(chromedp.ID("btn-upload")))
		b.do("wait for the mapping screen", chromedp.WaitVisible(chromedp.ID("mapping-form")))

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
		b.submit("import", chromedp.Click(chromedp.ID("btn-import")))
		b.do("wait for the result", chromedp.WaitVisible(chromedp.ID("import-done")))
		if n := count(); n != 3 {
			t.Errorf("%d leads imported; want 3", n)
		}
	})
}
