package browser

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/kanso-crm/kanso/internal/apptest"
)

func TestLogin(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *apptest.Server) {
		b := newSession(t, s, desktop)

		// a wrong password: the form again, with the reason
		if st := b.fillLogin("admin", "not-the-password"); st != 401 {
			t.Errorf("a wrong password answered HTTP %d; want 401", st)
		}
		b.do("wait for the error", chromedp.WaitVisible(chromedp.CSS(`.error[role=alert]`)))
		msg := run(b, "read the error", chromedp.Text(chromedp.CSS(`.error[role=alert]`)))
		if !strings.Contains(msg, "Wrong login or password") {
			t.Errorf("the login error says %q", msg)
		}
		if eval[bool](b, `!!document.getElementById("logout")`) {
			t.Errorf("a wrong password logged in")
		}
		if got := eval[string](b, `document.getElementById("login").value`); got != "admin" {
			t.Errorf("the login field was not kept: %q", got)
		}
		if got := eval[string](b, `document.getElementById("password").value`); got != "" {
			t.Errorf("the password was sent back to the page")
		}

		// the right password lands on the pipeline
		if st := b.fillLogin("admin", apptest.AdminPassword); st != 200 {
			t.Errorf("logging in answered HTTP %d", st)
		}
		b.do("wait for the pipeline", chromedp.WaitVisible(chromedp.ID("logout")), chromedp.WaitVisible(chromedp.ID("board")))
		if loc := b.location(); loc != "/crm/pipeline" {
			t.Errorf("after logging in the page is %s; want /crm/pipeline", loc)
		}
		if h := run(b, "read the title", chromedp.Text(chromedp.CSS("main h1"))); h != "Pipeline" {
			t.Errorf("the page title is %q; want Pipeline", h)
		}
	})
}
