package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/kanso-crm/kanso/internal/crm"
	"github.com/kanso-crm/kanso/internal/mail"
	"github.com/kanso-crm/kanso/internal/orm"
)

// LeadForm is what the opportunity form shows.
type LeadForm struct {
	ID        int64
	Rec       map[string]any // the record as read (API format)
	Stages    [][2]string    // id, name of the team's stages
	Users     [][2]string
	Teams     [][2]string
	Tags      [][2]string
	Reasons   [][2]string
	TagIDs    map[string]bool
	Timeline  []TimelineEntry
	Error     string
	Saved     bool
	Conflict  []ConflictRow
	WonStatus string
	// the conversion dialog (leads only)
	Convert    map[string]any
	Partners   [][2]string
	Duplicates [][2]string // id, name of potential duplicates (self excluded)
	IsLead     bool
	Inactive   bool
	// activities
	Activities    []ActivityRow
	ActivityTypes [][2]string
	Completion    string
}

// ConflictRow is one field changed by someone else meanwhile.
type ConflictRow struct{ Label, Mine, Theirs string }

// TimelineEntry is one message of a record's history.
type TimelineEntry struct {
	Author, Date, Body, Subject string
	Changes                     []string
	Files                       [][2]string // attachment id, name
}

// Str reads a text value of the record ("" when unset).
func (f *LeadForm) Str(k string) string {
	switch v := f.Rec[k].(type) {
	case string:
		return v
	case int64:
		return itoa(v)
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case []any:
		if len(v) == 2 {
			return fmt.Sprint(v[0])
		}
	}
	return ""
}

// Name reads the display name of a many2one value.
func (f *LeadForm) Name(k string) string {
	if v, ok := f.Rec[k].([]any); ok && len(v) == 2 {
		return fmt.Sprint(v[1])
	}
	return ""
}

var leadFormFields = []string{"name", "type", "active", "stage_id", "team_id", "user_id", "partner_id", "partner_name", "contact_name",
	"email_from", "phone", "function", "website", "expected_revenue", "probability", "date_deadline", "priority", "tag_ids",
	"description", "street", "city", "zip", "country_id", "vat", "won_status", "lost_reason_id", "write_date", "activated", "prorated_revenue"}

func pairs(recs []map[string]any, label string) [][2]string {
	out := make([][2]string, 0, len(recs))
	for _, r := range recs {
		out = append(out, [2]string{itoa(r["id"].(int64)), fmt.Sprint(r[label])})
	}
	return out
}

// loadLeadForm reads a lead with everything its form needs.
func loadLeadForm(env *orm.Env, id int64) (*LeadForm, error) {
	lead := env.Reg.Model("crm.lead")
	all := env.WithContext(map[string]any{"active_test": false})
	recs, err := all.Read(lead, []int64{id}, leadFormFields, true)
	if err != nil {
		return nil, err
	}
	f := &LeadForm{ID: id, Rec: recs[0], TagIDs: map[string]bool{}}
	f.WonStatus, _ = f.Rec["won_status"].(string)
	team, _ := strconv.ParseInt(f.Str("team_id"), 10, 64)
	stageIDs, err := crm.TeamStages(env, team)
	if err != nil {
		return nil, err
	}
	stages, err := env.Sudo().Read(env.Reg.Model("crm.stage"), stageIDs, []string{"name", "is_lost"}, false)
	if err != nil {
		return nil, err
	}
	for _, s := range stages {
		if s["is_lost"] != true {
			f.Stages = append(f.Stages, [2]string{itoa(s["id"].(int64)), s["name"].(string)})
		}
	}
	users, err := env.SearchRead(env.Reg.Model("res.users"), orm.Leaf{Path: "share", Op: "=", Value: false}, []string{"name"}, orm.SearchOpts{}, false)
	if err != nil {
		return nil, err
	}
	f.Users = pairs(users, "name")
	teams, err := env.SearchRead(env.Reg.Model("crm.team"), orm.And{}, []string{"name"}, orm.SearchOpts{}, false)
	if err != nil {
		return nil, err
	}
	f.Teams = pairs(teams, "name")
	tags, err := env.SearchRead(env.Reg.Model("crm.tag"), orm.And{}, []string{"name"}, orm.SearchOpts{}, false)
	if err != nil {
		return nil, err
	}
	f.Tags = pairs(tags, "name")
	for _, t := range f.Rec["tag_ids"].([]int64) {
		f.TagIDs[itoa(t)] = true
	}
	reasons, err := env.SearchRead(env.Reg.Model("crm.lost.reason"), orm.And{}, []string{"name"}, orm.SearchOpts{}, false)
	if err != nil {
		return nil, err
	}
	f.Reasons = pairs(reasons, "name")
	f.IsLead = f.Rec["type"] == "lead"
	f.Inactive = f.Rec["activated"] == false
	dv, err := env.ReadValues(lead, []int64{id}, []string{"duplicate_lead_ids"})
	if err != nil {
		return nil, err
	}
	var dupIDs []int64
	for _, d := range dv[0]["duplicate_lead_ids"].([]int64) {
		if d != id {
			dupIDs = append(dupIDs, d)
		}
	}
	if len(dupIDs) > 0 {
		names, err := env.DisplayNames(lead, dupIDs)
		if err != nil {
			return nil, err
		}
		for _, d := range dupIDs {
			f.Duplicates = append(f.Duplicates, [2]string{itoa(d), names[d]})
		}
	}
	if f.IsLead && f.WonStatus != "won" {
		res, err := env.CallMethod(lead, "convert_defaults", []int64{id}, nil)
		if err == nil {
			f.Convert = res.(map[string]any)
			// customers to link: the proposed one and those named like the lead's company or e-mail
			seen := map[string]bool{}
			if p, ok := f.Convert["partner_id"].(int64); ok {
				names, _ := env.DisplayNames(env.Reg.Model("res.partner"), []int64{p})
				f.Partners = append(f.Partners, [2]string{itoa(p), names[p]})
				seen[itoa(p)] = true
			}
			for _, q := range []string{f.Str("partner_name"), f.Str("contact_name")} {
				if q == "" {
					continue
				}
				found, err := env.NameSearch(env.Reg.Model("res.partner"), q, orm.And{}, "ilike", 10)
				if err != nil {
					return nil, err
				}
				for _, x := range found {
					l := x.([]any)
					if k := fmt.Sprint(l[0]); !seen[k] {
						seen[k] = true
						f.Partners = append(f.Partners, [2]string{k, fmt.Sprint(l[1])})
					}
				}
			}
		}
	}
	if f.Activities, err = activityRows(env, orm.Leaf{Path: "lead_id", Op: "=", Value: id}, 100); err != nil {
		return nil, err
	}
	types, err := env.SearchRead(env.Reg.Model("mail.activity.type"), orm.And{}, []string{"name"}, orm.SearchOpts{}, false)
	if err != nil {
		return nil, err
	}
	f.ActivityTypes = pairs(types, "name")
	if f.Completion, err = mail.EstimatedCompletion(env, "crm.lead", id); err != nil {
		return nil, err
	}
	f.Timeline, err = loadTimeline(env, "crm.lead", id)
	return f, err
}

// DupChecked tells whether the dialog proposes merging a duplicate.
func (f *LeadForm) DupChecked(id string) bool {
	if f.Convert == nil {
		return false
	}
	for _, x := range f.Convert["duplicated_lead_ids"].([]int64) {
		if itoa(x) == id {
			return true
		}
	}
	return false
}

// ConvertStr reads a value of the conversion defaults.
func (f *LeadForm) ConvertStr(k string) string {
	if f.Convert == nil {
		return ""
	}
	switch x := f.Convert[k].(type) {
	case string:
		return x
	case int64:
		return itoa(x)
	}
	return ""
}

// loadTimeline reads a record's messages with their tracked changes,
// newest first (two queries whatever the length).
func loadTimeline(env *orm.Env, model string, id int64) ([]TimelineEntry, error) {
	rows, err := env.Query(`SELECT m.id, COALESCE(p.name, ''), m.date, COALESCE(m.body, ''), COALESCE(m.subject, '')
		FROM mail_message m LEFT JOIN res_partner p ON p.id = m.author_id WHERE m.model = ? AND m.res_id = ? ORDER BY m.id DESC LIMIT 100`, model, id)
	if err != nil {
		return nil, err
	}
	var out []TimelineEntry
	index := map[int64]int{}
	var ids []any
	for rows.Next() {
		var mid int64
		var e TimelineEntry
		var date any
		if err := rows.Scan(&mid, &e.Author, &date, &e.Body, &e.Subject); err != nil {
			rows.Close()
			return nil, err
		}
		switch d := date.(type) {
		case time.Time:
			e.Date = d.UTC().Format("2006-01-02 15:04:05")
		case string:
			if len(d) >= 19 {
				e.Date = d[:19]
			}
		}
		index[mid] = len(out)
		ids = append(ids, mid)
		out = append(out, e)
	}
	rows.Close()
	if len(ids) == 0 {
		return out, rows.Err()
	}
	ph := strings.TrimSuffix(strings.Repeat("?, ", len(ids)), ", ")
	trows, err := env.Query(`SELECT mail_message_id, COALESCE(field_desc, field_name), COALESCE(old_value_char, CAST(old_value_float AS TEXT), CAST(old_value_integer AS TEXT), ''),
		COALESCE(new_value_char, CAST(new_value_float AS TEXT), CAST(new_value_integer AS TEXT), '') FROM mail_tracking_value WHERE mail_message_id IN (`+ph+`) ORDER BY id`, ids...)
	if err != nil {
		return nil, err
	}
	defer trows.Close()
	for trows.Next() {
		var mid int64
		var label, oldV, newV string
		if err := trows.Scan(&mid, &label, &oldV, &newV); err != nil {
			return nil, err
		}
		if i, ok := index[mid]; ok {
			out[i].Changes = append(out[i].Changes, label+": "+oldV+" → "+newV)
		}
	}
	if err := trows.Err(); err != nil {
		return nil, err
	}
	trows.Close()
	arows, err := env.Query(`SELECT r.message_id, a.id, a.name FROM mail_message_attachment_rel r JOIN ir_attachment a ON a.id = r.attachment_id
		WHERE r.message_id IN (`+ph+`) ORDER BY a.id`, ids...)
	if err != nil {
		return nil, err
	}
	defer arows.Close()
	for arows.Next() {
		var mid, aid int64
		var name string
		if err := arows.Scan(&mid, &aid, &name); err != nil {
			return nil, err
		}
		if i, ok := index[mid]; ok {
			out[i].Files = append(out[i].Files, [2]string{itoa(aid), name})
		}
	}
	return out, arows.Err()
}

func leadID(r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	return id, err == nil
}

func (a *App) leadForm(w http.ResponseWriter, r *http.Request, uid int64) {
	id, ok := leadID(r)
	if !ok {
		http.NotFound(w, r)
		return
	}
	a.showLead(w, r, uid, id, http.StatusOK, func(f *LeadForm) { f.Saved = r.URL.Query().Get("saved") == "1" })
}

func (a *App) showLead(w http.ResponseWriter, r *http.Request, uid, id int64, status int, adjust func(f *LeadForm)) {
	var v *View
	var f *LeadForm
	err := a.call(r.Context(), uid, false, func(env *orm.Env) error {
		var err error
		if v, err = a.newView(env, "", "pipeline"); err != nil {
			return err
		}
		f, err = loadLeadForm(env, id)
		return err
	})
	if err != nil {
		a.fail(w, err)
		return
	}
	v.Title = f.Str("name")
	if adjust != nil {
		adjust(f)
	}
	render(w, r, status, LeadPage(v, f))
}

// saveLead writes the form; a record changed meanwhile by someone else
// shows both values instead of overwriting.
func (a *App) saveLead(w http.ResponseWriter, r *http.Request, uid int64) {
	id, ok := leadID(r)
	if !ok {
		http.NotFound(w, r)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
	if err := r.ParseForm(); err != nil {
		a.showLead(w, r, uid, id, http.StatusBadRequest, func(f *LeadForm) { f.Error = "The form could not be read." })
		return
	}
	var vals orm.Values
	var lang string
	err := a.call(r.Context(), uid, true, func(env *orm.Env) error {
		u, err := env.User()
		if err != nil {
			return err
		}
		lang = u.Lang
		if vals, err = leadVals(env, lang, r); err != nil {
			return err
		}
		vals["write_date"] = r.PostFormValue("write_date")
		return env.Write(env.Reg.Model("crm.lead"), []int64{id}, vals)
	})
	if err != nil {
		e := orm.AsError(err)
		if e.Kind == orm.KindInternal {
			a.fail(w, err)
			return
		}
		a.showLead(w, r, uid, id, e.HTTPStatus(), func(f *LeadForm) {
			f.Error = e.Error()
			if e.Kind == orm.KindConflict {
				f.Conflict = conflictRows(f, vals)
			}
		})
		return
	}
	http.Redirect(w, r, "/crm/lead/"+itoa(id)+"?saved=1", http.StatusSeeOther)
}

var formLabels = map[string]string{"name": "Opportunity", "email_from": "Email", "phone": "Phone", "expected_revenue": "Expected Revenue",
	"probability": "Probability", "date_deadline": "Expected Closing", "user_id": "Salesperson", "team_id": "Sales Team",
	"partner_name": "Company Name", "contact_name": "Contact Name", "function": "Job Position", "website": "Website",
	"description": "Notes", "street": "Street", "city": "City", "zip": "Zip", "vat": "Tax ID"}

// conflictRows lists the fields whose value now differs from what the
// user tried to save.
func conflictRows(f *LeadForm, mine orm.Values) []ConflictRow {
	var out []ConflictRow
	for k, label := range formLabels {
		m, ok := mine[k]
		if !ok {
			continue
		}
		ms, ts := fmt.Sprint(orNil(m)), f.Str(k)
		if ms != ts && !(ms == "" && ts == "") && !(ms == "0" && ts == "") {
			out = append(out, ConflictRow{Label: label, Mine: ms, Theirs: ts})
		}
	}
	return out
}

func orNil(v any) any {
	if v == nil || v == false {
		return ""
	}
	return v
}

// leadVals converts the form into field values, checking each.
func leadVals(env *orm.Env, lang string, r *http.Request) (orm.Values, error) {
	vals := orm.Values{}
	for _, k := range []string{"name", "email_from", "phone", "partner_name", "contact_name", "function", "website", "description", "street", "city", "zip", "vat"} {
		if _, present := r.PostForm[k]; present {
			vals[k] = strings.TrimSpace(r.PostFormValue(k))
		}
	}
	for _, k := range []string{"expected_revenue", "probability"} {
		if _, present := r.PostForm[k]; !present {
			continue
		}
		f, ok := parseAmount(lang, r.PostFormValue(k))
		if !ok {
			return nil, orm.ValidationErrorf("%s: %q is not a number.", formLabels[k], r.PostFormValue(k))
		}
		vals[k] = f
	}
	if _, present := r.PostForm["date_deadline"]; present {
		if s := r.PostFormValue("date_deadline"); s == "" {
			vals["date_deadline"] = false
		} else {
			vals["date_deadline"] = s
		}
	}
	for _, k := range []string{"user_id", "team_id"} {
		if _, present := r.PostForm[k]; !present {
			continue
		}
		if s := r.PostFormValue(k); s == "" {
			vals[k] = false
		} else if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			vals[k] = n
		}
	}
	if _, present := r.PostForm["tags_present"]; present {
		var ids []any
		for _, s := range r.PostForm["tag_ids"] {
			if n, err := strconv.ParseInt(s, 10, 64); err == nil {
				ids = append(ids, n)
			}
		}
		vals["tag_ids"] = []any{[]any{int64(6), int64(0), ids}}
	}
	return vals, nil
}

// leadAction runs a button of the form (stage, won, lost, restore).
func (a *App) leadAction(w http.ResponseWriter, r *http.Request, uid int64) {
	id, ok := leadID(r)
	if !ok {
		http.NotFound(w, r)
		return
	}
	r.ParseForm()
	action := r.PathValue("action")
	redirectTo := id
	err := a.call(r.Context(), uid, true, func(env *orm.Env) error {
		lead := env.Reg.Model("crm.lead")
		var args map[string]any
		method := ""
		switch action {
		case "stage":
			stage, _ := strconv.ParseInt(r.PostFormValue("stage_id"), 10, 64)
			return env.Write(lead, []int64{id}, orm.Values{"stage_id": stage, "write_date": r.PostFormValue("write_date")})
		case "won":
			method = "action_set_won"
		case "lost":
			method = "action_set_lost"
			reason, _ := strconv.ParseInt(r.PostFormValue("lost_reason_id"), 10, 64)
			args = map[string]any{"lost_reason_id": reason, "lost_feedback": r.PostFormValue("lost_feedback")}
		case "restore":
			method = "action_restore"
		case "convert":
			method = "action_convert"
			args = map[string]any{"name": r.PostFormValue("name"), "action": r.PostFormValue("action"), "force_assignment": true}
			if p, _ := strconv.ParseInt(r.PostFormValue("partner_id"), 10, 64); p != 0 {
				args["partner_id"] = p
			}
			for _, k := range []string{"user_id", "team_id"} {
				if n, _ := strconv.ParseInt(r.PostFormValue(k), 10, 64); n != 0 {
					args[k] = n
				}
			}
			var dups []any
			for _, d := range r.PostForm["duplicated_lead_ids"] {
				if n, err := strconv.ParseInt(d, 10, 64); err == nil {
					dups = append(dups, n)
				}
			}
			args["duplicated_lead_ids"] = dups
			if args["name"] == "merge" && len(dups) < 2 {
				args["name"] = "convert"
			}
			res, err := env.CallMethod(lead, method, []int64{id}, args)
			if err == nil {
				redirectTo = res.(int64)
			}
			return err
		case "merge":
			ids := []int64{id}
			for _, d := range r.PostForm["merge_ids"] {
				if n, err := strconv.ParseInt(d, 10, 64); err == nil {
					ids = append(ids, n)
				}
			}
			res, err := env.CallMethod(lead, "merge_opportunity", ids, nil)
			if err == nil {
				redirectTo = res.(int64)
			}
			return err
		case "activate":
			u, _ := strconv.ParseInt(r.PostFormValue("user_id"), 10, 64)
			first := strings.Replace(r.PostFormValue("date_first_contact"), "T", " ", 1)
			if first != "" {
				// the user types local time
				if t, err := time.ParseInLocation("2006-01-02 15:04", first, userLoc(env)); err == nil {
					first = t.UTC().Format("2006-01-02 15:04:05")
				}
			}
			_, err := env.CallMethod(lead, "action_activate", []int64{id}, map[string]any{"user_id": u, "date_first_contact": first,
				"priority": r.PostFormValue("priority"), "first_task": r.PostFormValue("first_task"), "first_task_date": r.PostFormValue("first_task_date")})
			return err
		default:
			return orm.NotFoundf("Unknown action %q", action)
		}
		_, err := env.CallMethod(lead, method, []int64{id}, args)
		return err
	})
	if err != nil {
		e := orm.AsError(err)
		if e.Kind == orm.KindInternal {
			a.fail(w, err)
			return
		}
		a.showLead(w, r, uid, id, e.HTTPStatus(), func(f *LeadForm) { f.Error = e.Error() })
		return
	}
	http.Redirect(w, r, "/crm/lead/"+itoa(redirectTo), http.StatusSeeOther)
}

func userLoc(env *orm.Env) *time.Location {
	if u, err := env.User(); err == nil {
		if loc, err := time.LoadLocation(u.TZ); err == nil {
			return loc
		}
	}
	return time.UTC
}

func num(v any) float64 {
	switch x := v.(type) {
	case float64:
		return x
	case int64:
		return float64(x)
	}
	return 0
}
