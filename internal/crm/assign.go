package crm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strings"
	"time"

	"github.com/kanso-crm/kanso/internal/base"
	"github.com/kanso-crm/kanso/internal/orm"
)

// AssignResult tells what an assignment run did.
type AssignResult struct {
	TeamLeads map[int64]int // leads given to each team
	UserLeads map[int64]int // leads given to each salesperson
	Merged    int           // duplicates merged on the way
}

// Summary is the result as the API returns it.
func (r *AssignResult) Summary() map[string]any {
	teams := map[string]any{}
	for k, v := range r.TeamLeads {
		teams[fmt.Sprint(k)] = v
	}
	users := map[string]any{}
	for k, v := range r.UserLeads {
		users[fmt.Sprint(k)] = v
	}
	return map[string]any{"teams": teams, "users": users, "merged": r.Merged}
}

type teamCap struct {
	id     int64
	max    int64
	domain orm.Domain
}

type memberCap struct {
	user            int64
	quota           int64
	domain          orm.Domain
	domainPreferred orm.Domain
}

func roundHalfUp(f float64) int64 { return int64(math.Floor(f + 0.5)) }

// AssignLeads runs rule-based assignment for the given teams (all teams
// using leads or opportunities when empty): unassigned leads go to teams
// in proportion to their capacity, then to members within their daily
// quota, and are converted to opportunities (Odoo's action_assign_leads).
// force ignores what members already received today.
func AssignLeads(env *orm.Env, teamIDs []int64, force bool) (*AssignResult, error) {
	if !env.HasGroup(base.GroupSaleManager) && !env.HasGroup(base.GroupSystem) {
		return nil, orm.UserErrorf("Lead/Opportunities automatic assignment is limited to managers or administrators.")
	}
	su := env.Sudo()
	tm := env.Reg.Model("crm.team")
	d := orm.And{orm.Leaf{Path: "assignment_optout", Op: "=", Value: false},
		orm.Or{orm.Leaf{Path: "use_leads", Op: "=", Value: true}, orm.Leaf{Path: "use_opportunities", Op: "=", Value: true}}}
	if len(teamIDs) > 0 {
		d = append(d, orm.Leaf{Path: "id", Op: "in", Value: anyList(teamIDs)})
	}
	ids, err := su.Search(tm, d, orm.SearchOpts{})
	if err != nil {
		return nil, err
	}
	res := &AssignResult{TeamLeads: map[int64]int{}, UserLeads: map[int64]int{}}
	teams, err := loadTeams(su, ids)
	if err != nil {
		return nil, err
	}
	if err := allocateToTeams(su, teams, res); err != nil {
		return nil, err
	}
	for _, t := range teams {
		if err := assignToMembers(env, t.id, force, res); err != nil {
			return nil, err
		}
	}
	return res, nil
}

func loadTeams(env *orm.Env, ids []int64) ([]teamCap, error) {
	recs, err := env.ReadValues(env.Reg.Model("crm.team"), ids, []string{"assignment_max", "assignment_domain"})
	if err != nil {
		return nil, err
	}
	var out []teamCap
	for _, r := range recs {
		max, _ := r["assignment_max"].(int64)
		if max <= 0 {
			continue
		}
		dom, err := parseJSONDomain(str(r["assignment_domain"]))
		if err != nil {
			return nil, orm.ValidationErrorf("Team %d: assignment domain: %s", r["id"], err)
		}
		out = append(out, teamCap{id: r["id"].(int64), max: max, domain: dom})
	}
	return out, nil
}

// allocateToTeams hands unassigned leads to teams, weighted by capacity,
// each team taking at most its daily share.
func allocateToTeams(env *orm.Env, teams []teamCap, res *AssignResult) error {
	lead := env.Reg.Model("crm.lead")
	delay, _ := base.GetParam(env, "crm.assignment.delay")
	var hours float64
	fmt.Sscan(delay, &hours)
	cand := orm.And{orm.Leaf{Path: "team_id", Op: "=", Value: false}, orm.Leaf{Path: "user_id", Op: "=", Value: false},
		orm.Leaf{Path: "won_status", Op: "!=", Value: "won"},
		orm.Leaf{Path: "create_date", Op: "<=", Value: env.Now.Add(-durationHours(hours))}}
	pending := map[int64][]int64{}
	quota := map[int64]int64{}
	for _, t := range teams {
		ids, err := env.Search(lead, orm.And{cand, t.domain}, orm.SearchOpts{Order: "probability desc, id"})
		if err != nil {
			return err
		}
		pending[t.id] = ids
		quota[t.id] = max(1, roundHalfUp(float64(t.max)/30))
	}
	taken := map[int64]bool{}
	rng := rand.New(rand.NewPCG(uint64(env.Now.UnixNano()), 7))
	active := append([]teamCap(nil), teams...)
	for len(active) > 0 {
		var total int64
		for _, t := range active {
			total += t.max
		}
		pick := rng.Int64N(total)
		idx := 0
		for i, t := range active {
			if pick < t.max {
				idx = i
				break
			}
			pick -= t.max
		}
		t := active[idx]
		var next int64
		for len(pending[t.id]) > 0 && next == 0 {
			if c := pending[t.id][0]; !taken[c] {
				next = c
			}
			pending[t.id] = pending[t.id][1:]
		}
		if next == 0 || quota[t.id] <= 0 {
			active = append(active[:idx], active[idx+1:]...)
			continue
		}
		taken[next] = true
		quota[t.id]--
		if err := env.Write(lead, []int64{next}, orm.Values{"team_id": t.id}); err != nil {
			return err
		}
		res.TeamLeads[t.id]++
		// merge the lead with its duplicates on the way
		recs, err := env.ReadValues(lead, []int64{next}, []string{"email_from", "partner_id"})
		if err != nil {
			return err
		}
		dups, err := leadDuplicates(env, 0, str(recs[0]["email_from"]), false)
		if err != nil {
			return err
		}
		if len(dups) >= 2 {
			all := uniq(append([]int64{next}, dups...))
			if len(all) > 5 {
				all = all[:5]
			}
			if _, err := Merge(env, all, 0, t.id, true, 5); err != nil {
				return err
			}
			for _, d := range all {
				taken[d] = true
			}
			res.Merged += len(all) - 1
		}
	}
	return nil
}

func durationHours(h float64) time.Duration { return time.Duration(h * float64(time.Hour)) }

// assignToMembers gives a team's unassigned leads to its members in turn,
// within their quota and domains, converting them to opportunities.
func assignToMembers(env *orm.Env, teamID int64, force bool, res *AssignResult) error {
	su := env.Sudo()
	mm := env.Reg.Model("crm.team.member")
	mids, err := su.Search(mm, orm.And{orm.Leaf{Path: "crm_team_id", Op: "=", Value: teamID}, orm.Leaf{Path: "assignment_optout", Op: "=", Value: false}},
		orm.SearchOpts{Order: "id"})
	if err != nil {
		return err
	}
	recs, err := su.ReadValues(mm, mids, []string{"user_id", "assignment_max", "assignment_domain", "assignment_domain_preferred", "lead_day_count"})
	if err != nil {
		return err
	}
	var members []*memberCap
	for _, r := range recs {
		q := roundHalfUp(float64(r["assignment_max"].(int64)) / 30)
		if !force {
			q -= r["lead_day_count"].(int64)
		}
		if q <= 0 {
			continue
		}
		dom, err := parseJSONDomain(str(r["assignment_domain"]))
		if err != nil {
			return orm.ValidationErrorf("Member %d: assignment domain: %s", r["id"], err)
		}
		pref, err := parseJSONDomain(str(r["assignment_domain_preferred"]))
		if err != nil {
			return orm.ValidationErrorf("Member %d: preferred domain: %s", r["id"], err)
		}
		if str(r["assignment_domain_preferred"]) == "" {
			pref = nil
		}
		members = append(members, &memberCap{user: r["user_id"].(int64), quota: q, domain: dom, domainPreferred: pref})
	}
	sort.SliceStable(members, func(i, j int) bool { return members[i].quota > members[j].quota })
	if len(members) == 0 {
		return nil
	}
	lead := env.Reg.Model("crm.lead")
	leads, err := su.Search(lead, orm.And{orm.Leaf{Path: "team_id", Op: "=", Value: teamID}, orm.Leaf{Path: "user_id", Op: "=", Value: false},
		orm.Leaf{Path: "date_open", Op: "=", Value: false}, orm.Leaf{Path: "won_status", Op: "!=", Value: "won"}}, orm.SearchOpts{Order: "probability desc, id"})
	if err != nil {
		return err
	}
	matches := func(m *memberCap, id int64, d orm.Domain) (bool, error) {
		if d == nil {
			return false, nil
		}
		n, err := su.SearchCount(lead, orm.And{orm.Leaf{Path: "id", Op: "=", Value: id}, d}, 1)
		return n == 1, err
	}
	assign := func(m *memberCap, id int64) error {
		recs, err := su.ReadValues(lead, []int64{id}, []string{"partner_id"})
		if err != nil {
			return err
		}
		p, _ := recs[0]["partner_id"].(int64)
		if err := ConvertOpportunity(su, []int64{id}, p, []int64{m.user}, 0); err != nil {
			return err
		}
		res.UserLeads[m.user]++
		m.quota--
		return nil
	}
	remaining := leads[:0:0]
	// first pass: members' preferred leads
	for _, id := range leads {
		done := false
		for _, m := range members {
			if m.quota <= 0 || m.domainPreferred == nil {
				continue
			}
			ok, err := matches(m, id, m.domainPreferred)
			if err != nil {
				return err
			}
			if ok {
				if err := assign(m, id); err != nil {
					return err
				}
				done = true
				break
			}
		}
		if !done {
			remaining = append(remaining, id)
		}
	}
	// then in turn: the first member whose domain matches takes the lead
	// and moves to the end of the line
	queue := append([]*memberCap(nil), members...)
	for _, id := range remaining {
		for i, m := range queue {
			if m.quota <= 0 {
				continue
			}
			ok, err := matches(m, id, m.domain)
			if err != nil {
				return err
			}
			if !ok {
				continue
			}
			if err := assign(m, id); err != nil {
				return err
			}
			queue = append(append(queue[:i:i], queue[i+1:]...), m)
			break
		}
	}
	_ = strings.TrimSpace
	return nil
}
