package browser

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/kanso-crm/kanso/internal/apptest"
	"github.com/kanso-crm/kanso/internal/orm"
)

type point struct {
	X float64 `json:"x"`
	Y float64 `json:"y"`
}

// buttons sets the buttons held during a mouse event.
func buttons(n int64) chromedp.MouseOption {
	return func(p *input.DispatchMouseEventParams) { p.Buttons = n }
}

func cardSel(id int64) string   { return "#card-" + itoa(id) }
func listSel(id int64) string   { return "#cards-" + itoa(id) }
func columnSel(id int64) string { return `section.column[data-stage="` + itoa(id) + `"]` }

// inList tells whether the card is in the list now (JavaScript).
func inList(card, stage int64) string {
	return fmt.Sprintf(`!!document.querySelector(%s + " > " + %s)`, js(listSel(stage)), js(cardSel(card)))
}

// drag drags a card onto a column's list with real mouse events, as a
// person does: press on the card (on its text, not on its link), move in
// small steps, hold the button until SortableJS (which follows the mouse
// every 50 ms in its fallback mode) has put the card into the list, and
// release.
func (b *session) drag(card, stage int64) {
	b.t.Helper()
	from := eval[point](b, `(() => { const c = document.querySelector(`+js(cardSel(card))+`);
		const e = c.querySelector(".customer") || c; const r = e.getBoundingClientRect();
		return {x: r.left + Math.min(10, r.width / 2), y: r.top + r.height / 2}; })()`)
	to := eval[point](b, `(() => { const r = document.querySelector(`+js(listSel(stage))+`).getBoundingClientRect();
		return {x: r.left + r.width / 2, y: r.top + Math.min(16, r.height / 2)}; })()`)
	steps := []chromedp.Action[chromedp.Void]{
		chromedp.MouseEvent(chromedp.MouseMoved, from.X, from.Y),
		chromedp.MouseEvent(chromedp.MousePressed, from.X, from.Y, chromedp.ButtonLeft, buttons(1), chromedp.ClickCount(1)),
	}
	const n = 16
	for i := 1; i <= n; i++ {
		x := from.X + (to.X-from.X)*float64(i)/n
		y := from.Y + (to.Y-from.Y)*float64(i)/n
		steps = append(steps, chromedp.MouseEvent(chromedp.MouseMoved, x, y, chromedp.ButtonLeft, buttons(1)))
	}
	what := fmt.Sprintf("drag card %d to stage %d", card, stage)
	b.do(what, steps...)
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	_, werr := chromedp.Run(ctx, chromedp.Poll[bool](inList(card, stage), chromedp.WithPollingTimeout(10*time.Second)))
	// release even when the card did not follow, so the page is not left
	// in the middle of a drag
	rerr := chromedp.Do(ctx, chromedp.MouseEvent(chromedp.MouseReleased, to.X, to.Y, chromedp.ButtonLeft, chromedp.ClickCount(1)))
	if werr != nil {
		b.fail(what+": the card did not follow the mouse into the list", werr)
	}
	if rerr != nil {
		b.fail(what+": release the mouse", rerr)
	}
}

// forgetMove clears the answer of an earlier move of a card.
func (b *session) forgetMove(card int64) {
	b.t.Helper()
	eval[bool](b, `delete document.querySelector(`+js(cardSel(card))+`).dataset.moveResult`)
}

// waitMove waits until the page has the server's answer for a card's move.
func (b *session) waitMove(card int64) string {
	b.t.Helper()
	return waitFor[string](b, "the move of card "+itoa(card)+" is answered",
		`(c => c && c.dataset.moveResult)(document.querySelector(`+js(cardSel(card))+`))`)
}

// count is the number shown in a column's head.
func (b *session) count(stage int64) string {
	b.t.Helper()
	return eval[string](b, `document.querySelector(`+js(columnSel(stage)+" [data-count]")+`).textContent.trim()`)
}

// index is the place of a card among the cards of its list (-1 if absent).
func (b *session) index(card, stage int64) int {
	b.t.Helper()
	return eval[int](b, `Array.from(document.querySelectorAll(`+js(listSel(stage)+" > li.card")+`)).findIndex(c => c.id === `+js(cardSel(card)[1:])+`)`)
}

func stageOf(t *testing.T, s *apptest.Server, lead int64) any {
	t.Helper()
	return leadValues(t, s, lead, "stage_id")["stage_id"]
}

func TestPipelineDragAndDrop(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *apptest.Server) {
		w := newWorld(t, s, leadSpec{name: "Solar roof", stage: "New"}, leadSpec{name: "CRM rollout", stage: "New"},
			leadSpec{name: "Laptops", stage: "Qualified"})
		solar, rollout, laptops := w.leads["Solar roof"], w.leads["CRM rollout"], w.leads["Laptops"]
		newS, qualified, proposition := w.stages["New"], w.stages["Qualified"], w.stages["Proposition"]
		b := newSession(t, s, desktop)
		b.login("admin", apptest.AdminPassword)
		board := "/crm/pipeline?all=1&team=" + itoa(w.team)
		b.open(board, cardSel(solar))
		if c1, c2 := b.count(newS), b.count(qualified); c1 != "2" || c2 != "1" {
			t.Fatalf("counts before the drag: New %s, Qualified %s; want 2 and 1", c1, c2)
		}

		// drag Solar roof from New to Qualified
		b.drag(solar, qualified)
		if res := b.waitMove(solar); res != "saved" {
			t.Fatalf("the move answered %q; want saved (toast: %q)", res, eval[string](b, `document.getElementById("toast").textContent`))
		}
		if got := stageOf(t, s, solar); got != qualified {
			t.Fatalf("stage in the database after the drag: %v; want Qualified (%d)", got, qualified)
		}
		if c1, c2 := b.count(newS), b.count(qualified); c1 != "1" || c2 != "2" {
			t.Errorf("counts after the drag: New %s, Qualified %s; want 1 and 2", c1, c2)
		}
		// after a reload the card is in Qualified
		b.open(board, cardSel(solar))
		if !eval[bool](b, inList(solar, qualified)) {
			t.Errorf("after a reload the card is not in the Qualified list")
		}

		// a refused move: someone changed the card after the page was loaded
		before := b.index(rollout, newS)
		if before < 0 {
			t.Fatalf("CRM rollout is not in the New list")
		}
		writeLater(t, s, rollout, orm.Values{"expected_revenue": 2000.0})
		b.forgetMove(rollout)
		b.drag(rollout, proposition)
		if res := b.waitMove(rollout); res != "refused" {
			t.Fatalf("the move of a card changed meanwhile answered %q; want refused", res)
		}
		if !eval[bool](b, inList(rollout, newS)) {
			t.Errorf("the refused card did not return to the New list")
		} else if after := b.index(rollout, newS); after != before {
			t.Errorf("the refused card came back at place %d; it was at %d", after, before)
		}
		if eval[bool](b, inList(rollout, proposition)) {
			t.Errorf("the refused card stays in the Proposition list")
		}
		toast := eval[string](b, `(t => t.hidden ? "" : t.textContent.trim())(document.getElementById("toast"))`)
		if toast == "" {
			t.Errorf("no reason is shown in #toast for the refusal")
		} else {
			t.Logf("refusal shown: %q", toast)
		}
		if c1, c3 := b.count(newS), b.count(proposition); c1 != "1" || c3 != "0" {
			t.Errorf("counts after the refusal: New %s, Proposition %s; want 1 and 0", c1, c3)
		}
		v := leadValues(t, s, rollout, "stage_id", "expected_revenue")
		if v["stage_id"] != newS {
			t.Errorf("the refused move changed the stage in the database to %v", v["stage_id"])
		}
		if v["expected_revenue"] != 2000.0 {
			t.Errorf("the other change was lost: expected_revenue %v", v["expected_revenue"])
		}

		// the keyboard does what dragging does
		b.open(board, cardSel(laptops))
		b.do("focus Laptops and press the right arrow", chromedp.Focus(chromedp.CSS(cardSel(laptops))), chromedp.KeyEvent(kb.ArrowRight))
		if res := b.waitMove(laptops); res != "saved" {
			t.Fatalf("the keyboard move answered %q; want saved", res)
		}
		if !eval[bool](b, inList(laptops, proposition)) {
			t.Errorf("after ArrowRight the card is not in the Proposition list")
		}
		if c2, c3 := b.count(qualified), b.count(proposition); c2 != "1" || c3 != "1" {
			t.Errorf("counts after the keyboard move: Qualified %s, Proposition %s; want 1 and 1", c2, c3)
		}
		if !eval[bool](b, `document.activeElement === document.querySelector(`+js(cardSel(laptops))+`)`) {
			t.Errorf("the moved card lost the focus")
		}
		if got := stageOf(t, s, laptops); got != proposition {
			t.Errorf("keyboard move: stage in the database %v; want Proposition (%d)", got, proposition)
		}
		b.open(board, cardSel(laptops))
		if !eval[bool](b, inList(laptops, proposition)) {
			t.Errorf("after a reload the card moved with the keyboard is not in the Proposition list")
		}
	})
}
