package browser

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/kanso-crm/kanso/internal/apptest"
	"github.com/kanso-crm/kanso/internal/mail"
	"github.com/kanso-crm/kanso/internal/orm"
)

// watchLiveUpdates makes every page of the session keep its EventSource
// in window.__kansoES, so that a test can wait until the page listens to
// the server's change notices before causing one.
func (b *session) watchLiveUpdates() {
	b.t.Helper()
	const script = `(() => {
		const ES = window.EventSource;
		if (!ES || ES.__kansoWatched) return;
		window.__kansoES = [];
		const W = function (url, opts) { const es = new ES(url, opts); window.__kansoES.push(es); return es; };
		W.prototype = ES.prototype;
		W.__kansoWatched = true;
		window.EventSource = W;
	})()`
	b.do("watch the live updates", chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: script})
		return err
	}))
}

// waitListening waits until the page's EventSource is open.
func (b *session) waitListening() {
	b.t.Helper()
	waitFor[bool](b, "the page listens to change notices", `(window.__kansoES || []).some(e => e.readyState === 1)`)
}

func TestActivityFromCardToFirstActivity(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *apptest.Server) {
		const summary, feedback = "Ask about the loading docks", "They want 40 racks before winter & a site visit"
		var team, lead int64
		stages := map[string]int64{}
		var yesterday string
		s.Sudo(t, func(env *orm.Env) error {
			ids, err := env.Create(env.Reg.Model("crm.team"), []orm.Values{{"name": "Activity pipeline", "stage_set": "activity", "use_opportunities": true}})
			if err != nil {
				return err
			}
			team = ids[0]
			recs, err := env.SearchRead(env.Reg.Model("crm.stage"), orm.Leaf{Path: "team_ids", Op: "in", Value: []any{team}}, []string{"name"}, orm.SearchOpts{}, false)
			if err != nil {
				return err
			}
			for _, r := range recs {
				stages[r["name"].(string)] = r["id"].(int64)
			}
			if stages["New"] == 0 || stages["First Activity"] == 0 {
				return fmt.Errorf("the activity-driven team has the stages %v", stages)
			}
			ids, err = env.WithUser(2).Create(env.Reg.Model("crm.lead"), []orm.Values{{"name": "Warehouse racks", "type": "opportunity",
				"team_id": team, "stage_id": stages["New"], "user_id": int64(2), "partner_name": "Nordic Storage", "expected_revenue": 18000.0}})
			if err != nil {
				return err
			}
			lead = ids[0]
			// the day before today in the administrator's time zone
			today, err := time.Parse("2006-01-02", mail.Today(env.WithUser(2)))
			if err != nil {
				return err
			}
			yesterday = today.AddDate(0, 0, -1).Format("2006-01-02")
			return nil
		})
		newS, firstActivity := stages["New"], stages["First Activity"]
		card := cardSel(lead)

		b := newSession(t, s, desktop)
		b.watchLiveUpdates()
		b.login("admin", apptest.AdminPassword)
		board := "/crm/pipeline?team=" + itoa(team) + "&search=none"
		b.open(board, card)
		if !eval[bool](b, inList(lead, newS)) {
			t.Fatalf("the card is not in the New column")
		}
		if eval[bool](b, `!!document.querySelector(`+js(card+" .next")+`)`) {
			t.Errorf("the card shows a next activity before any is planned")
		}
		if eval[bool](b, `!!document.querySelector(`+js(columnSel(newS)+" .progress")+`)`) {
			t.Errorf("the New column shows a progress bar before any activity is planned")
		}

		// plan a call from the card
		b.do("click the card's schedule button", chromedp.Click(chromedp.CSS(card+" button.schedule")),
			chromedp.WaitVisible(chromedp.ID("sc-type")))
		if !eval[bool](b, `document.getElementById("schedule-dialog").open`) {
			t.Fatal("the schedule button did not open the dialog")
		}
		if got := eval[string](b, `new URL(document.getElementById("schedule-form").action).pathname`); got != "/crm/lead/"+itoa(lead)+"/schedule" {
			t.Errorf("the dialog posts to %s; want the card's /crm/lead/%d/schedule", got, lead)
		}
		call := eval[string](b, `(o => o ? o.value : "")(Array.from(document.querySelectorAll("#sc-type option")).find(o => o.textContent.trim() === "Call"))`)
		if call == "" {
			t.Fatalf("the activity types offer no Call: %v", eval[[]string](b, `Array.from(document.querySelectorAll("#sc-type option")).map(o => o.textContent)`))
		}
		b.do("fill the dialog",
			chromedp.SetValue(chromedp.ID("sc-type"), call),
			chromedp.SendKeys(chromedp.ID("sc-summary"), summary),
			chromedp.SetValue(chromedp.ID("sc-date"), yesterday))
		if got := eval[string](b, selectedText("#sc-type")); got != "Call" {
			t.Errorf("the chosen type reads %q", got)
		}
		if st := b.submit("confirm the schedule", chromedp.Click(chromedp.ID("btn-schedule-confirm"))); st != 200 {
			t.Fatalf("scheduling answered HTTP %d: %s", st, eval[string](b, `document.body.innerText.slice(0, 300)`))
		}
		b.do("wait for the board", chromedp.WaitVisible(chromedp.CSS(card)))
		if loc, _ := url.Parse(b.location()); loc.Path != "/crm/pipeline" || loc.Query().Get("team") != itoa(team) {
			t.Errorf("after scheduling the page is %s; want back on the board of team %d", loc, team)
		}

		var act orm.Values
		s.Sudo(t, func(env *orm.Env) error {
			recs, err := env.SearchRead(env.Reg.Model("mail.activity"), orm.And{orm.Leaf{Path: "res_model", Op: "=", Value: "crm.lead"},
				orm.Leaf{Path: "res_id", Op: "=", Value: lead}}, []string{"activity_type_id", "summary", "date_deadline", "user_id", "state"}, orm.SearchOpts{}, false)
			if err != nil {
				return err
			}
			if len(recs) != 1 {
				return fmt.Errorf("%d activities on the lead after scheduling; want 1", len(recs))
			}
			act = recs[0]
			return nil
		})
		t.Logf("activity: %v", act)
		if itoa(act["activity_type_id"].(int64)) != call || act["summary"] != summary || act["date_deadline"] != yesterday ||
			act["user_id"] != int64(2) || act["state"] != "overdue" {
			t.Errorf("the activity in the database: %v; want a Call (%s) %q due %s for the administrator, overdue", act, call, summary, yesterday)
		}
		actID := act["id"].(int64)

		// the board shows it: the card's next activity and the column's bar
		next := eval[string](b, `(e => e ? e.textContent.replace(/\s+/g, " ").trim() : "")(document.querySelector(`+js(card+" div.next")+`))`)
		if !strings.Contains(next, summary) {
			t.Errorf("the card's next activity reads %q; want the summary %q", next, summary)
		}
		if !eval[bool](b, `!!document.querySelector(`+js(card+" div.next span.dot.overdue")+`)`) {
			t.Errorf("the card's next activity has no overdue dot: %s", eval[string](b, `(e => e ? e.outerHTML : "no div.next")(document.querySelector(`+js(card+" div.next")+`))`))
		}
		bar := columnSel(newS) + " .progress"
		if !eval[bool](b, `!!document.querySelector(`+js(bar)+`)`) {
			t.Fatalf("the New column has no progress bar once an activity is overdue")
		}
		if w := eval[string](b, `document.querySelector(`+js(bar+" .overdue")+`).style.width`); w != "100%" {
			t.Errorf("the overdue part of the New column's bar is %q wide; want 100%%", w)
		}
		if got := eval[string](b, `document.querySelector(`+js(bar)+`).title`); got != "1 overdue, 0 today, 0 planned" {
			t.Errorf("the progress bar says %q", got)
		}

		// mark it done from My Activities
		item := "#group-overdue #activity-" + itoa(actID)
		b.open("/crm/activities", "#activities")
		if !eval[bool](b, `!!document.querySelector(`+js(item)+`)`) {
			t.Fatalf("the activity is not under Overdue in My Activities: %s", eval[string](b, `document.getElementById("activities").innerText`))
		}
		if got := eval[string](b, `document.querySelector(`+js(item)+`).textContent.replace(/\s+/g, " ")`); !strings.Contains(got, summary) || !strings.Contains(got, "Warehouse racks") {
			t.Errorf("the activity reads %q; want its summary and its opportunity", got)
		}

		// meanwhile a colleague plans a to-do for the administrator on
		// another opportunity: the open page refreshes its list by itself
		b.waitListening()
		var other int64
		s.Sudo(t, func(env *orm.Env) error {
			sales, err := env.Search(env.Reg.Model("crm.team"), orm.Leaf{Path: "name", Op: "=", Value: "Sales"}, orm.SearchOpts{Limit: 1})
			if err != nil || len(sales) == 0 {
				return fmt.Errorf("no Sales team (%v)", err)
			}
			ids, err := env.WithUser(2).Create(env.Reg.Model("crm.lead"), []orm.Values{{"name": "Spare parts", "type": "opportunity", "team_id": sales[0], "user_id": int64(2)}})
			if err != nil {
				return err
			}
			today, err := time.Parse("2006-01-02", mail.Today(env.WithUser(2)))
			if err != nil {
				return err
			}
			ids, err = env.Create(env.Reg.Model("mail.activity"), []orm.Values{{"res_model": "crm.lead", "res_id": ids[0], "user_id": int64(2),
				"summary": "Send the spare parts catalogue", "date_deadline": today.AddDate(0, 0, 3).Format("2006-01-02")}})
			if err != nil {
				return err
			}
			other = ids[0]
			return nil
		})
		waitFor[bool](b, "the colleague's to-do appears", `!!document.querySelector("#group-planned #activity-`+itoa(other)+`")`)
		type shape struct {
			Headers   int    `json:"headers"`
			Lists     int    `json:"lists"`
			Items     int    `json:"items"`
			Refreshed string `json:"refreshed"`
		}
		got := eval[shape](b, `({headers: document.querySelectorAll("header.topbar").length, lists: document.querySelectorAll("#activities").length,
			items: document.querySelectorAll("#activity-`+itoa(actID)+`").length, refreshed: document.querySelector("#activities").dataset.refreshed || ""})`)
		t.Logf("after the live refresh: %+v", got)
		if got.Headers != 1 || got.Lists != 1 || got.Items != 1 {
			b.screenshot("live-refresh")
			t.Errorf("after the live refresh My Activities has %d page headers, %d #activities and %d copies of the overdue activity; want 1 each "+
				"(the refresh put a whole page inside the list: its data-refresh is %q)", got.Headers, got.Lists, got.Items,
				eval[string](b, `document.querySelector("#activities").dataset.refresh`))
		}

		b.do("type the feedback", chromedp.SendKeys(chromedp.CSS(item+" input[name=feedback]"), feedback))
		if st := b.submit("mark done", chromedp.Click(chromedp.ID("done-"+itoa(actID)))); st != 200 {
			t.Fatalf("marking done answered HTTP %d: %s", st, eval[string](b, `document.body.innerText.slice(0, 300)`))
		}
		b.do("wait for My Activities", chromedp.WaitVisible(chromedp.ID("activities")))
		if loc := b.location(); loc != "/crm/activities" {
			t.Errorf("after marking done the page is %s; want /crm/activities", loc)
		}
		if eval[bool](b, `!!document.getElementById("activity-`+itoa(actID)+`")`) {
			t.Errorf("the done activity is still listed")
		}
		var done orm.Values
		s.Sudo(t, func(env *orm.Env) error {
			recs, err := env.WithContext(map[string]any{"active_test": false}).ReadValues(env.Reg.Model("mail.activity"), []int64{actID}, []string{"active", "feedback", "date_done"})
			if err == nil && len(recs) == 1 {
				done = recs[0]
			}
			return err
		})
		if done == nil || done["active"] != false || done["feedback"] != feedback {
			t.Errorf("the activity in the database after done: %v; want archived with the feedback", done)
		}

		// the feedback is on the lead's timeline
		b.open("/crm/lead/"+itoa(lead), "#timeline")
		timeline := eval[string](b, `document.getElementById("timeline").innerText`)
		if !strings.Contains(timeline, feedback) {
			t.Errorf("the timeline does not show the feedback %q:\n%s", feedback, timeline)
		}
		if !strings.Contains(timeline, summary) {
			t.Errorf("the timeline does not name the done activity %q:\n%s", summary, timeline)
		}

		// the stage automation moved the card to First Activity
		if got := stageOf(t, s, lead); got != firstActivity {
			t.Errorf("the stage in the database after the first done activity: %v; want First Activity (%d)", got, firstActivity)
		}
		b.open(board, card)
		if !eval[bool](b, inList(lead, firstActivity)) {
			col := eval[string](b, `(c => c ? c.closest("section.column").getAttribute("aria-label") : "")(document.querySelector(`+js(card)+`))`)
			t.Errorf("after the first done activity the card is in the column %q; want First Activity", col)
		}
		if c1, c2 := b.count(newS), b.count(firstActivity); c1 != "0" || c2 != "1" {
			t.Errorf("counts after the automation: New %s, First Activity %s; want 0 and 1", c1, c2)
		}
		if eval[bool](b, `!!document.querySelector(`+js(card+" .next")+`)`) {
			t.Errorf("the card still shows a next activity: %s", eval[string](b, `document.querySelector(`+js(card+" .next")+`).textContent`))
		}
		if eval[bool](b, `!!document.querySelector("#board .progress")`) {
			t.Errorf("a progress bar is left although no activity is open")
		}
	})
}
