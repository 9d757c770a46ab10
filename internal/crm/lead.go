package crm

import (
	"database/sql"
	"errors"
	"fmt"
	"math"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/nyaruka/phonenumbers"

	"github.com/kanso-crm/kanso/internal/base"
	"github.com/kanso-crm/kanso/internal/i18n"
	"github.com/kanso-crm/kanso/internal/orm"
)

// Settings (ir_config_parameter keys).
const (
	ParamUseLeads       = "crm.use_leads"            // "1": leads step before opportunities
	ParamAutoAssignment = "crm.lead.auto.assignment" // "1": periodic rule-based assignment
	ParamLookupEndpoint = "crm.lookup.anaf_endpoint" // ANAF service URL
)

func paramBool(env *orm.Env, key string, def bool) (bool, error) {
	v, err := base.GetParam(env, key)
	if err != nil {
		return false, err
	}
	if v == "" {
		return def, nil
	}
	return v == "1" || v == "true" || v == "True", nil
}

// LeadsEnabled tells whether the leads step is on (else everything is an
// opportunity).
func LeadsEnabled(env *orm.Env) bool {
	on, err := paramBool(env, ParamUseLeads, true)
	return err == nil && on
}

func defaultType(env *orm.Env) any {
	if LeadsEnabled(env) {
		return "lead"
	}
	return "opportunity"
}

type stageInfo struct {
	ID       int64
	Sequence int64
	IsWon    bool
	IsLost   bool
	Fold     bool
	Trigger  int64
}

func loadStage(env *orm.Env, id any) (*stageInfo, error) {
	sid, ok := id.(int64)
	if !ok || sid == 0 {
		return &stageInfo{}, nil
	}
	v, err := env.Sudo().Memo(fmt.Sprintf("crm.stage:%d", sid), []string{"crm.stage"}, func() (any, error) {
		return findStage(env, sid)
	})
	if err != nil {
		return nil, err
	}
	s := *v.(*stageInfo)
	return &s, nil
}

func findStage(env *orm.Env, sid int64) (*stageInfo, error) {
	s := &stageInfo{ID: sid}
	err := env.QueryRow("SELECT sequence, is_won, is_lost, fold, done_activities_trigger FROM crm_stage WHERE id = ?", sid).
		Scan(&s.Sequence, &s.IsWon, &s.IsLost, &s.Fold, &s.Trigger)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, orm.ValidationErrorf("Invalid value for stage_id: record crm.stage(%d) does not exist", sid)
	}
	if err != nil {
		return nil, fmt.Errorf("crm: load stage %d: %w", sid, err)
	}
	return s, nil
}

// stageProbability is the automated probability of a stage until the
// predictive scoring learns from history: won stages 100, lost columns 0,
// the open stages of the team from 10 to 70 in their order.
func stageProbability(env *orm.Env, stageID, teamID any) (float64, error) {
	st, err := loadStage(env, stageID)
	if err != nil {
		return 0, err
	}
	switch {
	case st.ID == 0:
		return 10, nil
	case st.IsWon:
		return 100, nil
	case st.IsLost:
		return 0, nil
	}
	tid, _ := teamID.(int64)
	open, err := teamStages(env, tid, orm.And{orm.Leaf{Path: "is_won", Op: "=", Value: false}, orm.Leaf{Path: "is_lost", Op: "=", Value: false}})
	if err != nil {
		return 0, err
	}
	idx := -1
	for i, id := range open {
		if id == st.ID {
			idx = i
		}
	}
	if idx < 0 || len(open) < 2 {
		return 10, nil
	}
	return math.Round(10 + 60*float64(idx)/float64(len(open)-1)), nil
}

// firstStage is the first non-folded stage of a team (or of the shared
// stages), as Odoo's _stage_find.
func firstStage(env *orm.Env, teamID any) (any, error) {
	tid, _ := teamID.(int64)
	ids, err := teamStages(env, tid, orm.And{orm.Leaf{Path: "fold", Op: "=", Value: false}, orm.Leaf{Path: "is_lost", Op: "=", Value: false}})
	if err != nil || len(ids) == 0 {
		return nil, err
	}
	return ids[0], nil
}

// defaultTeam follows Odoo's _get_default_team_id: the user's teams
// matching the lead type, else any of the user's teams, else the first
// team matching the type, else the first team.
func defaultTeam(env *orm.Env, uid any, leadType string) (any, error) {
	return env.Memo(fmt.Sprintf("crm.defaultTeam:%v:%s:%v", uid, leadType, env.Context["default_team_id"]), []string{"crm.team", "crm.team.member"}, func() (any, error) {
		return findDefaultTeam(env, uid, leadType)
	})
}

func findDefaultTeam(env *orm.Env, uid any, leadType string) (any, error) {
	flag := "use_opportunities"
	if leadType == "lead" {
		flag = "use_leads"
	}
	if id, ok := uid.(int64); ok && id != 0 {
		teams, err := userTeams(env, id)
		if err != nil {
			return nil, err
		}
		if len(teams) > 0 {
			match, err := env.Sudo().Search(env.Reg.Model("crm.team"), orm.And{orm.Leaf{Path: "id", Op: "in", Value: anyList(teams)}, orm.Leaf{Path: flag, Op: "=", Value: true}}, orm.SearchOpts{Limit: 1})
			if err != nil {
				return nil, err
			}
			if len(match) > 0 {
				return match[0], nil
			}
			return teams[0], nil
		}
	}
	if v, ok := env.Context["default_team_id"]; ok {
		if id, ok := v.(int64); ok {
			return id, nil
		}
	}
	t := env.Reg.Model("crm.team")
	ids, err := env.Sudo().Search(t, orm.Leaf{Path: flag, Op: "=", Value: true}, orm.SearchOpts{Limit: 1})
	if err != nil {
		return nil, err
	}
	if len(ids) == 0 {
		ids, err = env.Sudo().Search(t, orm.And{}, orm.SearchOpts{Limit: 1})
		if err != nil || len(ids) == 0 {
			return nil, err
		}
	}
	return ids[0], nil
}

func anyList(ids []int64) []any {
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = id
	}
	return out
}

func isMember(env *orm.Env, uid, teamID any) (bool, error) {
	u, ok1 := uid.(int64)
	t, ok2 := teamID.(int64)
	if !ok1 || !ok2 {
		return false, nil
	}
	teams, err := userTeams(env, u)
	if err != nil {
		return false, err
	}
	for _, x := range teams {
		if x == t {
			return true, nil
		}
	}
	return false, nil
}

// partnerSyncFields are copied from the customer when it is set.
var partnerSyncFields = []string{"lang", "phone", "function", "website"}

// addressFields move as one block.
var addressFields = []string{"street", "street2", "zip", "city", "state_id", "country_id"}

// syncFromPartner fills the lead values from its customer, without
// touching the fields in keep (given explicitly by the caller).
func syncFromPartner(env *orm.Env, rec orm.Values, keep map[string]bool) error {
	pid, ok := rec["partner_id"].(int64)
	if !ok {
		return nil
	}
	pm := env.Reg.Model("res.partner")
	pv, err := env.ReadValues(pm, []int64{pid}, []string{"name", "is_company", "parent_id", "company_name", "email", "phone",
		"function", "website", "lang", "street", "street2", "zip", "city", "state_id", "country_id", "vat"})
	if err != nil || len(pv) == 0 {
		return err
	}
	p := pv[0]
	set := func(k string, v any) {
		if !keep[k] && v != nil && v != "" {
			rec[k] = v
		}
	}
	isCo, _ := p["is_company"].(bool)
	if !isCo {
		set("contact_name", p["name"])
	}
	if parent, ok := p["parent_id"].(int64); ok {
		names, err := env.Sudo().DisplayNames(pm, []int64{parent})
		if err != nil {
			return err
		}
		set("partner_name", names[parent])
	} else if isCo {
		set("partner_name", p["name"])
	} else {
		set("partner_name", p["company_name"])
	}
	set("function", p["function"])
	set("website", p["website"])
	set("phone", p["phone"])
	set("vat", p["vat"])
	if e, _ := p["email"].(string); e != "" && !keep["email_from"] {
		cur, _ := rec["email_from"].(string)
		if base.NormalizeEmail(cur) != base.NormalizeEmail(e) {
			rec["email_from"] = e
		}
	}
	if l, ok := p["lang"].(string); ok && !keep["lang_id"] {
		var lid int64
		if err := env.QueryRow("SELECT id FROM res_lang WHERE code = ?", l).Scan(&lid); err == nil {
			rec["lang_id"] = lid
		}
	}
	// the address moves as a block when the partner has any of it
	has := false
	for _, k := range addressFields {
		if p[k] != nil && p[k] != "" {
			has = true
		}
	}
	if has {
		for _, k := range addressFields {
			if !keep[k] {
				rec[k] = p[k]
			}
		}
	}
	if n, _ := rec["name"].(string); n == "" && !keep["name"] {
		if pn, _ := p["name"].(string); pn != "" {
			rec["name"] = pn + "'s opportunity"
		}
	}
	return nil
}

func keys(v orm.Values) map[string]bool {
	out := make(map[string]bool, len(v))
	for k := range v {
		out[k] = true
	}
	return out
}

func beforeCreateLead(env *orm.Env, vals orm.Values) error {
	given := keys(vals)
	// defaults filled by the ORM are not "given": recompute what they hide
	if t, _ := vals["type"].(string); t == "lead" && !LeadsEnabled(env) {
		vals["type"] = "opportunity"
	}
	if _, ok := vals["user_id"]; !ok && env.UID != orm.SuperuserID {
		vals["user_id"] = env.UID
	}
	if err := syncFromPartner(env, vals, given); err != nil {
		return err
	}
	if n, _ := vals["name"].(string); strings.TrimSpace(n) == "" {
		return orm.ValidationErrorf("The field \"Opportunity\" (name) is required: give the lead a name or a customer.")
	}
	if vals["team_id"] == nil && vals["user_id"] != nil {
		t, err := defaultTeam(env, vals["user_id"], vals["type"].(string))
		if err != nil {
			return err
		}
		vals["team_id"] = t
	}
	if vals["company_id"] == nil {
		if tid, ok := vals["team_id"].(int64); ok {
			cid, err := env.Sudo().Memo(fmt.Sprintf("crm.teamCompany:%d", tid), []string{"crm.team"}, func() (any, error) {
				var cid *int64
				if err := env.QueryRow("SELECT company_id FROM crm_team WHERE id = ?", tid).Scan(&cid); err != nil || cid == nil {
					return nil, nil // no such team or no company: the user's
				}
				return *cid, nil
			})
			if err == nil && cid != nil {
				vals["company_id"] = cid
			}
		}
		if vals["company_id"] == nil {
			if u, err := env.User(); err == nil && u.CompanyID != 0 {
				vals["company_id"] = u.CompanyID
			}
		}
	}
	if vals["stage_id"] == nil {
		s, err := firstStage(env, vals["team_id"])
		if err != nil {
			return err
		}
		vals["stage_id"] = s
	}
	st, err := loadStage(env, vals["stage_id"])
	if err != nil {
		return err
	}
	auto, err := stageProbability(env, vals["stage_id"], vals["team_id"])
	if err != nil {
		return err
	}
	vals["automated_probability"] = auto
	if st.IsWon {
		vals["probability"] = 100.0
		vals["automated_probability"] = 100.0
		vals["date_closed"] = env.Now
	} else if !given["probability"] {
		vals["probability"] = auto
	}
	if p, _ := vals["probability"].(float64); p < 0 || p > 100 {
		return orm.ValidationErrorf("The probability must be between 0 and 100, got %v.", p)
	}
	if vals["user_id"] != nil && vals["date_open"] == nil {
		vals["date_open"] = env.Now
	}
	vals["date_last_stage_update"] = env.Now
	if vals["create_date"] == nil {
		vals["create_date"] = env.Now // for day_open / day_close
	}
	return nil
}

// afterCreateLeads posts the creation message of each new lead (in one
// statement per few hundred leads) and syncs their customers.
func afterCreateLeads(env *orm.Env, ids []int64, recs []orm.Values) error {
	msgs := make([]orm.Message, len(ids))
	var synced []int
	for i, vals := range recs {
		body := i18n.N("Lead created")
		if vals["type"] == "opportunity" {
			body = i18n.N("Opportunity created")
		}
		// the display name of a lead is its name
		name, _ := vals["name"].(string)
		msgs[i] = orm.Message{Type: "notification", Subtype: "crm.mt_lead_create", Body: body, RecordName: name}
		if vals["partner_id"] != nil {
			synced = append(synced, i)
		}
	}
	if err := env.PostMessages(env.Reg.Model("crm.lead"), ids, msgs); err != nil {
		return err
	}
	for _, i := range synced {
		if err := syncToPartner(env, []int64{ids[i]}, recs[i]); err != nil {
			return err
		}
	}
	return nil
}

func beforeWriteLead(env *orm.Env, old []orm.Values, vals orm.Values) error {
	if t, _ := vals["type"].(string); t == "lead" && !LeadsEnabled(env) {
		vals["type"] = "opportunity"
	}
	if p, ok := vals["probability"].(float64); ok && (p < 0 || p > 100) {
		return orm.ValidationErrorf("The probability must be between 0 and 100, got %v.", p)
	}
	return nil
}

func beforeWriteLeadRecord(env *orm.Env, o, rec, vals orm.Values) error {
	now := env.Now
	// customer changed: take its details (except the ones written now)
	if _, ok := vals["partner_id"]; ok && rec["partner_id"] != nil && rec["partner_id"] != o["partner_id"] {
		if err := syncFromPartner(env, rec, keys(vals)); err != nil {
			return err
		}
	}
	// salesperson changed: assignment date, and the team if the new
	// salesperson is not in it
	if _, ok := vals["user_id"]; ok && rec["user_id"] != o["user_id"] {
		if rec["user_id"] == nil {
			rec["date_open"] = nil
		} else {
			rec["date_open"] = now
			if _, teamGiven := vals["team_id"]; !teamGiven {
				member, err := isMember(env, rec["user_id"], rec["team_id"])
				if err != nil {
					return err
				}
				if !member {
					t, err := defaultTeam(env, rec["user_id"], rec["type"].(string))
					if err != nil {
						return err
					}
					rec["team_id"] = t
				}
			}
		}
	}
	oldStage, err := loadStage(env, o["stage_id"])
	if err != nil {
		return err
	}
	newStage := oldStage
	stageChanged := rec["stage_id"] != o["stage_id"]
	_, probGiven := vals["probability"]
	if stageChanged {
		if newStage, err = loadStage(env, rec["stage_id"]); err != nil {
			return err
		}
		rec["date_last_stage_update"] = now
		auto, err := stageProbability(env, rec["stage_id"], rec["team_id"])
		if err != nil {
			return err
		}
		wasAuto := floatEq(o["probability"], o["automated_probability"])
		rec["automated_probability"] = auto
		switch {
		case newStage.IsWon:
			rec["probability"], rec["automated_probability"], rec["active"] = 100.0, 100.0, true
		case newStage.IsLost:
			rec["probability"], rec["automated_probability"], rec["active"] = 0.0, 0.0, false
		case !probGiven && (wasAuto || oldStage.IsWon):
			rec["probability"] = auto
		}
	}
	p, _ := rec["probability"].(float64)
	activeNow, _ := rec["active"].(bool)
	activeBefore, _ := o["active"].(bool)
	switch {
	case stageChanged && newStage.IsWon && oldStage.IsWon && o["date_closed"] != nil:
		// moving between won stages keeps the closing date
	case p >= 100 && (probGiven || stageChanged):
		rec["date_closed"] = now
	case !activeNow && activeBefore:
		rec["date_closed"] = now
	case probGiven && p > 0 && p < 100:
		rec["date_closed"] = nil
	case stageChanged && !newStage.IsWon && !probGiven && activeNow:
		rec["date_closed"] = nil
	}
	if newStage.IsWon && p != 100 {
		return orm.ValidationErrorf("A lead in a Won stage cannot be lost. Move it to another stage first.")
	}
	if rec["type"] == "opportunity" && o["type"] == "lead" && rec["date_conversion"] == nil {
		rec["date_conversion"] = now
	}
	return nil
}

func floatEq(a, b any) bool {
	x, _ := a.(float64)
	y, _ := b.(float64)
	return math.Abs(x-y) < 0.005
}

func afterWriteLead(env *orm.Env, ids []int64, vals orm.Values) error {
	return syncToPartner(env, ids, vals)
}

// syncToPartner writes a lead's e-mail and phone back to its customer
// when they were given and differ (Odoo's inverse of email_from/phone).
func syncToPartner(env *orm.Env, ids []int64, vals orm.Values) error {
	_, e := vals["email_from"]
	_, p := vals["phone"]
	if !e && !p {
		return nil
	}
	leads, err := env.ReadValues(env.Reg.Model("crm.lead"), ids, []string{"partner_id", "email_from", "phone"})
	if err != nil {
		return err
	}
	pm := env.Reg.Model("res.partner")
	for _, l := range leads {
		pid, ok := l["partner_id"].(int64)
		if !ok {
			continue
		}
		pv, err := env.ReadValues(pm, []int64{pid}, []string{"email", "phone"})
		if err != nil || len(pv) == 0 {
			return err
		}
		upd := orm.Values{}
		if le, _ := l["email_from"].(string); e && le != "" && base.NormalizeEmail(le) != base.NormalizeEmail(str(pv[0]["email"])) {
			upd["email"] = le
		}
		if lp, _ := l["phone"].(string); p && lp != "" && lp != str(pv[0]["phone"]) {
			upd["phone"] = lp
		}
		if len(upd) > 0 {
			if err := env.Write(pm, []int64{pid}, upd); err != nil {
				return err
			}
		}
	}
	return nil
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

func leadTrackSubtype(env *orm.Env, old, cur orm.Values) string {
	switch {
	case cur["stage_id"] != old["stage_id"] && cur["won_status"] == "won":
		return "crm.mt_lead_won"
	case cur["lost_reason_id"] != nil && cur["lost_reason_id"] != old["lost_reason_id"]:
		return "crm.mt_lead_lost"
	case cur["active"] == false && old["active"] == true:
		return "crm.mt_lead_lost"
	case cur["active"] == true && old["active"] == false:
		return "crm.mt_lead_restored"
	case cur["stage_id"] != old["stage_id"]:
		return "crm.mt_lead_stage"
	}
	return ""
}

// Computed fields.

func round2(f float64) float64 { return math.Round(f*100) / 100 }

func computeProrated(env *orm.Env, recs []orm.Values) error {
	for _, r := range recs {
		rev, _ := r["expected_revenue"].(float64)
		p, _ := r["probability"].(float64)
		r["prorated_revenue"] = round2(rev * p / 100)
	}
	return nil
}

func computeRecurring(env *orm.Env, recs []orm.Values) error {
	for _, r := range recs {
		rev, _ := r["recurring_revenue"].(float64)
		p, _ := r["probability"].(float64)
		months := int64(1)
		if plan, ok := r["recurring_plan"].(int64); ok {
			var n int64
			if err := env.QueryRow("SELECT number_of_months FROM crm_recurring_plan WHERE id = ?", plan).Scan(&n); err != nil {
				return fmt.Errorf("crm: recurring plan %d: %w", plan, err)
			}
			if n > 0 {
				months = n
			}
		}
		monthly := rev / float64(months)
		r["recurring_revenue_monthly"] = round2(monthly)
		r["recurring_revenue_monthly_prorated"] = round2(monthly * p / 100)
		r["recurring_revenue_prorated"] = round2(rev * p / 100)
	}
	return nil
}

func days(a, b any) any {
	t1, ok1 := a.(time.Time)
	t2, ok2 := b.(time.Time)
	if !ok1 || !ok2 {
		return nil
	}
	d := t1.Sub(t2.Truncate(time.Second)).Hours() / 24
	return math.Abs(math.Trunc(d))
}

func computeDayOpen(env *orm.Env, recs []orm.Values) error {
	for _, r := range recs {
		r["day_open"] = days(r["date_open"], r["create_date"])
	}
	return nil
}

func computeDayClose(env *orm.Env, recs []orm.Values) error {
	for _, r := range recs {
		r["day_close"] = days(r["date_closed"], r["create_date"])
	}
	return nil
}

func computeEmail(env *orm.Env, recs []orm.Values) error {
	for _, r := range recs {
		e := str(r["email_from"])
		n := base.NormalizeEmail(e)
		switch {
		case strings.TrimSpace(e) == "":
			r["email_normalized"], r["email_domain_criterion"], r["email_state"] = nil, nil, nil
		case n == "":
			r["email_normalized"], r["email_domain_criterion"], r["email_state"] = nil, nil, "incorrect"
		default:
			r["email_normalized"], r["email_state"] = n, "correct"
			r["email_domain_criterion"] = EmailDomainCriterion(n)
		}
	}
	return nil
}

// genericDomains are mail providers shared by unrelated people: leads
// with these addresses are matched on the whole address, not the domain.
var genericDomains = map[string]bool{"gmail.com": true, "googlemail.com": true, "yahoo.com": true, "yahoo.fr": true, "yahoo.co.id": true,
	"hotmail.com": true, "outlook.com": true, "live.com": true, "msn.com": true, "aol.com": true, "icloud.com": true, "me.com": true,
	"gmx.com": true, "gmx.de": true, "web.de": true, "mail.com": true, "proton.me": true, "protonmail.com": true, "yandex.com": true,
	"mail.ru": true, "qq.com": true, "163.com": true, "example.com": true, "odoo.com": true, "ymail.com": true, "rocketmail.com": true}

// EmailDomainCriterion is "@domain" for company domains and the whole
// address for generic providers (Odoo's email_domain_criterion).
func EmailDomainCriterion(normalized string) string {
	at := strings.LastIndex(normalized, "@")
	if at < 0 {
		return ""
	}
	dom := normalized[at+1:]
	if genericDomains[dom] {
		return normalized
	}
	return "@" + dom
}

// countryCodes reads ISO codes of countries by id.
func countryCode(env *orm.Env, id any) string {
	cid, ok := id.(int64)
	if !ok {
		return ""
	}
	v, _ := env.Sudo().Memo(fmt.Sprintf("crm.countryCode:%d", cid), countryDeps, func() (any, error) {
		var code string
		env.QueryRow("SELECT code FROM res_country WHERE id = ?", cid).Scan(&code)
		return code, nil
	})
	code, _ := v.(string)
	return code
}

var countryDeps = []string{"res.country"}

// SanitizePhone returns the E.164 form of a number in the given country
// (or the company's), and whether it is a valid number.
func SanitizePhone(number, country string) (string, bool) {
	number = strings.TrimSpace(number)
	if number == "" {
		return "", false
	}
	if country == "" {
		country = "US"
	}
	n, err := phonenumbers.Parse(number, strings.ToUpper(country))
	if err != nil {
		return "", false
	}
	return phonenumbers.Format(n, phonenumbers.E164), phonenumbers.IsValidNumber(n)
}

func companyCountry(env *orm.Env) string {
	u, err := env.User()
	if err != nil {
		return ""
	}
	v, _ := env.Sudo().Memo(fmt.Sprintf("crm.companyCountry:%d", u.CompanyID), []string{"res.company", "res.country"}, func() (any, error) {
		var cid *int64
		env.QueryRow("SELECT country_id FROM res_company WHERE id = ?", u.CompanyID).Scan(&cid)
		if cid == nil {
			return "", nil
		}
		return countryCode(env, *cid), nil
	})
	code, _ := v.(string)
	return code
}

func computePhone(env *orm.Env, recs []orm.Values) error {
	// the countries come from the database, one after the other; the
	// numbers are parsed on every core when there are many
	type job struct {
		number, country, e164 string
		valid                 bool
	}
	jobs := make([]job, len(recs))
	for i, r := range recs {
		ph := str(r["phone"])
		if strings.TrimSpace(ph) == "" {
			continue
		}
		cc := countryCode(env, r["country_id"])
		if cc == "" {
			cc = companyCountry(env)
		}
		jobs[i] = job{number: ph, country: cc}
	}
	parallel(len(jobs), 64, func(i int) {
		if j := &jobs[i]; j.number != "" {
			j.e164, j.valid = SanitizePhone(j.number, j.country)
		}
	})
	for i, r := range recs {
		if jobs[i].number == "" {
			r["phone_sanitized"], r["phone_state"] = nil, nil
			continue
		}
		e164, valid := jobs[i].e164, jobs[i].valid
		if e164 == "" {
			r["phone_sanitized"] = nil
		} else {
			r["phone_sanitized"] = e164
		}
		if valid {
			r["phone_state"] = "correct"
		} else {
			r["phone_state"] = "incorrect"
		}
	}
	return nil
}

func computeWonStatus(env *orm.Env, recs []orm.Values) error {
	for _, r := range recs {
		st, err := loadStage(env, r["stage_id"])
		if err != nil {
			return err
		}
		p, _ := r["probability"].(float64)
		active, _ := r["active"].(bool)
		switch {
		case p == 100 && st.IsWon:
			r["won_status"] = "won"
		case !active && p == 0:
			r["won_status"] = "lost"
		default:
			r["won_status"] = "pending"
		}
	}
	return nil
}

func computeIsAutomated(env *orm.Env, recs []orm.Values) error {
	for _, r := range recs {
		r["is_automated_probability"] = floatEq(r["probability"], r["automated_probability"])
	}
	return nil
}

func computeCommercialPartner(env *orm.Env, recs []orm.Values) error {
	pm := env.Reg.Model("res.partner")
	for _, r := range recs {
		pid, ok := r["partner_id"].(int64)
		if !ok {
			r["commercial_partner_id"] = nil
			continue
		}
		v, err := env.ReadValues(pm, []int64{pid}, []string{"commercial_partner_id"})
		if err != nil {
			return err
		}
		if len(v) > 0 {
			r["commercial_partner_id"] = v[0]["commercial_partner_id"]
		}
	}
	return nil
}

// parallel calls f(0..n-1), spread over the cores when n reaches min.
func parallel(n, min int, f func(i int)) {
	workers := runtime.GOMAXPROCS(0)
	if n < min || workers < 2 {
		for i := 0; i < n; i++ {
			f(i)
		}
		return
	}
	var wg sync.WaitGroup
	per := (n + workers - 1) / workers
	for start := 0; start < n; start += per {
		end := start + per
		if end > n {
			end = n
		}
		wg.Add(1)
		go func(start, end int) {
			defer wg.Done()
			for i := start; i < end; i++ {
				f(i)
			}
		}(start, end)
	}
	wg.Wait()
}
