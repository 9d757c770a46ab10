package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/a-h/templ"

	"github.com/kanso-crm/kanso/internal/orm"
)

func urlQuery(s string) string { return url.QueryEscape(s) }

// render writes a component as the answer.
func render(w http.ResponseWriter, r *http.Request, status int, c templ.Component) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	c.Render(r.Context(), w)
}

// parseAmount reads an amount typed in the user's language ("1.234,5" or
// "1,234.5" or "1234.5").
func parseAmount(lang, s string) (float64, bool) {
	s = strings.TrimSpace(strings.ReplaceAll(s, "\u00a0", ""))
	s = strings.ReplaceAll(s, " ", "")
	if s == "" {
		return 0, true
	}
	dec, thou := ".", ","
	if lang == "id_ID" || lang == "ro_RO" {
		dec, thou = ",", "."
	}
	// a lone separator of the other style is accepted as the decimal point
	if !strings.Contains(s, dec) && strings.Count(s, thou) == 1 && len(s)-strings.Index(s, thou)-1 != 3 {
		s = strings.Replace(s, thou, dec, 1)
	}
	s = strings.ReplaceAll(s, thou, "")
	s = strings.Replace(s, dec, ".", 1)
	f, err := strconv.ParseFloat(s, 64)
	return f, err == nil
}

// quickCreate adds an opportunity at the top of a column.
func (a *App) quickCreate(w http.ResponseWriter, r *http.Request, uid int64) {
	if err := r.ParseForm(); err != nil {
		toastError(w, http.StatusBadRequest, "The form could not be read.")
		return
	}
	stage, _ := strconv.ParseInt(r.PostFormValue("stage"), 10, 64)
	team, _ := strconv.ParseInt(r.PostFormValue("team"), 10, 64)
	var v *View
	var card Card
	err := a.call(r.Context(), uid, true, func(env *orm.Env) error {
		var err error
		if v, err = a.newView(env, "", "pipeline"); err != nil {
			return err
		}
		name := strings.TrimSpace(r.PostFormValue("name"))
		if name == "" {
			return orm.ValidationErrorf("%s", v.T("Give the opportunity a name."))
		}
		rev, ok := parseAmount(v.Lang, r.PostFormValue("expected_revenue"))
		if !ok {
			return orm.ValidationErrorf("%s", v.T("The expected revenue is not a number."))
		}
		vals := orm.Values{"name": name, "type": "opportunity", "stage_id": stage, "team_id": team, "expected_revenue": rev}
		if c := strings.TrimSpace(r.PostFormValue("customer")); c != "" {
			vals["partner_name"] = c
		}
		ids, err := env.Create(env.Reg.Model("crm.lead"), []orm.Values{vals})
		if err != nil {
			return err
		}
		col := &Column{Stage: stage}
		if err := loadCards(env, col, orm.Leaf{Path: "id", Op: "=", Value: ids[0]}, 0); err != nil {
			return err
		}
		if len(col.Cards) == 1 {
			card = col.Cards[0]
		}
		return nil
	})
	if err != nil {
		a.pageError(w, err)
		return
	}
	render(w, r, http.StatusOK, CardView(v, card))
}

// setPriority sets the stars of a record.
func (a *App) setPriority(w http.ResponseWriter, r *http.Request, uid int64) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	r.ParseForm()
	p := r.PostFormValue("priority")
	var v *View
	err = a.call(r.Context(), uid, true, func(env *orm.Env) error {
		var err error
		if v, err = a.newView(env, "", ""); err != nil {
			return err
		}
		return env.Write(env.Reg.Model("crm.lead"), []int64{id}, orm.Values{"priority": p})
	})
	if err != nil {
		a.pageError(w, err)
		return
	}
	render(w, r, http.StatusOK, Stars(v, id, p))
}

// pageError answers an htmx request with the reason, shown in a toast.
func (a *App) pageError(w http.ResponseWriter, err error) {
	e := orm.AsError(err)
	if e.Kind == orm.KindInternal {
		a.Log.Error("page action failed", "err", err)
		toastError(w, http.StatusInternalServerError, "Something went wrong on our side; the error has been logged.")
		return
	}
	toastError(w, e.HTTPStatus(), e.Error())
}

func toastError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("HX-Reswap", "none")
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	w.Write([]byte(msg))
}

// pageErrorText answers a plain form post with the reason.
func (a *App) pageErrorText(w http.ResponseWriter, err error) {
	e := orm.AsError(err)
	if e.Kind == orm.KindInternal {
		a.fail(w, err)
		return
	}
	http.Error(w, e.Error(), e.HTTPStatus())
}
