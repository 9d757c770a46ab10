package web

import (
	"net/http"

	"github.com/kanso-crm/kanso/internal/base"
	"github.com/kanso-crm/kanso/internal/orm"
)

// PrefsPage is the preferences form.
type PrefsPage struct {
	Langs [][2]string
	TZs   []string
	Lang  string
	TZ    string
	Email string
	Saved bool
	Error string
	Feed  string // the private calendar address, when created
}

var timeZones = []string{"UTC", "Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura", "Europe/Bucharest", "Europe/London", "Europe/Berlin",
	"Europe/Paris", "America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles", "Asia/Singapore", "Asia/Tokyo", "Australia/Sydney"}

func (a *App) preferences(w http.ResponseWriter, r *http.Request, uid int64) {
	a.showPrefs(w, r, uid, "", r.URL.Query().Get("saved") == "1", http.StatusOK)
}

func (a *App) showPrefs(w http.ResponseWriter, r *http.Request, uid int64, errMsg string, saved bool, status int) {
	var v *View
	p := &PrefsPage{Langs: base.Langs, TZs: timeZones, Saved: saved, Error: errMsg}
	err := a.call(r.Context(), uid, false, func(env *orm.Env) error {
		var err error
		if v, err = a.newView(env, "", ""); err != nil {
			return err
		}
		v.Title = v.T("Preferences")
		p.Lang, p.TZ = v.User.Lang, v.User.TZ
		recs, err := env.ReadValues(env.Reg.Model("res.users"), []int64{uid}, []string{"email"})
		if err == nil && len(recs) == 1 {
			p.Email, _ = recs[0]["email"].(string)
		}
		if err != nil {
			return err
		}
		var token *string
		if err := env.QueryRow("SELECT calendar_token FROM res_users WHERE id = ?", uid).Scan(&token); err != nil {
			return err
		}
		if token != nil && *token != "" {
			p.Feed = baseURL(r) + "/calendar/" + *token + ".ics"
		}
		return nil
	})
	if err != nil {
		a.fail(w, err)
		return
	}
	render(w, r, status, PrefsView(v, p))
}

func (a *App) savePreferences(w http.ResponseWriter, r *http.Request, uid int64) {
	r.ParseForm()
	err := a.call(r.Context(), uid, true, func(env *orm.Env) error {
		vals := map[string]any{"lang": r.PostFormValue("lang"), "tz": r.PostFormValue("tz")}
		if e := r.PostFormValue("email"); e != "" {
			vals["email"] = e
		}
		_, err := env.CallMethod(env.Reg.Model("res.users"), "write", []int64{uid}, map[string]any{"vals": vals})
		return err
	})
	if err != nil {
		e := orm.AsError(err)
		if e.Kind == orm.KindInternal {
			a.fail(w, err)
			return
		}
		a.showPrefs(w, r, uid, e.Error(), false, e.HTTPStatus())
		return
	}
	http.Redirect(w, r, "/web/preferences?saved=1", http.StatusSeeOther)
}
