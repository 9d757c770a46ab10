package web_test

import (
	"encoding/json"
	"html"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/kanso-crm/kanso/internal/base"
	"github.com/kanso-crm/kanso/internal/orm"
	"github.com/kanso-crm/kanso/internal/testutil"
)

// The kanban step of the drill-down (issue 6): the board takes a domain d
// like the lists, shows the records of every team when asked for all
// teams, keeps the filter when a team is chosen, and its List button opens
// the list of the same records.

var (
	cardRe   = regexp.MustCompile(`id="card-(\d+)"`)
	listIDRe = regexp.MustCompile(`name="ids" value="(\d+)"`)
)

// idsIn are the ids a page shows, sorted, by a regexp with one group.
func idsIn(re *regexp.Regexp, body string) []string {
	var out []string
	for _, m := range re.FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	sort.Strings(out)
	return out
}

func idList(ids ...int64) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = itoa(id)
	}
	sort.Strings(out)
	return out
}

// attr is the value of an attribute of the element with the id, as the
// browser reads it.
func attr(t *testing.T, body, id, name string) string {
	t.Helper()
	tag := regexp.MustCompile(`<[a-z]+ [^>]*id="` + regexp.QuoteMeta(id) + `"[^>]*>`).FindString(body)
	if tag == "" {
		t.Fatalf("no element #%s in the page", id)
	}
	m := regexp.MustCompile(`\s` + name + `="([^"]*)"`).FindStringSubmatch(tag)
	if m == nil {
		t.Fatalf("#%s has no %s: %s", id, name, tag)
	}
	return html.UnescapeString(m[1])
}

// hiddenInputs are the hidden inputs of the team switcher.
func hiddenInputs(body string) url.Values {
	out := url.Values{}
	start := strings.Index(body, `id="team-form"`)
	end := strings.Index(body[max(start, 0):], "</form>")
	if start < 0 || end < 0 {
		return out
	}
	for _, m := range regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)"`).FindAllStringSubmatch(body[start:start+end], -1) {
		out.Add(m[1], html.UnescapeString(m[2]))
	}
	return out
}

func TestPipelineKanbanDomainAndList(t *testing.T) {
	testutil.Run(t, func(t *testing.T, be testutil.Backend) {
		p := newPages(t, be)
		var europe, field, fieldNew int64
		var reason int64
		p.s.Sudo(t, func(env *orm.Env) error {
			teams := env.Reg.Model("crm.team")
			ids, err := env.Create(teams, []orm.Values{{"name": "Europe"}})
			if err != nil {
				return err
			}
			europe = ids[0]
			// a team with its own stages
			if ids, err = env.Create(teams, []orm.Values{{"name": "Field", "stage_set": "activity"}}); err != nil {
				return err
			}
			field = ids[0]
			st, err := env.Search(env.Reg.Model("crm.stage"), orm.And{orm.Leaf{Path: "team_ids", Op: "in", Value: []any{field}},
				orm.Leaf{Path: "name", Op: "=", Value: "New"}}, orm.SearchOpts{})
			if err != nil || len(st) != 1 {
				t.Fatalf("the Field team's New stage: %v %v", st, err)
			}
			fieldNew = st[0]
			reason, err = base.XID(env, "crm.lost_reason_1")
			return err
		})
		opp := func(name string, team, stage int64, revenue float64) int64 {
			return p.lead(t, orm.Values{"name": name, "type": "opportunity", "team_id": team, "stage_id": stage, "expected_revenue": revenue, "partner_name": "Acme " + name})
		}
		a := opp("Alpha", p.team, p.stages["New"], 100)
		b := opp("Bravo", europe, p.stages["Qualified"], 200)
		c := opp("Charlie", p.team, p.stages["Qualified"], 300)
		d := opp("Delta", p.team, p.stages["Won"], 400)
		e := opp("Echo", europe, p.stages["New"], 50)
		f := opp("Foxtrot", field, fieldNew, 600)
		g := opp("Golf", field, fieldNew, 700)
		p.s.Sudo(t, func(env *orm.Env) error {
			for _, id := range []int64{c, g} {
				if _, err := env.WithUser(2).CallMethod(env.Reg.Model("crm.lead"), "action_set_lost", []int64{id}, map[string]any{"lost_reason_id": reason}); err != nil {
					return err
				}
			}
			return nil
		})

		// ---- all teams, the records of a domain (as a figure gives it):
		// archived ones too, 150 and more, of the shared-stage teams
		dom := `["&", "&", ["active", "in", [true, false]], ["expected_revenue", ">=", 150], ["team_id", "in", [` + itoa(p.team) + `, ` + itoa(europe) + `]]]`
		board := "/crm/pipeline?team=all&d=" + url.QueryEscape(dom)
		st, body := p.b.get(board)
		if st != 200 {
			t.Fatalf("%s: %d", board, st)
		}
		// Delta is alone in the folded Won column: its cards come when it is unfolded
		if got, want := idsIn(cardRe, body), idList(b, c); !sameList(got, want) {
			t.Errorf("the board of all teams shows the cards %v; want %v (Bravo of Europe, Charlie lost, of Sales)", got, want)
		}
		// each card says its team
		for id, team := range map[int64]string{b: "Europe", c: "Sales"} {
			card := regexp.MustCompile(`(?s)id="card-` + itoa(id) + `">.*?</li>`).FindString(body)
			if !strings.Contains(card, `card-team" title="Sales Team">`+team+`<`) {
				t.Errorf("the card %d on the board of all teams does not say its team %s: %s", id, team, card)
			}
		}
		won := regexp.MustCompile(`(?s)<section class="column folded won"[^>]*data-stage="` + itoa(p.stages["Won"]) + `".*?</section>`).FindString(body)
		if won == "" {
			t.Fatalf("the Won column is not folded")
		}
		more := regexp.MustCompile(`hx-get="([^"]+)"`).FindStringSubmatch(won)
		if more == nil || !strings.Contains(won, `data-count>1<`) {
			t.Fatalf("the folded Won column offers no cards to load: %s", won)
		}
		if _, col := p.b.get(html.UnescapeString(more[1])); !sameList(idsIn(cardRe, col), idList(d)) {
			t.Errorf("unfolding the Won column loads %v; want Delta", idsIn(cardRe, col))
		}
		if !regexp.MustCompile(`<option value="all" selected>`).MatchString(body) {
			t.Errorf("the team switcher does not show All teams")
		}
		if strings.Contains(body, `class="quick-create"`) {
			t.Errorf("the board of all teams offers a quick create, which needs a team")
		}
		if strings.Contains(body, `data-droppable="false"`) || strings.Contains(body, `id="mixed-hint"`) {
			t.Errorf("a board of shared stages refuses drops")
		}
		// its List button: the same records
		list := attr(t, body, "btn-list", "href")
		lu, _ := url.Parse(list)
		if lu.Path != "/list/opportunities" || lu.Query().Get("d") != dom {
			t.Errorf("the List button opens %s; want the list with d=%s", list, dom)
		}
		_, lbody := p.b.get(list)
		if got, want := idsIn(listIDRe, lbody), idList(b, c, d); !sameList(got, want) {
			t.Errorf("the list of the board shows %v; want %v", got, want)
		}

		// ---- choosing a team keeps the filter
		kept := hiddenInputs(body)
		if kept.Get("d") != dom || kept.Has("team") {
			t.Fatalf("the team switcher keeps %v; want the domain only", kept)
		}
		kept.Set("team", itoa(p.team))
		_, body = p.b.get("/crm/pipeline?" + kept.Encode())
		if got, want := idsIn(cardRe, body), idList(c); !sameList(got, want) {
			// Delta is in the folded Won column, not alone (Charlie)
			t.Errorf("the Sales board of the domain shows %v; want %v", got, want)
		}
		if strings.Contains(body, "card-team") {
			t.Errorf("the board of one team names the team on its cards")
		}
		list = attr(t, body, "btn-list", "href")
		_, lbody = p.b.get(list)
		if got, want := idsIn(listIDRe, lbody), idList(c, d); !sameList(got, want) {
			t.Errorf("the list of the Sales board (%s) shows %v; want %v", list, got, want)
		}
		var ld []any
		if err := json.Unmarshal([]byte(mustQuery(t, list).Get("d")), &ld); err != nil || !strings.Contains(mustQuery(t, list).Get("d"), `["team_id","=",`+itoa(p.team)+`]`) {
			t.Errorf("the List button of the Sales board does not carry the team in d: %s (%v)", list, err)
		}

		// ---- a search, a filter and the free text are carried too
		_, body = p.b.get("/crm/pipeline?team=" + itoa(europe) + "&s=" + url.QueryEscape("customer:acme") + "&f=open&q=bravo")
		if got, want := idsIn(cardRe, body), idList(b); !sameList(got, want) {
			t.Errorf("the Europe board searching bravo shows %v; want Bravo", got)
		}
		list = attr(t, body, "btn-list", "href")
		lq := mustQuery(t, list)
		if lq.Get("s") != "customer:acme" || lq.Get("f") != "open" {
			t.Errorf("the List button drops the search: %s", list)
		}
		_, lbody = p.b.get(list)
		if got, want := idsIn(listIDRe, lbody), idList(b); !sameList(got, want) {
			t.Errorf("the list of the Europe board searching bravo (%s) shows %v; want Bravo", list, got)
		}
		// the same without the free text: Bravo and Echo
		_, body = p.b.get("/crm/pipeline?team=" + itoa(europe) + "&f=open")
		_, lbody = p.b.get(attr(t, body, "btn-list", "href"))
		if got, want := idsIn(listIDRe, lbody), idList(b, e); !sameList(got, want) {
			t.Errorf("the list of the Europe board shows %v; want Bravo and Echo", got)
		}

		// ---- a team with a Lost column: the list has its lost cards too
		_, body = p.b.get("/crm/pipeline?team=" + itoa(field) + "&search=none")
		if got, want := idsIn(cardRe, body), idList(f, g); !sameList(got, want) {
			t.Errorf("the Field board shows %v; want Foxtrot and Golf (lost)", got)
		}
		_, lbody = p.b.get(attr(t, body, "btn-list", "href"))
		if got, want := idsIn(listIDRe, lbody), idList(f, g); !sameList(got, want) {
			t.Errorf("the list of the Field board shows %v; want Foxtrot and Golf", got)
		}

		// ---- all teams, stages of several pipelines: cards are not moved there
		_, body = p.b.get("/crm/pipeline?team=all&search=none")
		if got, want := idsIn(cardRe, body), idList(a, b, e, f); !sameList(got, want) {
			t.Errorf("the board of all teams shows %v; want %v (Charlie and Golf are lost, so archived; Delta is in the folded Won)", got, want)
		}
		if !strings.Contains(body, `data-stage="`+itoa(fieldNew)+`"`) || !strings.Contains(body, `data-droppable="false"`) ||
			strings.Contains(body, `data-droppable="true"`) || !strings.Contains(body, `id="mixed-hint"`) {
			t.Errorf("the board of all teams mixing stage sets does not show the Field stages without drops")
		}
	})
}

func sameList(a, b []string) bool { return strings.Join(a, ",") == strings.Join(b, ",") }

func mustQuery(t *testing.T, u string) url.Values {
	t.Helper()
	x, err := url.Parse(u)
	if err != nil {
		t.Fatalf("%s: %v", u, err)
	}
	return x.Query()
}

// The drill-down's graph opens the kanban: the figure's link asks for it,
// the analysis keeps it in its links and its bars open the board of all
// teams with their domain.
func TestDrillGraphOpensKanban(t *testing.T) {
	testutil.Run(t, func(t *testing.T, be testutil.Backend) {
		p := newPages(t, be)
		dashboardWorld(t, p)
		_, body := p.b.get("/dashboards/missed-sales")
		m := regexp.MustCompile(`<a class="value" href="([^"]+)"`).FindStringSubmatch(body)
		if m == nil {
			t.Fatal("the missed sales figure has no link")
		}
		graph := html.UnescapeString(m[1])
		if q := mustQuery(t, graph); q.Get("drill") != "kanban" || q.Get("view") != "graph" {
			t.Fatalf("the figure opens %s; want the graph of the drill-down", graph)
		}
		_, body = p.b.get(graph)
		cd := chartJSON(t, body)
		if len(cd.Series) != 1 || len(cd.Series[0].Data) != 1 {
			t.Fatalf("the graph of the lost opportunities: %+v", cd)
		}
		bar := cd.Series[0].Data[0].URL
		bu, _ := url.Parse(bar)
		if bu.Path != "/crm/pipeline" || bu.Query().Get("team") != "all" || !strings.Contains(bu.Query().Get("d"), `"user_id","=",2`) {
			t.Fatalf("the bar opens %s; want the kanban of all teams with the bar's domain", bar)
		}
		// the switch to the pivot stays in the drill-down
		if pv := regexp.MustCompile(`href="([^"]+)"[^>]*id="view-pivot"`).FindStringSubmatch(body); pv == nil || mustQuery(t, html.UnescapeString(pv[1])).Get("drill") != "kanban" {
			t.Errorf("the pivot switch leaves the drill-down: %v", pv)
		}
		_, body = p.b.get(bar)
		cards := idsIn(cardRe, body)
		_, lbody := p.b.get(attr(t, body, "btn-list", "href"))
		if rows := idsIn(listIDRe, lbody); len(cards) != 1 || !sameList(rows, cards) {
			t.Errorf("the bar's kanban shows %v and its list %v; want the one lost opportunity of the month in both", cards, rows)
		}
		// the analysis opened from the menu still opens the list
		_, body = p.b.get("/crm/reporting/pipeline?view=graph&r=user_id&c=")
		if cd := chartJSON(t, body); len(cd.Series) == 0 || len(cd.Series[0].Data) == 0 || !strings.HasPrefix(cd.Series[0].Data[0].URL, "/list/opportunities?d=") {
			t.Errorf("the Pipeline Analysis opened from the menu: %+v", cd)
		}
	})
}

// TestListPipelineButtonKeepsTheSearch: the Pipeline button of the list of
// opportunities opens the board of every team with the list's search, so
// its cards are the list's rows; without a search it is the default board.
func TestListPipelineButtonKeepsTheSearch(t *testing.T) {
	testutil.Run(t, func(t *testing.T, be testutil.Backend) {
		p := newPages(t, be)
		var europe int64
		p.s.Sudo(t, func(env *orm.Env) error {
			ids, err := env.Create(env.Reg.Model("crm.team"), []orm.Values{{"name": "Europe"}})
			europe = ids[0]
			return err
		})
		opp := func(name string, team, stage int64, revenue float64) int64 {
			return p.lead(t, orm.Values{"name": name, "type": "opportunity", "team_id": team, "stage_id": stage, "expected_revenue": revenue})
		}
		big1 := opp("Big Sales", p.team, p.stages["New"], 5000)
		big2 := opp("Big Europe", europe, p.stages["Qualified"], 6000)
		opp("Small Sales", p.team, p.stages["New"], 10)
		opp("Small Europe", europe, p.stages["New"], 20)
		dom := `[["expected_revenue", ">=", 1000]]`
		_, lbody := p.b.get("/list/opportunities?d=" + url.QueryEscape(dom))
		if got, want := idsIn(listIDRe, lbody), idList(big1, big2); !sameList(got, want) {
			t.Fatalf("the filtered list shows %v; want %v", got, want)
		}
		board := attr(t, lbody, "btn-pipeline", "href")
		if q := mustQuery(t, board); q.Get("team") != "all" || q.Get("d") == "" {
			t.Errorf("the list's Pipeline button %s does not carry the search to every team's board", board)
		}
		_, body := p.b.get(board)
		if got, want := idsIn(cardRe, body), idList(big1, big2); !sameList(got, want) {
			t.Errorf("the board from the list shows %v; want the list's rows %v", got, want)
		}
		_, plain := p.b.get("/list/opportunities")
		if href := attr(t, plain, "btn-pipeline", "href"); href != "/crm/pipeline" {
			t.Errorf("without a search the Pipeline button opens %s; want the default board", href)
		}
	})
}

// TestForecastKeepsTheBoardsSearch: the board's Forecast button keeps its
// team, typed search, free text and custom filter, and shows the open
// opportunities by expected closing month.
func TestForecastKeepsTheBoardsSearch(t *testing.T) {
	testutil.Run(t, func(t *testing.T, be testutil.Backend) {
		p := newPages(t, be)
		dom := `[["expected_revenue", ">=", 1000]]`
		board := "/crm/pipeline?team=" + itoa(p.team) + "&f=won&f=my&s=" + url.QueryEscape("customer:Acme") + "&q=solar&d=" + url.QueryEscape(dom)
		st, body := p.b.get(board)
		if st != 200 {
			t.Fatalf("%s: %d", board, st)
		}
		forecast := attr(t, body, "btn-forecast", "href")
		if st, _ := p.b.get(forecast); st != 200 {
			t.Errorf("%s: %d", forecast, st)
		}
		q := mustQuery(t, forecast)
		want := map[string][]string{"team": {itoa(p.team)}, "f": {"my", "open"}, "g": {"date_deadline:month"}, "s": {"customer:Acme"}, "q": {"solar"}, "d": {dom}}
		for k, v := range want {
			if !sameList(q[k], v) {
				t.Errorf("forecast %s = %v; want %v", k, q[k], v)
			}
		}
	})
}
