package orm

import (
	"fmt"
	"strings"
	"time"
)

// trackedFields lists the tracked fields whose value changes.
func (e *Env) trackedFields(m *Model, old, cur Values) []*Field {
	if e.Context["tracking_disable"] == true {
		return nil
	}
	var out []*Field
	for _, f := range m.Fields() {
		if f.Tracking && f.Stored() && changedValue(old[f.Name], cur[f.Name]) {
			out = append(out, f)
		}
	}
	return out
}

// track records the changes of tracked fields of one record as a
// timeline message (mail.message) with one tracking value per field.
func (e *Env) track(m *Model, old, cur Values, fields []*Field) error {
	var changed []*Field
	for _, f := range fields {
		if changedValue(old[f.Name], cur[f.Name]) {
			changed = append(changed, f)
		}
	}
	if len(changed) == 0 {
		return nil
	}
	msgID, err := e.PostMessage(m, old["id"].(int64), Message{Type: "notification", Subtype: e.trackingSubtype(m, old, cur)})
	if err != nil {
		return err
	}
	for _, f := range changed {
		tv := map[string]any{}
		ov, nv := old[f.Name], cur[f.Name]
		switch f.Type {
		case Many2one:
			co := e.Reg.Model(f.Relation)
			var ids []int64
			for _, v := range []any{ov, nv} {
				if id, ok := v.(int64); ok {
					ids = append(ids, id)
				}
			}
			names, err := e.DisplayNames(co, ids)
			if err != nil {
				return err
			}
			if id, ok := ov.(int64); ok {
				tv["old_value_integer"], tv["old_value_char"] = id, names[id]
			}
			if id, ok := nv.(int64); ok {
				tv["new_value_integer"], tv["new_value_char"] = id, names[id]
			}
		case Integer:
			tv["old_value_integer"], tv["new_value_integer"] = ov, nv
		case Boolean:
			tv["old_value_integer"], tv["new_value_integer"] = boolInt(ov), boolInt(nv)
		case Float, Monetary:
			tv["old_value_float"], tv["new_value_float"] = ov, nv
		case Datetime:
			if t, ok := ov.(time.Time); ok {
				tv["old_value_datetime"] = e.Dialect.TimeParam(t)
			}
			if t, ok := nv.(time.Time); ok {
				tv["new_value_datetime"] = e.Dialect.TimeParam(t)
			}
		case Date:
			for k, v := range map[string]any{"old_value_datetime": ov, "new_value_datetime": nv} {
				if s, ok := v.(string); ok {
					t, _ := time.Parse("2006-01-02", s)
					tv[k] = e.Dialect.TimeParam(t)
				}
			}
		case Selection:
			if s, ok := ov.(string); ok {
				tv["old_value_char"] = f.SelectionLabel(s)
			}
			if s, ok := nv.(string); ok {
				tv["new_value_char"] = f.SelectionLabel(s)
			}
		default:
			if ov != nil {
				tv["old_value_char"] = fmt.Sprint(ov)
			}
			if nv != nil {
				tv["new_value_char"] = fmt.Sprint(nv)
			}
		}
		cols := "mail_message_id, field_name, field_desc, field_type, create_uid, create_date"
		ph := "?, ?, ?, ?, ?, ?"
		args := []any{msgID, f.Name, f.String, string(f.Type), e.UID, e.Dialect.TimeParam(e.Now)}
		for _, k := range []string{"old_value_char", "new_value_char", "old_value_integer", "new_value_integer", "old_value_float", "new_value_float", "old_value_datetime", "new_value_datetime"} {
			if v, ok := tv[k]; ok && v != nil {
				cols += ", " + k
				ph += ", ?"
				args = append(args, v)
			}
		}
		if _, err := e.Exec("INSERT INTO mail_tracking_value ("+cols+") VALUES ("+ph+")", args...); err != nil {
			return err
		}
	}
	return nil
}

func boolInt(v any) any {
	if b, ok := v.(bool); ok && b {
		return int64(1)
	}
	return int64(0)
}

// TrackingSubtypes lets a module name the subtype of a tracking message
// (e.g. "crm.mt_lead_won"); it is looked up by model name.
type TrackingSubtype func(env *Env, old, cur Values) string

func (e *Env) trackingSubtype(m *Model, old, cur Values) string {
	if m.TrackSubtype != nil {
		return m.TrackSubtype(e, old, cur)
	}
	return ""
}

// Message is a timeline entry to post.
type Message struct {
	Type    string // "comment", "notification"
	Subtype string
	Subject string
	Body    string
	Author  int64 // partner; 0 = the acting user's partner
	// ActivityType marks a message as a done activity (for the activity analysis).
	ActivityType int64
	// RecordName is the display name of the record when the caller
	// knows it (a record just created); "" looks it up.
	RecordName string
}

// PostMessage adds a message to a record's timeline and returns its id.
func (e *Env) PostMessage(m *Model, resID int64, msg Message) (int64, error) {
	args, err := e.messageArgs(m, resID, msg)
	if err != nil {
		return 0, err
	}
	return e.InsertID(`INSERT INTO mail_message (`+messageColumns+`) VALUES (`+messageRow+`)`, args...)
}

// PostMessages adds one message to each record's timeline (msgs[i] to
// ids[i]), several per statement.
func (e *Env) PostMessages(m *Model, ids []int64, msgs []Message) error {
	if e.canCopy(len(ids)) {
		rows := make([][]any, len(ids))
		for i, id := range ids {
			a, err := e.messageArgs(m, id, msgs[i])
			if err != nil {
				return err
			}
			rows[i] = a
		}
		return e.copyRows("mail_message", strings.Split(messageColumns, ", "), rows)
	}
	const perStatement = 500 // 14 parameters each
	for start := 0; start < len(ids); start += perStatement {
		end := min(start+perStatement, len(ids))
		var b strings.Builder
		b.WriteString(`INSERT INTO mail_message (` + messageColumns + `) VALUES `)
		args := make([]any, 0, 14*(end-start))
		for i := start; i < end; i++ {
			a, err := e.messageArgs(m, ids[i], msgs[i])
			if err != nil {
				return err
			}
			if i > start {
				b.WriteString(", ")
			}
			b.WriteString("(" + messageRow + ")")
			args = append(args, a...)
		}
		if _, err := e.Exec(b.String(), args...); err != nil {
			return err
		}
	}
	return nil
}

const (
	messageColumns = "model, res_id, record_name, subject, body, message_type, subtype, author_id, date, mail_activity_type_id, create_uid, create_date, write_uid, write_date"
	messageRow     = "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?"
)

func (e *Env) messageArgs(m *Model, resID int64, msg Message) ([]any, error) {
	author := msg.Author
	if author == 0 {
		u, err := e.User()
		if err != nil {
			return nil, err
		}
		author = u.PartnerID
	}
	if msg.Type == "" {
		msg.Type = "comment"
	}
	name := msg.RecordName
	if name == "" {
		names, err := e.DisplayNames(m, []int64{resID})
		if err != nil {
			return nil, err
		}
		name = names[resID]
	}
	now := e.Dialect.TimeParam(e.Now)
	var typ any
	if msg.ActivityType != 0 {
		typ = msg.ActivityType
	}
	return []any{m.Name, resID, name, nullStr(msg.Subject), msg.Body, msg.Type, nullStr(msg.Subtype), author, now, typ, e.UID, now, e.UID, now}, nil
}

func nullStr(s string) any {
	if s == "" {
		return nil
	}
	return s
}
