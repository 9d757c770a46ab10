package browser

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/kanso-crm/kanso/internal/apptest"
	"github.com/kanso-crm/kanso/internal/orm"
)

func TestLeadLostAndRestore(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *apptest.Server) {
		w := newWorld(t, s, leadSpec{name: "Warehouse robots", stage: "Qualified"})
		lead := w.leads["Warehouse robots"]
		reason, ok := w.reasons["Too expensive"]
		if !ok {
			t.Fatalf("no lost reason \"Too expensive\" (have %v)", w.reasons)
		}
		const feedback = "They chose a cheaper offer & will review next year"
		b := newSession(t, s, desktop)
		b.login("admin", apptest.AdminPassword)
		form := "/crm/lead/" + itoa(lead)
		b.open(form, "#btn-lost")
		if eval[bool](b, `document.getElementById("lost-dialog").open`) {
			t.Fatal("the lost dialog is open before clicking Lost")
		}

		b.do("click Lost", chromedp.Click(chromedp.ID("btn-lost")), chromedp.WaitVisible(chromedp.ID("lost-reason")))
		if !eval[bool](b, `document.getElementById("lost-dialog").open`) {
			t.Fatal("clicking Lost did not open the dialog")
		}
		b.do("fill the lost dialog",
			chromedp.SetValue(chromedp.ID("lost-reason"), itoa(reason)),
			chromedp.SendKeys(chromedp.ID("lost-feedback"), feedback))
		if got := eval[string](b, `(s => s.options[s.selectedIndex].text)(document.getElementById("lost-reason"))`); got != "Too expensive" {
			t.Fatalf("the chosen reason is %q", got)
		}
		if st := b.submit("confirm lost", chromedp.Click(chromedp.ID("btn-lost-confirm"))); st != 200 {
			t.Errorf("the page after marking lost answered HTTP %d", st)
		}
		b.do("wait for the lost ribbon", chromedp.WaitVisible(chromedp.CSS(".ribbon.lost")))
		if loc := b.location(); loc != form {
			t.Errorf("after marking lost the page is %s; want %s", loc, form)
		}
		v := leadValues(t, s, lead, "active", "won_status", "lost_reason_id")
		if v["active"] != false || v["won_status"] != "lost" || v["lost_reason_id"] != reason {
			t.Errorf("database after marking lost: active %v, won_status %v, lost_reason_id %v; want false, lost, %d",
				v["active"], v["won_status"], v["lost_reason_id"], reason)
		}
		timeline := eval[string](b, `document.getElementById("timeline").innerText`)
		if !strings.Contains(timeline, feedback) {
			t.Errorf("the timeline does not show the closing note %q:\n%s", feedback, timeline)
		}
		if eval[bool](b, `!!document.getElementById("btn-lost")`) {
			t.Errorf("a lost opportunity still offers the Lost button")
		}

		// restore
		if st := b.submit("restore", chromedp.Click(chromedp.ID("btn-restore"))); st != 200 {
			t.Errorf("the page after restoring answered HTTP %d", st)
		}
		b.do("wait for the restored form", chromedp.WaitVisible(chromedp.ID("btn-lost")), chromedp.WaitNotPresent(chromedp.CSS(".ribbon.lost")))
		if eval[bool](b, `!!document.getElementById("btn-restore")`) {
			t.Errorf("a restored opportunity still offers Restore")
		}
		v = leadValues(t, s, lead, "active", "won_status", "lost_reason_id")
		if v["active"] != true || v["lost_reason_id"] != nil || v["won_status"] == "lost" {
			t.Errorf("database after restoring: active %v, won_status %v, lost_reason_id %v; want true, not lost, none",
				v["active"], v["won_status"], v["lost_reason_id"])
		}
	})
}

func TestLeadSaveConflict(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *apptest.Server) {
		w := newWorld(t, s, leadSpec{name: "Fleet tracking", stage: "New", vals: orm.Values{"email_from": "buyer@acme.example"}})
		lead := w.leads["Fleet tracking"]
		const mine, theirs = "mine@acme.example", "theirs@acme.example"
		b := newSession(t, s, desktop)
		b.login("admin", apptest.AdminPassword)
		form := "/crm/lead/" + itoa(lead)
		b.open(form, "#f-email")
		if got := eval[string](b, `document.getElementById("f-email").value`); got != "buyer@acme.example" {
			t.Fatalf("the form shows the email %q", got)
		}
		b.do("change the email", chromedp.Clear(chromedp.ID("f-email")), chromedp.SendKeys(chromedp.ID("f-email"), mine))
		// meanwhile a colleague changes the same field
		writeLater(t, s, lead, orm.Values{"email_from": theirs})
		st := b.submit("save", chromedp.Click(chromedp.ID("btn-save")))
		if st != 409 {
			t.Errorf("saving over a newer version answered HTTP %d; want 409", st)
		}
		b.do("wait for the conflict", chromedp.WaitVisible(chromedp.ID("conflict")), chromedp.WaitVisible(chromedp.ID("form-error")))
		if msg := eval[string](b, `document.getElementById("form-error").textContent.trim()`); msg == "" {
			t.Errorf("#form-error is empty")
		}
		rows := eval[[][]string](b, `Array.from(document.querySelectorAll("#conflict tr")).slice(1).map(r => Array.from(r.cells).map(c => c.textContent.trim()))`)
		var email []string
		for _, r := range rows {
			if len(r) == 3 && r[0] == "Email" {
				email = r
			}
		}
		if email == nil {
			t.Errorf("the conflict does not list the email: %v", rows)
		} else if email[1] != mine || email[2] != theirs {
			t.Errorf("the conflict shows the email as yours %q, current %q; want %q and %q", email[1], email[2], mine, theirs)
		}
		if len(rows) != 1 {
			t.Errorf("the conflict lists %d fields; only the email differs: %v", len(rows), rows)
		}
		if got := leadValues(t, s, lead, "email_from")["email_from"]; got != theirs {
			t.Errorf("the database has the email %v; the colleague's %q must stay", got, theirs)
		}
	})
}
