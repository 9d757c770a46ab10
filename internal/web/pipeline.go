package web

import (
	"encoding/json"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/kanso-crm/kanso/internal/crm"
	"github.com/kanso-crm/kanso/internal/mail"
	"github.com/kanso-crm/kanso/internal/orm"
)

func itoa(id int64) string { return strconv.FormatInt(id, 10) }

// starValue is the priority a star sets: clicking the highest lit star
// clears the priority.
func starValue(cur string, i int) string {
	next := strconv.Itoa(i + 1)
	if cur == next {
		next = "0"
	}
	b, _ := json.Marshal(map[string]string{"priority": next})
	return string(b)
}

// CardsPerColumn is how many cards a column shows before "more".
const CardsPerColumn = 20

// Card is one opportunity on the board.
type Card struct {
	ID        int64
	Name      string
	Customer  string
	Revenue   float64
	Priority  string
	Tags      []string
	User      string
	UserID    int64
	Team      string // on the board of all teams
	WriteDate string
	Deadline  string
	Lost      bool
	// the next activity
	NextState   string
	NextSummary string
	NextDate    string
}

// Column is one stage of the board.
type Column struct {
	Stage  int64
	Name   string
	Fold   bool
	IsWon  bool
	IsLost bool
	Count  int64
	Sum    float64
	Cards  []Card
	More   bool
	Offset int
	// grouped boards (not by stage): the column's condition and the
	// value a dropped card takes
	Cond       orm.Domain
	GroupField string
	GroupKey   string // JSON of the group key
	Droppable  bool
	Index      int
	// the board of all teams shows each card's team
	ShowTeam bool
	// cards by the state of their next activity, for the progress bar
	Overdue, Today, Planned int64
}

// ListID is the element id of the column's card list.
func (c *Column) ListID() string {
	if c.Cond != nil {
		return "cards-g" + strconv.Itoa(c.Index)
	}
	return "cards-" + itoa(c.Stage)
}

// Board is the pipeline of a team, or of all teams (AllTeams, Team 0):
// the board a figure of a dashboard opens, whose records may belong to
// several teams.
type Board struct {
	Team     int64
	AllTeams bool
	Teams    [][2]string // id, name
	Query    string
	Columns  []*Column
	S        *SearchState
	domain   orm.Domain
	// Mixed: the columns mix stages of several teams' pipelines, so
	// cards are not moved here (the user picks a team to move them)
	Mixed   bool
	listURL string
	// for the schedule dialog of the cards
	ActivityTypes [][2]string
	Users         [][2]string
}

// boardDomain is the search of the board: the team's opportunities (every
// team's when team is 0), mine only when asked, matching the search text.
func boardDomain(env *orm.Env, team int64, s *SearchState, q string) (orm.Domain, error) {
	d := orm.And{orm.Leaf{Path: "type", Op: "=", Value: "opportunity"}}
	if team != 0 {
		d = append(d, orm.Leaf{Path: "team_id", Op: "=", Value: team})
	}
	if s != nil {
		sd, err := s.Domain(env)
		if err != nil {
			return nil, err
		}
		d = append(d, sd)
	}
	if q = strings.TrimSpace(q); q != "" {
		d = append(d, boardText(q))
	}
	return d, nil
}

// boardText is what the board's free text looks in.
func boardText(q string) orm.Domain {
	return orm.Or{orm.Leaf{Path: "name", Op: "ilike", Value: q}, orm.Leaf{Path: "partner_name", Op: "ilike", Value: q},
		orm.Leaf{Path: "contact_name", Op: "ilike", Value: q}, orm.Leaf{Path: "email_from", Op: "ilike", Value: q},
		orm.Leaf{Path: "partner_id", Op: "ilike", Value: q}}
}

// loadBoard reads the columns with their counts and sums (one grouped
// query) and the first cards of each column (one query per column, names
// fetched in batches). Team 0 is the board of all teams: its columns are
// the shared stages and the stages holding its records.
func loadBoard(env *orm.Env, team int64, s *SearchState, q string) (*Board, error) {
	lead := env.Reg.Model("crm.lead")
	b := &Board{Team: team, AllTeams: team == 0, Query: q, S: s}
	teams, err := env.SearchRead(env.Reg.Model("crm.team"), orm.Leaf{Path: "use_opportunities", Op: "=", Value: true}, []string{"name"}, orm.SearchOpts{}, false)
	if err != nil {
		return nil, err
	}
	for _, t := range teams {
		b.Teams = append(b.Teams, [2]string{itoa(t["id"].(int64)), t["name"].(string)})
	}
	d, err := boardDomain(env, team, s, q)
	if err != nil {
		return nil, err
	}
	b.domain = d
	if s != nil && s.GroupBy != "" && s.GroupBy != "stage_id" {
		if err := loadGroupedBoard(env, b, d); err != nil {
			return nil, err
		}
		b.listURL = b.makeListURL(false)
		return b, nil
	}
	groups, err := env.ReadGroup(lead, d, []orm.GroupBy{groupByStage(lead)}, []orm.Aggregate{sumRevenue(lead)}, 0, 0, "")
	if err != nil {
		return nil, err
	}
	counts := map[int64]orm.Group{}
	for _, g := range groups {
		if id, ok := g.Keys[0].(int64); ok {
			counts[id] = g
		}
	}
	stageIDs, err := crm.TeamStages(env, team)
	if err != nil {
		return nil, err
	}
	if b.AllTeams {
		// the stages of other teams' own pipelines that hold cards
		have := map[int64]bool{}
		for _, id := range stageIDs {
			have[id] = true
		}
		for _, g := range groups {
			if id, ok := g.Keys[0].(int64); ok && !have[id] {
				have[id] = true
				stageIDs = append(stageIDs, id)
			}
		}
	}
	stages, err := env.Sudo().ReadValues(env.Reg.Model("crm.stage"), stageIDs, []string{"name", "sequence", "fold", "is_won", "is_lost", "team_ids"})
	if err != nil {
		return nil, err
	}
	if b.AllTeams {
		sort.SliceStable(stages, func(i, j int) bool {
			si, _ := stages[i]["sequence"].(int64)
			sj, _ := stages[j]["sequence"].(int64)
			if si != sj {
				return si < sj
			}
			return stages[i]["id"].(int64) < stages[j]["id"].(int64)
		})
		for _, st := range stages {
			if ts, _ := st["team_ids"].([]int64); len(ts) > 0 {
				b.Mixed = true
			}
		}
	}
	for _, s := range stages {
		c := &Column{Stage: s["id"].(int64), Name: s["name"].(string), Fold: s["fold"] == true, IsWon: s["is_won"] == true, IsLost: s["is_lost"] == true,
			Droppable: !b.Mixed, ShowTeam: b.AllTeams}
		if g, ok := counts[c.Stage]; ok {
			c.Count = g.Count
			c.Sum, _ = g.Aggs["expected_revenue:sum"].(float64)
		}
		b.Columns = append(b.Columns, c)
	}
	if err := activityProgress(env, d, b.Columns); err != nil {
		return nil, err
	}
	hasLost := false
	for _, c := range b.Columns {
		if c.IsLost {
			hasLost = true
			n, err := env.WithContext(map[string]any{"active_test": false}).SearchCount(lead, lostDomain(d), 0)
			if err != nil {
				return nil, err
			}
			c.Count = n
		}
	}
	unfoldAlone(b.Columns)
	for _, c := range b.Columns {
		if c.Fold && !c.IsLost {
			// its cards come when it is unfolded
			c.More = c.Count > 0
			continue
		}
		if err := loadCards(env, c, d, 0); err != nil {
			return nil, err
		}
	}
	b.listURL = b.makeListURL(hasLost)
	return b, nil
}

// unfoldAlone opens a folded column that holds every card of the board
// (the won opportunities a figure opened), since there is nothing else
// to see.
func unfoldAlone(cols []*Column) {
	var alone *Column
	for _, c := range cols {
		if c.Count == 0 {
			continue
		}
		if alone != nil {
			return
		}
		alone = c
	}
	if alone != nil {
		alone.Fold = false
	}
}

// TeamParam is the board's team as the URL says it.
func (b *Board) TeamParam() string { return teamParam(b.Team) }

func teamParam(team int64) string {
	if team == 0 {
		return "all"
	}
	return itoa(team)
}

// URL is the board as shown: its team, search and free text.
func (b *Board) URL() string {
	u := b.S.URL()
	if b.Query != "" {
		u += "&q=" + urlQuery(b.Query)
	}
	return u
}

// SwitchFields are the parameters the team switcher keeps: the search
// and the free text, so that choosing a team keeps the filter.
func (b *Board) SwitchFields() [][2]string {
	u, err := url.Parse(b.URL())
	if err != nil {
		return nil
	}
	q := u.Query()
	keys := make([]string, 0, len(q))
	for k := range q {
		if k != "team" && k != "search" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var out [][2]string
	for _, k := range keys {
		for _, v := range q[k] {
			out = append(out, [2]string{k, v})
		}
	}
	return out
}

// ForecastURL is the forecast of the board's records: the open ones by
// expected closing month, keeping the board's team, typed searches, other
// filters and custom filter (a status filter gives way to "open").
func (b *Board) ForecastURL() string {
	fs := map[string]bool{"open": true}
	for _, f := range b.S.Def.Filters {
		if b.S.Filters[f.Key] && f.Group != 2 {
			fs[f.Key] = true
		}
	}
	fc := *b.S
	fc.Keep = url.Values{}
	for k, v := range b.S.Keep {
		fc.Keep[k] = v
	}
	if q := strings.TrimSpace(b.Query); q != "" {
		fc.Keep.Set("q", q)
	}
	return fc.query(b.S.Facets, fs, "date_deadline:month", b.S.Custom)
}

// ListURL opens the board's records in the list of opportunities.
func (b *Board) ListURL() string { return b.listURL }

// makeListURL is the list of the board's cards, in the search panel's
// encoding: the same typed searches, filters and group-by, and the custom
// filter with what the list has no parameter for folded into it (the team,
// the free text and, when the board has a Lost column, the archived lost
// opportunities it shows).
func (b *Board) makeListURL(hasLost bool) string {
	ls := *b.S
	ls.Base, ls.Keep = "/list/opportunities", url.Values{}
	extra := orm.And{}
	if !b.AllTeams {
		extra = append(extra, orm.Leaf{Path: "team_id", Op: "=", Value: b.Team})
	}
	if q := strings.TrimSpace(b.Query); q != "" {
		extra = append(extra, boardText(q))
	}
	if hasLost && !mentionsActive(b.domain) {
		extra = append(extra, orm.Or{orm.Leaf{Path: "active", Op: "=", Value: true}, orm.Leaf{Path: "won_status", Op: "=", Value: "lost"}})
	}
	if len(extra) > 0 {
		if ls.Custom != "" {
			var v any
			if err := json.Unmarshal([]byte(ls.Custom), &v); err == nil {
				if cd, err := orm.ParseDomain(orm.Normalize(v)); err == nil {
					extra = append(extra, cd)
				}
			}
		}
		ls.Custom = domainJSON(flattenAnd(extra))
	}
	return ls.URL()
}

// mentionsActive tells whether a domain names the active field, which
// switches the implicit "active only" off (as the ORM decides).
func mentionsActive(d orm.Domain) bool {
	switch x := d.(type) {
	case orm.And:
		for _, c := range x {
			if mentionsActive(c) {
				return true
			}
		}
	case orm.Or:
		for _, c := range x {
			if mentionsActive(c) {
				return true
			}
		}
	case orm.Not:
		return mentionsActive(x.D)
	case orm.Leaf:
		return x.Path == "active"
	}
	return false
}

func groupByStage(m *orm.Model) orm.GroupBy {
	return orm.GroupBy{Spec: "stage_id", Field: m.Field("stage_id")}
}

func sumRevenue(m *orm.Model) orm.Aggregate {
	return orm.Aggregate{Spec: "expected_revenue:sum", Field: m.Field("expected_revenue"), Func: "sum"}
}

// lostDomain: the Lost column shows the team's lost opportunities.
func lostDomain(d orm.Domain) orm.Domain {
	return orm.And{d, orm.Leaf{Path: "won_status", Op: "=", Value: "lost"}}
}

// loadCards fills a column with the cards from offset on.
func loadCards(env *orm.Env, c *Column, d orm.Domain, offset int) error {
	lead := env.Reg.Model("crm.lead")
	e := env
	cd := orm.Domain(orm.And{d, orm.Leaf{Path: "stage_id", Op: "=", Value: c.Stage}})
	if c.Cond != nil {
		cd = orm.And{d, c.Cond}
	}
	order := crm.KanbanOrder
	if c.IsLost {
		e = env.WithContext(map[string]any{"active_test": false})
		cd = lostDomain(d)
		order = "date_closed desc, id desc"
	}
	fields := []string{"name", "partner_id", "partner_name", "expected_revenue", "priority", "tag_ids", "user_id", "write_date", "date_deadline", "won_status"}
	if c.ShowTeam {
		fields = append(fields, "team_id")
	}
	recs, err := e.SearchRead(lead, cd, fields, orm.SearchOpts{Order: order, Limit: CardsPerColumn + 1, Offset: int64(offset)}, true)
	if err != nil {
		return err
	}
	c.More = len(recs) > CardsPerColumn
	if c.More {
		recs = recs[:CardsPerColumn]
	}
	c.Offset = offset + len(recs)
	// tag names in one query for the column
	tagIDs := map[int64]bool{}
	for _, r := range recs {
		for _, t := range r["tag_ids"].([]int64) {
			tagIDs[t] = true
		}
	}
	var ids []int64
	for t := range tagIDs {
		ids = append(ids, t)
	}
	tagNames, err := env.DisplayNames(env.Reg.Model("crm.tag"), ids)
	if err != nil {
		return err
	}
	cardIDs := make([]int64, len(recs))
	for i, r := range recs {
		cardIDs[i] = r["id"].(int64)
	}
	next, err := mail.NextActivities(env, "lead_id", cardIDs)
	if err != nil {
		return err
	}
	for _, r := range recs {
		card := Card{ID: r["id"].(int64), Name: r["name"].(string), Priority: r["priority"].(string), WriteDate: r["write_date"].(string),
			Lost: r["won_status"] == "lost"}
		card.Revenue, _ = r["expected_revenue"].(float64)
		if p, ok := r["partner_id"].([]any); ok {
			card.Customer = p[1].(string)
		} else if s, ok := r["partner_name"].(string); ok {
			card.Customer = s
		}
		if u, ok := r["user_id"].([]any); ok {
			card.UserID, card.User = u[0].(int64), u[1].(string)
		}
		if s, ok := r["date_deadline"].(string); ok {
			card.Deadline = s
		}
		if t, ok := r["team_id"].([]any); ok {
			card.Team = t[1].(string)
		}
		for _, t := range r["tag_ids"].([]int64) {
			card.Tags = append(card.Tags, tagNames[t])
		}
		if n := next[card.ID]; n != nil {
			card.NextState, card.NextSummary, card.NextDate = n.State, n.Summary, n.Deadline
		}
		c.Cards = append(c.Cards, card)
	}
	return nil
}

// currentTeam is the team asked for (0 for "all"), else the user's team,
// else the first.
func currentTeam(env *orm.Env, r *http.Request) (int64, error) {
	if s := r.URL.Query().Get("team"); s == "all" {
		return 0, nil
	} else if s != "" {
		if id, err := strconv.ParseInt(s, 10, 64); err == nil {
			return id, nil
		}
	}
	teams, err := crm.UserTeams(env, env.UID)
	if err != nil {
		return 0, err
	}
	if len(teams) > 0 {
		return teams[0], nil
	}
	ids, err := env.Search(env.Reg.Model("crm.team"), orm.And{}, orm.SearchOpts{Limit: 1})
	if err != nil || len(ids) == 0 {
		return 0, err
	}
	return ids[0], nil
}

// pipelineSearch reads the board's search; a board opened without one
// shows the default favorite, else "My Pipeline" as Odoo does.
func pipelineSearch(r *http.Request, team int64) *SearchState {
	q := r.URL.Query()
	q.Set("team", teamParam(team))
	s := parseSearch(leadSearchDef(), "/crm/pipeline", q, "team")
	return s
}

func (a *App) pipeline(w http.ResponseWriter, r *http.Request, uid int64) {
	var v *View
	var board *Board
	redirect := ""
	err := a.call(r.Context(), uid, false, func(env *orm.Env) error {
		var err error
		if v, err = a.newView(env, "", "pipeline"); err != nil {
			return err
		}
		v.Title = v.T("Pipeline")
		team, err := currentTeam(env, r)
		if err != nil {
			return err
		}
		s := pipelineSearch(r, team)
		if err := loadSearchExtras(env, v, s); err != nil {
			return err
		}
		bare := true
		for k := range r.URL.Query() {
			if k != "team" {
				bare = false
			}
		}
		if bare && s.Empty() {
			if fav := defaultFavorite(s); fav != nil {
				redirect = fav.URL
				return nil
			}
			s.Filters["my"] = true
		}
		if board, err = loadBoard(env, team, s, r.URL.Query().Get("q")); err != nil {
			return err
		}
		types, err := env.SearchRead(env.Reg.Model("mail.activity.type"), orm.And{}, []string{"name"}, orm.SearchOpts{}, false)
		if err != nil {
			return err
		}
		board.ActivityTypes = pairs(types, "name")
		users, err := env.SearchRead(env.Reg.Model("res.users"), orm.Leaf{Path: "share", Op: "=", Value: false}, []string{"name"}, orm.SearchOpts{}, false)
		board.Users = pairs(users, "name")
		return err
	})
	if err != nil {
		a.fail(w, err)
		return
	}
	if redirect != "" {
		http.Redirect(w, r, redirect, http.StatusSeeOther)
		return
	}
	if r.URL.Query().Get("fragment") == "board" {
		render(w, r, http.StatusOK, BoardColumns(v, board))
		return
	}
	render(w, r, http.StatusOK, PipelinePage(v, board))
}

// pipelineColumn serves the next cards of a column (as the user scrolls).
func (a *App) pipelineColumn(w http.ResponseWriter, r *http.Request, uid int64) {
	q := r.URL.Query()
	team, _ := strconv.ParseInt(q.Get("team"), 10, 64)
	stage, _ := strconv.ParseInt(q.Get("stage"), 10, 64)
	offset, _ := strconv.Atoi(q.Get("offset"))
	var v *View
	col := &Column{Stage: stage, IsLost: q.Get("lost") == "1", ShowTeam: team == 0}
	board := &Board{Team: team, AllTeams: team == 0, Query: q.Get("q"), S: pipelineSearch(r, team)}
	err := a.call(r.Context(), uid, false, func(env *orm.Env) error {
		var err error
		if v, err = a.newView(env, "", "pipeline"); err != nil {
			return err
		}
		d, err := boardDomain(env, team, board.S, board.Query)
		if err != nil {
			return err
		}
		if k := q.Get("gkey"); k != "" {
			if col.Cond, err = groupCond(env.Reg.Model("crm.lead"), board.S.GroupBy, k); err != nil {
				return err
			}
			col.GroupKey, col.GroupField = k, board.S.GroupBy
		}
		return loadCards(env, col, d, offset)
	})
	if err != nil {
		a.fail(w, err)
		return
	}
	render(w, r, http.StatusOK, ColumnCards(v, board, col))
}

// moveCard applies a drag and drop (or its keyboard equivalent) through
// the model method kanban_move; a refusal answers with the reason so that
// the page puts the card back.
func (a *App) moveCard(w http.ResponseWriter, r *http.Request, uid int64) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	if err := r.ParseForm(); err != nil {
		jsonError(w, http.StatusBadRequest, "The request could not be read.")
		return
	}
	num := func(k string) int64 {
		n, _ := strconv.ParseInt(r.PostFormValue(k), 10, 64)
		return n
	}
	var wd string
	err = a.call(r.Context(), uid, true, func(env *orm.Env) error {
		lead := env.Reg.Model("crm.lead")
		if spec := r.PostFormValue("group_field"); spec != "" {
			field, gran, _ := strings.Cut(spec, ":")
			f := lead.Field(field)
			if f == nil || (f.Type != orm.Many2one && f.Type != orm.Selection && f.Type != orm.Date) || f.Readonly {
				return orm.ValidationErrorf("Cards cannot be moved between these columns.")
			}
			var val any
			if err := json.Unmarshal([]byte(r.PostFormValue("group_value")), &val); err != nil {
				return orm.ValidationErrorf("Bad column value")
			}
			if val == nil {
				val = false
			}
			if s, ok := val.(string); ok && f.Type == orm.Date {
				// a card dropped on a period closes at the period's end
				if gran == "" {
					gran = "month"
				}
				end, err := time.Parse("2006-01-02", orm.BucketEnd(s, gran))
				if err != nil {
					return orm.ValidationErrorf("Bad column value")
				}
				val = end.AddDate(0, 0, -1).Format("2006-01-02")
			}
			if err := env.Write(lead, []int64{id}, orm.Values{field: orm.Normalize(val), "write_date": r.PostFormValue("write_date")}); err != nil {
				return err
			}
		} else if _, err := env.CallMethod(lead, "kanban_move", []int64{id}, map[string]any{"stage_id": num("stage"), "above_id": num("above"),
			"below_id": num("below"), "write_date": r.PostFormValue("write_date")}); err != nil {
			return err
		}
		v, err := env.Read(lead, []int64{id}, []string{"write_date"}, false)
		if err != nil {
			return err
		}
		wd, _ = v[0]["write_date"].(string)
		return nil
	})
	if err != nil {
		e := orm.AsError(err)
		if e.Kind == orm.KindInternal {
			a.Log.Error("move card", "err", err)
			jsonError(w, 500, "Something went wrong on our side; the card was put back.")
			return
		}
		jsonError(w, e.HTTPStatus(), e.Error())
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"ok": true, "write_date": wd})
}

func jsonError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"error": msg})
}

// parseLeadGroup resolves a group-by of crm.lead.
func parseLeadGroup(m *orm.Model, spec string) (orm.GroupBy, error) {
	name, gran, hasGran := strings.Cut(spec, ":")
	f := m.Field(name)
	if f == nil || (!f.Stored() && f.Type != orm.Many2many) {
		return orm.GroupBy{}, orm.ValidationErrorf("Cannot group by %q", spec)
	}
	gb := orm.GroupBy{Spec: spec, Field: f}
	if f.Type == orm.Date || f.Type == orm.Datetime {
		gb.Gran = "month"
		if hasGran {
			gb.Gran = gran
		}
	}
	return gb, nil
}

// loadGroupedBoard makes one column per group of the chosen field, with
// counts and sums; cards dropped on a column take its value when the
// field is a many2one or a selection.
func loadGroupedBoard(env *orm.Env, b *Board, d orm.Domain) error {
	lead := env.Reg.Model("crm.lead")
	gb, err := parseLeadGroup(lead, b.S.GroupBy)
	if err != nil {
		return err
	}
	groups, err := env.ReadGroup(lead, d, []orm.GroupBy{gb}, []orm.Aggregate{sumRevenue(lead)}, 0, 40, "")
	if err != nil {
		return err
	}
	var ids []int64
	for _, g := range groups {
		if id, ok := g.Keys[0].(int64); ok && gb.Field.IsRelational() {
			ids = append(ids, id)
		}
	}
	names := map[int64]string{}
	if len(ids) > 0 {
		if names, err = env.Sudo().DisplayNames(env.Reg.Model(gb.Field.Relation), ids); err != nil {
			return err
		}
	}
	droppable := (gb.Field.Type == orm.Many2one || gb.Field.Type == orm.Selection || gb.Field.Type == orm.Date) && !gb.Field.Readonly
	if gb.Gran != "" {
		groups = fillPeriods(groups, gb.Gran, todayUTC(env))
	}
	for i, g := range groups {
		key := g.Keys[0]
		c := &Column{Index: i, Count: g.Count, Cond: orm.GroupDomain(gb, key), GroupField: gb.Spec, GroupKey: mustJSON(key), Droppable: droppable, ShowTeam: b.AllTeams}
		c.Sum, _ = g.Aggs["expected_revenue:sum"].(float64)
		switch {
		case key == nil:
			c.Name = "—"
		case gb.Gran != "":
			c.Name = orm.DateLabel(key.(string), gb.Gran)
		case gb.Field.IsRelational():
			c.Name = names[key.(int64)]
		case gb.Field.Type == orm.Selection:
			c.Name = gb.Field.SelectionLabel(key.(string))
		default:
			c.Name = fmtAny(key)
		}
		if err := loadCards(env, c, d, 0); err != nil {
			return err
		}
		b.Columns = append(b.Columns, c)
	}
	return nil
}

// groupCond rebuilds a grouped column's condition from its key.
func groupCond(m *orm.Model, spec, keyJSON string) (orm.Domain, error) {
	gb, err := parseLeadGroup(m, spec)
	if err != nil {
		return nil, err
	}
	var key any
	if err := json.Unmarshal([]byte(keyJSON), &key); err != nil {
		return nil, orm.ValidationErrorf("Bad column key")
	}
	return orm.GroupDomain(gb, orm.Normalize(key)), nil
}

// activityProgress counts, per column, the opportunities whose next
// activity is overdue, due today or planned (three grouped queries).
func activityProgress(env *orm.Env, d orm.Domain, cols []*Column) error {
	lead := env.Reg.Model("crm.lead")
	today := mail.Today(env)
	deadline := func(op string) orm.Domain {
		return orm.Leaf{Path: "activity_ids", Op: "any", Value: orm.Domain(orm.Leaf{Path: "date_deadline", Op: op, Value: today})}
	}
	none := func(op string) orm.Domain {
		return orm.Leaf{Path: "activity_ids", Op: "not any", Value: orm.Domain(orm.Leaf{Path: "date_deadline", Op: op, Value: today})}
	}
	byStage := map[int64]*Column{}
	for _, c := range cols {
		byStage[c.Stage] = c
	}
	for i, cond := range []orm.Domain{deadline("<"), orm.And{deadline("="), none("<")}, orm.And{deadline(">"), none("<=")}} {
		groups, err := env.ReadGroup(lead, orm.And{d, cond}, []orm.GroupBy{groupByStage(lead)}, nil, 0, 0, "")
		if err != nil {
			return err
		}
		for _, g := range groups {
			id, _ := g.Keys[0].(int64)
			c := byStage[id]
			if c == nil {
				continue
			}
			switch i {
			case 0:
				c.Overdue = g.Count
			case 1:
				c.Today = g.Count
			case 2:
				c.Planned = g.Count
			}
		}
	}
	return nil
}

// Share is a part of the column as a CSS width.
func (c *Column) Share(n int64) string {
	if c.Count == 0 {
		return "0%"
	}
	return strconv.FormatFloat(float64(n)*100/float64(c.Count), 'f', 1, 64) + "%"
}

// fillPeriods adds the empty periods between the first and the last group
// and up to three periods after today, so a forecast shows every month.
func fillPeriods(groups []orm.Group, gran string, today time.Time) []orm.Group {
	have := map[string]bool{}
	first, last := "", ""
	var none []orm.Group
	for _, g := range groups {
		k, ok := g.Keys[0].(string)
		if !ok {
			none = append(none, g)
			continue
		}
		have[k] = true
		if first == "" || k < first {
			first = k
		}
		if k > last {
			last = k
		}
	}
	start := bucketOf(today, gran)
	if first == "" || start < first {
		first = start
	}
	horizon := start
	for i := 0; i < 3; i++ {
		horizon = orm.BucketEnd(horizon, gran)
	}
	if horizon > last {
		last = horizon
	}
	out := append([]orm.Group(nil), none...)
	byKey := map[string]orm.Group{}
	for _, g := range groups {
		if k, ok := g.Keys[0].(string); ok {
			byKey[k] = g
		}
	}
	for k, n := first, 0; k <= last && n < 120; k, n = orm.BucketEnd(k, gran), n+1 {
		if g, ok := byKey[k]; ok {
			out = append(out, g)
		} else {
			out = append(out, orm.Group{Keys: []any{k}, Aggs: map[string]any{}})
		}
	}
	return out
}

// bucketOf is the first day of t's period.
func bucketOf(t time.Time, gran string) string {
	switch gran {
	case "year":
		return time.Date(t.Year(), 1, 1, 0, 0, 0, 0, time.UTC).Format("2006-01-02")
	case "quarter":
		return time.Date(t.Year(), time.Month((int(t.Month())-1)/3*3+1), 1, 0, 0, 0, 0, time.UTC).Format("2006-01-02")
	case "week":
		wd := (int(t.Weekday()) + 6) % 7
		return t.AddDate(0, 0, -wd).Format("2006-01-02")
	case "day":
		return t.Format("2006-01-02")
	}
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC).Format("2006-01-02")
}
