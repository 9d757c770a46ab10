// Package multinode checks that two Kanso processes on one PostgreSQL
// database behave as one: a login on one is valid on the other, a change
// committed on one reaches the pages open on the other, and periodic jobs
// run once.
package multinode

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"

	"github.com/kanso-crm/kanso/internal/apptest"
	"github.com/kanso-crm/kanso/internal/base"
	"github.com/kanso-crm/kanso/internal/orm"
	"github.com/kanso-crm/kanso/internal/testutil"
)

func TestTwoNodesBehaveAsOne(t *testing.T) {
	be := testutil.Postgres(t) // skips without KANSO_TEST_POSTGRES
	n1 := apptest.Start(t, be)
	n2 := apptest.Start(t, be)
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	// log in on node 1
	resp, err := c.PostForm(n1.URL+"/web/login", url.Values{"login": {"admin"}, "password": {apptest.AdminPassword}})
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("login on node 1: %v %v", resp, err)
	}
	resp.Body.Close()
	u1, _ := url.Parse(n1.URL)
	u2, _ := url.Parse(n2.URL)
	jar.SetCookies(u2, jar.Cookies(u1))
	// the session is valid on node 2
	resp, err = c.Get(n2.URL + "/crm/pipeline")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), `id="board"`) {
		t.Fatal("the session of node 1 is not valid on node 2")
	}
	// a page open on node 2 hears of a change committed on node 1
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", n2.URL+"/events", nil)
	stream, err := c.Do(req)
	if err != nil || stream.StatusCode != 200 {
		t.Fatalf("events on node 2: %v %v", stream, err)
	}
	defer stream.Body.Close()
	buf := make([]byte, 512)
	n, _ := stream.Body.Read(buf)
	if !strings.Contains(string(buf[:n]), "connected") {
		t.Fatalf("stream start: %q", buf[:n])
	}
	n1.Sudo(t, func(env *orm.Env) error {
		_, err := env.WithUser(2).Create(env.Reg.Model("crm.lead"), []orm.Values{{"name": "Made on node 1"}})
		return err
	})
	got := ""
	for !strings.Contains(got, "crm.lead") {
		n, err := stream.Body.Read(buf)
		if err != nil {
			t.Fatalf("node 2 never heard of the change: %v (got %q)", err, got)
		}
		got += string(buf[:n])
	}
	// a periodic job runs on one node only
	n1.Sudo(t, func(env *orm.Env) error { return base.SetParam(env, "crm.lead.auto.assignment", "1") })
	ran1, _ := n1.App.RunDueJobs(context.Background())
	ran2, _ := n2.App.RunDueJobs(context.Background())
	// (the assignment, and the compaction of the rollups): each once
	times := map[string]int{}
	for _, j := range append(ran1, ran2...) {
		times[j]++
	}
	if times["crm.assign_leads"] != 1 || times["orm.compact_rollups"] != 1 || len(times) != 2 {
		t.Errorf("the periodic jobs ran %v on node 1 and %v on node 2; want each once", ran1, ran2)
	}
}

// /metrics speaks the Prometheus text format with request latencies by
// route and the database pools.
func TestMetrics(t *testing.T) {
	s := apptest.Start(t, testutil.SQLite(t))
	http.Get(s.URL + "/healthz")
	resp, err := http.Get(s.URL + "/metrics")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("metrics: %v %v", resp, err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{`http_request_duration_seconds_bucket{code="200",method="GET",route="GET /healthz"`, "kanso_db_connections_open{pool=\"write\"}",
		"# TYPE http_request_duration_seconds histogram", "process_resident_memory_bytes"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("metrics lack %q", want)
		}
	}
}
