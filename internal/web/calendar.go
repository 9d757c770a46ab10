package web

import (
	"net/http"
	"strings"

	"github.com/kanso-crm/kanso/internal/mail"
	"github.com/kanso-crm/kanso/internal/orm"
)

// baseURL is the address the browser used, for links in calendar files.
func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https" {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// activityICS downloads one activity as an .ics file.
func (a *App) activityICS(w http.ResponseWriter, r *http.Request, uid int64) {
	id := activityID(r)
	var data []byte
	err := a.call(r.Context(), uid, false, func(env *orm.Env) error {
		var err error
		data, err = mail.ActivityICS(env, id, baseURL(r))
		return err
	})
	if err != nil {
		a.fail(w, err)
		return
	}
	w.Header().Set("Content-Type", mail.ICSContentType)
	w.Header().Set("Content-Disposition", `attachment; filename="activity-`+itoa(id)+`.ics"`)
	w.Write(data)
}

// calendarFeed serves a user's private feed; the token in the address is
// the credential, so calendar applications can subscribe.
func (a *App) calendarFeed(w http.ResponseWriter, r *http.Request) {
	token := strings.TrimSuffix(r.PathValue("token"), ".ics")
	var uid int64
	err := a.Runner.Run(r.Context(), orm.SuperuserID, nil, false, func(env *orm.Env) error {
		var err error
		uid, err = mail.UserByCalendarToken(env, token)
		return err
	})
	if err != nil {
		http.Error(w, "Unknown or revoked calendar address.", http.StatusNotFound)
		return
	}
	var data []byte
	err = a.call(r.Context(), uid, false, func(env *orm.Env) error {
		var err error
		data, err = mail.FeedICS(env, baseURL(r))
		return err
	})
	if err != nil {
		a.fail(w, err)
		return
	}
	w.Header().Set("Content-Type", mail.ICSContentType)
	w.Header().Set("Cache-Control", "private, max-age=300")
	w.Write(data)
}

// calendarToken shows (creating it when needed) or renews the user's feed address.
func (a *App) calendarToken(w http.ResponseWriter, r *http.Request, uid int64) {
	r.ParseForm()
	err := a.call(r.Context(), uid, true, func(env *orm.Env) error {
		if r.PostFormValue("revoke") == "1" {
			return mail.RevokeCalendarToken(env, uid)
		}
		_, err := mail.EnsureCalendarToken(env, uid)
		return err
	})
	if err != nil {
		a.pageErrorText(w, err)
		return
	}
	http.Redirect(w, r, "/web/preferences#calendar", http.StatusSeeOther)
}
