package web_test

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/kanso-crm/kanso/internal/apptest"
	"github.com/kanso-crm/kanso/internal/testutil"
	"github.com/kanso-crm/kanso/internal/web"
)

type browser struct {
	t    *testing.T
	base string
	c    *http.Client
}

func newBrowser(t *testing.T, base string) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, base: base, c: &http.Client{Jar: jar}}
}

func (b *browser) get(path string) (int, string) {
	b.t.Helper()
	resp, err := b.c.Get(b.base + path)
	if err != nil {
		b.t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func (b *browser) post(path string, form url.Values, header map[string]string) (int, string, *http.Response) {
	b.t.Helper()
	req, _ := http.NewRequest("POST", b.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body), resp
}

func (b *browser) login(login, pw string) (int, string) {
	st, body, _ := b.post("/web/login", url.Values{"login": {login}, "password": {pw}, "redirect": {"/web/apikeys"}}, nil)
	return st, body
}

func TestLoginLogoutAndSessions(t *testing.T) {
	testutil.Run(t, func(t *testing.T, be testutil.Backend) {
		s := apptest.Start(t, be)
		b := newBrowser(t, s.URL)
		// anonymous visitors are sent to the login form, which remembers where they were going
		st, body := b.get("/crm/pipeline")
		if st != 200 || !strings.Contains(body, `name="password"`) || !strings.Contains(body, `value="/crm/pipeline"`) {
			t.Fatalf("anonymous home: %d %s", st, body)
		}
		st, body = b.login("admin", "wrong")
		if st != http.StatusUnauthorized || !strings.Contains(body, "Wrong login or password") || !strings.Contains(body, `value="admin"`) {
			t.Fatalf("wrong password: %d %s", st, body)
		}
		st, body = b.login("admin", apptest.AdminPassword)
		if st != 200 || !strings.Contains(body, "API keys") || !strings.Contains(body, "Log out") {
			t.Fatalf("login: %d %s", st, body)
		}
		u, _ := url.Parse(s.URL)
		var session *http.Cookie
		for _, c := range b.c.Jar.Cookies(u) {
			if c.Name == web.SessionCookie {
				session = c
			}
		}
		if session == nil {
			t.Fatal("no session cookie")
		}
		// the session is in the database: another client with the cookie is logged in
		other := newBrowser(t, s.URL)
		other.c.Jar.SetCookies(u, []*http.Cookie{{Name: web.SessionCookie, Value: session.Value}})
		if _, body := other.get("/crm/pipeline"); !strings.Contains(body, "Administrator") || !strings.Contains(body, `id="board"`) {
			t.Fatalf("shared session: %s", body)
		}
		b.post("/web/logout", nil, nil)
		if _, body := other.get("/crm/pipeline"); !strings.Contains(body, `name="password"`) {
			t.Fatal("the session still works after logout")
		}
	})
}

func TestLoginRedirectStaysOnSite(t *testing.T) {
	s := apptest.Start(t, testutil.SQLite(t))
	b := newBrowser(t, s.URL)
	b.c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	_, _, resp := b.post("/web/login", url.Values{"login": {"admin"}, "password": {apptest.AdminPassword}, "redirect": {"//evil.example/x"}}, nil)
	if loc := resp.Header.Get("Location"); loc != "/" { // then / leads to the pipeline
		t.Errorf("redirect to %q; want /", loc)
	}
}

// Cross-site form posts are refused (CSRF), same-site ones pass.
func TestCrossOriginPostsRefused(t *testing.T) {
	s := apptest.Start(t, testutil.SQLite(t))
	b := newBrowser(t, s.URL)
	b.login("admin", apptest.AdminPassword)
	st, _, _ := b.post("/web/apikeys", url.Values{"name": {"evil"}, "days": {"5"}}, map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"})
	if st != http.StatusForbidden {
		t.Errorf("cross-site POST: %d; want 403", st)
	}
	_, body := b.get("/web/apikeys")
	if strings.Contains(body, "evil") {
		t.Error("the cross-site POST created a key")
	}
	st, body, _ = b.post("/web/apikeys", url.Values{"name": {"mine"}, "days": {"5"}}, map[string]string{"Sec-Fetch-Site": "same-origin"})
	if st != 200 || !strings.Contains(body, "mine") {
		t.Errorf("same-origin POST: %d", st)
	}
}

func TestPasswordChange(t *testing.T) {
	testutil.Run(t, func(t *testing.T, be testutil.Backend) {
		s := apptest.Start(t, be)
		s.CreateUser(t, "sara", "first-password", "base.group_user")
		b := newBrowser(t, s.URL)
		if st, _ := b.login("sara", "first-password"); st != 200 {
			t.Fatal("login")
		}
		second := newBrowser(t, s.URL)
		second.login("sara", "first-password")
		cases := []struct {
			old, new, confirm, want string
			status                  int
		}{
			{"bad-password", "second-password", "second-password", "current password is wrong", 422},
			{"first-password", "second-password", "other-password", "differ", 422},
			{"first-password", "short", "short", "at least 8 characters", 422},
			{"first-password", "second-password", "second-password", "has been changed", 200},
		}
		for _, c := range cases {
			st, body, _ := b.post("/web/password", url.Values{"old_password": {c.old}, "new_password": {c.new}, "confirm_password": {c.confirm}}, nil)
			if st != c.status || !strings.Contains(body, c.want) {
				t.Errorf("change %q->%q: %d, want %d with %q", c.old, c.new, st, c.status, c.want)
			}
		}
		if _, body := second.get("/"); !strings.Contains(body, `name="password"`) {
			t.Error("the other session survived the password change")
		}
		fresh := newBrowser(t, s.URL)
		if st, _ := fresh.login("sara", "first-password"); st != http.StatusUnauthorized {
			t.Error("old password still works")
		}
		if st, _ := fresh.login("sara", "second-password"); st != 200 {
			t.Error("new password does not work")
		}
	})
}

func TestAPIKeysPage(t *testing.T) {
	s := apptest.Start(t, testutil.SQLite(t))
	b := newBrowser(t, s.URL)
	b.login("admin", apptest.AdminPassword)
	st, body, _ := b.post("/web/apikeys", url.Values{"name": {"Zapier"}, "days": {"30"}}, nil)
	key := regexp.MustCompile(`id="new-key">([0-9a-f]{40})<`).FindStringSubmatch(body)
	if st != 200 || key == nil {
		t.Fatalf("create key: %d %s", st, body)
	}
	call := func() int {
		req, _ := http.NewRequest("POST", s.URL+"/json/2/res.users/context_get", strings.NewReader("{}"))
		req.Header.Set("Authorization", "bearer "+key[1])
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if st := call(); st != 200 {
		t.Fatalf("the new key is refused: %d", st)
	}
	if st, body, _ := b.post("/web/apikeys", url.Values{"name": {"x"}, "days": {"365"}}, nil); st != 422 || !strings.Contains(body, "between 1 and 90") {
		t.Errorf("a year-long key: %d", st)
	}
	id := regexp.MustCompile(`/web/apikeys/(\d+)/revoke`).FindStringSubmatch(body)
	if id == nil {
		t.Fatal("no revoke button")
	}
	// another user cannot revoke it
	s.CreateUser(t, "mallory", "mallory-password", "base.group_user")
	m := newBrowser(t, s.URL)
	m.login("mallory", "mallory-password")
	if st, _, _ := m.post("/web/apikeys/"+id[1]+"/revoke", nil, nil); st != http.StatusForbidden {
		t.Errorf("revoke by another user: %d; want 403", st)
	}
	if st := call(); st != 200 {
		t.Fatal("the key stopped working after a refused revoke")
	}
	b.post("/web/apikeys/"+id[1]+"/revoke", nil, nil)
	if st := call(); st != http.StatusUnauthorized {
		t.Errorf("revoked key answers %d; want 401", st)
	}
}

func TestHealthz(t *testing.T) {
	s := apptest.Start(t, testutil.SQLite(t))
	resp, err := http.Get(s.URL + "/healthz")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("healthz: %v %v", resp, err)
	}
}

func strconvI(n int64) string { return strconv.FormatInt(n, 10) }
