package browser

import (
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/kanso-crm/kanso/internal/apptest"
	"github.com/kanso-crm/kanso/internal/orm"
)

// partnerValues reads fields of partners, archived or not.
func partnerValues(t *testing.T, s *apptest.Server, id int64, fields ...string) orm.Values {
	t.Helper()
	var v orm.Values
	s.Sudo(t, func(env *orm.Env) error {
		recs, err := env.WithContext(map[string]any{"active_test": false}).ReadValues(env.Reg.Model("res.partner"), []int64{id}, fields)
		if err != nil {
			return err
		}
		if len(recs) != 1 {
			return fmt.Errorf("partner %d: %d records", id, len(recs))
		}
		v = recs[0]
		return nil
	})
	return v
}

func TestConvertLeadWithNewCustomer(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *apptest.Server) {
		const company, contact, email = "Bluebird Logistics", "Jana Novak", "jana.novak@bluebird.example"
		w := newWorld(t, s)
		var lead, old int64
		s.Sudo(t, func(env *orm.Env) error {
			// an older record with the same address: the dialog proposes
			// linking to it, the user asks for a new customer instead
			ids, err := env.Create(env.Reg.Model("res.partner"), []orm.Values{{"name": "J. Novak (old import)", "email": email}})
			if err != nil {
				return err
			}
			old = ids[0]
			ids, err = env.WithUser(2).Create(env.Reg.Model("crm.lead"), []orm.Values{{"name": "Fleet of 12 vans", "type": "lead",
				"team_id": w.team, "user_id": int64(2), "partner_name": company, "contact_name": contact, "email_from": email,
				"phone": "+40 21 555 0101", "expected_revenue": 4200.0}})
			if err != nil {
				return err
			}
			lead = ids[0]
			return nil
		})
		var partnersBefore int64
		s.Sudo(t, func(env *orm.Env) error {
			var err error
			partnersBefore, err = env.WithContext(map[string]any{"active_test": false}).SearchCount(env.Reg.Model("res.partner"), orm.And{}, 0)
			return err
		})

		b := newSession(t, s, desktop)
		b.login("admin", apptest.AdminPassword)
		form := "/crm/lead/" + itoa(lead)
		b.open(form, "#btn-convert")
		if eval[bool](b, `document.getElementById("convert-dialog").open`) {
			t.Fatal("the conversion dialog is open before clicking Convert")
		}
		b.do("click Convert", chromedp.Click(chromedp.ID("btn-convert")), chromedp.WaitVisible(chromedp.ID("btn-convert-confirm")))
		if !eval[bool](b, `document.getElementById("convert-dialog").open`) {
			t.Fatal("clicking Convert did not open the dialog")
		}
		proposed := eval[string](b, `(r => r ? r.value : "")(document.querySelector("#convert-dialog input[name=action]:checked"))`)
		t.Logf("the dialog proposes the customer action %q", proposed)
		if proposed != "exist" {
			t.Errorf("with a partner of the same e-mail the dialog proposes %q; want exist", proposed)
		}
		create := `#convert-dialog input[name=action][value=create]`
		b.do("choose Create a new customer", chromedp.Click(chromedp.CSS(create)))
		if !eval[bool](b, `document.querySelector(`+js(create)+`).checked`) {
			t.Fatal("the radio Create a new customer is not checked after clicking it")
		}
		if st := b.submit("confirm the conversion", chromedp.Click(chromedp.ID("btn-convert-confirm"))); st != 200 {
			t.Errorf("the page after converting answered HTTP %d: %s", st, eval[string](b, `document.body.innerText.slice(0, 300)`))
		}
		b.do("wait for the form", chromedp.WaitVisible(chromedp.ID("lead-form")))
		if loc := b.location(); loc != form {
			t.Errorf("after converting the page is %s; want %s", loc, form)
		}
		if msg := eval[string](b, `(e => e ? e.textContent.trim() : "")(document.getElementById("form-error"))`); msg != "" {
			t.Fatalf("the conversion failed: %s", msg)
		}
		if eval[bool](b, `!!document.getElementById("btn-convert")`) {
			t.Errorf("the converted opportunity still offers Convert")
		}
		if eval[bool](b, `!!document.getElementById("convert-dialog")`) {
			t.Errorf("the converted opportunity still has the conversion dialog")
		}
		if !eval[bool](b, `!!document.getElementById("btn-won")`) {
			t.Errorf("the opportunity does not offer Won")
		}

		v := leadValues(t, s, lead, "type", "partner_id", "stage_id", "active", "email_from")
		if v["type"] != "opportunity" {
			t.Errorf("type in the database after converting: %v; want opportunity", v["type"])
		}
		if v["active"] != true {
			t.Errorf("the opportunity is archived after converting")
		}
		if v["stage_id"] == nil {
			t.Errorf("the opportunity has no stage")
		}
		pid, ok := v["partner_id"].(int64)
		if !ok {
			t.Fatalf("the opportunity has no customer: partner_id %v", v["partner_id"])
		}
		if pid == old {
			t.Fatalf("the opportunity was linked to the existing partner %d although a new customer was asked for", old)
		}
		person := partnerValues(t, s, pid, "name", "is_company", "parent_id", "email", "phone")
		if person["name"] != contact || person["is_company"] != false {
			t.Errorf("the opportunity's customer is %q (company %v); want the contact %q", person["name"], person["is_company"], contact)
		}
		if person["email"] != email {
			t.Errorf("the contact's e-mail is %v; want %s", person["email"], email)
		}
		parent, ok := person["parent_id"].(int64)
		if !ok {
			t.Fatalf("the contact %q has no parent company", contact)
		}
		co := partnerValues(t, s, parent, "name", "is_company", "parent_id")
		if co["name"] != company || co["is_company"] != true || co["parent_id"] != nil {
			t.Errorf("the contact's parent is %q (company %v, parent %v); want the company %q", co["name"], co["is_company"], co["parent_id"], company)
		}
		var partnersAfter int64
		s.Sudo(t, func(env *orm.Env) error {
			var err error
			partnersAfter, err = env.WithContext(map[string]any{"active_test": false}).SearchCount(env.Reg.Model("res.partner"), orm.And{}, 0)
			return err
		})
		if partnersAfter-partnersBefore != 2 {
			t.Errorf("converting created %d partners; want 2 (the company and the contact)", partnersAfter-partnersBefore)
		}
		if got := partnerValues(t, s, old, "name")["name"]; got != "J. Novak (old import)" {
			t.Errorf("the existing partner was changed: name %v", got)
		}
	})
}
