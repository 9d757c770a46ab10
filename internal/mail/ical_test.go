package mail_test

import (
	"bytes"
	"context"
	"errors"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	ics "github.com/arran4/golang-ical"

	"github.com/kanso-crm/kanso/internal/app"
	"github.com/kanso-crm/kanso/internal/base"
	"github.com/kanso-crm/kanso/internal/mail"
	"github.com/kanso-crm/kanso/internal/orm"
	"github.com/kanso-crm/kanso/internal/testutil"
)

const icsBase = "https://crm.example.com"

// icsWorld is a database with two own-documents salespeople, each with a
// lead, built through the application's own models.
type icsWorld struct {
	a        *app.App
	sam, sue int64 // users
	samLead  int64
	sueLead  int64
	types    map[string]int64
}

func openICSApp(t testing.TB, b testutil.Backend) *app.App {
	t.Helper()
	a, err := app.Open(context.Background(), app.Config{DB: b.URL, AdminPassword: "test-password", Log: testutil.Logger(t)})
	if err != nil {
		t.Fatalf("open %s: %v", b.Name, err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}

// as runs f as a user in one write transaction.
func (w *icsWorld) as(t testing.TB, uid int64, f func(env *orm.Env) error) error {
	t.Helper()
	return w.a.Runner.Run(context.Background(), uid, nil, true, f)
}

func (w *icsWorld) must(t testing.TB, uid int64, what string, f func(env *orm.Env) error) {
	t.Helper()
	if err := w.as(t, uid, f); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func newICSWorld(t *testing.T, b testutil.Backend) *icsWorld {
	w := &icsWorld{a: openICSApp(t, b), types: map[string]int64{}}
	w.must(t, orm.SuperuserID, "set up", func(env *orm.Env) error {
		gid, err := base.XID(env, base.GroupSaleSalesman)
		if err != nil {
			return err
		}
		users := env.Reg.Model("res.users")
		mk := func(login, name, email, tz string) (int64, error) {
			ids, err := env.Create(users, []orm.Values{{"name": name, "login": login, "password": login + "-password", "email": email, "tz": tz,
				"group_ids": []any{[]any{int64(6), int64(0), []any{gid}}}}})
			if err != nil {
				return 0, err
			}
			return ids[0], nil
		}
		if w.sam, err = mk("sam", "Sam Pop", "sam@example.com", "Europe/Bucharest"); err != nil {
			return err
		}
		if w.sue, err = mk("sue", "Sue Ionescu", "sue@example.com", "UTC"); err != nil {
			return err
		}
		for _, x := range []string{"mail.mail_activity_data_call", "mail.mail_activity_data_meeting", "mail.mail_activity_data_todo"} {
			if w.types[x], err = base.XID(env, x); err != nil {
				return err
			}
		}
		return nil
	})
	lead := func(uid int64, name string) int64 {
		var id int64
		w.must(t, uid, "create lead", func(env *orm.Env) error {
			ids, err := env.Create(env.Reg.Model("crm.lead"), []orm.Values{{"name": name}})
			if err == nil {
				id = ids[0]
			}
			return err
		})
		return id
	}
	w.samLead = lead(w.sam, "ACME, SRL; phase 2")
	w.sueLead = lead(w.sue, "Sue's deal")
	return w
}

// activity creates an activity as uid and returns its id.
func (w *icsWorld) activity(t *testing.T, uid int64, vals orm.Values) int64 {
	t.Helper()
	var id int64
	w.must(t, uid, "create activity", func(env *orm.Env) error {
		ids, err := env.Create(env.Reg.Model("mail.activity"), []orm.Values{vals})
		if err == nil {
			id = ids[0]
		}
		return err
	})
	return id
}

func parseICS(t *testing.T, data []byte) *ics.Calendar {
	t.Helper()
	cal, err := ics.ParseCalendar(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("parse calendar: %v\n%s", err, data)
	}
	return cal
}

func calProp(cal *ics.Calendar, name string) *ics.CalendarProperty {
	for i := range cal.CalendarProperties {
		if cal.CalendarProperties[i].IANAToken == name {
			return &cal.CalendarProperties[i]
		}
	}
	return nil
}

func evProp(e *ics.VEvent, p ics.ComponentProperty) string {
	if v := e.GetProperty(p); v != nil {
		return v.Value
	}
	return ""
}

// checkWire checks the physical form RFC 5545 asks for: CRLF line ends,
// lines of at most 75 octets, continuation lines starting with one
// space, no UTF-8 character split across lines.
var propLine = regexp.MustCompile(`^[A-Z][A-Z0-9-]*[;:]`)

func checkWire(t *testing.T, data []byte) {
	t.Helper()
	if !bytes.HasSuffix(data, []byte("\r\n")) {
		t.Errorf("the calendar does not end with CRLF")
	}
	if n := bytes.Count(data, []byte("\n")); n != bytes.Count(data, []byte("\r\n")) {
		t.Errorf("%d line ends are not CRLF", n-bytes.Count(data, []byte("\r\n")))
	}
	for i, line := range strings.Split(strings.TrimSuffix(string(data), "\r\n"), "\r\n") {
		if len(line) > 75 {
			t.Errorf("line %d is %d octets: %q", i+1, len(line), line)
		}
		if !utf8.ValidString(line) {
			t.Errorf("line %d splits a UTF-8 character: %q", i+1, line)
		}
		if line == "" {
			t.Errorf("line %d is empty", i+1)
		}
		// a line is a property (NAME followed by ; or :) or a continuation
		// starting with one space
		if !strings.HasPrefix(line, " ") && !propLine.MatchString(line) {
			t.Errorf("line %d is neither a property nor a continuation: %q", i+1, line)
		}
	}
}

// unfold joins folded lines the way a reader does.
func unfold(data []byte) []string {
	return strings.Split(strings.ReplaceAll(strings.TrimSuffix(string(data), "\r\n"), "\r\n ", ""), "\r\n")
}

func rawLine(data []byte, prefix string) string {
	for _, l := range unfold(data) {
		if strings.HasPrefix(l, prefix) {
			return l
		}
	}
	return ""
}

func TestActivityICS(t *testing.T) {
	testutil.Run(t, func(t *testing.T, b testutil.Backend) {
		w := newICSWorld(t, b)
		summary := `Call back; ask about prices, discounts\terms` + "\r\nthen decide"
		long := "Agenda: pipeline review, pricing and next steps for the ACME SRL rollout in Q2 — " +
			"Ștefan și Ana; «naïve» café ünïcödé text that has to be folded more than once because it is long. " +
			strings.Repeat("ș", 60) + " (a word of 120 octets, folded inside without splitting a character)"
		deadline := w.activity(t, w.sam, orm.Values{"res_model": "crm.lead", "res_id": w.samLead, "activity_type_id": w.types["mail.mail_activity_data_call"],
			"summary": summary, "date_deadline": "2026-03-10",
			"note": "<p>" + strings.ReplaceAll(long, "&", "&amp;") + "</p><ul><li>first &amp; second</li><li>third</li></ul><script>alert(1)</script>"})
		meeting := w.activity(t, w.sam, orm.Values{"res_model": "crm.lead", "res_id": w.samLead, "activity_type_id": w.types["mail.mail_activity_data_meeting"],
			"date_deadline": "2026-03-10", "start_datetime": "2026-03-10 09:00:00", "stop_datetime": "2026-03-10 10:30:00"})

		var data []byte
		w.must(t, w.sam, "export", func(env *orm.Env) error {
			var err error
			data, err = mail.ActivityICS(env, deadline, icsBase+"/")
			return err
		})
		checkWire(t, data)
		cal := parseICS(t, data)
		if p := calProp(cal, "METHOD"); p == nil || p.Value != "PUBLISH" {
			t.Errorf("METHOD: %v", p)
		}
		if p := calProp(cal, "PRODID"); p == nil || p.Value != "-//Kanso//CRM//EN" {
			t.Errorf("PRODID: %v", p)
		}
		if p := calProp(cal, "VERSION"); p == nil || p.Value != "2.0" {
			t.Errorf("VERSION: %v", p)
		}
		evs := cal.Events()
		if len(evs) != 1 {
			t.Fatalf("%d events:\n%s", len(evs), data)
		}
		e := evs[0]
		if uid := e.Id(); uid != "activity-"+strconv.FormatInt(deadline, 10)+"@kanso" {
			t.Errorf("UID %q", uid)
		}
		if st := e.GetProperty(ics.ComponentPropertyDtStart); st == nil || st.Value != "20260310" || st.ICalParameters["VALUE"][0] != "DATE" {
			t.Errorf("DTSTART: %+v", st)
		}
		if en := e.GetProperty(ics.ComponentPropertyDtEnd); en == nil || en.Value != "20260311" || en.ICalParameters["VALUE"][0] != "DATE" {
			t.Errorf("DTEND (exclusive, next day): %+v", en)
		}
		if ts, err := e.GetDtStampTime(); err != nil || time.Since(ts) > time.Hour || !strings.HasSuffix(evProp(e, ics.ComponentPropertyDtstamp), "Z") {
			t.Errorf("DTSTAMP %q: %v", evProp(e, ics.ComponentPropertyDtstamp), err)
		}
		// the summary comes back as written, its CR LF a newline
		if got, want := evProp(e, ics.ComponentPropertySummary), strings.ReplaceAll(summary, "\r\n", "\n"); got != want {
			t.Errorf("SUMMARY %q, want %q", got, want)
		}
		if raw := rawLine(data, "SUMMARY"); raw != `SUMMARY:Call back\; ask about prices\, discounts\\terms\nthen decide` {
			t.Errorf("escaped SUMMARY line: %s", raw)
		}
		desc := evProp(e, ics.ComponentPropertyDescription)
		wantDesc := "ACME, SRL; phase 2\n\n" + long + "\n\n- first & second\n- third"
		if desc != wantDesc {
			t.Errorf("DESCRIPTION\n%q\nwant\n%q", desc, wantDesc)
		}
		// the description is folded over several physical lines
		var folded int
		in := false
		for _, l := range strings.Split(string(data), "\r\n") {
			switch {
			case strings.HasPrefix(l, "DESCRIPTION:"):
				in = true
			case in && strings.HasPrefix(l, " "):
				folded++
			default:
				in = false
			}
		}
		if folded < 2 {
			t.Errorf("DESCRIPTION folded on %d continuation lines:\n%s", folded, data)
		}
		if u := evProp(e, ics.ComponentPropertyUrl); u != icsBase+"/crm/lead/"+strconv.FormatInt(w.samLead, 10) {
			t.Errorf("URL %q", u)
		}
		if o := e.GetProperty(ics.ComponentPropertyOrganizer); o == nil || o.Value != "mailto:sam@example.com" || o.ICalParameters["CN"][0] != "Sam Pop" {
			t.Errorf("ORGANIZER: %+v", o)
		}
		if strings.Contains(string(data), "alert(1)") {
			t.Errorf("script content leaked into the description")
		}

		// a meeting is a timed event in UTC
		w.must(t, w.sam, "export meeting", func(env *orm.Env) error {
			var err error
			data, err = mail.ActivityICS(env, meeting, icsBase)
			return err
		})
		checkWire(t, data)
		e = parseICS(t, data).Events()[0]
		if evProp(e, ics.ComponentPropertyDtStart) != "20260310T090000Z" || evProp(e, ics.ComponentPropertyDtEnd) != "20260310T103000Z" {
			t.Errorf("meeting times: %s / %s", evProp(e, ics.ComponentPropertyDtStart), evProp(e, ics.ComponentPropertyDtEnd))
		}
		if s := evProp(e, ics.ComponentPropertySummary); s != "Meeting" {
			t.Errorf("summary from the type: %q", s)
		}
		if e.Id() != "activity-"+strconv.FormatInt(meeting, 10)+"@kanso" {
			t.Errorf("meeting UID %q", e.Id())
		}

		// the UID is stable: a second export keeps it
		w.must(t, w.sam, "export again", func(env *orm.Env) error {
			again, err := mail.ActivityICS(env, meeting, icsBase)
			if err == nil && parseICS(t, again).Events()[0].Id() != e.Id() {
				t.Errorf("UID changed between exports")
			}
			return err
		})

		// an own-documents colleague may not export it
		err := w.as(t, w.sue, func(env *orm.Env) error {
			_, err := mail.ActivityICS(env, deadline, icsBase)
			return err
		})
		var oe *orm.Error
		if !errors.As(err, &oe) || oe.Kind != orm.KindAccess {
			t.Errorf("colleague's export: %v", err)
		}
		// nor may the owner export a colleague's activity
		sues := w.activity(t, w.sue, orm.Values{"res_model": "crm.lead", "res_id": w.sueLead, "summary": "private"})
		err = w.as(t, w.sam, func(env *orm.Env) error {
			_, err := mail.ActivityICS(env, sues, icsBase)
			return err
		})
		if !errors.As(err, &oe) || oe.Kind != orm.KindAccess {
			t.Errorf("export of a colleague's activity: %v", err)
		}
		// the admin (all leads) may
		w.must(t, 2, "admin export", func(env *orm.Env) error {
			_, err := mail.ActivityICS(env, sues, icsBase)
			return err
		})
		// a missing activity
		err = w.as(t, w.sam, func(env *orm.Env) error {
			_, err := mail.ActivityICS(env, 999999, icsBase)
			return err
		})
		if !errors.As(err, &oe) || oe.Kind != orm.KindMissing {
			t.Errorf("missing activity: %v", err)
		}
	})
}

func TestHTMLToText(t *testing.T) {
	cases := []struct{ in, want string }{
		{"", ""},
		{"plain text", "plain text"},
		{"<p>One</p><p>Two</p>", "One\n\nTwo"},
		{"a<br>b<br/>c", "a\nb\nc"},
		{"<b>bold</b> and <i>italic</i>", "bold and italic"},
		{"<p>x &lt;y&gt; &amp;amp;</p>", "x <y> &amp;"},
		{"<ul><li>one</li><li>two</li></ul>", "- one\n- two"},
		{"<style>p{}</style><p>  spaced \n  out  </p>", "spaced out"},
	}
	for _, c := range cases {
		if got := mail.HTMLToText(c.in); got != c.want {
			t.Errorf("HTMLToText(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestCalendarFeed(t *testing.T) {
	testutil.Run(t, func(t *testing.T, b testutil.Backend) {
		w := newICSWorld(t, b)
		meet := w.activity(t, w.sam, orm.Values{"res_model": "crm.lead", "res_id": w.samLead, "activity_type_id": w.types["mail.mail_activity_data_meeting"],
			"summary": "Demo", "date_deadline": "2026-05-04", "start_datetime": "2026-05-04 08:00:00", "stop_datetime": "2026-05-04 09:00:00"})
		todo := w.activity(t, w.sam, orm.Values{"res_model": "crm.lead", "res_id": w.samLead, "activity_type_id": w.types["mail.mail_activity_data_todo"],
			"date_deadline": "2026-05-06"})
		done := w.activity(t, w.sam, orm.Values{"res_model": "crm.lead", "res_id": w.samLead, "summary": "already done", "date_deadline": "2026-05-01"})
		w.must(t, w.sam, "done", func(env *orm.Env) error { _, err := mail.Done(env, []int64{done}, "ok"); return err })
		sues := w.activity(t, w.sue, orm.Values{"res_model": "crm.lead", "res_id": w.sueLead, "summary": "Sue's call", "date_deadline": "2026-05-05"})
		// an activity given to Sam on a lead he cannot read stays out of his feed
		hidden := w.activity(t, 2, orm.Values{"res_model": "crm.lead", "res_id": w.sueLead, "summary": "on Sue's lead", "user_id": w.sam, "date_deadline": "2026-05-05"})

		var samTok, sueTok string
		w.must(t, w.sam, "token", func(env *orm.Env) error {
			var err error
			if samTok, err = mail.EnsureCalendarToken(env, w.sam); err != nil {
				return err
			}
			again, err := mail.EnsureCalendarToken(env, w.sam)
			if again != samTok {
				t.Errorf("the token changed: %q then %q", samTok, again)
			}
			return err
		})
		if len(samTok) != 43 || strings.ContainsAny(samTok, "+/=") {
			t.Errorf("token %q is not 32 bytes of URL-safe base64", samTok)
		}
		w.must(t, w.sue, "token", func(env *orm.Env) error {
			var err error
			sueTok, err = mail.EnsureCalendarToken(env, w.sue)
			return err
		})
		if sueTok == samTok {
			t.Fatalf("two users share a token")
		}
		// a colleague cannot read or reset another's token
		err := w.as(t, w.sue, func(env *orm.Env) error { _, err := mail.EnsureCalendarToken(env, w.sam); return err })
		var oe *orm.Error
		if !errors.As(err, &oe) || oe.Kind != orm.KindAccess {
			t.Errorf("reading a colleague's token: %v", err)
		}
		if err := w.as(t, w.sue, func(env *orm.Env) error { return mail.RevokeCalendarToken(env, w.sam) }); !errors.As(err, &oe) || oe.Kind != orm.KindAccess {
			t.Errorf("revoking a colleague's token: %v", err)
		}

		// the feed endpoint: find the user by token (as the superuser, no
		// session), then export as that user
		feed := func(tok string) ([]byte, error) {
			var uid int64
			err := w.a.Runner.Run(context.Background(), orm.SuperuserID, nil, false, func(env *orm.Env) error {
				var err error
				uid, err = mail.UserByCalendarToken(env, tok)
				return err
			})
			if err != nil {
				return nil, err
			}
			var data []byte
			err = w.a.Runner.Run(context.Background(), uid, nil, false, func(env *orm.Env) error {
				var err error
				data, err = mail.FeedICS(env, icsBase)
				return err
			})
			return data, err
		}
		data, err := feed(samTok)
		if err != nil {
			t.Fatalf("Sam's feed: %v", err)
		}
		checkWire(t, data)
		cal := parseICS(t, data)
		if p := calProp(cal, "X-WR-CALNAME"); p == nil || p.Value != "Kanso — Sam Pop" {
			t.Errorf("X-WR-CALNAME: %v", p)
		}
		if p := calProp(cal, "X-PUBLISHED-TTL"); p == nil || p.Value != "PT1H" {
			t.Errorf("X-PUBLISHED-TTL: %v", p)
		}
		if raw := rawLine(data, "REFRESH-INTERVAL"); raw != "REFRESH-INTERVAL;VALUE=DURATION:PT1H" {
			t.Errorf("REFRESH-INTERVAL line: %q", raw)
		}
		if p := calProp(cal, "METHOD"); p == nil || p.Value != "PUBLISH" {
			t.Errorf("METHOD: %v", p)
		}
		got := map[string]*ics.VEvent{}
		for _, e := range cal.Events() {
			got[e.Id()] = e
		}
		uid := func(id int64) string { return mail.ActivityUID(id) }
		if len(got) != 2 || got[uid(meet)] == nil || got[uid(todo)] == nil {
			t.Fatalf("Sam's feed has %v; want the meeting %d and the to-do %d (not done %d, Sue's %d, hidden %d)", keys(got), meet, todo, done, sues, hidden)
		}
		m := got[uid(meet)]
		if evProp(m, ics.ComponentPropertyDtStart) != "20260504T080000Z" || evProp(m, ics.ComponentPropertyDtEnd) != "20260504T090000Z" ||
			evProp(m, ics.ComponentPropertySummary) != "Demo" {
			t.Errorf("meeting: %s %s %s", evProp(m, ics.ComponentPropertyDtStart), evProp(m, ics.ComponentPropertyDtEnd), evProp(m, ics.ComponentPropertySummary))
		}
		d := got[uid(todo)]
		if st := d.GetProperty(ics.ComponentPropertyDtStart); st == nil || st.Value != "20260506" || st.ICalParameters["VALUE"][0] != "DATE" ||
			evProp(d, ics.ComponentPropertyDtEnd) != "20260507" || evProp(d, ics.ComponentPropertySummary) != "To-Do" {
			t.Errorf("deadline: %+v %s %s", st, evProp(d, ics.ComponentPropertyDtEnd), evProp(d, ics.ComponentPropertySummary))
		}
		// Sue's token gives Sue's feed only
		data, err = feed(sueTok)
		if err != nil {
			t.Fatalf("Sue's feed: %v", err)
		}
		evs := parseICS(t, data).Events()
		if len(evs) != 1 || evs[0].Id() != uid(sues) {
			t.Errorf("Sue's feed: %s", data)
		}

		// revoking: the old link stops working, the new one works
		w.must(t, w.sam, "revoke", func(env *orm.Env) error { return mail.RevokeCalendarToken(env, w.sam) })
		if _, err := feed(samTok); !errors.Is(err, orm.AccessDenied) {
			t.Errorf("revoked token: %v", err)
		}
		var newTok string
		w.must(t, w.sam, "new token", func(env *orm.Env) error {
			var err error
			newTok, err = mail.EnsureCalendarToken(env, w.sam)
			return err
		})
		if newTok == samTok || newTok == "" {
			t.Errorf("token after revoking: %q", newTok)
		}
		if data, err := feed(newTok); err != nil || len(parseICS(t, data).Events()) != 2 {
			t.Errorf("feed with the new token: %v", err)
		}
		// unknown, empty, truncated and same-prefix tokens are refused
		for _, tok := range []string{"", "x", newTok[:20], newTok[:8] + strings.Repeat("A", 35), newTok + "A", strings.ToUpper(newTok)} {
			if tok == newTok {
				continue
			}
			if _, err := feed(tok); !errors.Is(err, orm.AccessDenied) {
				t.Errorf("token %q: %v", tok, err)
			}
		}
		// an archived user's link stops working
		w.must(t, orm.SuperuserID, "archive Sue", func(env *orm.Env) error {
			return env.Write(env.Reg.Model("res.users"), []int64{w.sue}, orm.Values{"active": false})
		})
		if _, err := feed(sueTok); !errors.Is(err, orm.AccessDenied) {
			t.Errorf("archived user's token: %v", err)
		}
	})
}

func keys(m map[string]*ics.VEvent) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
