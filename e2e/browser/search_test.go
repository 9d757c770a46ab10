package browser

import (
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/kanso-crm/kanso/internal/apptest"
	"github.com/kanso-crm/kanso/internal/orm"
)

// byText selects the first element matching css whose trimmed text is
// text (a JavaScript path, for the clicks of chromedp).
func byText(css, text string) chromedp.JSPath {
	return chromedp.JSPath(`Array.from(document.querySelectorAll(` + js(css) + `)).find(e => e.textContent.trim() === ` + js(text) + `) || null`)
}

// selectedText is the text of the chosen option of a select (JavaScript).
func selectedText(css string) string {
	return `(s => s && s.selectedIndex >= 0 ? s.options[s.selectedIndex].text : "")(document.querySelector(` + js(css) + `))`
}

// openSearchOptions unfolds "Filters, group by, favorites".
func (b *session) openSearchOptions() {
	b.t.Helper()
	if eval[bool](b, `document.querySelector("details.search-options").open`) {
		return
	}
	b.do("open the search options", chromedp.Click(chromedp.CSS("details.search-options > summary")),
		chromedp.WaitVisible(chromedp.ID("builder-apply")))
}

// facets are the texts of the search facets shown.
func (b *session) facets() []string {
	b.t.Helper()
	return eval[[]string](b, `Array.from(document.querySelectorAll("#search-form .facet")).map(a => a.textContent.replace(/\s+/g, " ").trim())`)
}

// listNames are the names in the first column of a list page, sorted.
func (b *session) listNames() []string {
	b.t.Helper()
	names := eval[[]string](b, `Array.from(document.querySelectorAll("#list-form table.list tbody tr")).map(r => r.cells[1].textContent.trim())`)
	sort.Strings(names)
	return names
}

// groupRows reads the grouped table: group label → count as shown.
func (b *session) groupRows() map[string]string {
	b.t.Helper()
	rows := eval[[][]string](b, `Array.from(document.querySelectorAll("#grouped tbody tr")).map(r => Array.from(r.cells).map(c => c.textContent.trim()))`)
	out := map[string]string{}
	for _, r := range rows {
		if len(r) < 2 {
			b.t.Fatalf("a row of the grouped table has %d cells: %v", len(r), r)
		}
		if _, dup := out[r[0]]; dup {
			b.t.Errorf("the grouped table has two rows %q", r[0])
		}
		out[r[0]] = r[1]
	}
	return out
}

// boardColumns reads the board: column label → count as shown.
func (b *session) boardColumns() map[string]string {
	b.t.Helper()
	type col struct {
		Label string `json:"label"`
		Count string `json:"count"`
	}
	cols := eval[[]col](b, `Array.from(document.querySelectorAll("#board section.column")).map(c => ({label: c.getAttribute("aria-label"), count: c.querySelector("[data-count]").textContent.trim()}))`)
	out := map[string]string{}
	for _, c := range cols {
		out[c.Label] = c.Count
	}
	return out
}

func sameStrings(a, b []string) bool {
	a, b = append([]string(nil), a...), append([]string(nil), b...)
	sort.Strings(a)
	sort.Strings(b)
	return fmt.Sprint(a) == fmt.Sprint(b)
}

func sameMap(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestSearchFilterGroupFavorite(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *apptest.Server) {
		const sellerName = "Bianca Popescu"
		seller := s.CreateUser(t, "bianca", "bianca-password", "sales_team.group_sale_salesman_all_leads")
		s.Sudo(t, func(env *orm.Env) error {
			return env.Write(env.Reg.Model("res.users"), []int64{seller}, orm.Values{"name": sellerName})
		})
		opp := func(name string, revenue float64, customer string, user int64) leadSpec {
			return leadSpec{name: name, stage: "New", vals: orm.Values{"expected_revenue": revenue, "partner_name": customer, "user_id": user}}
		}
		// the custom filter is: revenue > 500 and (name contains "roof" or
		// name contains "chair")
		w := newWorld(t, s,
			opp("Solar roof", 1000, "Acme Corp", 2),        // matches, customer Acme
			opp("Green roof", 300, "Acme Corp", 2),         // too small
			opp("CRM rollout", 5000, "Acme Corp", 2),       // other name
			opp("Roof repair", 2500, "Globex", 2),          // matches, other customer
			opp("Fence", 100, "Initech", 2),                // neither
			opp("Office chairs", 2000, "Acme Ltd", seller), // matches, customer Acme
			opp("Garden chairs", 4000, "Acme Ltd", seller), // matches, customer Acme
			opp("Printers", 8000, "Acme Ltd", seller),      // other name
			opp("Kitchen chairs", 700, "Globex", seller),   // matches, other customer
		)
		// a lead (not an opportunity) that matches everything: never listed
		s.Sudo(t, func(env *orm.Env) error {
			_, err := env.WithUser(2).Create(env.Reg.Model("crm.lead"), []orm.Values{{"name": "Roof lead", "type": "lead",
				"expected_revenue": 9000.0, "partner_name": "Acme Corp", "user_id": seller, "team_id": w.team}})
			return err
		})
		const admin = "Administrator"

		b := newSession(t, s, desktop)
		b.login("admin", apptest.AdminPassword)

		// ---- the custom filter builder on the opportunities list
		b.open("/list/opportunities", "#search-input")
		if n := len(b.listNames()); n != 9 {
			t.Fatalf("the list shows %d opportunities before any filter; want 9: %v", n, b.listNames())
		}
		b.openSearchOptions()
		top := "#builder > .bgroup"
		first := top + " > .brows > .brow"
		b.do("choose Expected Revenue, greater than, 500 in the first condition",
			chromedp.SetValue(chromedp.CSS(first+" select.bfield"), "expected_revenue"),
			chromedp.SetValue(chromedp.CSS(first+" select.bop"), ">"),
			chromedp.SendKeys(chromedp.CSS(first+" .bvalue"), "500"))
		if got := eval[string](b, selectedText(first+" select.bop")); got != "greater than" {
			t.Errorf("the operator shown is %q; want \"greater than\"", got)
		}
		if got := eval[string](b, `document.querySelector(`+js(first+" .bvalue")+`).type`); got != "number" {
			t.Errorf("the value of a money field is typed in an input of type %q; want number", got)
		}
		b.do("add a group", chromedp.Click(byText(top+" > button", "Add a group")),
			chromedp.WaitVisible(chromedp.CSS(top+" > .brows > .bgroup")))
		nested := top + " > .brows > .bgroup"
		b.do("set the group to Match any and add two conditions",
			chromedp.SetValue(chromedp.CSS(nested+" > select.bmode"), "|"),
			chromedp.Click(byText(nested+" > button", "Add a condition")),
			chromedp.Click(byText(nested+" > button", "Add a condition")),
			chromedp.WaitVisible(chromedp.CSS(nested+" > .brows > .brow:nth-child(2)")))
		if got := eval[string](b, selectedText(nested+" > select.bmode")); got != "Match any of these conditions" {
			t.Errorf("the nested group's mode reads %q", got)
		}
		for i, word := range []string{"roof", "chair"} {
			row := fmt.Sprintf("%s > .brows > .brow:nth-child(%d)", nested, i+1)
			b.do("condition Opportunity contains "+word,
				chromedp.SetValue(chromedp.CSS(row+" select.bfield"), "name"),
				chromedp.SetValue(chromedp.CSS(row+" select.bop"), "ilike"),
				chromedp.SendKeys(chromedp.CSS(row+" .bvalue"), word))
			if got := eval[string](b, selectedText(row+" select.bop")); got != "contains" {
				t.Errorf("condition %d: the operator shown is %q; want contains", i+1, got)
			}
		}
		if st := b.submit("apply the custom filter", chromedp.Click(chromedp.ID("builder-apply"))); st != 200 {
			t.Fatalf("applying the custom filter answered HTTP %d (%s)", st, eval[string](b, `document.body.innerText.slice(0, 300)`))
		}
		b.do("wait for the filtered list", chromedp.WaitVisible(chromedp.ID("search-input")))
		if msg := eval[string](b, `(e => e ? e.textContent.trim() : "")(document.querySelector(".alert.error"))`); msg != "" {
			t.Fatalf("the custom filter was refused: %s", msg)
		}
		d := eval[string](b, `new URLSearchParams(location.search).get("d") || ""`)
		var dom []any
		if err := json.Unmarshal([]byte(d), &dom); err != nil {
			t.Fatalf("the page has no custom filter in its address (d=%q): %v", d, err)
		}
		t.Logf("custom filter: %s", d)
		if want := `["&",["expected_revenue",">",500],"|",["name","ilike","roof"],["name","ilike","chair"]]`; d != want {
			t.Errorf("the builder wrote the domain %s; want %s", d, want)
		}
		matching := []string{"Garden chairs", "Kitchen chairs", "Office chairs", "Roof repair", "Solar roof"}
		if got := b.listNames(); !sameStrings(got, matching) {
			t.Errorf("rows with the custom filter: %v; want %v", got, matching)
		}
		if f := b.facets(); len(f) != 1 || !strings.HasPrefix(f[0], "Custom filter") {
			t.Errorf("facets with the custom filter: %q; want one \"Custom filter\"", f)
		}

		// ---- group by salesperson
		b.openSearchOptions()
		if st := b.submit("group by Salesperson", chromedp.Click(chromedp.CSS(`a[data-group="user_id"]`))); st != 200 {
			t.Fatalf("grouping answered HTTP %d", st)
		}
		b.do("wait for the grouped table", chromedp.WaitVisible(chromedp.ID("grouped")))
		if got, want := b.groupRows(), map[string]string{admin: "2", sellerName: "3"}; !sameMap(got, want) {
			t.Errorf("the grouped table (custom filter kept) shows %v; want %v", got, want)
		}
		if f := b.facets(); len(f) != 2 {
			t.Errorf("facets once grouped: %q; want the group and the custom filter", f)
		} else if !sameStrings(f, []string{"Group by: Salesperson ✕", "Custom filter ✕"}) {
			t.Errorf("facets once grouped: %q", f)
		}
		if eval[bool](b, `!!document.querySelector("#list-form table.list:not(.grouped)")`) {
			t.Errorf("the grouped page still shows the table of records")
		}

		// ---- a typed search, chosen from the suggestions with the keyboard
		b.do("type acm in the search box", chromedp.SendKeys(chromedp.ID("search-input"), "acm"))
		waitFor[int](b, "the suggestions are shown", `(l => !l.hidden && l.children.length)(document.getElementById("search-suggest"))`)
		// ArrowUp from the box goes to the last suggestion (the listbox
		// wraps around)
		b.do("press ArrowUp", chromedp.KeyEvent(kb.ArrowUp))
		last := eval[string](b, `document.querySelector("#search-suggest li:last-child").id`)
		if got := eval[string](b, `document.getElementById("search-input").getAttribute("aria-activedescendant")`); got != last {
			t.Errorf("ArrowUp in the search box made %q active; want the last suggestion %q", got, last)
		}
		// typing on proposes again, with no suggestion chosen
		b.do("type e", chromedp.SendKeys(chromedp.ID("search-input"), "e"))
		n := waitFor[int](b, "the suggestions are shown again", `(l => !l.hidden && !l.querySelector("li.active") && l.firstChild.textContent.endsWith(": acme") && l.children.length)(document.getElementById("search-suggest"))`)
		if n < 2 {
			t.Fatalf("%d suggestions; want one per searchable field", n)
		}
		if got := eval[string](b, `document.querySelector("#search-suggest li").textContent`); got != "Search Opportunity for: acme" {
			t.Errorf("the first suggestion reads %q", got)
		}
		b.do("press ArrowDown twice", chromedp.KeyEvent(kb.ArrowDown), chromedp.KeyEvent(kb.ArrowDown))
		if got := eval[string](b, `document.getElementById("search-input").getAttribute("aria-activedescendant")`); got != "suggest-customer" {
			t.Errorf("after two ArrowDown the active suggestion is %q; want suggest-customer", got)
		}
		if got := eval[string](b, `(e => e ? e.textContent : "")(document.querySelector("#search-suggest li.active"))`); got != "Search Customer for: acme" {
			t.Errorf("the highlighted suggestion reads %q", got)
		}
		if st := b.submit("press Enter", chromedp.KeyEvent(kb.Enter)); st != 200 {
			t.Fatalf("searching answered HTTP %d", st)
		}
		b.do("wait for the grouped table", chromedp.WaitVisible(chromedp.ID("grouped")))
		if f := b.facets(); !sameStrings(f, []string{"Customer: acme ✕", "Group by: Salesperson ✕", "Custom filter ✕"}) {
			t.Errorf("facets after choosing the suggestion: %q; want Customer: acme, the group and the custom filter", f)
		}
		if got := eval[string](b, `document.getElementById("search-input").value`); got != "" {
			t.Errorf("the search box still holds %q", got)
		}
		if got, want := b.groupRows(), map[string]string{admin: "1", sellerName: "2"}; !sameMap(got, want) {
			t.Errorf("the grouped table with Customer: acme shows %v; want %v", got, want)
		}

		// ---- save as a shared default favorite
		const favName = "Acme roofs and chairs"
		b.openSearchOptions()
		b.do("fill the favorite",
			chromedp.SendKeys(chromedp.ID("fav-name"), favName),
			chromedp.Click(chromedp.CSS(`#favorite-form input[name=shared]`)),
			chromedp.Click(chromedp.CSS(`#favorite-form input[name=default]`)))
		if !eval[bool](b, `document.querySelector("#favorite-form input[name=shared]").checked && document.querySelector("#favorite-form input[name=default]").checked`) {
			t.Fatalf("the favorite's checkboxes are not both checked")
		}
		if st := b.submit("save the favorite", chromedp.Click(chromedp.ID("fav-save"))); st != 200 {
			t.Fatalf("saving the favorite answered HTTP %d: %s", st, eval[string](b, `document.body.innerText.slice(0, 300)`))
		}
		b.do("wait for the grouped table", chromedp.WaitVisible(chromedp.ID("grouped")))
		loc, _ := url.Parse(b.location())
		if loc.Path != "/list/opportunities" || loc.Query().Get("fav") == "" || loc.Query().Get("g") != "user_id" {
			t.Errorf("after saving the page is %s; want the list grouped by user_id with fav=", loc)
		}
		if got, want := b.groupRows(), map[string]string{admin: "1", sellerName: "2"}; !sameMap(got, want) {
			t.Errorf("the grouped table after saving shows %v; want %v", got, want)
		}
		var fav orm.Values
		s.Sudo(t, func(env *orm.Env) error {
			recs, err := env.SearchRead(env.Reg.Model("ir.filters"), orm.Leaf{Path: "name", Op: "=", Value: favName},
				[]string{"model_id", "user_ids", "is_default", "domain", "context"}, orm.SearchOpts{}, false)
			if err != nil {
				return err
			}
			if len(recs) != 1 {
				return fmt.Errorf("%d saved filters named %q", len(recs), favName)
			}
			fav = recs[0]
			return nil
		})
		t.Logf("saved filter: %v", fav)
		if fav["model_id"] != "crm.lead" || fav["is_default"] != true {
			t.Errorf("saved filter: model %v, default %v; want crm.lead, true", fav["model_id"], fav["is_default"])
		}
		if u, _ := fav["user_ids"].([]int64); len(u) != 0 {
			t.Errorf("the favorite shared with all users is private to %v", u)
		}
		if c, _ := fav["context"].(string); !strings.Contains(c, `"user_id"`) {
			t.Errorf("the favorite does not keep the group-by: context %v", fav["context"])
		}
		if d, _ := fav["domain"].(string); !strings.Contains(d, "acme") || !strings.Contains(d, "expected_revenue") {
			t.Errorf("the favorite's domain lacks the typed search or the custom filter: %v", fav["domain"])
		}
		favID := itoa(fav["id"].(int64))
		if got := eval[string](b, `(a => a ? a.className : "missing")(Array.from(document.querySelectorAll("#favorites a")).find(a => a.textContent.trim() === `+js(favName)+`))`); got != "on" {
			t.Errorf("the new favorite in #favorites: class %q; want on (the current search)", got)
		}

		// ---- the pipeline: grouping by salesperson makes one column each
		b.open("/crm/pipeline?search=none&team="+itoa(w.team), "#board")
		if got := b.boardColumns()["New"]; got != "9" {
			t.Errorf("the pipeline's New column counts %q; want 9 (all the team's opportunities)", got)
		}
		b.openSearchOptions()
		if st := b.submit("group the pipeline by Salesperson", chromedp.Click(chromedp.CSS(`a[data-group="user_id"]`))); st != 200 {
			t.Fatalf("grouping the pipeline answered HTTP %d", st)
		}
		b.do("wait for the board", chromedp.WaitVisible(chromedp.ID("board")))
		if got, want := b.boardColumns(), map[string]string{admin: "5", sellerName: "4"}; !sameMap(got, want) {
			t.Errorf("the pipeline grouped by salesperson has the columns %v; want %v", got, want)
		}
		sellers := map[string]bool{"Office chairs": true, "Garden chairs": true, "Printers": true, "Kitchen chairs": true}
		for name, id := range w.leads {
			owner := admin
			if sellers[name] {
				owner = sellerName
			}
			col := eval[string](b, `(c => c ? c.closest("section.column").getAttribute("aria-label") : "")(document.querySelector(`+js(cardSel(id))+`))`)
			if col != owner {
				t.Errorf("the card %q is in the column %q; want %q", name, col, owner)
			}
		}

		// ---- the other salesperson finds the shared default favorite
		b2 := newSession(t, s, desktop)
		b2.login("bianca", "bianca-password")
		// the pipeline opens on the default favorite
		loc, _ = url.Parse(b2.location())
		if loc.Path != "/crm/pipeline" || loc.Query().Get("fav") != favID {
			t.Errorf("after logging in the other user is on %s; want the pipeline with the default favorite (fav=%s)", loc, favID)
		}
		if got, want := b2.boardColumns(), map[string]string{admin: "1", sellerName: "2"}; !sameMap(got, want) {
			t.Errorf("the other user's pipeline (default favorite) has the columns %v; want %v", got, want)
		}
		b2.open("/list/opportunities", "#search-input")
		loc, _ = url.Parse(b2.location())
		if loc.Query().Get("fav") != favID {
			t.Errorf("/list/opportunities without parameters went to %s; want the default favorite %s", loc, favID)
		}
		if !eval[bool](b2, `!!document.getElementById("grouped")`) {
			t.Fatalf("the other user's list is not grouped: the default favorite was not applied")
		}
		if got, want := b2.groupRows(), map[string]string{admin: "1", sellerName: "2"}; !sameMap(got, want) {
			t.Errorf("the other user's grouped table shows %v; want %v", got, want)
		}
		// a group's row opens its records
		if st := b2.submit("open the group "+sellerName, chromedp.Click(byText("#grouped tbody td a", sellerName))); st != 200 {
			t.Fatalf("opening a group answered HTTP %d", st)
		}
		b2.do("wait for the records", chromedp.WaitVisible(chromedp.CSS("#list-form table.list")))
		if got, want := b2.listNames(), []string{"Garden chairs", "Office chairs"}; !sameStrings(got, want) {
			t.Errorf("the group %s lists %v; want %v", sellerName, got, want)
		}
		b2.openSearchOptions()
		entry := eval[string](b2, `(li => li ? li.textContent.replace(/\s+/g, " ").trim() : "")(Array.from(document.querySelectorAll("#favorites li")).find(li => li.querySelector("a").textContent.trim() === `+js(favName)+`))`)
		if entry == "" {
			t.Fatalf("the other user does not find %q in #favorites: %q", favName, eval[string](b2, `document.getElementById("favorites").innerText`))
		}
		if !strings.Contains(entry, "(default)") || !strings.Contains(entry, "(shared)") {
			t.Errorf("the favorite reads %q for the other user; want it marked default and shared", entry)
		}
	})
}
