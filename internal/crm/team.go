package crm

import (
	"encoding/json"
	"fmt"
	"sort"

	"github.com/kanso-crm/kanso/internal/i18n"

	"github.com/kanso-crm/kanso/internal/orm"
)

// Stage sets offered when a team is created.
const (
	StageSetDefault  = "default"  // Odoo's New, Qualified, Proposition, Won
	StageSetActivity = "activity" // the activity-driven pipeline of the Pivotino guide
	StageSetShared   = "shared"   // use the stages shared by every team
)

type stageSpec struct {
	Name         string
	Sequence     int64
	IsWon        bool
	IsLost       bool
	Fold         bool
	DoneTrigger  int64
	Requirements string
}

var stageSets = map[string][]stageSpec{
	StageSetDefault: {
		{Name: i18n.N("New"), Sequence: 1},
		{Name: i18n.N("Qualified"), Sequence: 2},
		{Name: i18n.N("Proposition"), Sequence: 3},
		{Name: i18n.N("Won"), Sequence: 70, IsWon: true, Fold: true},
	},
	StageSetActivity: {
		{Name: i18n.N("New"), Sequence: 1},
		{Name: i18n.N("First Activity"), Sequence: 2, DoneTrigger: 1, Requirements: i18n.N("Entered by itself when the first activity is done.")},
		{Name: i18n.N("Follow up"), Sequence: 3, DoneTrigger: 2, Requirements: i18n.N("Entered by itself when the second activity is done.")},
		{Name: i18n.N("Quotation"), Sequence: 4},
		{Name: i18n.N("Won"), Sequence: 70, IsWon: true},
		{Name: i18n.N("Lost"), Sequence: 80, IsLost: true},
	},
}

func registerTeam(r *orm.Registry) {
	team := r.Define(&orm.Model{Name: "crm.team", Description: "Sales Team", Order: "sequence ASC, create_date DESC, id DESC"},
		&orm.Field{Name: "name", Type: orm.Char, String: "Sales Team", Required: true, Translate: true},
		&orm.Field{Name: "sequence", Type: orm.Integer, String: "Sequence", Default: func(*orm.Env) any { return int64(10) }},
		&orm.Field{Name: "active", Type: orm.Boolean, String: "Active", Default: boolDefault(true)},
		&orm.Field{Name: "company_id", Type: orm.Many2one, Relation: "res.company", String: "Company", Default: defaultCompany},
		&orm.Field{Name: "currency_id", Type: orm.Many2one, Relation: "res.currency", String: "Currency", Related: "company_id.currency_id", Readonly: true},
		&orm.Field{Name: "user_id", Type: orm.Many2one, Relation: "res.users", String: "Team Leader"},
		&orm.Field{Name: "crm_team_member_ids", Type: orm.One2many, Relation: "crm.team.member", InverseName: "crm_team_id", String: "Sales Team Members"},
		&orm.Field{Name: "member_ids", Type: orm.Many2many, Relation: "res.users", String: "Salespersons", NotStored: true, Compute: computeTeamMembers},
		&orm.Field{Name: "color", Type: orm.Integer, String: "Color Index"},
		&orm.Field{Name: "use_leads", Type: orm.Boolean, String: "Leads", Default: boolDefault(true),
			Help: "Check this box to filter and qualify incoming requests as leads before converting them into opportunities."},
		&orm.Field{Name: "use_opportunities", Type: orm.Boolean, String: "Pipeline", Default: boolDefault(true)},
		&orm.Field{Name: "assignment_optout", Type: orm.Boolean, String: "Skip auto assignment"},
		&orm.Field{Name: "assignment_domain", Type: orm.Char, String: "Assignment Domain",
			Help: "Only leads matching this domain (JSON, e.g. [[\"country_id.code\", \"=\", \"RO\"]]) are assigned to the team."},
		&orm.Field{Name: "assignment_max", Type: orm.Integer, String: "Lead Average Capacity", NotStored: true, Compute: computeAssignmentMax},
		&orm.Field{Name: "stage_set", Type: orm.Selection, String: "Pipeline Stages", Default: func(*orm.Env) any { return StageSetShared },
			Selection: [][2]string{{StageSetShared, "Shared stages"}, {StageSetDefault, "New, Qualified, Proposition, Won"},
				{StageSetActivity, "Activity-driven: New, First Activity, Follow up, Quotation, Won, Lost"}},
			Help: "The stages a new team starts with; they can be edited afterwards."},
		&orm.Field{Name: "stage_ids", Type: orm.Many2many, Relation: "crm.stage", String: "Stages", RelTable: "crm_stage_crm_team_rel",
			Column1: "crm_team_id", Column2: "crm_stage_id"},
		&orm.Field{Name: "invoiced_target", Type: orm.Monetary, String: "Invoicing Target", Currency: "currency_id"},
	)
	team.Hooks = append(team.Hooks, orm.Hooks{
		BeforeCreate: func(env *orm.Env, vals orm.Values) error { return checkAssignmentDomain(env, vals) },
		BeforeWrite: func(env *orm.Env, old []orm.Values, vals orm.Values) error {
			return checkAssignmentDomain(env, vals)
		},
		AfterCreate: func(env *orm.Env, id int64, vals orm.Values) error {
			set, _ := vals["stage_set"].(string)
			return createStageSet(env, id, set)
		},
	})
	team.AddMethod(&orm.Method{Name: "action_assign_leads", Params: []string{"work_days"},
		Doc: "Assign unassigned leads to the teams and their members now (rule-based assignment).",
		Fn: func(env *orm.Env, c *orm.Call) (any, error) {
			res, err := AssignLeads(env, c.IDs, true)
			if err != nil {
				return nil, err
			}
			return res.Summary(), nil
		}})

	member := r.Define(&orm.Model{Name: "crm.team.member", Description: "Sales Team Member", Order: "crm_team_id, id",
		DisplayFields: []string{"user_id", "crm_team_id"},
		DisplayName: func(env *orm.Env, recs []orm.Values) []string {
			var uids []int64
			for _, r := range recs {
				uids = append(uids, r["user_id"].(int64))
			}
			names, _ := env.DisplayNames(env.Reg.Model("res.users"), uids)
			out := make([]string, len(recs))
			for i, r := range recs {
				out[i] = names[r["user_id"].(int64)]
			}
			return out
		}},
		&orm.Field{Name: "crm_team_id", Type: orm.Many2one, Relation: "crm.team", String: "Sales Team", Required: true, OnDelete: "cascade", Index: true},
		&orm.Field{Name: "user_id", Type: orm.Many2one, Relation: "res.users", String: "Salesperson", Required: true, Index: true},
		&orm.Field{Name: "active", Type: orm.Boolean, String: "Active", Default: boolDefault(true)},
		&orm.Field{Name: "assignment_domain", Type: orm.Char, String: "Assignment Domain"},
		&orm.Field{Name: "assignment_domain_preferred", Type: orm.Char, String: "Preferred Assignment Domain"},
		&orm.Field{Name: "assignment_optout", Type: orm.Boolean, String: "Pause assignment"},
		&orm.Field{Name: "assignment_max", Type: orm.Integer, String: "Average Leads Capacity (on 30 days)", Default: func(*orm.Env) any { return int64(30) }},
		&orm.Field{Name: "lead_day_count", Type: orm.Integer, String: "Leads (last 24h)", NotStored: true, Compute: computeMemberCounts},
		&orm.Field{Name: "lead_month_count", Type: orm.Integer, String: "Leads (30 days)", NotStored: true, Compute: computeMemberCounts},
	)
	member.Hooks = append(member.Hooks, orm.Hooks{
		BeforeCreate: func(env *orm.Env, vals orm.Values) error {
			if err := checkAssignmentDomain(env, vals); err != nil {
				return err
			}
			return checkMonoMembership(env, vals, 0)
		},
		BeforeWrite: func(env *orm.Env, old []orm.Values, vals orm.Values) error {
			if err := checkAssignmentDomain(env, vals); err != nil {
				return err
			}
			for _, o := range old {
				merged := orm.Values{"user_id": o["user_id"], "crm_team_id": o["crm_team_id"], "active": o["active"]}
				for k, v := range vals {
					merged[k] = v
				}
				if err := checkMonoMembership(env, merged, o["id"].(int64)); err != nil {
					return err
				}
			}
			return nil
		},
	})
	r.Model("res.users").AddFields(
		&orm.Field{Name: "crm_team_ids", Type: orm.Many2many, Relation: "crm.team", String: "Sales Teams", NotStored: true, Compute: computeUserTeams},
		&orm.Field{Name: "sale_team_id", Type: orm.Many2one, Relation: "crm.team", String: "User Sales Team", NotStored: true, Compute: computeUserTeams},
	)
}

func defaultCompany(env *orm.Env) any {
	u, err := env.User()
	if err != nil || u.CompanyID == 0 {
		return nil
	}
	return u.CompanyID
}

// checkAssignmentDomain validates a JSON domain by running it once.
func checkAssignmentDomain(env *orm.Env, vals orm.Values) error {
	for _, k := range []string{"assignment_domain", "assignment_domain_preferred"} {
		s, ok := vals[k].(string)
		if !ok || s == "" {
			continue
		}
		d, err := parseJSONDomain(s)
		if err != nil {
			return orm.ValidationErrorf("Assignment domain is not valid: %s", err)
		}
		if _, err := env.Sudo().Search(env.Reg.Model("crm.lead"), d, orm.SearchOpts{Limit: 1}); err != nil {
			return orm.ValidationErrorf("Assignment domain is not valid: %s", err)
		}
	}
	return nil
}

func parseJSONDomain(s string) (orm.Domain, error) {
	if s == "" {
		return orm.And{}, nil
	}
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		return nil, fmt.Errorf("not JSON: %w", err)
	}
	return orm.ParseDomain(orm.Normalize(v))
}

// A salesperson belongs to one team unless sales_team.membership_multi is set.
func checkMonoMembership(env *orm.Env, vals orm.Values, self int64) error {
	uid, _ := vals["user_id"].(int64)
	if uid == 0 {
		return nil
	}
	if active, ok := vals["active"].(bool); ok && !active {
		return nil
	}
	multi, err := paramBool(env, "sales_team.membership_multi", false)
	if err != nil || multi {
		return err
	}
	d := orm.And{orm.Leaf{Path: "user_id", Op: "=", Value: uid}, orm.Leaf{Path: "id", Op: "!=", Value: self}}
	if t, ok := vals["crm_team_id"].(int64); ok {
		d = append(d, orm.Leaf{Path: "crm_team_id", Op: "!=", Value: t})
	}
	n, err := env.Sudo().SearchCount(env.Reg.Model("crm.team.member"), d, 1)
	if err != nil {
		return err
	}
	if n > 0 {
		return orm.ValidationErrorf("This salesperson already belongs to another sales team; enable multi-team membership in the settings or remove them from the other team first.")
	}
	return nil
}

func computeTeamMembers(env *orm.Env, recs []orm.Values) error {
	for _, r := range recs {
		rows, err := env.Query("SELECT user_id FROM crm_team_member WHERE crm_team_id = ? AND active = ? ORDER BY id", r["id"], env.Dialect.BoolParam(true))
		if err != nil {
			return err
		}
		ids, err := orm.ScanIDs(rows)
		if err != nil {
			return err
		}
		if ids == nil {
			ids = []int64{}
		}
		r["member_ids"] = ids
	}
	return nil
}

func computeAssignmentMax(env *orm.Env, recs []orm.Values) error {
	for _, r := range recs {
		var n *int64
		if err := env.QueryRow("SELECT sum(assignment_max) FROM crm_team_member WHERE crm_team_id = ? AND active = ?", r["id"], env.Dialect.BoolParam(true)).Scan(&n); err != nil {
			return err
		}
		if n == nil {
			r["assignment_max"] = int64(0)
		} else {
			r["assignment_max"] = *n
		}
	}
	return nil
}

func computeMemberCounts(env *orm.Env, recs []orm.Values) error {
	vals, err := env.ReadValues(env.Reg.Model("crm.team.member"), idsOf(recs), []string{"user_id"})
	if err != nil {
		return err
	}
	for i, r := range recs {
		uid := vals[i]["user_id"]
		for k, days := range map[string]int{"lead_day_count": 1, "lead_month_count": 30} {
			var n int64
			since := env.Dialect.TimeParam(env.Now.AddDate(0, 0, -days))
			if err := env.QueryRow("SELECT count(*) FROM crm_lead WHERE user_id = ? AND date_open >= ?", uid, since).Scan(&n); err != nil {
				return err
			}
			r[k] = n
		}
	}
	return nil
}

// computeUserTeams: the teams a user leads or belongs to; the first is
// their default team.
func computeUserTeams(env *orm.Env, recs []orm.Values) error {
	for _, r := range recs {
		teams, err := userTeams(env, r["id"].(int64))
		if err != nil {
			return err
		}
		if teams == nil {
			teams = []int64{}
		}
		r["crm_team_ids"] = teams
		if len(teams) > 0 {
			r["sale_team_id"] = teams[0]
		} else {
			r["sale_team_id"] = nil
		}
	}
	return nil
}

// userTeams lists the active teams a user is member or leader of, in the
// teams' order.
func userTeams(env *orm.Env, uid int64) ([]int64, error) {
	v, err := env.Memo(fmt.Sprintf("crm.userTeams:%d", uid), []string{"crm.team", "crm.team.member"}, func() (any, error) {
		return findUserTeams(env, uid)
	})
	if err != nil {
		return nil, err
	}
	return v.([]int64), nil
}

func findUserTeams(env *orm.Env, uid int64) ([]int64, error) {
	rows, err := env.Query(`SELECT t.id FROM crm_team t WHERE t.active = ? AND (t.user_id = ? OR EXISTS (
		SELECT 1 FROM crm_team_member m WHERE m.crm_team_id = t.id AND m.user_id = ? AND m.active = ?))
		ORDER BY t.sequence, t.create_date DESC, t.id DESC`, env.Dialect.BoolParam(true), uid, uid, env.Dialect.BoolParam(true))
	if err != nil {
		return nil, err
	}
	return orm.ScanIDs(rows)
}

func idsOf(recs []orm.Values) []int64 {
	out := make([]int64, len(recs))
	for i, r := range recs {
		out[i] = r["id"].(int64)
	}
	return out
}

// createStageSet gives a new team the stages of the chosen set.
func createStageSet(env *orm.Env, teamID int64, set string) error {
	specs, ok := stageSets[set]
	if !ok {
		return nil // shared stages
	}
	stages := env.Sudo().Reg.Model("crm.stage")
	var vals []orm.Values
	for _, s := range specs {
		v := orm.Values{"name": s.Name, "sequence": s.Sequence, "is_won": s.IsWon, "is_lost": s.IsLost, "fold": s.Fold,
			"done_activities_trigger": s.DoneTrigger, "team_ids": []any{[]any{int64(6), int64(0), []any{teamID}}}}
		if s.Requirements != "" {
			v["requirements"] = s.Requirements
		}
		vals = append(vals, v)
	}
	_, err := env.Sudo().Create(stages, vals)
	return err
}

// teamStages lists the stages usable by a team (its own and the shared
// ones), in stage order.
func teamStages(env *orm.Env, teamID int64, extra orm.Domain) ([]int64, error) {
	v, err := env.Memo(fmt.Sprintf("crm.teamStages:%d:%v", teamID, extra), []string{"crm.stage", "crm.team"}, func() (any, error) {
		return findTeamStages(env, teamID, extra)
	})
	if err != nil {
		return nil, err
	}
	return v.([]int64), nil
}

func findTeamStages(env *orm.Env, teamID int64, extra orm.Domain) ([]int64, error) {
	var d orm.Domain = orm.Leaf{Path: "team_ids", Op: "=", Value: false}
	if teamID != 0 {
		// a team with its own stages uses those only
		own, err := env.Sudo().Search(env.Reg.Model("crm.stage"), orm.Leaf{Path: "team_ids", Op: "in", Value: []any{teamID}}, orm.SearchOpts{Limit: 1})
		if err != nil {
			return nil, err
		}
		if len(own) > 0 {
			d = orm.Leaf{Path: "team_ids", Op: "in", Value: []any{teamID}}
		}
	}
	if extra != nil {
		d = orm.And{d, extra}
	}
	return env.Sudo().Search(env.Reg.Model("crm.stage"), d, orm.SearchOpts{Order: "sequence, id"})
}

func sortedKeys(m map[int64]bool) []int64 {
	out := make([]int64, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// TeamStages lists the stages of a team's pipeline, in order.
func TeamStages(env *orm.Env, teamID int64) ([]int64, error) { return teamStages(env, teamID, nil) }

// UserTeams lists the teams a user leads or belongs to, default first.
func UserTeams(env *orm.Env, uid int64) ([]int64, error) { return userTeams(env, uid) }
