// Package browser drives the real application in Debian's Chromium
// (chromedp). The suite runs when KANSO_TEST_BROWSER=1, on SQLite and, when
// KANSO_TEST_POSTGRES is set, on PostgreSQL too. A failing test leaves a
// full-page screenshot in e2e/screenshots.
//
// Nothing here sleeps to synchronise: the tests wait for DOM conditions
// (a JavaScript expression polled in the page) or read the server's state.
package browser

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/kanso-crm/kanso/internal/apptest"
	"github.com/kanso-crm/kanso/internal/orm"
	"github.com/kanso-crm/kanso/internal/testutil"
)

// stepTimeout bounds one step (a navigation, a wait, a click) so that a
// stuck page fails the test with a screenshot instead of hanging.
const stepTimeout = 30 * time.Second

// requireBrowser skips the test unless KANSO_TEST_BROWSER=1 and returns
// the path of Chromium, failing the test when it is missing.
func requireBrowser(t *testing.T) string {
	t.Helper()
	if os.Getenv("KANSO_TEST_BROWSER") != "1" {
		t.Skip("browser tests run with KANSO_TEST_BROWSER=1")
	}
	p := chromePath()
	if p == "" {
		t.Fatal("KANSO_TEST_BROWSER=1 but Chromium was not found (looked at $KANSO_CHROMIUM, /usr/bin/chromium, " +
			"and chromium/chromium-browser on $PATH); install it with apt-get install chromium")
	}
	return p
}

func chromePath() string {
	for _, p := range []string{os.Getenv("KANSO_CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if p == "" {
			continue
		}
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
			return p
		}
	}
	for _, n := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	return ""
}

// eachBackend runs f as a subtest on a fresh Kanso per database.
func eachBackend(t *testing.T, f func(t *testing.T, s *apptest.Server)) {
	t.Helper()
	requireBrowser(t)
	for _, be := range testutil.Backends(t) {
		t.Run(be.Name, func(t *testing.T) {
			start := time.Now()
			s := apptest.Start(t, be)
			t.Logf("kanso on %s started in %v", be.Name, time.Since(start).Round(time.Millisecond))
			f(t, s)
		})
	}
}

// viewport is the size of the page.
type viewport struct {
	w, h  int64
	phone bool
}

var (
	desktop = viewport{w: 1366, h: 900}
	phone   = viewport{w: 390, h: 844, phone: true}
)

// session is one headless Chromium showing a running Kanso.
type session struct {
	t    *testing.T
	s    *apptest.Server
	ctx  context.Context
	shot bool // a failure screenshot was taken already
}

// newSession starts a headless Chromium with a fresh profile; it is closed
// when the test ends, after a screenshot if the test failed.
func newSession(t *testing.T, s *apptest.Server, vp viewport) *session {
	t.Helper()
	path := requireBrowser(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.WindowSize(int(vp.w), int(vp.h)),
		chromedp.UserDataDir(t.TempDir()),
	)
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelC := chromedp.NewContext(actx)
	// cleanups run last-in first-out: the screenshot (registered below)
	// comes before the browser closes, which comes before the profile
	// directory and the server go away
	t.Cleanup(func() {
		c, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		chromedp.Cancel(c)
		cancelC()
		cancelA()
	})
	b := &session{t: t, s: s, ctx: ctx}
	start := time.Now()
	// the first call starts the browser; it gets no timeout, as the
	// browser lives as long as the context of that call
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	t.Logf("chromium started in %v", time.Since(start).Round(time.Millisecond))
	t.Cleanup(func() {
		if t.Failed() && !b.shot {
			b.screenshot("failure")
		}
	})
	vopts := []chromedp.EmulateViewportOption{}
	if vp.phone {
		vopts = append(vopts, chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulatePortrait, chromedp.EmulateScale(3))
	}
	b.do("set the viewport", chromedp.EmulateViewport(vp.w, vp.h, vopts...))
	return b
}

// do runs actions, failing the test with a screenshot on error.
func (b *session) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.fail(what, err)
	}
}

// submit runs actions that load a new page (a form post, a link) and waits
// for the page; it returns the HTTP status of the document.
func (b *session) submit(what string, steps ...chromedp.Action[chromedp.Void]) int64 {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, steps...)
	if err != nil {
		b.fail(what, err)
	}
	return resp.Status
}

func (b *session) fail(what string, err error) {
	b.t.Helper()
	b.screenshot(slug(what))
	b.shot = true
	b.t.Fatalf("%s: %v", what, err)
}

// run runs one action that returns a value.
func run[T any](b *session, what string, a chromedp.Action[T]) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		b.fail(what, err)
	}
	return v
}

// eval evaluates a JavaScript expression in the page.
func eval[T any](b *session, js string) T {
	b.t.Helper()
	return run(b, "evaluate "+js, chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
}

// waitFor polls a JavaScript expression until it is truthy and returns its
// value.
func waitFor[T any](b *session, what, js string) T {
	b.t.Helper()
	return run(b, "wait until "+what, chromedp.Poll[T](js, chromedp.WithPollingTimeout(stepTimeout-time.Second)))
}

// open loads a page and waits until the selector is visible.
func (b *session) open(path string, visible string) {
	b.t.Helper()
	b.do("open "+path, chromedp.Navigate(b.s.URL+path), chromedp.WaitVisible(chromedp.CSS(visible)))
}

// location is the path and query of the page.
func (b *session) location() string {
	b.t.Helper()
	return eval[string](b, `location.pathname + location.search`)
}

// login logs in through the login form and waits for the application.
func (b *session) login(login, password string) {
	b.t.Helper()
	b.fillLogin(login, password)
	b.do("wait for the application", chromedp.WaitVisible(chromedp.ID("logout")))
}

func (b *session) fillLogin(login, password string) int64 {
	b.t.Helper()
	b.open("/web/login", "#login")
	b.do("fill the login form",
		chromedp.SendKeys(chromedp.ID("login"), login),
		chromedp.SendKeys(chromedp.ID("password"), password))
	return b.submit("submit the login form", chromedp.Click(chromedp.CSS(`form button[type=submit]`)))
}

// screenshot saves a full-page JPEG in e2e/screenshots and returns its path.
func (b *session) screenshot(name string) string {
	dir := screenshotDir()
	p := filepath.Join(dir, slug(b.t.Name())+"-"+name+".jpg")
	if err := b.saveScreenshot(p); err != nil {
		b.t.Logf("screenshot %s: %v", p, err)
		return ""
	}
	b.t.Logf("screenshot: %s", p)
	return p
}

func (b *session) saveScreenshot(path string) error {
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(85))
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, buf, 0o644)
}

// screenshotDir is e2e/screenshots (gitignored).
func screenshotDir() string {
	d, err := filepath.Abs(filepath.Join("..", "screenshots"))
	if err != nil {
		return filepath.Join("..", "screenshots")
	}
	return d
}

var unsafeChars = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

func slug(s string) string { return strings.Trim(unsafeChars.ReplaceAllString(s, "_"), "_") }

// js quotes a string for JavaScript.
func js(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func itoa(n int64) string { return fmt.Sprint(n) }

// leadValues reads fields of a lead as stored, archived or not.
func leadValues(t *testing.T, s *apptest.Server, id int64, fields ...string) orm.Values {
	t.Helper()
	var v orm.Values
	s.Sudo(t, func(env *orm.Env) error {
		recs, err := env.WithContext(map[string]any{"active_test": false}).ReadValues(env.Reg.Model("crm.lead"), []int64{id}, fields)
		if err != nil {
			return err
		}
		if len(recs) != 1 {
			return fmt.Errorf("lead %d: %d records", id, len(recs))
		}
		v = recs[0]
		return nil
	})
	return v
}

// writeLater changes a lead as someone else would, two seconds in the
// future so that its write_date surely differs from what a page shows.
func writeLater(t *testing.T, s *apptest.Server, id int64, vals orm.Values) {
	t.Helper()
	s.Sudo(t, func(env *orm.Env) error {
		env.Now = env.Now.Add(2 * time.Second)
		return env.WithUser(2).Write(env.Reg.Model("crm.lead"), []int64{id}, vals)
	})
}

// world is the data of a test: the Sales team, its (shared) stages and a
// few opportunities of the administrator.
type world struct {
	team    int64
	stages  map[string]int64
	leads   map[string]int64
	reasons map[string]int64
}

type leadSpec struct {
	name, stage string
	vals        orm.Values
}

func newWorld(t *testing.T, s *apptest.Server, leads ...leadSpec) *world {
	t.Helper()
	w := &world{stages: map[string]int64{}, leads: map[string]int64{}, reasons: map[string]int64{}}
	s.Sudo(t, func(env *orm.Env) error {
		teams, err := env.Search(env.Reg.Model("crm.team"), orm.Leaf{Path: "name", Op: "=", Value: "Sales"}, orm.SearchOpts{Limit: 1})
		if err != nil {
			return err
		}
		if len(teams) == 0 {
			return fmt.Errorf("no Sales team")
		}
		w.team = teams[0]
		st, err := env.SearchRead(env.Reg.Model("crm.stage"), orm.Leaf{Path: "team_ids", Op: "=", Value: false}, []string{"name"}, orm.SearchOpts{}, false)
		if err != nil {
			return err
		}
		for _, r := range st {
			w.stages[r["name"].(string)] = r["id"].(int64)
		}
		rs, err := env.SearchRead(env.Reg.Model("crm.lost.reason"), orm.And{}, []string{"name"}, orm.SearchOpts{}, false)
		if err != nil {
			return err
		}
		for _, r := range rs {
			w.reasons[r["name"].(string)] = r["id"].(int64)
		}
		for _, l := range leads {
			stage, ok := w.stages[l.stage]
			if !ok {
				return fmt.Errorf("no shared stage %q (have %v)", l.stage, w.stages)
			}
			vals := orm.Values{"name": l.name, "type": "opportunity", "team_id": w.team, "stage_id": stage,
				"expected_revenue": 1000.0, "partner_name": "Acme"}
			for k, v := range l.vals {
				vals[k] = v
			}
			ids, err := env.WithUser(2).Create(env.Reg.Model("crm.lead"), []orm.Values{vals})
			if err != nil {
				return err
			}
			w.leads[l.name] = ids[0]
		}
		return nil
	})
	return w
}

func writeFile(path string, data []byte) {
	os.MkdirAll(filepath.Dir(path), 0o755)
	os.WriteFile(path, data, 0o644)
}

// setLang switches the administrator's language.
func setLang(lang string) func(env *orm.Env) error {
	return func(env *orm.Env) error {
		return env.Write(env.Reg.Model("res.users"), []int64{2}, orm.Values{"lang": lang})
	}
}
