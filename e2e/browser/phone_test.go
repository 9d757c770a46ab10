package browser

import (
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/kanso-crm/kanso/internal/apptest"
)

func TestPhonePipeline(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *apptest.Server) {
		w := newWorld(t, s, leadSpec{name: "Solar roof", stage: "New"}, leadSpec{name: "CRM rollout", stage: "New"},
			leadSpec{name: "Laptops", stage: "Qualified"}, leadSpec{name: "Office chairs", stage: "Proposition"})
		b := newSession(t, s, phone)
		b.login("admin", apptest.AdminPassword)
		b.open("/crm/pipeline?all=1&team="+itoa(w.team), cardSel(w.leads["Solar roof"]))
		// the screenshot is kept also when the test passes
		shot := filepath.Join(screenshotDir(), "phone-pipeline.jpg")
		if err := b.saveScreenshot(shot); err != nil {
			t.Errorf("save %s: %v", shot, err)
		} else {
			t.Logf("screenshot: %s", shot)
		}

		if vw := eval[int](b, `window.innerWidth`); vw != int(phone.w) {
			t.Fatalf("the page is %d CSS pixels wide; want %d", vw, phone.w)
		}
		if !eval[bool](b, `(e => !!e && e.offsetWidth > 0 && getComputedStyle(e).display !== "none")(document.querySelector(".menu-toggle"))`) {
			t.Errorf("the menu button is not shown on a phone")
		}
		if n := eval[int](b, `Array.from(document.querySelectorAll("#mainnav a")).filter(a => a.offsetParent !== null).length`); n != 0 {
			t.Errorf("%d navigation links are shown before the menu is opened", n)
		}
		type col struct {
			Stage string  `json:"stage"`
			Width float64 `json:"width"`
		}
		cols := eval[[]col](b, `Array.from(document.querySelectorAll("section.column")).map(c => ({stage: c.getAttribute("aria-label"), width: c.getBoundingClientRect().width}))`)
		if len(cols) < 4 {
			t.Errorf("the board has %d columns; want the 4 shared stages", len(cols))
		}
		for _, c := range cols {
			if c.Width > float64(phone.w) {
				t.Errorf("the column %s is %.1f px wide, wider than the %d px screen", c.Stage, c.Width, phone.w)
			}
		}
		type scroll struct {
			ScrollWidth int `json:"scrollWidth"`
			ClientWidth int `json:"clientWidth"`
		}
		sc := eval[scroll](b, `(e => ({scrollWidth: e.scrollWidth, clientWidth: e.clientWidth}))(document.getElementById("board"))`)
		if sc.ScrollWidth <= sc.ClientWidth {
			t.Errorf("the board does not scroll sideways: scrollWidth %d, clientWidth %d", sc.ScrollWidth, sc.ClientWidth)
		}
		if pw := eval[int](b, `document.documentElement.scrollWidth`); pw > int(phone.w) {
			t.Errorf("the page itself is %d px wide on a %d px screen: it scrolls sideways, not only the board", pw, phone.w)
		}

		// the menu button opens the navigation
		b.do("tap the menu button", chromedp.Tap(chromedp.CSS(".menu-toggle")))
		n := waitFor[int](b, "the navigation links are shown",
			`Array.from(document.querySelectorAll("#mainnav a")).filter(a => a.offsetParent !== null && a.getBoundingClientRect().height > 0).length`)
		if total := eval[int](b, `document.querySelectorAll("#mainnav a").length`); n != total {
			t.Errorf("%d of %d navigation links are shown after opening the menu", n, total)
		}
		if got := eval[string](b, `document.querySelector(".menu-toggle").getAttribute("aria-expanded")`); got != "true" {
			t.Errorf("the menu button has aria-expanded=%q once open", got)
		}
		if !eval[bool](b, `(a => { const r = a.getBoundingClientRect(); return r.right <= innerWidth && r.left >= 0; })(document.querySelector("#mainnav a[href='/crm/pipeline']"))`) {
			t.Errorf("the Pipeline link is outside the screen")
		}
	})
}
