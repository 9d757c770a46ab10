package crm_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/kanso-crm/kanso/internal/apptest"
	"github.com/kanso-crm/kanso/internal/base"
	"github.com/kanso-crm/kanso/internal/orm"
	"github.com/kanso-crm/kanso/internal/testutil"
)

type world struct {
	s      *apptest.Server
	admin  *apptest.Client
	sam    *apptest.Client // own documents only, team Europe
	sue    *apptest.Client // own documents only, team Europe
	samID  int64
	sueID  int64
	team   int64 // Europe, default stages
	stages map[string]int64
}

func m2o(v any) int64 {
	if l, ok := v.([]any); ok && len(l) == 2 {
		return l[0].(int64)
	}
	return 0
}

func ids(v any) []int64 {
	var out []int64
	for _, x := range v.([]any) {
		out = append(out, x.(int64))
	}
	return out
}

func newWorld(t *testing.T, b testutil.Backend) *world {
	s := apptest.Start(t, b)
	w := &world{s: s, admin: s.Client(t, "admin"), stages: map[string]int64{}}
	w.samID = s.CreateUser(t, "sam", "sam-password", base.GroupSaleSalesman)
	w.sueID = s.CreateUser(t, "sue", "sue-password", base.GroupSaleSalesman)
	w.sam, w.sue = s.Client(t, "sam"), s.Client(t, "sue")
	w.team = w.admin.Create("crm.team", map[string]any{"name": "Europe", "stage_set": "shared"})
	for _, u := range []int64{w.samID, w.sueID} {
		w.admin.Create("crm.team.member", map[string]any{"crm_team_id": w.team, "user_id": u})
	}
	for _, st := range w.admin.Must("crm.stage", "search_read", map[string]any{"domain": []any{[]any{"team_ids", "=", false}}, "fields": []any{"name"}}).([]any) {
		r := st.(map[string]any)
		w.stages[r["name"].(string)] = r["id"].(int64)
	}
	return w
}

func TestLeadDefaultsAndComputedFields(t *testing.T) {
	testutil.Run(t, func(t *testing.T, b testutil.Backend) {
		w := newWorld(t, b)
		id := w.sam.Create("crm.lead", map[string]any{"name": "Rooftop solar", "email_from": "Ana Pop <ana.pop@solaris.ro>",
			"phone": "0721 234 567", "country_id": mustXID(t, w, "base.ro"), "expected_revenue": 12000, "recurring_revenue": 1200,
			"recurring_plan": w.admin.Must("crm.recurring.plan", "search", map[string]any{"domain": []any{[]any{"number_of_months", "=", 12}}}).([]any)[0]})
		r := w.sam.Read("crm.lead", id, "type", "user_id", "team_id", "stage_id", "priority", "probability", "automated_probability",
			"prorated_revenue", "recurring_revenue_monthly", "recurring_revenue_monthly_prorated", "recurring_revenue_prorated",
			"email_normalized", "email_domain_criterion", "email_state", "phone_sanitized", "phone_state", "won_status",
			"date_open", "date_last_stage_update", "day_open", "company_id", "active")
		checks := map[string]any{"type": "lead", "priority": "0", "probability": 10.0, "automated_probability": 10.0,
			"prorated_revenue": 1200.0, "recurring_revenue_monthly": 100.0, "recurring_revenue_monthly_prorated": 10.0,
			"recurring_revenue_prorated": 120.0, "email_normalized": "ana.pop@solaris.ro", "email_domain_criterion": "@solaris.ro",
			"email_state": "correct", "phone_sanitized": "+40721234567", "phone_state": "correct", "won_status": "pending",
			"day_open": 0.0, "active": true}
		for k, want := range checks {
			if !eq(r[k], want) {
				t.Errorf("%s = %#v, want %#v", k, r[k], want)
			}
		}
		if m2o(r["user_id"]) != w.samID || m2o(r["team_id"]) != w.team || m2o(r["stage_id"]) != w.stages["New"] {
			t.Errorf("defaults: user %v team %v stage %v", r["user_id"], r["team_id"], r["stage_id"])
		}
		if r["date_open"] == false || r["date_last_stage_update"] == false || m2o(r["company_id"]) == 0 {
			t.Errorf("dates/company not set: %v", r)
		}
		// a bad phone and a bad address are flagged, a generic provider matches on the whole address
		id2 := w.sam.Create("crm.lead", map[string]any{"name": "x", "phone": "12", "email_from": "not an address"})
		r2 := w.sam.Read("crm.lead", id2, "phone_state", "email_state")
		if r2["phone_state"] != "incorrect" || r2["email_state"] != "incorrect" {
			t.Errorf("quality flags: %v", r2)
		}
		id3 := w.sam.Create("crm.lead", map[string]any{"name": "y", "email_from": "bob@gmail.com"})
		if c := w.sam.Read("crm.lead", id3, "email_domain_criterion")["email_domain_criterion"]; c != "bob@gmail.com" {
			t.Errorf("generic provider criterion: %v", c)
		}
	})
}

// eq compares API values; JSON does not tell 10 from 10.0.
func eq(a, b any) bool {
	num := func(v any) (float64, bool) {
		switch x := v.(type) {
		case int64:
			return float64(x), true
		case float64:
			return x, true
		}
		return 0, false
	}
	if x, ok := num(a); ok {
		y, ok2 := num(b)
		return ok2 && x == y
	}
	return a == b
}

func mustXID(t *testing.T, w *world, xid string) int64 {
	var id int64
	w.s.Sudo(t, func(env *orm.Env) error {
		var err error
		id, err = base.XID(env, xid)
		return err
	})
	return id
}

func setParam(t *testing.T, w *world, key, value string) {
	w.s.Sudo(t, func(env *orm.Env) error { return base.SetParam(env, key, value) })
}

func TestLeadsStepOff(t *testing.T) {
	testutil.Run(t, func(t *testing.T, b testutil.Backend) {
		w := newWorld(t, b)
		setParam(t, w, "crm.use_leads", "0")
		id := w.sam.Create("crm.lead", map[string]any{"name": "Straight to pipeline", "type": "lead"})
		if typ := w.sam.Read("crm.lead", id, "type")["type"]; typ != "opportunity" {
			t.Errorf("type with leads off: %v", typ)
		}
		setParam(t, w, "crm.use_leads", "1")
		id = w.sam.Create("crm.lead", map[string]any{"name": "Needs qualifying"})
		if typ := w.sam.Read("crm.lead", id, "type")["type"]; typ != "lead" {
			t.Errorf("type with leads on: %v", typ)
		}
	})
}

func TestPartnerSyncBothWays(t *testing.T) {
	testutil.Run(t, func(t *testing.T, b testutil.Backend) {
		w := newWorld(t, b)
		ro := mustXID(t, w, "base.ro")
		co := w.admin.Create("res.partner", map[string]any{"name": "Solaris SRL", "is_company": true, "street": "Str. Memorandumului 28",
			"city": "Cluj-Napoca", "zip": "400114", "country_id": ro, "website": "https://solaris.ro"})
		person := w.admin.Create("res.partner", map[string]any{"name": "Ana Pop", "parent_id": co, "email": "ana@solaris.ro",
			"phone": "+40 721 000 111", "function": "CEO", "lang": "ro_RO"})
		id := w.sam.Create("crm.lead", map[string]any{"name": "Panels", "partner_id": person, "city": "Turda"})
		r := w.sam.Read("crm.lead", id, "contact_name", "partner_name", "email_from", "phone", "function", "lang_id", "street", "zip", "city", "country_id", "website")
		if r["contact_name"] != "Ana Pop" || r["partner_name"] != "Solaris SRL" || r["email_from"] != "ana@solaris.ro" ||
			r["phone"] != "+40 721 000 111" || r["function"] != "CEO" || m2o(r["lang_id"]) == 0 {
			t.Errorf("sync from partner: %v", r)
		}
		// the person has no address: the lead keeps its own, given explicitly
		if r["city"] != "Turda" || r["street"] != false {
			t.Errorf("address block: %v", r)
		}
		// the company has one: it moves as a block
		id2 := w.sam.Create("crm.lead", map[string]any{"name": "Inverters", "partner_id": co})
		r2 := w.sam.Read("crm.lead", id2, "street", "city", "zip", "country_id", "partner_name", "contact_name", "website")
		if r2["city"] != "Cluj-Napoca" || r2["zip"] != "400114" || m2o(r2["country_id"]) != ro || r2["partner_name"] != "Solaris SRL" || r2["contact_name"] != false {
			t.Errorf("sync from company: %v", r2)
		}
		// editing the lead's e-mail and phone updates the customer
		w.sam.Must("crm.lead", "write", map[string]any{"ids": []any{id}, "vals": map[string]any{"email_from": "ana.pop@solaris.ro", "phone": "+40 721 999 000"}})
		p := w.admin.Read("res.partner", person, "email", "phone")
		if p["email"] != "ana.pop@solaris.ro" || p["phone"] != "+40 721 999 000" {
			t.Errorf("sync to partner: %v", p)
		}
	})
}

func TestWonLostRestore(t *testing.T) {
	testutil.Run(t, func(t *testing.T, b testutil.Backend) {
		w := newWorld(t, b)
		id := w.sam.Create("crm.lead", map[string]any{"name": "Deal", "type": "opportunity", "expected_revenue": 5000})
		w.sam.Must("crm.lead", "write", map[string]any{"ids": []any{id}, "vals": map[string]any{"stage_id": w.stages["Qualified"]}})
		r := w.sam.Read("crm.lead", id, "probability", "automated_probability", "date_closed", "prorated_revenue")
		if !eq(r["probability"], 40.0) || r["date_closed"] != false || !eq(r["prorated_revenue"], 2000.0) {
			t.Errorf("after moving to Qualified: %v", r)
		}
		// a manual probability is kept on later stage changes
		w.sam.Must("crm.lead", "write", map[string]any{"ids": []any{id}, "vals": map[string]any{"probability": 55}})
		w.sam.Must("crm.lead", "write", map[string]any{"ids": []any{id}, "vals": map[string]any{"stage_id": w.stages["Proposition"]}})
		if p := w.sam.Read("crm.lead", id, "probability")["probability"]; !eq(p, 55.0) {
			t.Errorf("manual probability overwritten: %v", p)
		}
		w.sam.Must("crm.lead", "action_set_won", map[string]any{"ids": []any{id}})
		r = w.sam.Read("crm.lead", id, "stage_id", "probability", "won_status", "date_closed", "active")
		if m2o(r["stage_id"]) != w.stages["Won"] || !eq(r["probability"], 100.0) || r["won_status"] != "won" || r["date_closed"] == false {
			t.Errorf("won: %v", r)
		}
		// a won lead cannot be lost
		st, out := w.sam.Call("crm.lead", "action_set_lost", map[string]any{"ids": []any{id}})
		if st != 422 || !strings.Contains(out.(map[string]any)["message"].(string), "Won stage") {
			t.Errorf("losing a won lead: %d %v", st, out)
		}
		id2 := w.sam.Create("crm.lead", map[string]any{"name": "Lost cause", "type": "opportunity"})
		reason := w.admin.Must("crm.lost.reason", "search", map[string]any{"domain": []any{[]any{"name", "=", "Too expensive"}}}).([]any)[0]
		w.sam.Must("crm.lead", "action_set_lost", map[string]any{"ids": []any{id2}, "lost_reason_id": reason, "lost_feedback": "Budget <cut>"})
		r = w.sam.Read("crm.lead", id2, "active", "probability", "won_status", "lost_reason_id", "date_closed")
		if r["active"] != false || !eq(r["probability"], 0.0) || r["won_status"] != "lost" || m2o(r["lost_reason_id"]) != reason || r["date_closed"] == false {
			t.Errorf("lost: %v", r)
		}
		msgs := timeline(t, w, id2)
		if !strings.Contains(strings.Join(msgs, "|"), "Lost Comment:</p>Budget &lt;cut&gt;") {
			t.Errorf("feedback not on the timeline (escaped): %v", msgs)
		}
		w.sam.Must("crm.lead", "action_restore", map[string]any{"ids": []any{id2}})
		r = w.sam.Read("crm.lead", id2, "active", "probability", "won_status", "lost_reason_id", "date_closed")
		if r["active"] != true || !eq(r["probability"], 10.0) || r["won_status"] != "pending" || r["lost_reason_id"] != false || r["date_closed"] != false {
			t.Errorf("restored: %v", r)
		}
		// a lost reason is a manager's business
		if st, out := w.sam.Call("crm.lost.reason", "create", map[string]any{"vals_list": map[string]any{"name": "Mine"}}); st != 403 {
			t.Errorf("salesperson creating a lost reason: %d %v", st, out)
		}
	})
}

// timeline returns the bodies of a lead's messages, oldest first.
func timeline(t *testing.T, w *world, id int64) []string {
	var out []string
	w.s.Sudo(t, func(env *orm.Env) error {
		rows, err := env.Query("SELECT COALESCE(subject, '') || body FROM mail_message WHERE model = 'crm.lead' AND res_id = ? ORDER BY id", id)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var s string
			rows.Scan(&s)
			out = append(out, s)
		}
		return rows.Err()
	})
	return out
}

func TestConversion(t *testing.T) {
	testutil.Run(t, func(t *testing.T, b testutil.Backend) {
		w := newWorld(t, b)
		// create: company and contact from the lead
		l1 := w.sam.Create("crm.lead", map[string]any{"name": "Website redesign", "partner_name": "Blue Ocean Ltd", "contact_name": "Tom Reed",
			"email_from": "tom@blueocean.example", "phone": "+1 202 555 0147", "city": "Boston"})
		def := w.sam.Must("crm.lead", "convert_defaults", map[string]any{"ids": []any{l1}}).(map[string]any)
		if def["action"] != "create" || def["name"] != "convert" {
			t.Errorf("defaults: %v", def)
		}
		res := w.sam.Must("crm.lead", "action_convert", map[string]any{"ids": []any{l1}, "name": "convert", "action": "create"})
		r := w.sam.Read("crm.lead", res.(int64), "type", "partner_id", "date_conversion", "stage_id")
		if r["type"] != "opportunity" || r["date_conversion"] == false || m2o(r["stage_id"]) != w.stages["New"] {
			t.Errorf("converted: %v", r)
		}
		p := w.admin.Read("res.partner", m2o(r["partner_id"]), "name", "parent_id", "email", "is_company", "city")
		if p["name"] != "Tom Reed" || p["email"] != "tom@blueocean.example" || p["is_company"] != false || p["city"] != "Boston" {
			t.Errorf("contact: %v", p)
		}
		if co := w.admin.Read("res.partner", m2o(p["parent_id"]), "name", "is_company"); co["name"] != "Blue Ocean Ltd" || co["is_company"] != true {
			t.Errorf("company: %v", co)
		}
		// exist: a partner with the same e-mail is proposed and linked
		l2 := w.sam.Create("crm.lead", map[string]any{"name": "Second project", "email_from": "TOM@blueocean.example"})
		def = w.sam.Must("crm.lead", "convert_defaults", map[string]any{"ids": []any{l2}}).(map[string]any)
		// the converted opportunity with the same address is proposed for merging too
		if def["action"] != "exist" || def["partner_id"] != m2o(r["partner_id"]) || def["name"] != "merge" {
			t.Errorf("defaults with a known e-mail: %v (customer %v)", def, r["partner_id"])
		}
		w.sam.Must("crm.lead", "action_convert", map[string]any{"ids": []any{l2}, "name": "convert", "action": "exist", "partner_id": def["partner_id"], "user_id": w.sueID})
		r2 := w.admin.Read("crm.lead", l2, "partner_id", "type", "user_id")
		if m2o(r2["partner_id"]) != def["partner_id"] || r2["type"] != "opportunity" || m2o(r2["user_id"]) != w.sueID {
			t.Errorf("exist: %v", r2)
		}
		// nothing: no customer
		l3 := w.sam.Create("crm.lead", map[string]any{"name": "Anonymous"})
		w.sam.Must("crm.lead", "action_convert", map[string]any{"ids": []any{l3}, "name": "convert", "action": "nothing"})
		if r3 := w.sam.Read("crm.lead", l3, "partner_id", "type"); r3["partner_id"] != false || r3["type"] != "opportunity" {
			t.Errorf("nothing: %v", r3)
		}
		// closed leads cannot be converted
		l4 := w.sam.Create("crm.lead", map[string]any{"name": "Done", "probability": 100})
		if st, _ := w.sam.Call("crm.lead", "convert_defaults", map[string]any{"ids": []any{l4}}); st != 422 {
			t.Errorf("converting a closed lead: %d", st)
		}
		// merge mode: duplicates by e-mail are merged into one opportunity
		d1 := w.sam.Create("crm.lead", map[string]any{"name": "Dup A", "email_from": "kim@delta.example", "expected_revenue": 100})
		d2 := w.sam.Create("crm.lead", map[string]any{"name": "Dup B", "email_from": "kim@delta.example", "description": "second"})
		def = w.sam.Must("crm.lead", "convert_defaults", map[string]any{"ids": []any{d1}}).(map[string]any)
		if def["name"] != "merge" || len(def["duplicated_lead_ids"].([]any)) != 2 {
			t.Errorf("merge defaults: %v", def)
		}
		res = w.sam.Must("crm.lead", "action_convert", map[string]any{"ids": []any{d1}, "name": "merge", "action": "create", "duplicated_lead_ids": def["duplicated_lead_ids"]})
		if n := w.sam.Must("crm.lead", "search_count", map[string]any{"domain": []any{[]any{"email_normalized", "=", "kim@delta.example"}}, "context": map[string]any{"active_test": false}}); n != int64(1) {
			t.Errorf("after merge-convert %d leads remain", n)
		}
		if rr := w.sam.Read("crm.lead", res.(int64), "type", "partner_id"); rr["type"] != "opportunity" || rr["partner_id"] == false {
			t.Errorf("merge-converted: %v", rr)
		}
		_ = d2
	})
}

func TestMassConversionRoundRobin(t *testing.T) {
	testutil.Run(t, func(t *testing.T, b testutil.Backend) {
		w := newWorld(t, b)
		var leads []any
		for _, n := range []string{"L1", "L2", "L3", "L4", "L5"} {
			leads = append(leads, w.admin.Create("crm.lead", map[string]any{"name": n, "user_id": false}))
		}
		out := w.admin.Must("crm.lead", "action_convert_mass", map[string]any{"ids": leads, "action": "nothing",
			"user_ids": []any{w.samID, w.sueID}, "team_id": w.team, "deduplicate": false})
		got := ids(out)
		want := []int64{w.samID, w.sueID, w.samID, w.sueID, w.samID}
		for i, id := range got {
			r := w.admin.Read("crm.lead", id, "user_id", "type", "team_id")
			if m2o(r["user_id"]) != want[i] || r["type"] != "opportunity" || m2o(r["team_id"]) != w.team {
				t.Errorf("lead %d: %v; want salesperson %d", i+1, r, want[i])
			}
		}
	})
}

func TestDuplicates(t *testing.T) {
	testutil.Run(t, func(t *testing.T, b testutil.Backend) {
		w := newWorld(t, b)
		a := w.admin.Create("crm.lead", map[string]any{"name": "A", "email_from": "x@acme.example"})
		bb := w.admin.Create("crm.lead", map[string]any{"name": "B", "email_from": "y@ACME.example"})
		c := w.admin.Create("crm.lead", map[string]any{"name": "C", "phone": "+40 721 234 567"})
		d := w.admin.Create("crm.lead", map[string]any{"name": "D", "phone": "0721234567", "country_id": mustXID(t, w, "base.ro"), "active": false})
		e := w.admin.Create("crm.lead", map[string]any{"name": "E", "email_from": "z@gmail.com"})
		f := w.admin.Create("crm.lead", map[string]any{"name": "F", "email_from": "q@gmail.com"})
		cases := []struct {
			id    int64
			count int64
			want  []int64
		}{
			{a, 1, []int64{a, bb}},
			{c, 1, []int64{c, d}}, // same number in E.164, the archived one included
			{e, 0, []int64{e}},    // generic providers do not make duplicates
		}
		for _, cs := range cases {
			r := w.admin.Read("crm.lead", cs.id, "duplicate_lead_ids", "duplicate_lead_count")
			if r["duplicate_lead_count"] != cs.count || !sameIDs(ids(r["duplicate_lead_ids"]), cs.want) {
				t.Errorf("duplicates of %d: %v; want %v", cs.id, r, cs.want)
			}
		}
		_ = f
	})
}

func sameIDs(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	m := map[int64]bool{}
	for _, x := range a {
		m[x] = true
	}
	for _, x := range b {
		if !m[x] {
			return false
		}
	}
	return true
}

func TestMergeThree(t *testing.T) {
	testutil.Run(t, func(t *testing.T, b testutil.Backend) {
		w := newWorld(t, b)
		vip := w.admin.Create("crm.tag", map[string]any{"name": "VIP"})
		hot := w.admin.Create("crm.tag", map[string]any{"name": "Hot"})
		// a lead (lowest confidence), an opportunity in New, an opportunity in Qualified (the survivor)
		lead := w.admin.Create("crm.lead", map[string]any{"name": "Lead part", "type": "lead", "email_from": "lead@m.example", "priority": "3",
			"description": "<p>from the lead</p>", "tag_ids": []any{[]any{6, 0, []any{vip}}}, "street": "1 Lead St", "city": "Leeds", "zip": "LS1", "user_id": w.samID})
		opNew := w.admin.Create("crm.lead", map[string]any{"name": "New opp", "type": "opportunity", "partner_name": "Merge Co", "user_id": false,
			"description": "<p>from new</p>", "tag_ids": []any{[]any{6, 0, []any{hot}}}, "city": "Only City", "expected_revenue": 500})
		opQual := w.admin.Create("crm.lead", map[string]any{"name": "Qualified opp", "type": "opportunity", "stage_id": w.stages["Qualified"], "user_id": false,
			"priority": "1"})
		w.admin.Must("crm.lead", "message_post", map[string]any{"ids": []any{lead}, "body": "note on the lead", "subject": "Call"})
		head := w.admin.Must("crm.lead", "merge_opportunity", map[string]any{"ids": []any{lead, opNew, opQual}}).(int64)
		if head != opQual {
			t.Fatalf("survivor %d; want the opportunity in the furthest stage %d", head, opQual)
		}
		r := w.admin.Read("crm.lead", head, "name", "type", "priority", "tag_ids", "description", "email_from", "partner_name",
			"expected_revenue", "street", "city", "zip", "user_id", "stage_id")
		checks := map[string]any{"name": "Qualified opp", "type": "opportunity", "priority": "3", "email_from": "lead@m.example",
			"partner_name": "Merge Co", "expected_revenue": 500.0, "street": "1 Lead St", "city": "Leeds", "zip": "LS1"}
		for k, want := range checks {
			if !eq(r[k], want) {
				t.Errorf("merged %s = %#v, want %#v", k, r[k], want)
			}
		}
		if !sameIDs(ids(r["tag_ids"]), []int64{vip, hot}) {
			t.Errorf("tags: %v", r["tag_ids"])
		}
		if d := r["description"].(string); !strings.Contains(d, "from new") || !strings.Contains(d, "from the lead") || !strings.Contains(d, "<br/><br/>") {
			t.Errorf("description: %q", d)
		}
		if m2o(r["user_id"]) != w.samID || m2o(r["stage_id"]) != w.stages["Qualified"] {
			t.Errorf("user/stage: %v %v", r["user_id"], r["stage_id"])
		}
		// the others are gone and their timeline moved
		if n := w.admin.Must("crm.lead", "search_count", map[string]any{"domain": []any{[]any{"id", "in", []any{lead, opNew}}}, "context": map[string]any{"active_test": false}}); n != int64(0) {
			t.Errorf("%v merged records remain", n)
		}
		msgs := strings.Join(timeline(t, w, head), "|")
		if !strings.Contains(msgs, "From Lead part : Callnote on the lead") || !strings.Contains(msgs, "Merged with the following") {
			t.Errorf("timeline after merge: %s", msgs)
		}
		// limits
		one := w.admin.Create("crm.lead", map[string]any{"name": "alone"})
		if st, _ := w.admin.Call("crm.lead", "merge_opportunity", map[string]any{"ids": []any{one}}); st != 422 {
			t.Errorf("merging one record: %d", st)
		}
		var six []any
		for i := 0; i < 6; i++ {
			six = append(six, w.admin.Create("crm.lead", map[string]any{"name": "six"}))
		}
		if st, out := w.admin.Call("crm.lead", "merge_opportunity", map[string]any{"ids": six}); st != 422 || !strings.Contains(out.(map[string]any)["message"].(string), "groups of 5") {
			t.Errorf("merging six: %d %v", st, out)
		}
	})
}

// A salesperson with own documents only cannot act on a colleague's
// records, through any business method.
func TestOwnDocumentsRights(t *testing.T) {
	testutil.Run(t, func(t *testing.T, b testutil.Backend) {
		w := newWorld(t, b)
		mine := w.sam.Create("crm.lead", map[string]any{"name": "Sam's"})
		theirs := w.sue.Create("crm.lead", map[string]any{"name": "Sue's", "email_from": "a@same.example"})
		unassigned := w.admin.Create("crm.lead", map[string]any{"name": "Nobody's", "user_id": false})
		found := ids(w.sam.Must("crm.lead", "search", map[string]any{"domain": []any{}}))
		if !sameIDs(found, []int64{mine, unassigned}) {
			t.Errorf("sam finds %v; want his and the unassigned one", found)
		}
		calls := []struct {
			method string
			args   map[string]any
		}{
			{"read", map[string]any{"fields": []any{"name"}}},
			{"write", map[string]any{"vals": map[string]any{"name": "taken"}}},
			{"unlink", nil},
			{"action_set_won", nil},
			{"action_set_lost", nil},
			{"action_restore", nil},
			{"convert_opportunity", map[string]any{"partner_id": false}},
			{"action_convert", map[string]any{"name": "convert", "action": "nothing"}},
			{"convert_defaults", nil},
			{"message_post", map[string]any{"body": "hi"}},
		}
		for _, c := range calls {
			args := map[string]any{"ids": []any{theirs}}
			for k, v := range c.args {
				args[k] = v
			}
			if st, out := w.sam.Call("crm.lead", c.method, args); st != http.StatusForbidden || apptest.ErrorName(out) != "odoo.exceptions.AccessError" {
				t.Errorf("%s on a colleague's lead: %d %v", c.method, st, out)
			}
		}
		if st, _ := w.sam.Call("crm.lead", "merge_opportunity", map[string]any{"ids": []any{mine, theirs}}); st != http.StatusForbidden {
			t.Errorf("merging a colleague's lead: %d", st)
		}
		if r := w.admin.Read("crm.lead", theirs, "name", "active", "type"); r["name"] != "Sue's" || r["active"] != true || r["type"] != "lead" {
			t.Errorf("the colleague's lead changed: %v", r)
		}
		// assignment is for managers
		if st, _ := w.sam.Call("crm.team", "action_assign_leads", map[string]any{"ids": []any{w.team}}); st != http.StatusForbidden && st != 422 {
			t.Errorf("salesperson running assignment: %d", st)
		}
	})
}

func TestActivation(t *testing.T) {
	testutil.Run(t, func(t *testing.T, b testutil.Backend) {
		w := newWorld(t, b)
		id := w.admin.Create("crm.lead", map[string]any{"name": "From the registry", "activated": false, "user_id": false})
		if st, _ := w.admin.Call("crm.lead", "action_activate", map[string]any{"ids": []any{id}, "user_id": w.samID}); st != 422 {
			t.Errorf("activation without a first contact: %d", st)
		}
		w.admin.Must("crm.lead", "action_activate", map[string]any{"ids": []any{id}, "user_id": w.samID, "date_first_contact": "2026-11-24 09:30:00",
			"priority": "2", "first_task": "Call the prospect", "first_task_date": "2026-11-25"})
		r := w.admin.Read("crm.lead", id, "activated", "user_id", "date_first_contact", "priority", "date_open", "team_id")
		if r["activated"] != true || m2o(r["user_id"]) != w.samID || r["date_first_contact"] != "2026-11-24 09:30:00" || r["priority"] != "2" ||
			r["date_open"] == false || m2o(r["team_id"]) != w.team {
			t.Errorf("activated: %v", r)
		}
		if st, _ := w.admin.Call("crm.lead", "action_activate", map[string]any{"ids": []any{id}, "user_id": w.samID, "date_first_contact": "2026-11-24 09:30:00"}); st != 422 {
			t.Errorf("activating twice: %d", st)
		}
		// the first task is scheduled as an activity of the salesperson
		acts := w.admin.Must("mail.activity", "search_read", map[string]any{"domain": []any{[]any{"lead_id", "=", id}},
			"fields": []any{"summary", "date_deadline", "user_id", "activity_type_id"}}).([]any)
		if len(acts) != 1 {
			t.Fatalf("activities after activation: %v", acts)
		}
		if a := acts[0].(map[string]any); a["summary"] != "Call the prospect" || a["date_deadline"] != "2026-11-25" || m2o(a["user_id"]) != w.samID || a["activity_type_id"] == false {
			t.Errorf("first task: %v", a)
		}
	})
}

func TestTeamStageSets(t *testing.T) {
	testutil.Run(t, func(t *testing.T, b testutil.Backend) {
		w := newWorld(t, b)
		team := w.admin.Create("crm.team", map[string]any{"name": "Field sales", "stage_set": "activity"})
		st := w.admin.Must("crm.stage", "search_read", map[string]any{"domain": []any{[]any{"team_ids", "in", []any{team}}},
			"fields": []any{"name", "is_won", "is_lost", "done_activities_trigger"}}).([]any)
		var names []string
		for _, s := range st {
			names = append(names, s.(map[string]any)["name"].(string))
		}
		if strings.Join(names, ",") != "New,First Activity,Follow up,Quotation,Won,Lost" {
			t.Fatalf("activity-driven stages: %v", names)
		}
		if st[1].(map[string]any)["done_activities_trigger"] != int64(1) || st[2].(map[string]any)["done_activities_trigger"] != int64(2) || st[5].(map[string]any)["is_lost"] != true {
			t.Errorf("stage flags: %v", st)
		}
		lost := st[5].(map[string]any)["id"].(int64)
		id := w.admin.Create("crm.lead", map[string]any{"name": "Field deal", "type": "opportunity", "team_id": team, "user_id": false})
		r := w.admin.Read("crm.lead", id, "stage_id")
		if m2o(r["stage_id"]) != st[0].(map[string]any)["id"].(int64) {
			t.Errorf("first stage of the team: %v", r)
		}
		// dropping on the Lost column loses the opportunity; restoring leaves it
		w.admin.Must("crm.lead", "write", map[string]any{"ids": []any{id}, "vals": map[string]any{"stage_id": lost}})
		if r := w.admin.Read("crm.lead", id, "active", "won_status"); r["active"] != false || r["won_status"] != "lost" {
			t.Errorf("lost column: %v", r)
		}
		w.admin.Must("crm.lead", "action_restore", map[string]any{"ids": []any{id}})
		if r := w.admin.Read("crm.lead", id, "active", "stage_id"); r["active"] != true || m2o(r["stage_id"]) == lost {
			t.Errorf("restored from the lost column: %v", r)
		}
	})
}
