package web

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/kanso-crm/kanso/internal/base"
	"github.com/kanso-crm/kanso/internal/orm"
)

// App serves the pages.
type App struct {
	Runner        *orm.Runner
	Log           *slog.Logger
	SecureCookies bool
	Version       string
	// Broker carries change notices to open pages.
	Broker *Broker
	assets *Assets
	// imports are the import jobs running on this node (imports.go)
	imports *importJobs
}

// NewApp prepares the pages (the static files are hashed once).
func NewApp(r *orm.Runner, log *slog.Logger, secure bool, version string) (*App, error) {
	assets, err := LoadAssets()
	if err != nil {
		return nil, err
	}
	return &App{Runner: r, Log: log, SecureCookies: secure, Version: version, assets: assets, Broker: NewBroker(), imports: newImportJobs()}, nil
}

// Protect adds cross-origin request protection (CSRF) and security headers.
func Protect(h http.Handler) http.Handler {
	cop := http.NewCrossOriginProtection()
	inner := cop.Handler(h)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Referrer-Policy", "same-origin")
		inner.ServeHTTP(w, r)
	})
}

// Routes registers the page handlers.
func (a *App) Routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/crm/pipeline", http.StatusSeeOther)
	})
	mux.HandleFunc("GET /web", a.page(a.home))
	mux.HandleFunc("GET /static/", a.assets.serve)
	mux.HandleFunc("GET /events", a.page(a.events))
	mux.HandleFunc("GET /crm/pipeline", a.page(a.pipeline))
	mux.HandleFunc("GET /crm/pipeline/column", a.page(a.pipelineColumn))
	mux.HandleFunc("POST /crm/pipeline/quick", a.page(a.quickCreate))
	mux.HandleFunc("POST /crm/lead/{id}/move", a.page(a.moveCard))
	mux.HandleFunc("POST /crm/lead/{id}/priority", a.page(a.setPriority))
	mux.HandleFunc("GET /list/{key}", a.page(a.listPage))
	mux.HandleFunc("POST /list/{key}/action", a.page(a.listAction))
	mux.HandleFunc("GET /crm/leads", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/list/leads", http.StatusSeeOther) })
	mux.HandleFunc("GET /contacts", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/list/customers", http.StatusSeeOther)
	})
	mux.HandleFunc("POST /web/favorites", a.page(a.saveFavorite))
	mux.HandleFunc("GET /import/{model}", a.page(a.importForm))
	mux.HandleFunc("POST /import/{model}", a.page(a.importUpload))
	mux.HandleFunc("POST /import/run", a.page(a.importRun))
	mux.HandleFunc("GET /import/job", a.page(a.importJobPage))
	mux.HandleFunc("GET /import/job/progress", a.page(a.importProgress))
	mux.HandleFunc("POST /import/cancel", a.page(a.importCancel))
	mux.HandleFunc("GET /import/{model}/template", a.page(a.importTemplate))
	mux.HandleFunc("GET /contacts/{id}", a.page(a.partnerForm))
	mux.HandleFunc("POST /contacts/{id}", a.page(a.savePartner))
	mux.HandleFunc("POST /contacts/{id}/contacts", a.page(a.addContact))
	mux.HandleFunc("POST /contacts/{id}/lookup", a.page(a.lookupPartner))
	mux.HandleFunc("GET /config", a.page(a.configIndex))
	mux.HandleFunc("POST /config/settings", a.page(a.saveSettings))
	mux.HandleFunc("GET /config/{key}", a.page(a.configList))
	mux.HandleFunc("GET /config/{key}/{id}", a.page(a.configForm))
	mux.HandleFunc("POST /config/{key}/{id}", a.page(a.configSave))
	mux.HandleFunc("GET /crm/reporting", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/crm/reporting/pipeline", http.StatusSeeOther)
	})
	a.AnalysisRoutes(mux)
	mux.HandleFunc("GET /dashboards", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/dashboards/general", http.StatusSeeOther)
	})
	mux.HandleFunc("GET /dashboards/{name}", a.dashboard)
	mux.HandleFunc("GET /web/preferences", a.page(a.preferences))
	mux.HandleFunc("POST /web/preferences", a.page(a.savePreferences))
	mux.HandleFunc("GET /crm/activities", a.page(a.myActivities))
	mux.HandleFunc("POST /activity/{id}/done", a.page(a.activityDone))
	mux.HandleFunc("POST /activity/{id}/snooze", a.page(a.activitySnooze))
	mux.HandleFunc("POST /crm/lead/{id}/schedule", a.page(a.scheduleActivity))
	mux.HandleFunc("POST /crm/lead/{id}/attach", a.page(a.attach))
	mux.HandleFunc("GET /web/content/{id}", a.page(a.download))
	mux.HandleFunc("GET /activity/{id}/calendar.ics", a.page(a.activityICS))
	mux.HandleFunc("GET /calendar/{token}", a.calendarFeed)
	mux.HandleFunc("POST /web/calendar", a.page(a.calendarToken))
	mux.HandleFunc("GET /crm/lead/{id}", a.page(a.leadForm))
	mux.HandleFunc("POST /crm/lead/{id}", a.page(a.saveLead))
	mux.HandleFunc("POST /crm/lead/{id}/{action}", a.page(a.leadAction))
	mux.HandleFunc("GET /web/login", a.loginForm)
	mux.HandleFunc("POST /web/login", a.login)
	mux.HandleFunc("POST /web/logout", a.logout)
	mux.HandleFunc("GET /web/password", a.page(a.passwordForm))
	mux.HandleFunc("POST /web/password", a.page(a.passwordChange))
	mux.HandleFunc("GET /web/apikeys", a.page(a.apiKeys))
	mux.HandleFunc("POST /web/apikeys", a.page(a.apiKeyCreate))
	mux.HandleFunc("POST /web/apikeys/{id}/revoke", a.page(a.apiKeyRevoke))
}

type pageFunc func(w http.ResponseWriter, r *http.Request, uid int64)

// page requires a logged-in user; others go to the login form and come
// back afterwards.
func (a *App) page(f pageFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		uid, err := a.sessionUID(r.Context(), r)
		if err != nil {
			a.fail(w, err)
			return
		}
		if uid == 0 {
			http.Redirect(w, r, "/web/login?redirect="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		f(w, r, uid)
	}
}

func (a *App) fail(w http.ResponseWriter, err error) {
	e := orm.AsError(err)
	if e.Kind == orm.KindInternal {
		a.Log.Error("page failed", "err", err)
		http.Error(w, "Something went wrong on our side; the error has been logged.", http.StatusInternalServerError)
		return
	}
	http.Error(w, e.Error(), e.HTTPStatus())
}

// safeRedirect keeps redirects on this site.
func safeRedirect(s string) string {
	if s == "" || !strings.HasPrefix(s, "/") || strings.HasPrefix(s, "//") || strings.HasPrefix(s, "/\\") {
		return "/"
	}
	return s
}

// render shows one of the account pages: the login form in the browser's
// language, the others in the user's.
func (a *App) render(w http.ResponseWriter, r *http.Request, uid int64, status int, name string, data map[string]any) {
	if name == "login" {
		v := &View{Lang: browserLang(r), Assets: a.assets}
		render(w, r, status, LoginPage(v, data))
		return
	}
	var v *View
	err := a.call(r.Context(), uid, false, func(env *orm.Env) error {
		var err error
		v, err = a.newView(env, "", "")
		return err
	})
	if err != nil {
		a.fail(w, err)
		return
	}
	switch name {
	case "home":
		v.Title = v.T("Home")
		render(w, r, status, HomePage(v, a.Version))
	case "password":
		v.Title = v.T("Change password")
		render(w, r, status, PasswordPage(v, data))
	}
}

// browserLang picks Kanso's language from the Accept-Language header.
func browserLang(r *http.Request) string {
	for _, part := range strings.Split(r.Header.Get("Accept-Language"), ",") {
		tag := strings.ToLower(strings.TrimSpace(strings.SplitN(part, ";", 2)[0]))
		switch {
		case strings.HasPrefix(tag, "id"), strings.HasPrefix(tag, "in"):
			return "id_ID"
		case strings.HasPrefix(tag, "ro"):
			return "ro_RO"
		case strings.HasPrefix(tag, "en"):
			return "en_US"
		}
	}
	return "en_US"
}

func (a *App) loginForm(w http.ResponseWriter, r *http.Request) {
	if uid, _ := a.sessionUID(r.Context(), r); uid != 0 {
		http.Redirect(w, r, safeRedirect(r.URL.Query().Get("redirect")), http.StatusSeeOther)
		return
	}
	a.render(w, r, 0, http.StatusOK, "login", map[string]any{"Redirect": r.URL.Query().Get("redirect")})
}

func (a *App) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		a.render(w, r, 0, http.StatusBadRequest, "login", map[string]any{"Error": "The form could not be read; please try again."})
		return
	}
	login, pw, redirect := strings.TrimSpace(r.PostFormValue("login")), r.PostFormValue("password"), r.PostFormValue("redirect")
	var tok string
	err := a.Runner.Run(r.Context(), 0, nil, true, func(env *orm.Env) error {
		uid, err := base.LoginPassword(env, login, pw)
		if err != nil {
			return err
		}
		tok, err = newSession(env, uid)
		return err
	})
	if err != nil {
		status := http.StatusUnauthorized
		msg := "Wrong login or password."
		if orm.AsError(err).Kind != orm.KindAccessDenied {
			a.Log.Error("login", "err", err)
			status, msg = http.StatusInternalServerError, "Logging in failed on our side; please try again."
		}
		a.render(w, r, 0, status, "login", map[string]any{"Error": msg, "Login": login, "Redirect": redirect})
		return
	}
	a.setSessionCookie(w, tok, int(SessionLifetime.Seconds()))
	http.Redirect(w, r, safeRedirect(redirect), http.StatusSeeOther)
}

func (a *App) logout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(SessionCookie); err == nil {
		err := a.Runner.Run(r.Context(), 0, nil, true, func(env *orm.Env) error {
			_, err := env.Exec("DELETE FROM web_session WHERE token_hash = ?", tokenHash(c.Value))
			return err
		})
		if err != nil {
			a.fail(w, err)
			return
		}
	}
	a.setSessionCookie(w, "", -1)
	http.Redirect(w, r, "/web/login", http.StatusSeeOther)
}

// user loads the display data of the logged-in user.
func (a *App) user(ctx context.Context, uid int64) (*orm.UserInfo, error) {
	var u *orm.UserInfo
	err := a.Runner.Run(ctx, uid, nil, false, func(env *orm.Env) error {
		var err error
		u, err = env.User()
		return err
	})
	return u, err
}

func (a *App) home(w http.ResponseWriter, r *http.Request, uid int64) {
	a.render(w, r, uid, http.StatusOK, "home", nil)
}

func (a *App) passwordForm(w http.ResponseWriter, r *http.Request, uid int64) {
	a.render(w, r, uid, http.StatusOK, "password", map[string]any{"_": nil})
}

func (a *App) passwordChange(w http.ResponseWriter, r *http.Request, uid int64) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		a.render(w, r, uid, http.StatusBadRequest, "password", map[string]any{"_": nil, "Error": "The form could not be read; please try again."})
		return
	}
	oldPw, newPw, confirm := r.PostFormValue("old_password"), r.PostFormValue("new_password"), r.PostFormValue("confirm_password")
	if newPw != confirm {
		a.render(w, r, uid, http.StatusUnprocessableEntity, "password", map[string]any{"_": nil, "Error": "The new password and its confirmation differ."})
		return
	}
	err := a.Runner.Run(r.Context(), uid, nil, true, func(env *orm.Env) error {
		if err := base.ChangePassword(env, oldPw, newPw); err != nil {
			return err
		}
		// other sessions of the user end with the old password
		c, _ := r.Cookie(SessionCookie)
		keep := ""
		if c != nil {
			keep = tokenHash(c.Value)
		}
		_, err := env.Exec("DELETE FROM web_session WHERE user_id = ? AND token_hash <> ?", uid, keep)
		return err
	})
	if err != nil {
		e := orm.AsError(err)
		msg := e.Error()
		if e.Kind == orm.KindAccessDenied {
			msg = "The current password is wrong."
		} else if e.Kind == orm.KindInternal {
			a.fail(w, err)
			return
		}
		a.render(w, r, uid, http.StatusUnprocessableEntity, "password", map[string]any{"_": nil, "Error": msg})
		return
	}
	a.render(w, r, uid, http.StatusOK, "password", map[string]any{"_": nil, "Done": true})
}

type keyRow struct {
	ID      int64
	Name    string
	Created string
	Expires string
}

func (a *App) apiKeys(w http.ResponseWriter, r *http.Request, uid int64) {
	a.renderKeys(w, r, uid, http.StatusOK, "", "")
}

func (a *App) renderKeys(w http.ResponseWriter, r *http.Request, uid int64, status int, newKey, errMsg string) {
	u, err := a.user(r.Context(), uid)
	if err != nil {
		a.fail(w, err)
		return
	}
	var keys []keyRow
	err = a.Runner.Run(r.Context(), uid, nil, false, func(env *orm.Env) error {
		m := env.Reg.Model("res.users.apikeys")
		recs, err := env.SearchRead(m, orm.Leaf{Path: "user_id", Op: "=", Value: uid}, []string{"name", "create_date", "expiration_date"}, orm.SearchOpts{Order: "id desc"}, false)
		if err != nil {
			return err
		}
		for _, rec := range recs {
			k := keyRow{ID: rec["id"].(int64), Name: rec["name"].(string)}
			if s, ok := rec["create_date"].(string); ok {
				k.Created = s
			}
			if s, ok := rec["expiration_date"].(string); ok {
				k.Expires = s
			}
			keys = append(keys, k)
		}
		return nil
	})
	if err != nil {
		a.fail(w, err)
		return
	}
	var v *View
	if err := a.call(r.Context(), uid, false, func(env *orm.Env) error {
		var err error
		v, err = a.newView(env, "", "")
		return err
	}); err != nil {
		a.fail(w, err)
		return
	}
	v.Title = v.T("API keys")
	_ = u
	render(w, r, status, KeysPage(v, keys, newKey, errMsg))
}

func (a *App) apiKeyCreate(w http.ResponseWriter, r *http.Request, uid int64) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		a.renderKeys(w, r, uid, http.StatusBadRequest, "", "The form could not be read; please try again.")
		return
	}
	name := strings.TrimSpace(r.PostFormValue("name"))
	days, err := strconv.Atoi(r.PostFormValue("days"))
	if err != nil || days < 1 || days > 90 {
		a.renderKeys(w, r, uid, http.StatusUnprocessableEntity, "", "Choose a duration between 1 and 90 days.")
		return
	}
	var key string
	err = a.Runner.Run(r.Context(), uid, nil, true, func(env *orm.Env) error {
		exp := env.Now.Add(time.Duration(days) * 24 * time.Hour)
		res, err := env.CallMethod(env.Reg.Model("res.users.apikeys"), "generate",
			nil, map[string]any{"name": name, "scope": "rpc", "expiration_date": exp.Format("2006-01-02 15:04:05")})
		if err != nil {
			return err
		}
		key = res.(string)
		return nil
	})
	if err != nil {
		e := orm.AsError(err)
		if e.Kind == orm.KindInternal {
			a.fail(w, err)
			return
		}
		a.renderKeys(w, r, uid, http.StatusUnprocessableEntity, "", e.Error())
		return
	}
	a.renderKeys(w, r, uid, http.StatusOK, key, "")
}

func (a *App) apiKeyRevoke(w http.ResponseWriter, r *http.Request, uid int64) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	err = a.Runner.Run(r.Context(), uid, nil, true, func(env *orm.Env) error {
		return env.Unlink(env.Reg.Model("res.users.apikeys"), []int64{id})
	})
	if err != nil {
		e := orm.AsError(err)
		if e.Kind == orm.KindInternal {
			a.fail(w, err)
			return
		}
		a.renderKeys(w, r, uid, e.HTTPStatus(), "", e.Error())
		return
	}
	http.Redirect(w, r, "/web/apikeys", http.StatusSeeOther)
}
