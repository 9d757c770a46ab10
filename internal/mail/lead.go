package mail

import (
	"github.com/kanso-crm/kanso/internal/orm"
)

// registerLeadMirror gives leads (and customers) their activities and the
// fields mirroring the next one, as Odoo's mail.activity.mixin does.
func registerLeadMirror(r *orm.Registry) {
	registerAttachments(r)
	for _, name := range []string{"crm.lead", "res.partner"} {
		m := r.Model(name)
		inverse := "lead_id"
		if name == "res.partner" {
			inverse = "partner_id"
		}
		m.AddFields(
			&orm.Field{Name: "activity_ids", Type: orm.One2many, Relation: "mail.activity", InverseName: inverse, String: "Activities"},
			&orm.Field{Name: "activity_state", Type: orm.Selection, String: "Activity State", NotStored: true, Compute: mirror(inverse),
				Selection: [][2]string{{"overdue", "Overdue"}, {"today", "Today"}, {"planned", "Planned"}}},
			&orm.Field{Name: "activity_user_id", Type: orm.Many2one, Relation: "res.users", String: "Responsible User", NotStored: true, Compute: mirror(inverse)},
			&orm.Field{Name: "activity_type_id", Type: orm.Many2one, Relation: "mail.activity.type", String: "Next Activity Type", NotStored: true, Compute: mirror(inverse)},
			&orm.Field{Name: "activity_date_deadline", Type: orm.Date, String: "Next Activity Deadline", NotStored: true, Compute: mirror(inverse),
				OrderSQL: deadlineSQL(inverse, false)},
			&orm.Field{Name: "activity_summary", Type: orm.Char, String: "Next Activity Summary", NotStored: true, Compute: mirror(inverse)},
			&orm.Field{Name: "my_activity_date_deadline", Type: orm.Date, String: "My Activity Deadline", NotStored: true, Compute: mirror(inverse),
				OrderSQL: deadlineSQL(inverse, true)},
		)
	}
}

// deadlineSQL sorts records by their earliest open activity (the user's
// own for "my"), records without one last.
func deadlineSQL(inverse string, mine bool) func(env *orm.Env, bind func(any) string, alias string) string {
	return func(env *orm.Env, bind func(any) string, alias string) string {
		s := "(SELECT min(a.date_deadline) FROM mail_activity a WHERE a." + inverse + " = " + alias + ".id AND a.active = " + bind(env.Dialect.BoolParam(true))
		if mine {
			s += " AND a.user_id = " + bind(env.UID)
		}
		return s + ")"
	}
}

// NextActivity is the first open activity of a record.
type NextActivity struct {
	ID       int64
	Type     int64
	Summary  string
	Deadline string
	User     int64
	State    string
	Mine     string // the user's own earliest deadline
}

// NextActivities reads the next open activity of each record in one
// query (plus one for the type names where the summary is empty).
func NextActivities(env *orm.Env, inverse string, ids []int64) (map[int64]*NextActivity, error) {
	out := map[int64]*NextActivity{}
	if len(ids) == 0 {
		return out, nil
	}
	args := []any{env.Dialect.BoolParam(true)}
	ph := ""
	for i, id := range ids {
		if i > 0 {
			ph += ", "
		}
		ph += "?"
		args = append(args, id)
	}
	rows, err := env.Query(`SELECT a.id, a.`+inverse+`, a.activity_type_id, COALESCE(a.summary, t.summary, t.name, ''), a.date_deadline, a.user_id
		FROM mail_activity a LEFT JOIN mail_activity_type t ON t.id = a.activity_type_id
		WHERE a.active = ? AND a.`+inverse+` IN (`+ph+`) ORDER BY a.date_deadline, a.id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	deadline := &orm.Field{Type: orm.Date}
	type row struct {
		id, rec, user int64
		typ           *int64
		summary, d    string
	}
	var list []row
	for rows.Next() {
		var x row
		var dl any
		if err := rows.Scan(&x.id, &x.rec, &x.typ, &x.summary, &dl, &x.user); err != nil {
			return nil, err
		}
		x.d, _ = deadlineValue(deadline, dl).(string)
		list = append(list, x)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close() // before the next queries: PostgreSQL runs one at a time per connection
	todays := map[int64]string{}
	for _, x := range list {
		n := out[x.rec]
		if n == nil {
			n = &NextActivity{ID: x.id, Summary: x.summary, Deadline: x.d, User: x.user}
			if x.typ != nil {
				n.Type = *x.typ
			}
			if _, ok := todays[x.user]; !ok {
				t, err := todayFor(env, x.user)
				if err != nil {
					return nil, err
				}
				todays[x.user] = t
			}
			n.State = State(x.d, todays[x.user], true)
			out[x.rec] = n
		}
		if x.user == env.UID && n.Mine == "" {
			n.Mine = x.d
		}
	}
	return out, nil
}

func deadlineValue(f *orm.Field, raw any) any {
	v, err := f.Convert(raw)
	if err != nil {
		if t, ok := raw.(interface{ Format(string) string }); ok {
			return t.Format("2006-01-02")
		}
		return nil
	}
	return v
}

func mirror(inverse string) func(env *orm.Env, recs []orm.Values) error {
	return func(env *orm.Env, recs []orm.Values) error {
		next, err := NextActivities(env, inverse, idsOf(recs))
		if err != nil {
			return err
		}
		for _, r := range recs {
			n := next[r["id"].(int64)]
			if n == nil {
				r["activity_state"], r["activity_user_id"], r["activity_type_id"], r["activity_date_deadline"], r["activity_summary"], r["my_activity_date_deadline"] = nil, nil, nil, nil, nil, nil
				continue
			}
			r["activity_state"], r["activity_user_id"], r["activity_date_deadline"], r["activity_summary"] = n.State, n.User, n.Deadline, n.Summary
			if n.Type != 0 {
				r["activity_type_id"] = n.Type
			} else {
				r["activity_type_id"] = nil
			}
			if n.Mine != "" {
				r["my_activity_date_deadline"] = n.Mine
			} else {
				r["my_activity_date_deadline"] = nil
			}
		}
		return nil
	}
}
