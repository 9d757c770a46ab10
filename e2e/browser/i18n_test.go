package browser

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/kanso-crm/kanso/internal/apptest"
	"github.com/kanso-crm/kanso/internal/i18n"
	"github.com/kanso-crm/kanso/internal/orm"
)

// navLink is a link of the main navigation.
type navLink struct {
	Href string `json:"href"`
	Text string `json:"text"`
}

// navLinks reads the main navigation.
func (b *session) navLinks() []navLink {
	b.t.Helper()
	return eval[[]navLink](b, `Array.from(document.querySelectorAll("#mainnav a")).map(a => ({href: a.getAttribute("href"), text: a.textContent.trim()}))`)
}

// knownNav are links every administrator has, with their English label.
var knownNav = map[string]string{"/crm/pipeline": "Pipeline", "/list/leads": "Leads", "/list/customers": "Customers",
	"/crm/activities": "My Activities", "/crm/reporting": "Reporting", "/config": "Configuration"}

// switchLanguage chooses a language in the preferences and saves.
func (b *session) switchLanguage(lang string) {
	b.t.Helper()
	b.open("/web/preferences", "#pref-lang")
	b.do("choose "+lang, chromedp.SetValue(chromedp.ID("pref-lang"), lang))
	if got := eval[string](b, `document.getElementById("pref-lang").value`); got != lang {
		b.t.Fatalf("the language list has no %s (value %q)", lang, got)
	}
	if st := b.submit("save the preferences", chromedp.Click(chromedp.ID("btn-save-prefs"))); st != 200 {
		b.t.Fatalf("saving the preferences answered HTTP %d: %s", st, eval[string](b, `document.body.innerText.slice(0, 300)`))
	}
	b.do("wait for the preferences", chromedp.WaitVisible(chromedp.ID("pref-lang")))
}

// checkLanguage checks the page chrome and the pipeline in a language.
func checkLanguage(t *testing.T, s *apptest.Server, b *session, w *world, english []navLink, lang string) {
	t.Helper()
	T := func(msg string) string { return i18n.T(lang, msg) }
	htmlLang := strings.SplitN(lang, "_", 2)[0]

	// the preferences page, just saved
	if got := eval[string](b, `document.documentElement.lang`); got != htmlLang {
		t.Errorf("%s: the preferences page has <html lang=%q>; want %q", lang, got, htmlLang)
	}
	if got := eval[string](b, `(e => e ? e.textContent.trim() : "")(document.querySelector(".alert.ok[role=status]"))`); got != T("Saved.") {
		t.Errorf("%s: the confirmation reads %q; want %q", lang, got, T("Saved."))
	}
	if got := eval[string](b, `document.querySelector("main h1").textContent.trim()`); got != T("Preferences") {
		t.Errorf("%s: the preferences title reads %q; want %q", lang, got, T("Preferences"))
	}
	if got := eval[string](b, `document.getElementById("pref-lang").value`); got != lang {
		t.Errorf("%s: the language list shows %q after saving", lang, got)
	}
	var stored any
	s.Sudo(t, func(env *orm.Env) error {
		v, err := env.ReadValues(env.Reg.Model("res.users"), []int64{2}, []string{"lang"})
		if err == nil {
			stored = v[0]["lang"]
		}
		return err
	})
	if stored != lang {
		t.Errorf("%s: the user's language in the database is %v", lang, stored)
	}

	// the navigation: the same links as in English, each label
	// translated by the catalogue
	nav := b.navLinks()
	if len(nav) != len(english) {
		t.Fatalf("%s: the navigation has %d links %v; in English %d %v", lang, len(nav), nav, len(english), english)
	}
	translated := 0
	for i, en := range english {
		if nav[i].Href != en.Href {
			t.Errorf("%s: navigation link %d goes to %s; in English to %s", lang, i+1, nav[i].Href, en.Href)
			continue
		}
		if nav[i].Text != T(en.Text) {
			t.Errorf("%s: the navigation link %s reads %q; want %q", lang, en.Href, nav[i].Text, T(en.Text))
		}
		if lang == "en_US" {
			continue
		}
		if m := i18n.Missing(lang, []string{en.Text}); len(m) > 0 {
			t.Errorf("%s: the navigation link %s stays %q: the catalogue has no translation for it", lang, en.Href, nav[i].Text)
		}
		if _, known := knownNav[en.Href]; known && nav[i].Text != en.Text {
			translated++
		}
	}
	if lang != "en_US" && translated < 4 {
		t.Errorf("%s: only %d of the navigation links differ from English: %v", lang, translated, nav)
	}
	if got := eval[string](b, `document.getElementById("logout").textContent.trim()`); got != T("Log out") {
		t.Errorf("%s: the logout button reads %q; want %q", lang, got, T("Log out"))
	}

	// the pipeline
	b.open("/crm/pipeline?search=none&team="+itoa(w.team), "#board")
	if got := eval[string](b, `document.documentElement.lang`); got != htmlLang {
		t.Errorf("%s: the pipeline has <html lang=%q>; want %q", lang, got, htmlLang)
	}
	if got := eval[string](b, `document.querySelector("main p.hint").textContent.trim()`); got != T("Drag a card to another stage, or select it and press ← or → to move it; Enter opens it.") {
		t.Errorf("%s: the pipeline's hint reads %q", lang, got)
	}
	if got := eval[string](b, `document.querySelector("details.search-options > summary").textContent.trim()`); got != T("Filters, group by, favorites") {
		t.Errorf("%s: the search options read %q; want %q", lang, got, T("Filters, group by, favorites"))
	}
	if got := eval[string](b, `document.getElementById("search-input").placeholder`); got != T("Search…") {
		t.Errorf("%s: the search box says %q; want %q", lang, got, T("Search…"))
	}
	stages := eval[[]string](b, `Array.from(document.querySelectorAll("#board section.column .stage-name")).map(e => e.textContent.trim())`)
	want := []string{T("New"), T("Qualified"), T("Proposition"), T("Won")}
	if len(stages) < len(want) || strings.Join(stages[:len(want)], "|") != strings.Join(want, "|") {
		t.Errorf("%s: the pipeline's columns are %q; want %q first", lang, stages, want)
	}
	if got := eval[string](b, `document.querySelector(`+js(cardSel(w.leads["Solar roof"])+" .revenue")+`).textContent`); !strings.Contains(got, i18n.Number(lang, 12345.5, 2)) {
		t.Errorf("%s: the card's revenue reads %q; want the amount written %q", lang, got, i18n.Number(lang, 12345.5, 2))
	}
	if got := eval[string](b, `document.querySelector(".quick-create summary").textContent.trim()`); got != T("+ Quick add") {
		t.Errorf("%s: the quick add reads %q; want %q", lang, got, T("+ Quick add"))
	}
}

func TestLanguageSwitch(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *apptest.Server) {
		w := newWorld(t, s, leadSpec{name: "Solar roof", stage: "New", vals: orm.Values{"expected_revenue": 12345.5}})
		b := newSession(t, s, desktop)
		b.login("admin", apptest.AdminPassword)
		b.open("/web/preferences", "#pref-lang")
		if got := eval[string](b, `document.documentElement.lang`); got != "en" {
			t.Fatalf("before switching the page has <html lang=%q>; want en", got)
		}
		english := b.navLinks()
		for _, l := range english {
			if want, ok := knownNav[l.Href]; ok && l.Text != want {
				t.Errorf("in English the navigation link %s reads %q; want %q", l.Href, l.Text, want)
			}
		}
		if len(english) < len(knownNav) {
			t.Fatalf("the navigation has %d links %v; want at least %d", len(english), english, len(knownNav))
		}
		for _, lang := range []string{"id_ID", "ro_RO", "en_US"} {
			if lang != "en_US" && i18n.T(lang, "My Activities") == "My Activities" {
				t.Fatalf("the %s catalogue does not translate \"My Activities\"", lang)
			}
			b.switchLanguage(lang)
			checkLanguage(t, s, b, w, english, lang)
		}
	})
}
