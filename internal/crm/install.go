package crm

import (
	"github.com/kanso-crm/kanso/internal/base"
	"github.com/kanso-crm/kanso/internal/i18n"
	"github.com/kanso-crm/kanso/internal/orm"
)

func acc(model, group, perms string) base.Access {
	return base.Access{Model: model, Group: group, Perms: perms}
}

var crmAccess = []base.Access{
	acc("crm.lead", base.GroupSaleSalesman, "rwcu"),
	acc("crm.stage", base.GroupUser, "r"), acc("crm.stage", base.GroupSaleManager, "rwcu"),
	acc("crm.team", base.GroupUser, "r"), acc("crm.team", base.GroupSaleManager, "rwcu"),
	acc("crm.team.member", base.GroupUser, "r"), acc("crm.team.member", base.GroupSaleManager, "rwcu"),
	acc("crm.tag", base.GroupSaleSalesman, "rwc"), acc("crm.tag", base.GroupSaleManager, "rwcu"),
	acc("crm.lost.reason", base.GroupUser, "r"), acc("crm.lost.reason", base.GroupSaleManager, "rwcu"),
	acc("crm.recurring.plan", base.GroupUser, "r"), acc("crm.recurring.plan", base.GroupSaleManager, "rwcu"),
	acc("utm.campaign", base.GroupUser, "rwc"), acc("utm.campaign", base.GroupSaleManager, "rwcu"),
	acc("utm.source", base.GroupUser, "rwc"), acc("utm.source", base.GroupSaleManager, "rwcu"),
	acc("utm.medium", base.GroupUser, "rwc"), acc("utm.medium", base.GroupSaleManager, "rwcu"),
	acc("crm.target", base.GroupSaleSalesman, "r"), acc("crm.target", base.GroupSaleManager, "rwcu"),
}

// Record rules: salespeople with "own documents only" see their own and
// unassigned leads; "all documents" (and so the manager) see all.
var crmRules = []base.Rule{
	{Name: "Personal Leads", Model: "crm.lead", Perms: "rwcu", Groups: []string{base.GroupSaleSalesman},
		Domain: `["|", ["user_id", "=", "$uid"], ["user_id", "=", false]]`},
	{Name: "All Leads", Model: "crm.lead", Perms: "rwcu", Groups: []string{base.GroupSaleSalesmanAll}, Domain: `[[1, "=", 1]]`},
}

func install(env *orm.Env, opts base.InstallOptions) error {
	if err := base.InstallAccess(env, crmAccess); err != nil {
		return err
	}
	if err := base.InstallRules(env, crmRules); err != nil {
		return err
	}
	// Odoo's four stages, shared by every team that has no stages of its own.
	stages := env.Reg.Model("crm.stage")
	for i, s := range stageSets[StageSetDefault] {
		ids, err := env.Create(stages, []orm.Values{{"name": s.Name, "sequence": s.Sequence, "is_won": s.IsWon, "fold": s.Fold}})
		if err != nil {
			return err
		}
		if err := base.SetXID(env, "crm.stage_lead"+string(rune('1'+i)), "crm.stage", ids[0]); err != nil {
			return err
		}
	}
	reasons := env.Reg.Model("crm.lost.reason")
	for i, n := range []string{i18n.N("Too expensive"), i18n.N("We don't have people/skills"), i18n.N("Not enough stock")} {
		ids, err := env.Create(reasons, []orm.Values{{"name": n}})
		if err != nil {
			return err
		}
		if err := base.SetXID(env, "crm.lost_reason_"+string(rune('1'+i)), "crm.lost.reason", ids[0]); err != nil {
			return err
		}
	}
	plans := env.Reg.Model("crm.recurring.plan")
	for i, p := range []struct {
		name   string
		months int64
	}{{"Monthly", 1}, {"Yearly", 12}, {"Over 3 years", 36}, {"Over 5 years", 60}} {
		if _, err := env.Create(plans, []orm.Values{{"name": p.name, "number_of_months": p.months, "sequence": int64(i + 1)}}); err != nil {
			return err
		}
	}
	media := env.Reg.Model("utm.medium")
	for _, n := range []string{"Email", "Phone", "Website", "Banner", "Direct", "Social Media", "Television", "Google Adwords"} {
		ids, err := env.Create(media, []orm.Values{{"name": n}})
		if err != nil {
			return err
		}
		if n == "Website" {
			if err := base.SetXID(env, "utm.utm_medium_website", "utm.medium", ids[0]); err != nil {
				return err
			}
		}
	}
	sources := env.Reg.Model("utm.source")
	for _, n := range []string{"Search engine", "Lead Recall", "Newsletter", "Facebook", "LinkedIn", "Twitter", "Referral"} {
		if _, err := env.Create(sources, []orm.Values{{"name": n}}); err != nil {
			return err
		}
	}
	// One sales team, led by the administrator.
	admin, err := base.XID(env, "base.user_admin")
	if err != nil {
		return err
	}
	teams := env.Reg.Model("crm.team")
	tids, err := env.Create(teams, []orm.Values{{"name": "Sales", "sequence": int64(10), "user_id": admin, "use_leads": true, "use_opportunities": true}})
	if err != nil {
		return err
	}
	if err := base.SetXID(env, "sales_team.team_sales_department", "crm.team", tids[0]); err != nil {
		return err
	}
	if _, err := env.Create(env.Reg.Model("crm.team.member"), []orm.Values{{"crm_team_id": tids[0], "user_id": admin}}); err != nil {
		return err
	}
	return base.SetParam(env, ParamUseLeads, "1")
}
