package web

import (
	"fmt"
	"html"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/kanso-crm/kanso/internal/mail"
	"github.com/kanso-crm/kanso/internal/orm"
)

// ActivityRow is an open activity as the pages show it.
type ActivityRow struct {
	ID       int64
	Type     string
	TypeID   int64
	Summary  string
	Deadline string
	User     string
	State    string
	Record   string
	URL      string
	Note     string
}

// ActivitiesPage is My Activities.
type ActivitiesPage struct {
	Groups  []ActivityGroup
	Types   [][2]string
	Users   [][2]string
	TypeID  string
	UserID  string
	Manager bool
	Message string
	Ical    string
}

// ActivityGroup is overdue, today or planned.
type ActivityGroup struct {
	State, Label string
	Rows         []ActivityRow
}

var activityFields = []string{"activity_type_id", "summary", "date_deadline", "user_id", "state", "res_model", "res_id", "res_name", "note"}

// activityRows reads activities for display.
func activityRows(env *orm.Env, d orm.Domain, limit int64) ([]ActivityRow, error) {
	recs, err := env.SearchRead(env.Reg.Model("mail.activity"), d, activityFields, orm.SearchOpts{Limit: limit}, true)
	if err != nil {
		return nil, err
	}
	out := make([]ActivityRow, 0, len(recs))
	for _, r := range recs {
		a := ActivityRow{ID: r["id"].(int64), Summary: str(r["summary"]), Deadline: str(r["date_deadline"]), State: str(r["state"]),
			Record: str(r["res_name"]), Note: str(r["note"])}
		if t, ok := r["activity_type_id"].([]any); ok {
			a.TypeID, a.Type = t[0].(int64), t[1].(string)
		}
		if u, ok := r["user_id"].([]any); ok {
			a.User = u[1].(string)
		}
		switch r["res_model"] {
		case "crm.lead":
			a.URL = "/crm/lead/" + itoa(r["res_id"].(int64))
		case "res.partner":
			a.URL = "/contacts/" + itoa(r["res_id"].(int64))
		}
		out = append(out, a)
	}
	return out, nil
}

func (a *App) myActivities(w http.ResponseWriter, r *http.Request, uid int64) {
	q := r.URL.Query()
	var v *View
	p := &ActivitiesPage{TypeID: q.Get("type"), UserID: q.Get("user"), Message: q.Get("msg")}
	err := a.call(r.Context(), uid, false, func(env *orm.Env) error {
		var err error
		if v, err = a.newView(env, "", "activities"); err != nil {
			return err
		}
		v.Title = v.T("My Activities")
		p.Manager = v.Manager
		user := uid
		if p.UserID != "" && p.Manager {
			if n, err := strconv.ParseInt(p.UserID, 10, 64); err == nil {
				user = n
			}
		}
		p.UserID = itoa(user)
		d := orm.And{orm.Leaf{Path: "user_id", Op: "=", Value: user}}
		if p.TypeID != "" {
			if n, err := strconv.ParseInt(p.TypeID, 10, 64); err == nil {
				d = append(d, orm.Leaf{Path: "activity_type_id", Op: "=", Value: n})
			}
		}
		rows, err := activityRows(env, d, 500)
		if err != nil {
			return err
		}
		for _, g := range []ActivityGroup{{State: "overdue", Label: "Overdue"}, {State: "today", Label: "Today"}, {State: "planned", Label: "Planned"}} {
			for _, row := range rows {
				if row.State == g.State {
					g.Rows = append(g.Rows, row)
				}
			}
			p.Groups = append(p.Groups, g)
		}
		types, err := env.SearchRead(env.Reg.Model("mail.activity.type"), orm.And{}, []string{"name"}, orm.SearchOpts{}, false)
		if err != nil {
			return err
		}
		p.Types = pairs(types, "name")
		if p.Manager {
			users, err := env.SearchRead(env.Reg.Model("res.users"), orm.Leaf{Path: "share", Op: "=", Value: false}, []string{"name"}, orm.SearchOpts{}, false)
			if err != nil {
				return err
			}
			p.Users = pairs(users, "name")
		}
		return nil
	})
	if err != nil {
		a.fail(w, err)
		return
	}
	if q.Get("fragment") == "groups" {
		render(w, r, http.StatusOK, ActivityGroups(v, p))
		return
	}
	render(w, r, http.StatusOK, ActivitiesView(v, p))
}

// back is where an activity action returns: the page it came from.
func back(r *http.Request, def string) string {
	b := r.PostFormValue("back")
	if b == "" || !strings.HasPrefix(b, "/") || strings.HasPrefix(b, "//") {
		return def
	}
	return b
}

func activityID(r *http.Request) int64 {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	return id
}

// activityDone marks an activity done with its feedback.
func (a *App) activityDone(w http.ResponseWriter, r *http.Request, uid int64) {
	r.ParseForm()
	id := activityID(r)
	err := a.call(r.Context(), uid, true, func(env *orm.Env) error {
		_, err := env.CallMethod(env.Reg.Model("mail.activity"), "action_feedback", []int64{id}, map[string]any{"feedback": r.PostFormValue("feedback")})
		return err
	})
	if err != nil {
		a.pageErrorText(w, err)
		return
	}
	http.Redirect(w, r, back(r, "/crm/activities"), http.StatusSeeOther)
}

func (a *App) activitySnooze(w http.ResponseWriter, r *http.Request, uid int64) {
	r.ParseForm()
	id := activityID(r)
	err := a.call(r.Context(), uid, true, func(env *orm.Env) error { return mail.Snooze(env, []int64{id}) })
	if err != nil {
		a.pageErrorText(w, err)
		return
	}
	http.Redirect(w, r, back(r, "/crm/activities"), http.StatusSeeOther)
}

// scheduleActivity plans an activity on a lead or a customer.
func (a *App) scheduleActivity(w http.ResponseWriter, r *http.Request, uid int64) {
	r.ParseForm()
	model := "crm.lead"
	if r.PathValue("model") == "contacts" {
		model = "res.partner"
	}
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	err := a.call(r.Context(), uid, true, func(env *orm.Env) error {
		vals := orm.Values{"res_model": model, "res_id": id, "summary": strings.TrimSpace(r.PostFormValue("summary")),
			"note": strings.TrimSpace(r.PostFormValue("note"))}
		if t, err := strconv.ParseInt(r.PostFormValue("activity_type_id"), 10, 64); err == nil {
			vals["activity_type_id"] = t
		}
		if u, err := strconv.ParseInt(r.PostFormValue("user_id"), 10, 64); err == nil {
			vals["user_id"] = u
		}
		if d := r.PostFormValue("date_deadline"); d != "" {
			vals["date_deadline"] = d
		}
		if s := r.PostFormValue("start"); s != "" {
			vals["start_datetime"] = strings.Replace(s, "T", " ", 1)
			if e := r.PostFormValue("stop"); e != "" {
				vals["stop_datetime"] = strings.Replace(e, "T", " ", 1)
			}
		}
		for k, v := range vals {
			if v == "" {
				delete(vals, k)
			}
		}
		_, err := env.Create(env.Reg.Model("mail.activity"), []orm.Values{vals})
		return err
	})
	if err != nil {
		a.pageErrorText(w, err)
		return
	}
	def := "/crm/lead/" + itoa(id)
	if model == "res.partner" {
		def = "/contacts/" + itoa(id)
	}
	http.Redirect(w, r, back(r, def)+"#activities", http.StatusSeeOther)
}

// download serves an attachment to whoever may read its record.
func (a *App) download(w http.ResponseWriter, r *http.Request, uid int64) {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	var name, ctype string
	var data []byte
	err := a.call(r.Context(), uid, false, func(env *orm.Env) error {
		var err error
		name, ctype, data, err = mail.ReadAttachment(env, id)
		return err
	})
	if err != nil {
		a.fail(w, err)
		return
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Disposition", `attachment; filename="`+strings.NewReplacer(`"`, "", "\n", "", "\r", "").Replace(name)+`"`)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Write(data)
}

// attach uploads a file to a lead's timeline.
func (a *App) attach(w http.ResponseWriter, r *http.Request, uid int64) {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	r.Body = http.MaxBytesReader(w, r.Body, mail.MaxAttachmentSize+1<<20)
	if err := r.ParseMultipartForm(4 << 20); err != nil {
		a.showLead(w, r, uid, id, http.StatusRequestEntityTooLarge, func(f *LeadForm) {
			f.Error = fmt.Sprintf("The file is too large; files can be at most %d MB.", mail.MaxAttachmentSize>>20)
		})
		return
	}
	file, hdr, err := r.FormFile("file")
	if err != nil {
		a.showLead(w, r, uid, id, http.StatusUnprocessableEntity, func(f *LeadForm) { f.Error = "Choose a file to attach." })
		return
	}
	defer file.Close()
	data, err := io.ReadAll(file)
	if err != nil {
		a.fail(w, err)
		return
	}
	err = a.call(r.Context(), uid, true, func(env *orm.Env) error {
		lead := env.Reg.Model("crm.lead")
		ids, err := env.Create(env.Reg.Model("ir.attachment"), []orm.Values{{"name": hdr.Filename, "res_model": "crm.lead", "res_id": id, "datas": data}})
		if err != nil {
			return err
		}
		msg, err := env.PostMessage(lead, id, orm.Message{Type: "comment", Subtype: "mail.mt_note", Body: html.EscapeString(r.FormValue("note"))})
		if err != nil {
			return err
		}
		_, err = env.Exec("INSERT INTO mail_message_attachment_rel (message_id, attachment_id) VALUES (?, ?)", msg, ids[0])
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
	http.Redirect(w, r, "/crm/lead/"+itoa(id)+"#timeline", http.StatusSeeOther)
}
