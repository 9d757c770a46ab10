package web

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/kanso-crm/kanso/internal/base"
	"github.com/kanso-crm/kanso/internal/i18n"
	"github.com/kanso-crm/kanso/internal/orm"
)

//go:embed static
var staticFiles embed.FS

// asset is an embedded file served under a content-hashed URL.
type asset struct {
	body, gz []byte
	ctype    string
}

// Assets maps logical names ("app.css") to content-hashed URLs and serves
// them with a far-future cache and gzip.
type Assets struct {
	urls  map[string]string
	files map[string]*asset
}

// LoadAssets hashes and compresses the embedded static files.
func LoadAssets() (*Assets, error) {
	a := &Assets{urls: map[string]string{}, files: map[string]*asset{}}
	err := fs.WalkDir(staticFiles, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := staticFiles.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(body)
		name := strings.TrimPrefix(p, "static/")
		url := "/static/" + hex.EncodeToString(sum[:6]) + "/" + name
		var gz bytes.Buffer
		w, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
		w.Write(body)
		w.Close()
		ctype := "application/octet-stream"
		switch path.Ext(name) {
		case ".js":
			ctype = "text/javascript; charset=utf-8"
		case ".css":
			ctype = "text/css; charset=utf-8"
		case ".svg":
			ctype = "image/svg+xml"
		case ".LICENSE", ".txt":
			ctype = "text/plain; charset=utf-8"
		}
		a.urls[name] = url
		a.files[url] = &asset{body: body, gz: gz.Bytes(), ctype: ctype}
		return nil
	})
	return a, err
}

// URL is the content-hashed URL of a static file.
func (a *Assets) URL(name string) string { return a.urls[name] }

func (a *Assets) serve(w http.ResponseWriter, r *http.Request) {
	f := a.files[r.URL.Path]
	if f == nil {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", f.ctype)
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	h.Set("Vary", "Accept-Encoding")
	if strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") && len(f.gz) < len(f.body) {
		h.Set("Content-Encoding", "gzip")
		w.Write(f.gz)
		return
	}
	w.Write(f.body)
}

// View is what every page template receives: who is looking, in which
// language, and the page's place in the navigation.
type View struct {
	Lang     string
	User     *orm.UserInfo
	Title    string
	Nav      string
	Manager  bool // Sales / Administrator
	Settings bool // the Settings group
	Assets   *Assets
	Currency i18n.Currency
	Loc      *time.Location
}

// T translates a string for the viewer.
func (v *View) T(s string) string { return i18n.T(v.Lang, s) }

// Tf translates and formats.
func (v *View) Tf(s string, args ...any) string { return i18n.Tf(v.Lang, s, args...) }

// HTMLLang is the lang attribute of the page.
func (v *View) HTMLLang() string { return strings.SplitN(v.Lang, "_", 2)[0] }

// Money formats an amount in the company currency.
func (v *View) Money(f float64) string { return i18n.Money(v.Lang, f, v.Currency) }

// Compact formats an amount shortly.
func (v *View) Compact(f float64) string { return i18n.Compact(v.Lang, f, v.Currency) }

// Number formats a number.
func (v *View) Number(f float64, decimals int) string { return i18n.Number(v.Lang, f, decimals) }

// Date formats a "YYYY-MM-DD" date.
func (v *View) Date(s string) string {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		return s
	}
	return i18n.Date(v.Lang, t)
}

// DateTime formats a UTC "YYYY-MM-DD HH:MM:SS" in the user's zone.
func (v *View) DateTime(s string) string {
	t, err := orm.ParseDatetime(s)
	if err != nil {
		return s
	}
	return i18n.DateTime(v.Lang, t, v.Loc)
}

// Static is the URL of a static file.
func (v *View) Static(name string) string { return v.Assets.URL(name) }

// newView builds the view of a logged-in user inside a call.
func (a *App) newView(env *orm.Env, title, nav string) (*View, error) {
	u, err := env.User()
	if err != nil {
		return nil, err
	}
	v := &View{Lang: u.Lang, User: u, Title: title, Nav: nav, Assets: a.assets,
		Manager: env.HasGroup(base.GroupSaleManager), Settings: env.HasGroup(base.GroupSystem)}
	if loc, err := time.LoadLocation(u.TZ); err == nil {
		v.Loc = loc
	} else {
		v.Loc = time.UTC
	}
	var sym, pos string
	var dec int
	err = env.QueryRow(`SELECT c.symbol, c.position, c.decimal_places FROM res_company co JOIN res_currency c ON c.id = co.currency_id WHERE co.id = ?`, u.CompanyID).Scan(&sym, &pos, &dec)
	if err == nil {
		v.Currency = i18n.Currency{Symbol: sym, Decimals: dec, Before: pos == "before"}
	}
	return v, nil
}

// call runs one page action for a logged-in user: one transaction.
func (a *App) call(ctx context.Context, uid int64, write bool, fn func(env *orm.Env) error) error {
	return a.Runner.Run(ctx, uid, nil, write, fn)
}
