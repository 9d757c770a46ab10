// Package mail is the activities module: activity types with their
// chaining, planned activities on leads and customers, marking them done
// (which writes the timeline and can trigger the next activity and move
// an opportunity along an activity-driven pipeline), attachments, and
// calendar exports.
package mail

import (
	"fmt"
	"html"
	"strings"
	"time"

	"github.com/kanso-crm/kanso/internal/base"
	"github.com/kanso-crm/kanso/internal/crm"
	"github.com/kanso-crm/kanso/internal/orm"
)

// Module is the activities module.
var Module = base.Module{Name: "mail", Register: Register, Install: install}

func boolDefault(b bool) func(*orm.Env) any { return func(*orm.Env) any { return b } }

// Categories of activity types.
var categories = [][2]string{{"default", "None"}, {"phonecall", "Phonecall"}, {"meeting", "Meeting"}, {"upload_file", "Upload Document"}}

// Register declares the models.
func Register(r *orm.Registry) {
	r.Define(&orm.Model{Name: "mail.activity.type", Description: "Activity Type", Order: "sequence, id"},
		&orm.Field{Name: "name", Type: orm.Char, String: "Name", Required: true, Translate: true},
		&orm.Field{Name: "summary", Type: orm.Char, String: "Default Summary", Translate: true},
		&orm.Field{Name: "sequence", Type: orm.Integer, String: "Sequence", Aggregator: "-", Default: func(*orm.Env) any { return int64(10) }},
		&orm.Field{Name: "active", Type: orm.Boolean, String: "Active", Default: boolDefault(true)},
		&orm.Field{Name: "delay_count", Type: orm.Integer, String: "Schedule", Aggregator: "-"},
		&orm.Field{Name: "delay_unit", Type: orm.Selection, String: "Delay units", Default: func(*orm.Env) any { return "days" },
			Selection: [][2]string{{"days", "days"}, {"weeks", "weeks"}, {"months", "months"}}},
		&orm.Field{Name: "delay_from", Type: orm.Selection, String: "Delay Type", Default: func(*orm.Env) any { return "previous_activity" },
			Selection: [][2]string{{"current_date", "after completion date"}, {"previous_activity", "after previous activity deadline"}}},
		&orm.Field{Name: "icon", Type: orm.Char, String: "Icon"},
		&orm.Field{Name: "decoration_type", Type: orm.Selection, String: "Decoration Type", Selection: [][2]string{{"warning", "Alert"}, {"danger", "Error"}}},
		&orm.Field{Name: "res_model", Type: orm.Char, String: "Model"},
		&orm.Field{Name: "chaining_type", Type: orm.Selection, String: "Chaining Type", Default: func(*orm.Env) any { return "suggest" },
			Selection: [][2]string{{"suggest", "Suggest Next Activity"}, {"trigger", "Trigger Next Activity"}}},
		&orm.Field{Name: "triggered_next_type_id", Type: orm.Many2one, Relation: "mail.activity.type", String: "Trigger"},
		&orm.Field{Name: "suggested_next_type_ids", Type: orm.Many2many, Relation: "mail.activity.type", String: "Suggest",
			RelTable: "mail_activity_rel", Column1: "activity_id", Column2: "recommended_id"},
		&orm.Field{Name: "category", Type: orm.Selection, String: "Action", Selection: categories, Default: func(*orm.Env) any { return "default" }},
		&orm.Field{Name: "default_user_id", Type: orm.Many2one, Relation: "res.users", String: "Default User"},
		&orm.Field{Name: "default_note", Type: orm.HTML, String: "Default Note"},
	)
	act := r.Define(&orm.Model{Name: "mail.activity", Description: "Activity", Order: "date_deadline ASC, id ASC", RecName: "summary",
		DisplayFields: []string{"summary", "activity_type_id"},
		DisplayName: func(env *orm.Env, recs []orm.Values) []string {
			var types []int64
			for _, r := range recs {
				if t, ok := r["activity_type_id"].(int64); ok {
					types = append(types, t)
				}
			}
			names, _ := env.Sudo().DisplayNames(env.Reg.Model("mail.activity.type"), types)
			out := make([]string, len(recs))
			for i, r := range recs {
				s, _ := r["summary"].(string)
				if s == "" {
					if t, ok := r["activity_type_id"].(int64); ok {
						s = names[t]
					}
				}
				out[i] = s
			}
			return out
		}},
		&orm.Field{Name: "res_model", Type: orm.Char, String: "Related Document Model", Required: true, Index: true},
		&orm.Field{Name: "res_id", Type: orm.Integer, String: "Related Document ID", Required: true, Aggregator: "-"},
		&orm.Field{Name: "res_name", Type: orm.Char, String: "Document Name", Readonly: true},
		&orm.Field{Name: "lead_id", Type: orm.Many2one, Relation: "crm.lead", String: "Lead/Opportunity", Readonly: true, OnDelete: "cascade"},
		&orm.Field{Name: "partner_id", Type: orm.Many2one, Relation: "res.partner", String: "Customer", Readonly: true, OnDelete: "cascade"},
		&orm.Field{Name: "activity_type_id", Type: orm.Many2one, Relation: "mail.activity.type", String: "Activity Type", OnDelete: "restrict"},
		&orm.Field{Name: "activity_category", Type: orm.Selection, String: "Action", Selection: categories, Related: "activity_type_id.category", Readonly: true},
		&orm.Field{Name: "summary", Type: orm.Char, String: "Summary"},
		&orm.Field{Name: "note", Type: orm.HTML, String: "Note"},
		&orm.Field{Name: "date_deadline", Type: orm.Date, String: "Due Date", Required: true, Index: true, Default: func(env *orm.Env) any { return Today(env) }},
		&orm.Field{Name: "date_done", Type: orm.Date, String: "Done Date", Readonly: true},
		&orm.Field{Name: "start_datetime", Type: orm.Datetime, String: "Start"},
		&orm.Field{Name: "stop_datetime", Type: orm.Datetime, String: "End"},
		&orm.Field{Name: "user_id", Type: orm.Many2one, Relation: "res.users", String: "Assigned to", Required: true, Index: true,
			Default: func(env *orm.Env) any { return env.UID }},
		&orm.Field{Name: "state", Type: orm.Selection, String: "State", NotStored: true, Compute: computeState,
			Selection: [][2]string{{"overdue", "Overdue"}, {"today", "Today"}, {"planned", "Planned"}, {"done", "Done"}}},
		&orm.Field{Name: "feedback", Type: orm.Text, String: "Feedback"},
		&orm.Field{Name: "automated", Type: orm.Boolean, String: "Automated activity", Readonly: true},
		&orm.Field{Name: "previous_activity_type_id", Type: orm.Many2one, Relation: "mail.activity.type", String: "Previous Activity Type", Readonly: true},
		&orm.Field{Name: "active", Type: orm.Boolean, String: "Active", Default: boolDefault(true)},
	)
	act.Hooks = append(act.Hooks, orm.Hooks{BeforeCreate: beforeCreateActivity,
		BeforeWrite: func(env *orm.Env, old []orm.Values, vals orm.Values) error {
			for _, k := range []string{"res_model", "res_id", "lead_id", "partner_id", "res_name"} {
				if _, ok := vals[k]; ok && !env.Su {
					return orm.UserErrorf("An activity stays on the record it was planned on; plan a new one on the other record.")
				}
			}
			return nil
		}})
	addActivityMethods(act)
	registerLeadMirror(r)
	r.Extend(crm.ExtMerge, crm.MergeHook(func(env *orm.Env, head, tail int64) error {
		names, err := env.Sudo().DisplayNames(env.Reg.Model("crm.lead"), []int64{head})
		if err != nil {
			return err
		}
		if _, err := env.Exec("UPDATE mail_activity SET lead_id = ?, res_id = ?, res_name = ? WHERE lead_id = ?", head, head, names[head], tail); err != nil {
			return err
		}
		// the files go with the history
		_, err = env.Exec("UPDATE ir_attachment SET res_id = ? WHERE res_model = 'crm.lead' AND res_id = ?", head, tail)
		return err
	}))
	r.Extend(crm.ExtActivation, crm.ActivationHook(func(env *orm.Env, lead int64, a crm.Activation) error {
		deadline := a.FirstTaskDate
		if deadline == "" {
			deadline = Today(env)
		}
		first, err := firstChainType(env)
		if err != nil {
			return err
		}
		vals := orm.Values{"res_model": "crm.lead", "res_id": lead, "summary": a.FirstTask, "date_deadline": deadline, "user_id": a.UserID}
		if first != 0 {
			vals["activity_type_id"] = first
		}
		_, err = env.Create(env.Reg.Model("mail.activity"), []orm.Values{vals})
		return err
	}))
}

// firstChainType is the first step of the responsibility chain.
func firstChainType(env *orm.Env) (int64, error) { return base.XID(env, "mail.chain_contact") }

// Today is the date in the acting user's time zone.
func Today(env *orm.Env) string {
	loc := time.UTC
	if u, err := env.User(); err == nil {
		if l, err := time.LoadLocation(u.TZ); err == nil {
			loc = l
		}
	}
	return env.Now.In(loc).Format("2006-01-02")
}

// todayFor is the date in a given user's time zone.
func todayFor(env *orm.Env, uid int64) (string, error) {
	var tz string
	if err := env.QueryRow("SELECT tz FROM res_users WHERE id = ?", uid).Scan(&tz); err != nil {
		return "", fmt.Errorf("mail: time zone of user %d: %w", uid, err)
	}
	loc, err := time.LoadLocation(tz)
	if err != nil || tz == "" {
		loc = time.UTC
	}
	return env.Now.In(loc).Format("2006-01-02"), nil
}

// State is overdue, today or planned by the deadline against today in
// the assignee's time zone; archived (done) activities are done.
func State(deadline, today string, active bool) string {
	switch {
	case !active:
		return "done"
	case deadline < today:
		return "overdue"
	case deadline == today:
		return "today"
	}
	return "planned"
}

func computeState(env *orm.Env, recs []orm.Values) error {
	vals, err := env.WithContext(map[string]any{"active_test": false}).ReadValues(env.Reg.Model("mail.activity"), idsOf(recs), []string{"date_deadline", "user_id", "active"})
	if err != nil {
		return err
	}
	byID := map[int64]orm.Values{}
	for _, v := range vals {
		byID[v["id"].(int64)] = v
	}
	todays := map[int64]string{}
	for _, r := range recs {
		v := byID[r["id"].(int64)]
		uid, _ := v["user_id"].(int64)
		if _, ok := todays[uid]; !ok {
			t, err := todayFor(env, uid)
			if err != nil {
				return err
			}
			todays[uid] = t
		}
		d, _ := v["date_deadline"].(string)
		r["state"] = State(d, todays[uid], v["active"] == true)
	}
	return nil
}

func idsOf(recs []orm.Values) []int64 {
	out := make([]int64, len(recs))
	for i, r := range recs {
		out[i] = r["id"].(int64)
	}
	return out
}

// beforeCreateActivity links the activity to its record (lead or
// customer), checks the user may see that record, and fills defaults
// from the type.
func beforeCreateActivity(env *orm.Env, vals orm.Values) error {
	model, _ := vals["res_model"].(string)
	rid, _ := vals["res_id"].(int64)
	m := env.Reg.Model(model)
	if m == nil || rid == 0 {
		return orm.ValidationErrorf("An activity needs the record it is about (res_model and res_id).")
	}
	if err := env.CheckRecords(m, []int64{rid}, orm.PermRead); err != nil {
		return err
	}
	names, err := env.Sudo().DisplayNames(m, []int64{rid})
	if err != nil {
		return err
	}
	vals["res_name"] = names[rid]
	switch model {
	case "crm.lead":
		vals["lead_id"] = rid
	case "res.partner":
		vals["partner_id"] = rid
	}
	if t, ok := vals["activity_type_id"].(int64); ok {
		tv, err := env.Sudo().ReadValues(env.Reg.Model("mail.activity.type"), []int64{t}, []string{"summary", "default_user_id", "default_note"})
		if err != nil || len(tv) == 0 {
			return orm.ValidationErrorf("Unknown activity type %d", t)
		}
		if s, _ := vals["summary"].(string); s == "" && tv[0]["summary"] != nil {
			vals["summary"] = tv[0]["summary"]
		}
		if vals["note"] == nil && tv[0]["default_note"] != nil {
			vals["note"] = tv[0]["default_note"]
		}
		if u, ok := tv[0]["default_user_id"].(int64); ok && vals["user_id"] == int64(env.UID) {
			vals["user_id"] = u
		}
	}
	return nil
}

// DeadlineAfter is the due date of the activity a type triggers, counted
// from base (today for "after completion", the done activity's deadline
// for "after previous activity").
func DeadlineAfter(base string, count int64, unit string) string {
	t, err := time.Parse("2006-01-02", base)
	if err != nil {
		return base
	}
	switch unit {
	case "weeks":
		t = t.AddDate(0, 0, int(7*count))
	case "months":
		// as relativedelta: the 31st plus a month is the month's last day
		y, m := t.Year(), int(t.Month())+int(count)
		first := time.Date(y, time.Month(m), 1, 0, 0, 0, 0, time.UTC)
		last := first.AddDate(0, 1, -1).Day()
		d := t.Day()
		if d > last {
			d = last
		}
		t = time.Date(first.Year(), first.Month(), d, 0, 0, 0, 0, time.UTC)
	default:
		t = t.AddDate(0, 0, int(count))
	}
	return t.Format("2006-01-02")
}

type activityType struct {
	ID, Trigger, DelayCount int64
	Name, Summary           string
	DelayUnit, DelayFrom    string
	Chaining, Category      string
}

func loadType(env *orm.Env, id any) (*activityType, error) {
	tid, ok := id.(int64)
	if !ok {
		return nil, nil
	}
	v, err := env.Sudo().WithContext(map[string]any{"active_test": false}).ReadValues(env.Reg.Model("mail.activity.type"), []int64{tid},
		[]string{"name", "summary", "delay_count", "delay_unit", "delay_from", "chaining_type", "triggered_next_type_id", "category"})
	if err != nil || len(v) == 0 {
		return nil, err
	}
	t := &activityType{ID: tid}
	t.Name, _ = v[0]["name"].(string)
	t.Summary, _ = v[0]["summary"].(string)
	t.DelayCount, _ = v[0]["delay_count"].(int64)
	t.DelayUnit, _ = v[0]["delay_unit"].(string)
	t.DelayFrom, _ = v[0]["delay_from"].(string)
	t.Chaining, _ = v[0]["chaining_type"].(string)
	t.Category, _ = v[0]["category"].(string)
	t.Trigger, _ = v[0]["triggered_next_type_id"].(int64)
	return t, nil
}

// Done marks activities done with a feedback: each leaves a timeline
// message with its type, is archived, triggers the next activity of a
// chain, and counts for the activity-driven stages. It returns the ids of
// the activities it created.
func Done(env *orm.Env, ids []int64, feedback string, attachments ...int64) ([]int64, error) {
	m := env.Reg.Model("mail.activity")
	if err := env.CheckRecords(m, ids, orm.PermWrite); err != nil {
		return nil, err
	}
	recs, err := env.ReadValues(m, ids, []string{"res_model", "res_id", "activity_type_id", "summary", "note", "date_deadline", "user_id", "active", "lead_id"})
	if err != nil {
		return nil, err
	}
	var created []int64
	for _, a := range recs {
		if a["active"] != true {
			return nil, orm.UserErrorf("This activity is already done.")
		}
		t, err := loadType(env, a["activity_type_id"])
		if err != nil {
			return nil, err
		}
		rm := env.Reg.Model(a["res_model"].(string))
		rid := a["res_id"].(int64)
		typeName, typeID := "", int64(0)
		if t != nil {
			typeName, typeID = t.Name, t.ID
		}
		body := "<p><b>" + html.EscapeString(typeName) + "</b>"
		if s, _ := a["summary"].(string); s != "" {
			body += ": " + html.EscapeString(s)
		}
		body += "</p>"
		if strings.TrimSpace(feedback) != "" {
			body += "<p>" + html.EscapeString(feedback) + "</p>"
		}
		msg, err := env.PostMessage(rm, rid, orm.Message{Type: "notification", Subtype: "mail.mt_activities", Body: body, ActivityType: typeID})
		if err != nil {
			return nil, err
		}
		for _, att := range attachments {
			if err := attachToMessage(env, att, msg, a["res_model"].(string), rid); err != nil {
				return nil, err
			}
		}
		today := Today(env)
		if err := env.Write(m, []int64{a["id"].(int64)}, orm.Values{"active": false, "date_done": today, "feedback": nilIfEmpty(feedback)}); err != nil {
			return nil, err
		}
		if t != nil && t.Chaining == "trigger" && t.Trigger != 0 {
			next, err := loadType(env, t.Trigger)
			if err != nil {
				return nil, err
			}
			base := today
			if next.DelayFrom == "previous_activity" {
				base = a["date_deadline"].(string)
			}
			ids, err := env.Create(m, []orm.Values{{"res_model": a["res_model"], "res_id": rid, "activity_type_id": next.ID,
				"date_deadline": DeadlineAfter(base, next.DelayCount, next.DelayUnit), "user_id": a["user_id"], "automated": true,
				"previous_activity_type_id": t.ID}})
			if err != nil {
				return nil, err
			}
			created = append(created, ids...)
		}
		if lead, ok := a["lead_id"].(int64); ok {
			if err := advanceStage(env, lead); err != nil {
				return nil, err
			}
		}
	}
	return created, nil
}

func nilIfEmpty(s string) any {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	return s
}

// advanceStage moves an opportunity of an activity-driven pipeline to the
// stage its number of done activities calls for (First Activity at 1,
// Follow up at 2), never backwards.
func advanceStage(env *orm.Env, lead int64) error {
	var n int64
	if err := env.QueryRow("SELECT count(*) FROM mail_message WHERE model = 'crm.lead' AND res_id = ? AND mail_activity_type_id IS NOT NULL", lead).Scan(&n); err != nil {
		return fmt.Errorf("mail: count done activities: %w", err)
	}
	lv, err := env.Sudo().WithContext(map[string]any{"active_test": false}).ReadValues(env.Reg.Model("crm.lead"), []int64{lead}, []string{"stage_id", "team_id", "type", "active"})
	if err != nil || len(lv) == 0 || lv[0]["type"] != "opportunity" || lv[0]["active"] != true {
		return err
	}
	team, _ := lv[0]["team_id"].(int64)
	stages, err := crm.TeamStages(env, team)
	if err != nil {
		return err
	}
	sv, err := env.Sudo().ReadValues(env.Reg.Model("crm.stage"), stages, []string{"sequence", "done_activities_trigger", "is_won", "is_lost"})
	if err != nil {
		return err
	}
	var cur int64 = -1
	for _, s := range sv {
		if s["id"] == lv[0]["stage_id"] {
			cur = s["sequence"].(int64)
		}
	}
	var target int64
	var targetSeq int64 = -1
	for _, s := range sv {
		trig, _ := s["done_activities_trigger"].(int64)
		seq := s["sequence"].(int64)
		if trig > 0 && trig <= n && seq > cur && seq > targetSeq && s["is_won"] != true && s["is_lost"] != true {
			target, targetSeq = s["id"].(int64), seq
		}
	}
	if target == 0 {
		return nil
	}
	return env.Write(env.Reg.Model("crm.lead"), []int64{lead}, orm.Values{"stage_id": target})
}

func addActivityMethods(m *orm.Model) {
	m.AddMethod(&orm.Method{Name: "action_done", Doc: "Mark the activities done; returns the ids of the activities a chain triggered.",
		Fn: func(env *orm.Env, c *orm.Call) (any, error) { return doneResult(Done(env, c.IDs, "")) }})
	m.AddMethod(&orm.Method{Name: "action_feedback", Params: []string{"feedback", "attachment_ids"},
		Doc: "Mark the activities done with a feedback written on the record's timeline.",
		Fn: func(env *orm.Env, c *orm.Call) (any, error) {
			fb, err := c.String("feedback", "")
			if err != nil {
				return nil, err
			}
			atts, err := orm.IDs(c.Args["attachment_ids"])
			if err != nil {
				return nil, err
			}
			return doneResult(Done(env, c.IDs, fb, atts...))
		}})
	m.AddMethod(&orm.Method{Name: "action_snooze", Doc: "Postpone the activities by 7 days (from today when overdue).",
		Fn: func(env *orm.Env, c *orm.Call) (any, error) { return true, Snooze(env, c.IDs) }})
}

func doneResult(ids []int64, err error) (any, error) {
	if err != nil {
		return nil, err
	}
	if ids == nil {
		ids = []int64{}
	}
	return ids, nil
}

// Snooze postpones activities by a week, from today when overdue.
func Snooze(env *orm.Env, ids []int64) error {
	m := env.Reg.Model("mail.activity")
	recs, err := env.ReadValues(m, ids, []string{"date_deadline"})
	if err != nil {
		return err
	}
	today := Today(env)
	for _, r := range recs {
		base := r["date_deadline"].(string)
		if base < today {
			base = today
		}
		if err := env.Write(m, []int64{r["id"].(int64)}, orm.Values{"date_deadline": DeadlineAfter(base, 7, "days")}); err != nil {
			return err
		}
	}
	return nil
}

// EstimatedCompletion is when the open chains of a record should end:
// each open activity done on its deadline, then every activity it
// triggers done on its own deadline, to the end of the chain. It returns
// "" when the record has no open activity.
func EstimatedCompletion(env *orm.Env, model string, id int64) (string, error) {
	rows, err := env.Query(`SELECT activity_type_id, date_deadline FROM mail_activity WHERE res_model = ? AND res_id = ? AND active = ?`,
		model, id, env.Dialect.BoolParam(true))
	if err != nil {
		return "", err
	}
	type open struct {
		typ      *int64
		deadline string
	}
	var acts []open
	df := &orm.Field{Type: orm.Date}
	for rows.Next() {
		var o open
		var d any
		if err := rows.Scan(&o.typ, &d); err != nil {
			rows.Close()
			return "", err
		}
		o.deadline, _ = deadlineValue(df, d).(string)
		acts = append(acts, o)
	}
	rows.Close()
	end := ""
	for _, o := range acts {
		date := o.deadline
		var cur any
		if o.typ != nil {
			cur = *o.typ
		}
		for steps := 0; steps < 20; steps++ { // a chain cannot loop forever
			t, err := loadType(env, cur)
			if err != nil {
				return "", err
			}
			if t == nil || t.Chaining != "trigger" || t.Trigger == 0 {
				break
			}
			next, err := loadType(env, t.Trigger)
			if err != nil || next == nil {
				return "", err
			}
			date = DeadlineAfter(date, next.DelayCount, next.DelayUnit)
			cur = next.ID
		}
		if date > end {
			end = date
		}
	}
	return end, nil
}
