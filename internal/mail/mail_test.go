package mail_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/kanso-crm/kanso/internal/apptest"
	"github.com/kanso-crm/kanso/internal/base"
	"github.com/kanso-crm/kanso/internal/orm"
	"github.com/kanso-crm/kanso/internal/testutil"
)

// samTZ is far enough from UTC that "today" differs from the UTC date
// for most of the day, so that a date computed in the wrong zone shows.
const samTZ = "Asia/Tokyo"

// actWorld is a running Kanso with two own-documents salespeople of one
// team, driven through the JSON-2 API.
type actWorld struct {
	s          *apptest.Server
	admin      *apptest.Client
	sam, sue   *apptest.Client
	samID      int64
	sueID      int64
	team       int64
	types      map[string]int64 // by external id
	samPartner int64
}

func newActWorld(t *testing.T, b testutil.Backend) *actWorld {
	s := apptest.Start(t, b)
	w := &actWorld{s: s, admin: s.Client(t, "admin"), types: map[string]int64{}}
	w.samID = s.CreateUser(t, "sam", "sam-password", base.GroupSaleSalesman)
	w.sueID = s.CreateUser(t, "sue", "sue-password", base.GroupSaleSalesman)
	w.sam, w.sue = s.Client(t, "sam"), s.Client(t, "sue")
	w.admin.Must("res.users", "write", map[string]any{"ids": []any{w.samID}, "vals": map[string]any{"tz": samTZ}})
	w.team = w.admin.Create("crm.team", map[string]any{"name": "Europe", "stage_set": "shared"})
	for _, u := range []int64{w.samID, w.sueID} {
		w.admin.Create("crm.team.member", map[string]any{"crm_team_id": w.team, "user_id": u})
	}
	s.Sudo(t, func(env *orm.Env) error {
		for _, x := range []string{"mail.mail_activity_data_call", "mail.mail_activity_data_meeting", "mail.mail_activity_data_todo",
			"mail.chain_contact", "mail.chain_meeting", "mail.chain_offer", "mail.chain_contract"} {
			id, err := base.XID(env, x)
			if err != nil {
				return err
			}
			if id == 0 {
				t.Fatalf("no activity type %s", x)
			}
			w.types[x] = id
		}
		return env.QueryRow("SELECT partner_id FROM res_users WHERE id = ?", w.samID).Scan(&w.samPartner)
	})
	return w
}

// today is the date in Sam's time zone, shifted by days.
func today(t *testing.T, days int) string {
	loc, err := time.LoadLocation(samTZ)
	if err != nil {
		t.Fatalf("time zone: %v", err)
	}
	return time.Now().In(loc).AddDate(0, 0, days).Format("2006-01-02")
}

func m2o(v any) int64 {
	if l, ok := v.([]any); ok && len(l) == 2 {
		return l[0].(int64)
	}
	return 0
}

func idList(v any) []int64 {
	var out []int64
	for _, x := range v.([]any) {
		out = append(out, x.(int64))
	}
	return out
}

func anyIDs(ids []int64) []any {
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = id
	}
	return out
}

func (w *actWorld) lead(c *apptest.Client, vals map[string]any) int64 {
	return c.Create("crm.lead", vals)
}

func (w *actWorld) schedule(c *apptest.Client, lead int64, vals map[string]any) int64 {
	v := map[string]any{"res_model": "crm.lead", "res_id": lead}
	for k, x := range vals {
		v[k] = x
	}
	return c.Create("mail.activity", v)
}

var activityFields = []string{"res_model", "res_id", "res_name", "lead_id", "activity_type_id", "activity_category", "summary",
	"date_deadline", "date_done", "user_id", "state", "feedback", "automated", "previous_activity_type_id", "active"}

// errorMessage is the message of a JSON-2 error answer.
func errorMessage(out any) string {
	if m, ok := out.(map[string]any); ok {
		s, _ := m["message"].(string)
		return s
	}
	return ""
}

func TestScheduleActivity(t *testing.T) {
	testutil.Run(t, func(t *testing.T, b testutil.Backend) {
		w := newActWorld(t, b)
		lead := w.lead(w.sam, map[string]any{"name": "Rooftop solar"})
		id := w.schedule(w.sam, lead, map[string]any{"activity_type_id": w.types["mail.mail_activity_data_call"], "date_deadline": today(t, 2)})
		a := w.sam.Read("mail.activity", id, activityFields...)
		if m2o(a["lead_id"]) != lead || a["res_model"] != "crm.lead" || a["res_id"] != lead || a["res_name"] != "Rooftop solar" ||
			m2o(a["user_id"]) != w.samID || a["state"] != "planned" || a["activity_category"] != "phonecall" || a["automated"] != false ||
			a["active"] != true || a["date_deadline"] != today(t, 2) {
			t.Errorf("scheduled activity: %v", a)
		}
		// the lead lists it
		if r := w.sam.Read("crm.lead", lead, "activity_ids"); len(idList(r["activity_ids"])) != 1 || idList(r["activity_ids"])[0] != id {
			t.Errorf("lead's activities: %v", r)
		}
		// a type's default summary fills an empty one; the deadline defaults to today (user's time zone)
		id2 := w.schedule(w.sam, lead, map[string]any{"activity_type_id": w.types["mail.chain_contact"]})
		a2 := w.sam.Read("mail.activity", id2, "summary", "date_deadline", "state")
		if a2["summary"] != "Call the prospect and summarise the call" || a2["date_deadline"] != today(t, 0) || a2["state"] != "today" {
			t.Errorf("defaults from the type: %v (today %s)", a2, today(t, 0))
		}
		// an activity needs its record
		if st, out := w.sam.Call("mail.activity", "create", map[string]any{"vals_list": map[string]any{"res_model": "crm.lead", "summary": "orphan"}}); st != 422 {
			t.Errorf("activity without a record: %d %v", st, out)
		}
		if st, out := w.sam.Call("mail.activity", "create", map[string]any{"vals_list": map[string]any{"res_model": "no.such.model", "res_id": 1}}); st != 422 {
			t.Errorf("activity on an unknown model: %d %v", st, out)
		}
	})
}

func TestActivityChaining(t *testing.T) {
	testutil.Run(t, func(t *testing.T, b testutil.Backend) {
		w := newActWorld(t, b)
		lead := w.lead(w.sam, map[string]any{"name": "Chained", "type": "opportunity"})
		// the shipped chain: contact → meeting 3 days after completion →
		// offer 5 days after completion → contract 7 days after the offer's deadline
		contact := w.schedule(w.sam, lead, map[string]any{"activity_type_id": w.types["mail.chain_contact"], "date_deadline": today(t, -4)})
		next := idList(w.sam.Must("mail.activity", "action_feedback", map[string]any{"ids": []any{contact}, "feedback": "reached him"}))
		if len(next) != 1 {
			t.Fatalf("triggered: %v", next)
		}
		done := w.sam.Read("mail.activity", contact, activityFields...)
		if done["active"] != false || done["state"] != "done" || done["date_done"] != today(t, 0) || done["feedback"] != "reached him" {
			t.Errorf("done activity: %v", done)
		}
		meet := w.sam.Read("mail.activity", next[0], activityFields...)
		if m2o(meet["activity_type_id"]) != w.types["mail.chain_meeting"] || meet["date_deadline"] != today(t, 3) || meet["automated"] != true ||
			m2o(meet["previous_activity_type_id"]) != w.types["mail.chain_contact"] || m2o(meet["user_id"]) != w.samID || m2o(meet["lead_id"]) != lead ||
			meet["summary"] != "Meet the client and fill in the evaluation sheet" {
			t.Errorf("meeting after the contact (want deadline %s = today + 3 in %s): %v", today(t, 3), samTZ, meet)
		}
		next = idList(w.sam.Must("mail.activity", "action_done", map[string]any{"ids": []any{next[0]}}))
		if len(next) != 1 {
			t.Fatalf("triggered after the meeting: %v", next)
		}
		offer := w.sam.Read("mail.activity", next[0], "activity_type_id", "date_deadline")
		if m2o(offer["activity_type_id"]) != w.types["mail.chain_offer"] || offer["date_deadline"] != today(t, 5) {
			t.Errorf("offer: %v; want deadline %s", offer, today(t, 5))
		}
		// the contract counts from the offer's deadline, not from today
		w.sam.Must("mail.activity", "write", map[string]any{"ids": []any{next[0]}, "vals": map[string]any{"date_deadline": "2030-01-10"}})
		next = idList(w.sam.Must("mail.activity", "action_feedback", map[string]any{"ids": []any{next[0]}, "feedback": "sent"}))
		contract := w.sam.Read("mail.activity", next[0], "activity_type_id", "date_deadline")
		if m2o(contract["activity_type_id"]) != w.types["mail.chain_contract"] || contract["date_deadline"] != "2030-01-17" {
			t.Errorf("contract: %v; want 2030-01-17", contract)
		}
		// the end of the chain triggers nothing
		if out := idList(w.sam.Must("mail.activity", "action_done", map[string]any{"ids": []any{next[0]}})); len(out) != 0 {
			t.Errorf("after the last step: %v", out)
		}
		// done twice
		if st, out := w.sam.Call("mail.activity", "action_done", map[string]any{"ids": []any{contact}}); st != 422 {
			t.Errorf("marking a done activity done: %d %v", st, out)
		}

		// types of our own, counted from the previous deadline, in days,
		// weeks and months
		typ := func(name string, count int, unit, from string) int64 {
			return w.admin.Create("mail.activity.type", map[string]any{"name": name, "delay_count": count, "delay_unit": unit, "delay_from": from})
		}
		e := typ("Step E", 1, "months", "previous_activity")
		d := typ("Step D", 2, "weeks", "previous_activity")
		c := typ("Step C", 4, "days", "previous_activity")
		a := typ("Step A", 0, "days", "previous_activity")
		f := typ("Step F", 1, "months", "current_date")
		for _, p := range [][2]int64{{a, c}, {c, d}, {d, e}, {e, f}} {
			w.admin.Must("mail.activity.type", "write", map[string]any{"ids": []any{p[0]}, "vals": map[string]any{"chaining_type": "trigger", "triggered_next_type_id": p[1]}})
		}
		step := w.schedule(w.sam, lead, map[string]any{"activity_type_id": a, "date_deadline": "2031-01-13"})
		for _, want := range []struct {
			typ      int64
			deadline string
		}{
			{c, "2031-01-17"}, // + 4 days
			{d, "2031-01-31"}, // + 2 weeks
			{e, "2031-02-28"}, // + 1 month, clamped to the end of February (relativedelta)
			{f, time.Now().In(mustLoc(t)).AddDate(0, 1, 0).Format("2006-01-02")},
		} {
			out := idList(w.sam.Must("mail.activity", "action_done", map[string]any{"ids": []any{step}}))
			if len(out) != 1 {
				t.Fatalf("step after %d: %v", step, out)
			}
			r := w.sam.Read("mail.activity", out[0], "activity_type_id", "date_deadline", "previous_activity_type_id")
			if m2o(r["activity_type_id"]) != want.typ || r["date_deadline"] != want.deadline {
				t.Errorf("after activity %d: %v; want type %d due %s", step, r, want.typ, want.deadline)
			}
			step = out[0]
		}
	})
}

func mustLoc(t *testing.T) *time.Location {
	loc, err := time.LoadLocation(samTZ)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

type message struct {
	id, typ, author int64
	body, subtype   string
}

func activityMessages(t *testing.T, w *actWorld, lead int64) []message {
	var out []message
	w.s.Sudo(t, func(env *orm.Env) error {
		rows, err := env.Query(`SELECT id, COALESCE(mail_activity_type_id, 0), COALESCE(author_id, 0), body, COALESCE(subtype, '')
			FROM mail_message WHERE model = 'crm.lead' AND res_id = ? AND mail_activity_type_id IS NOT NULL ORDER BY id`, lead)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var m message
			if err := rows.Scan(&m.id, &m.typ, &m.author, &m.body, &m.subtype); err != nil {
				return err
			}
			out = append(out, m)
		}
		return rows.Err()
	})
	return out
}

func TestFeedbackOnTimeline(t *testing.T) {
	testutil.Run(t, func(t *testing.T, b testutil.Backend) {
		w := newActWorld(t, b)
		lead := w.lead(w.sam, map[string]any{"name": "Timeline"})
		id := w.schedule(w.sam, lead, map[string]any{"activity_type_id": w.types["mail.mail_activity_data_call"], "summary": "Ask <b>price</b>"})
		feedback := `<script>alert("x")</script> & 'quotes'`
		w.sam.Must("mail.activity", "action_feedback", map[string]any{"ids": []any{id}, "feedback": feedback})
		msgs := activityMessages(t, w, lead)
		if len(msgs) != 1 {
			t.Fatalf("activity messages: %v", msgs)
		}
		m := msgs[0]
		if m.typ != w.types["mail.mail_activity_data_call"] || m.subtype != "mail.mt_activities" || m.author != w.samPartner {
			t.Errorf("message: %+v", m)
		}
		if !strings.Contains(m.body, "<b>Call</b>") || !strings.Contains(m.body, "Ask &lt;b&gt;price&lt;/b&gt;") ||
			!strings.Contains(m.body, "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &#39;quotes&#39;") || strings.Contains(m.body, "<script") {
			t.Errorf("body not escaped: %s", m.body)
		}
		// the feedback is kept on the activity as written
		if r := w.sam.Read("mail.activity", id, "feedback"); r["feedback"] != feedback {
			t.Errorf("feedback: %v", r)
		}
		// without a feedback there is no second paragraph
		id2 := w.schedule(w.sam, lead, map[string]any{"activity_type_id": w.types["mail.mail_activity_data_todo"]})
		w.sam.Must("mail.activity", "action_feedback", map[string]any{"ids": []any{id2}, "feedback": "  "})
		msgs = activityMessages(t, w, lead)
		if len(msgs) != 2 || msgs[1].body != "<p><b>To-Do</b></p>" || msgs[1].typ != w.types["mail.mail_activity_data_todo"] {
			t.Errorf("second message: %+v", msgs)
		}
	})
}

func TestLeadMirrorsNextActivity(t *testing.T) {
	testutil.Run(t, func(t *testing.T, b testutil.Backend) {
		w := newActWorld(t, b)
		call := w.types["mail.mail_activity_data_call"]
		cases := []struct {
			days  int
			state string
		}{{-1, "overdue"}, {0, "today"}, {1, "planned"}}
		for _, c := range cases {
			lead := w.lead(w.sam, map[string]any{"name": "Lead " + c.state})
			// a later activity does not hide the next one
			w.schedule(w.sam, lead, map[string]any{"activity_type_id": w.types["mail.mail_activity_data_todo"], "summary": "later", "date_deadline": today(t, c.days+10)})
			id := w.schedule(w.sam, lead, map[string]any{"activity_type_id": call, "summary": "Next " + c.state, "date_deadline": today(t, c.days)})
			r := w.sam.Read("crm.lead", lead, "activity_state", "activity_date_deadline", "activity_summary", "activity_user_id", "activity_type_id", "my_activity_date_deadline")
			if r["activity_state"] != c.state || r["activity_date_deadline"] != today(t, c.days) || r["activity_summary"] != "Next "+c.state ||
				m2o(r["activity_user_id"]) != w.samID || m2o(r["activity_type_id"]) != call || r["my_activity_date_deadline"] != today(t, c.days) {
				t.Errorf("lead with a %s activity: %v", c.state, r)
			}
			// the activity itself has the same state
			if a := w.sam.Read("mail.activity", id, "state"); a["state"] != c.state {
				t.Errorf("activity state: %v; want %s", a, c.state)
			}
		}
		// once every activity is done, the fields are empty
		lead := w.lead(w.sam, map[string]any{"name": "Done with"})
		id := w.schedule(w.sam, lead, map[string]any{"activity_type_id": call, "summary": "only one"})
		w.sam.Must("mail.activity", "action_done", map[string]any{"ids": []any{id}})
		r := w.sam.Read("crm.lead", lead, "activity_state", "activity_date_deadline", "activity_summary", "activity_user_id", "activity_type_id", "my_activity_date_deadline")
		for k, v := range r {
			if k != "id" && v != false {
				t.Errorf("%s after the last activity is done: %v", k, v)
			}
		}
		// another user's activity is the lead's next one but not "mine"
		lead2 := w.lead(w.sam, map[string]any{"name": "Shared work"})
		w.schedule(w.admin, lead2, map[string]any{"activity_type_id": call, "summary": "Sue calls", "user_id": w.sueID, "date_deadline": today(t, 1)})
		r = w.sam.Read("crm.lead", lead2, "activity_user_id", "my_activity_date_deadline", "activity_date_deadline")
		if m2o(r["activity_user_id"]) != w.sueID || r["my_activity_date_deadline"] != false || r["activity_date_deadline"] != today(t, 1) {
			t.Errorf("lead with a colleague's activity: %v", r)
		}
	})
}

// ordRow is a lead of the ordering test.
type ordRow struct {
	id       int64
	priority string
	mine     string // my earliest deadline, "" if none
}

// Odoo's test_crm_activity ordering test: leads with my activities first
// by my earliest deadline, then the others in the default order
// (priority desc, id desc), with offset and limit honoured.
func TestMyActivityOrdering(t *testing.T) {
	testutil.Run(t, func(t *testing.T, b testutil.Backend) {
		w := newActWorld(t, b)
		call := w.types["mail.mail_activity_data_call"]
		// lead: priority, my deadlines (days), a colleague's deadlines (days)
		specs := []struct {
			priority string
			mine     []int
			bro      []int
		}{
			{"1", []int{-2}, nil},
			{"2", []int{3}, nil},
			{"1", nil, []int{-2}},
			{"1", []int{2, 7}, nil},
			{"3", nil, []int{0}},
			{"0", []int{5}, []int{-9}},
			{"1", nil, []int{-2}},
			{"0", nil, nil},
			{"2", nil, nil},
			{"0", []int{3}, nil}, // same deadline as lead 1: priority decides
		}
		var rows []ordRow
		var all []any
		for i, s := range specs {
			id := w.lead(w.sam, map[string]any{"name": "Ordered " + string(rune('A'+i)), "priority": s.priority})
			r := ordRow{id: id, priority: s.priority}
			for _, d := range s.mine {
				w.schedule(w.sam, id, map[string]any{"activity_type_id": call, "date_deadline": today(t, d)})
				if r.mine == "" || today(t, d) < r.mine {
					r.mine = today(t, d)
				}
			}
			for _, d := range s.bro {
				w.schedule(w.admin, id, map[string]any{"activity_type_id": call, "date_deadline": today(t, d), "user_id": w.sueID})
			}
			rows = append(rows, r)
			all = append(all, id)
		}
		// a done activity of mine does not count
		done := w.schedule(w.sam, rows[7].id, map[string]any{"activity_type_id": call, "date_deadline": today(t, -30)})
		w.sam.Must("mail.activity", "action_done", map[string]any{"ids": []any{done}})

		want := append([]ordRow(nil), rows...)
		sort.SliceStable(want, func(i, j int) bool {
			a, b := want[i], want[j]
			if (a.mine != "") != (b.mine != "") {
				return a.mine != ""
			}
			if a.mine != b.mine {
				return a.mine < b.mine
			}
			if a.priority != b.priority {
				return a.priority > b.priority
			}
			return a.id > b.id
		})
		var wantIDs []int64
		for _, r := range want {
			wantIDs = append(wantIDs, r.id)
		}
		order := "my_activity_date_deadline asc, priority desc, id desc"
		search := func(offset, limit int) []int64 {
			return idList(w.sam.Must("crm.lead", "search", map[string]any{"domain": []any{[]any{"id", "in", all}}, "order": order,
				"offset": offset, "limit": limit}))
		}
		if got := search(0, 0); !equalIDs(got, wantIDs) {
			t.Errorf("order:\n got %v\nwant %v", got, wantIDs)
		}
		for _, p := range [][2]int{{0, 5}, {5, 5}, {3, 4}, {8, 10}} {
			end := p[0] + p[1]
			if end > len(wantIDs) {
				end = len(wantIDs)
			}
			if got := search(p[0], p[1]); !equalIDs(got, wantIDs[p[0]:end]) {
				t.Errorf("offset %d limit %d: got %v want %v", p[0], p[1], got, wantIDs[p[0]:end])
			}
		}
		// the same through search_read, and the base order unchanged
		sr := w.sam.Must("crm.lead", "search_read", map[string]any{"domain": []any{[]any{"id", "in", all}}, "fields": []any{"my_activity_date_deadline"},
			"order": order, "limit": 3}).([]any)
		for i, x := range sr {
			r := x.(map[string]any)
			if r["id"] != wantIDs[i] || r["my_activity_date_deadline"] != want[i].mine {
				t.Errorf("search_read row %d: %v; want %d %s", i, r, wantIDs[i], want[i].mine)
			}
		}
		if got := idList(w.sam.Must("crm.lead", "search", map[string]any{"domain": []any{[]any{"id", "in", all}}, "order": "id asc", "limit": 5, "offset": 5})); !equalIDs(got, rowIDs(rows[5:10])) {
			t.Errorf("plain order by id: %v", got)
		}
	})
}

func rowIDs(rs []ordRow) []int64 {
	var out []int64
	for _, r := range rs {
		out = append(out, r.id)
	}
	return out
}

func equalIDs(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestActivityStageAutomation(t *testing.T) {
	testutil.Run(t, func(t *testing.T, b testutil.Backend) {
		w := newActWorld(t, b)
		team := w.admin.Create("crm.team", map[string]any{"name": "Field sales", "stage_set": "activity"})
		stages := map[string]int64{}
		for _, s := range w.admin.Must("crm.stage", "search_read", map[string]any{"domain": []any{[]any{"team_ids", "in", []any{team}}}, "fields": []any{"name"}}).([]any) {
			r := s.(map[string]any)
			stages[r["name"].(string)] = r["id"].(int64)
		}
		lead := w.lead(w.sam, map[string]any{"name": "Field deal", "type": "opportunity", "team_id": team})
		stage := func() int64 { return m2o(w.sam.Read("crm.lead", lead, "stage_id")["stage_id"]) }
		if stage() != stages["New"] {
			t.Fatalf("starts in %d; want New %d (%v)", stage(), stages["New"], stages)
		}
		// scheduling alone moves nothing
		first := w.schedule(w.sam, lead, map[string]any{"activity_type_id": w.types["mail.mail_activity_data_call"]})
		if stage() != stages["New"] {
			t.Errorf("moved by scheduling")
		}
		for i, want := range []string{"First Activity", "Follow up", "Follow up"} {
			id := first
			if i > 0 {
				id = w.schedule(w.sam, lead, map[string]any{"activity_type_id": w.types["mail.mail_activity_data_todo"]})
			}
			w.sam.Must("mail.activity", "action_feedback", map[string]any{"ids": []any{id}, "feedback": "done"})
			if got := stage(); got != stages[want] {
				t.Errorf("after %d done activities: stage %d; want %s (%d)", i+1, got, want, stages[want])
			}
		}
		// never backwards: an opportunity moved on to Quotation stays there
		w.sam.Must("crm.lead", "write", map[string]any{"ids": []any{lead}, "vals": map[string]any{"stage_id": stages["Quotation"]}})
		id := w.schedule(w.sam, lead, map[string]any{"activity_type_id": w.types["mail.mail_activity_data_todo"]})
		w.sam.Must("mail.activity", "action_done", map[string]any{"ids": []any{id}})
		if stage() != stages["Quotation"] {
			t.Errorf("moved back from Quotation to %d", stage())
		}
		// a lead (not an opportunity) of that team does not move
		l2 := w.lead(w.sam, map[string]any{"name": "Just a lead", "type": "lead", "team_id": team})
		before := m2o(w.sam.Read("crm.lead", l2, "stage_id")["stage_id"])
		id = w.schedule(w.sam, l2, map[string]any{"activity_type_id": w.types["mail.mail_activity_data_call"]})
		w.sam.Must("mail.activity", "action_done", map[string]any{"ids": []any{id}})
		if after := m2o(w.sam.Read("crm.lead", l2, "stage_id")["stage_id"]); after != before {
			t.Errorf("a lead moved from %d to %d", before, after)
		}
	})
}

func TestSnooze(t *testing.T) {
	testutil.Run(t, func(t *testing.T, b testutil.Backend) {
		w := newActWorld(t, b)
		lead := w.lead(w.sam, map[string]any{"name": "Later"})
		cases := []struct{ from, want int }{{2, 9}, {0, 7}, {-3, 7}}
		for _, c := range cases {
			id := w.schedule(w.sam, lead, map[string]any{"summary": "snooze me", "date_deadline": today(t, c.from)})
			if out := w.sam.Must("mail.activity", "action_snooze", map[string]any{"ids": []any{id}}); out != true {
				t.Errorf("snooze answer: %v", out)
			}
			if r := w.sam.Read("mail.activity", id, "date_deadline", "state"); r["date_deadline"] != today(t, c.want) || r["state"] != "planned" {
				t.Errorf("due in %d days, snoozed: %v; want %s", c.from, r, today(t, c.want))
			}
		}
	})
}

func TestActivityRights(t *testing.T) {
	testutil.Run(t, func(t *testing.T, b testutil.Backend) {
		w := newActWorld(t, b)
		mine := w.lead(w.sam, map[string]any{"name": "Sam's"})
		theirs := w.lead(w.sue, map[string]any{"name": "Sue's"})
		own := w.schedule(w.sam, mine, map[string]any{"summary": "mine", "date_deadline": today(t, 1)})
		other := w.schedule(w.sue, theirs, map[string]any{"summary": "hers", "date_deadline": today(t, 1)})

		// not found by search, search_read, search_count
		if got := idList(w.sam.Must("mail.activity", "search", map[string]any{"domain": []any{}})); !equalIDs(got, []int64{own}) {
			t.Errorf("Sam finds activities %v; want only %d", got, own)
		}
		if got := w.sam.Must("mail.activity", "search_read", map[string]any{"domain": []any{[]any{"id", "=", other}}, "fields": []any{"summary"}}).([]any); len(got) != 0 {
			t.Errorf("search_read of Sue's activity: %v", got)
		}
		if n := w.sam.Must("mail.activity", "search_count", map[string]any{"domain": []any{[]any{"lead_id", "=", theirs}}}); n != int64(0) {
			t.Errorf("count on Sue's lead: %v", n)
		}
		// refused by every method that names it
		calls := []struct {
			method string
			args   map[string]any
		}{
			{"read", map[string]any{"fields": []any{"summary"}}},
			{"write", map[string]any{"vals": map[string]any{"summary": "taken"}}},
			{"unlink", nil},
			{"action_done", nil},
			{"action_feedback", map[string]any{"feedback": "done by Sam"}},
			{"action_snooze", nil},
		}
		for _, c := range calls {
			args := map[string]any{"ids": []any{other}}
			for k, v := range c.args {
				args[k] = v
			}
			if st, out := w.sam.Call("mail.activity", c.method, args); st != http.StatusForbidden || apptest.ErrorName(out) != "odoo.exceptions.AccessError" {
				t.Errorf("%s on Sue's activity: %d %v", c.method, st, out)
			}
		}
		// nor can he schedule one on her lead
		if st, out := w.sam.Call("mail.activity", "create", map[string]any{"vals_list": map[string]any{"res_model": "crm.lead", "res_id": theirs, "summary": "intrude"}}); st != http.StatusForbidden || apptest.ErrorName(out) != "odoo.exceptions.AccessError" {
			t.Errorf("scheduling on Sue's lead: %d %v", st, out)
		}
		// nor attach a file to it
		if st, out := w.sam.Call("ir.attachment", "create", map[string]any{"vals_list": map[string]any{"name": "x.png", "res_model": "crm.lead", "res_id": theirs, "datas": pngBase64(t)}}); st != http.StatusForbidden {
			t.Errorf("attaching to Sue's lead: %d %v", st, out)
		}
		a := w.admin.Read("mail.activity", other, "summary", "active", "date_deadline")
		if a["summary"] != "hers" || a["active"] != true || a["date_deadline"] != today(t, 1) {
			t.Errorf("Sue's activity changed: %v", a)
		}
		if msgs := activityMessages(t, w, theirs); len(msgs) != 0 {
			t.Errorf("messages on Sue's lead: %v", msgs)
		}
		// nor move his own activity onto her lead
		st, out := w.sam.Call("mail.activity", "write", map[string]any{"ids": []any{own}, "vals": map[string]any{"res_id": theirs}})
		r := w.admin.Read("mail.activity", own, "res_id", "lead_id")
		if st == http.StatusOK && (r["res_id"] == theirs || m2o(r["lead_id"]) == theirs) {
			t.Errorf("Sam moved his activity onto Sue's lead: HTTP %d, now %v", st, r)
		}
		if r["res_id"] != m2o(r["lead_id"]) {
			t.Errorf("res_id and lead_id disagree after writing res_id (HTTP %d %v): %v", st, out, r)
		}
	})
}

func TestMergeMovesActivities(t *testing.T) {
	testutil.Run(t, func(t *testing.T, b testutil.Backend) {
		w := newActWorld(t, b)
		call := w.types["mail.mail_activity_data_call"]
		head := w.lead(w.sam, map[string]any{"name": "Survivor", "type": "opportunity", "email_from": "kim@delta.example"})
		tail := w.lead(w.sam, map[string]any{"name": "Tail", "type": "lead", "email_from": "kim@delta.example"})
		h1 := w.schedule(w.sam, head, map[string]any{"activity_type_id": call, "summary": "head call", "date_deadline": today(t, 5)})
		t1 := w.schedule(w.sam, tail, map[string]any{"activity_type_id": call, "summary": "tail call", "date_deadline": today(t, 1)})
		t2 := w.schedule(w.sam, tail, map[string]any{"summary": "tail done", "date_deadline": today(t, -1)})
		w.sam.Must("mail.activity", "action_done", map[string]any{"ids": []any{t2}})
		att := w.sam.Create("ir.attachment", map[string]any{"name": "tail.png", "res_model": "crm.lead", "res_id": tail, "datas": pngBase64(t)})

		survivor := w.sam.Must("crm.lead", "merge_opportunity", map[string]any{"ids": []any{head, tail}}).(int64)
		if survivor != head {
			t.Fatalf("survivor %d; want the opportunity %d", survivor, head)
		}
		got := idList(w.sam.Must("mail.activity", "search", map[string]any{"domain": []any{[]any{"lead_id", "=", head}}, "context": map[string]any{"active_test": false}}))
		if !sameSet(got, []int64{h1, t1, t2}) {
			t.Errorf("activities of the survivor: %v; want %v", got, []int64{h1, t1, t2})
		}
		for _, id := range []int64{t1, t2} {
			r := w.sam.Read("mail.activity", id, "res_id", "lead_id", "res_model")
			if r["res_id"] != head || m2o(r["lead_id"]) != head || r["res_model"] != "crm.lead" {
				t.Errorf("moved activity %d: %v", id, r)
			}
		}
		// the survivor's next activity is now the tail's earlier one
		if r := w.sam.Read("crm.lead", head, "activity_summary", "activity_date_deadline"); r["activity_summary"] != "tail call" || r["activity_date_deadline"] != today(t, 1) {
			t.Errorf("survivor's next activity: %v", r)
		}
		// the tail's files follow it too (Odoo's merge moves attachments)
		var resID int64
		w.s.Sudo(t, func(env *orm.Env) error {
			return env.QueryRow("SELECT COALESCE(res_id, 0) FROM ir_attachment WHERE id = ?", att).Scan(&resID)
		})
		if resID != head {
			t.Errorf("the tail's attachment %d still points at lead %d, which the merge deleted; want the survivor %d", att, resID, head)
		}
	})
}

func sameSet(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	m := map[int64]int{}
	for _, x := range a {
		m[x]++
	}
	for _, x := range b {
		m[x]--
	}
	for _, n := range m {
		if n != 0 {
			return false
		}
	}
	return true
}

func pngBytes(t *testing.T) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 2, 2))
	img.Set(0, 0, color.RGBA{R: 200, A: 255})
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func pngBase64(t *testing.T) string { return base64.StdEncoding.EncodeToString(pngBytes(t)) }

func TestAttachments(t *testing.T) {
	testutil.Run(t, func(t *testing.T, b testutil.Backend) {
		w := newActWorld(t, b)
		lead := w.lead(w.sam, map[string]any{"name": "With files"})
		data := pngBytes(t)
		att := w.sam.Create("ir.attachment", map[string]any{"name": "pixel.png", "res_model": "crm.lead", "res_id": lead,
			"datas": base64.StdEncoding.EncodeToString(data)})
		var mime, sum string
		var size int64
		w.s.Sudo(t, func(env *orm.Env) error {
			return env.QueryRow("SELECT mimetype, file_size, checksum FROM ir_attachment WHERE id = ?", att).Scan(&mime, &size, &sum)
		})
		want := sha256.Sum256(data)
		if mime != "image/png" || size != int64(len(data)) || sum != hex.EncodeToString(want[:]) {
			t.Errorf("stored attachment: %s %d %s", mime, size, sum)
		}

		refused := []struct {
			what, name string
			data       []byte
			msg        string
		}{
			{"an executable", "setup.exe", append([]byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff"), make([]byte, 64)...), "cannot be attached"},
			{"an executable named as a PDF", "offer.pdf", append([]byte("MZ\x90\x00\x03\x00\x00\x00"), make([]byte, 64)...), "cannot be attached"},
			{"a file over 10 MiB", "big.png", append(append([]byte(nil), data...), make([]byte, 10<<20)...), "at most 10 MB"},
			{"an empty file", "empty.txt", nil, "empty"},
		}
		for _, r := range refused {
			st, out := w.sam.Call("ir.attachment", "create", map[string]any{"vals_list": map[string]any{"name": r.name, "res_model": "crm.lead", "res_id": lead,
				"datas": base64.StdEncoding.EncodeToString(r.data)}})
			if st != 422 || !strings.Contains(errorMessage(out), r.msg) {
				t.Errorf("%s: HTTP %d %v; want 422 with %q", r.what, st, out, r.msg)
			}
		}
		// exactly 10 MiB is accepted
		full := append(append([]byte(nil), data...), make([]byte, 10<<20-len(data))...)
		w.sam.Create("ir.attachment", map[string]any{"name": "full.png", "res_model": "crm.lead", "res_id": lead, "datas": base64.StdEncoding.EncodeToString(full)})

		// a file given with the feedback is linked to the timeline message
		id := w.schedule(w.sam, lead, map[string]any{"activity_type_id": w.types["mail.mail_activity_data_call"], "summary": "send the photo"})
		w.sam.Must("mail.activity", "action_feedback", map[string]any{"ids": []any{id}, "feedback": "photo attached", "attachment_ids": []any{att}})
		msgs := activityMessages(t, w, lead)
		if len(msgs) != 1 {
			t.Fatalf("messages: %v", msgs)
		}
		var linked []int64
		w.s.Sudo(t, func(env *orm.Env) error {
			rows, err := env.Query("SELECT attachment_id FROM mail_message_attachment_rel WHERE message_id = ?", msgs[0].id)
			if err != nil {
				return err
			}
			linked, err = orm.ScanIDs(rows)
			return err
		})
		if !equalIDs(linked, []int64{att}) {
			t.Errorf("attachments of the message: %v; want [%d]", linked, att)
		}
		// a file of another record cannot be linked
		other := w.lead(w.sam, map[string]any{"name": "Other"})
		foreign := w.sam.Create("ir.attachment", map[string]any{"name": "other.png", "res_model": "crm.lead", "res_id": other, "datas": pngBase64(t)})
		id2 := w.schedule(w.sam, lead, map[string]any{"summary": "wrong file"})
		if st, out := w.sam.Call("mail.activity", "action_feedback", map[string]any{"ids": []any{id2}, "attachment_ids": []any{foreign}}); st != 422 {
			t.Errorf("linking another record's file: %d %v", st, out)
		}
		if r := w.sam.Read("mail.activity", id2, "active"); r["active"] != true {
			t.Errorf("the activity was marked done despite the refused file: %v", r)
		}
	})
}
