// Package bench is Kanso's load generator: it runs the operations of the
// performance budget table against a running server over HTTP (pages and
// JSON-2), after a warm-up, and reports latency percentiles, throughput
// and the server's resident memory against the budgets.
package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Options configure a run.
type Options struct {
	URL         string
	Login       string // a manager (whole-team figures)
	Password    string
	SalesLogin  string // a salesperson with own documents only (optional)
	SalesPass   string
	Duration    time.Duration // per operation
	Warmup      time.Duration
	Concurrency int // for the throughput operations
	Only        []string
	Progress    func(op string)
}

// Result is one operation's figures.
type Result struct {
	Name       string  `json:"name"`
	Budget     string  `json:"budget"`
	Requests   int     `json:"requests"`
	Errors     int     `json:"errors"`
	P50        float64 `json:"p50_ms"`
	P95        float64 `json:"p95_ms"`
	P99        float64 `json:"p99_ms"`
	Throughput float64 `json:"requests_per_second"`
	OK         bool    `json:"within_budget"`
	Note       string  `json:"note,omitempty"`
}

// Report is a whole run.
type Report struct {
	URL       string   `json:"url"`
	Started   string   `json:"started"`
	Results   []Result `json:"results"`
	RSSBytes  float64  `json:"server_resident_bytes"`
	RSSBudget float64  `json:"server_resident_budget_bytes"`
	OK        bool     `json:"within_budgets"`
}

type client struct {
	base  string
	http  *http.Client
	key   string
	keyID int64
}

func newClient(base string) *client {
	jar, _ := cookiejar.New(nil)
	tr := &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256, IdleConnTimeout: time.Minute}
	return &client{base: strings.TrimRight(base, "/"), http: &http.Client{Jar: jar, Transport: tr, Timeout: 60 * time.Second}}
}

func (c *client) login(login, password string) error {
	resp, err := c.http.PostForm(c.base+"/web/login", url.Values{"login": {login}, "password": {password}})
	if err != nil {
		return err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(resp.Request.URL.Path, "/crm/") {
		return fmt.Errorf("login as %s failed (HTTP %d)", login, resp.StatusCode)
	}
	return nil
}

var (
	keyRE    = regexp.MustCompile(`id="new-key">([0-9a-f]{40})<`)
	revokeRE = regexp.MustCompile(`/web/apikeys/([0-9]+)/revoke`)
	alertRE  = regexp.MustCompile(`role="alert"[^>]*>([^<]+)<`)
)

// apiKey creates a key for the logged-in user through the page; the newest
// key's id is kept so that revokeKey can remove it when the run ends (a user
// has a limited number of keys).
func (c *client) apiKey() error {
	resp, err := c.http.PostForm(c.base+"/web/apikeys", url.Values{"name": {"kanso bench " + time.Now().Format(time.RFC3339)}, "days": {"1"}})
	if err != nil {
		return err
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := keyRE.FindSubmatch(b)
	if m == nil {
		if a := alertRE.FindSubmatch(b); a != nil {
			return fmt.Errorf("could not create an API key (HTTP %d): %s", resp.StatusCode, html.UnescapeString(strings.TrimSpace(string(a[1]))))
		}
		return fmt.Errorf("could not create an API key (HTTP %d)", resp.StatusCode)
	}
	c.key = string(m[1])
	for _, r := range revokeRE.FindAllSubmatch(b, -1) {
		if id, err := strconv.ParseInt(string(r[1]), 10, 64); err == nil && id > c.keyID {
			c.keyID = id
		}
	}
	return nil
}

// revokeKey revokes the key apiKey created.
func (c *client) revokeKey() error {
	if c.keyID == 0 {
		return nil
	}
	resp, err := c.http.PostForm(fmt.Sprintf("%s/web/apikeys/%d/revoke", c.base, c.keyID), url.Values{})
	if err != nil {
		return err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		return fmt.Errorf("could not revoke the bench's API key %d (HTTP %d)", c.keyID, resp.StatusCode)
	}
	return nil
}

func (c *client) get(path string, accept string) error {
	req, _ := http.NewRequest("GET", c.base+path, nil)
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		return fmt.Errorf("GET %s: HTTP %d", path, resp.StatusCode)
	}
	return err
}

func (c *client) call(model, method string, body map[string]any, out any) error {
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest("POST", c.base+"/json/2/"+model+"/"+method, bytes.NewReader(b))
	req.Header.Set("Authorization", "bearer "+c.key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		b, _ := io.ReadAll(resp.Body)
		return fmt.Errorf("%s/%s: HTTP %d %s", model, method, resp.StatusCode, b)
	}
	if out == nil {
		_, err = io.Copy(io.Discard, resp.Body)
		return err
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

// op is one operation of the budget table.
type op struct {
	name   string
	budget time.Duration // p95; 0 for throughput operations
	rps    float64       // required requests/s
	client *client
	conc   int
	do     func(c *client, i int) error
	note   string
}

func percentile(sorted []time.Duration, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted)-1) * p)
	return float64(sorted[i].Microseconds()) / 1000
}

func (o *op) run(ctx context.Context, warmup, dur time.Duration) Result {
	conc := o.conc
	if conc < 1 {
		conc = 1
	}
	// warm up the caches of the server and the database
	wctx, wcancel := context.WithTimeout(ctx, warmup)
	for i := 0; wctx.Err() == nil; i++ {
		if o.do(o.client, i) != nil {
			break
		}
	}
	wcancel()
	var mu sync.Mutex
	var lat []time.Duration
	errs := 0
	var firstErr error
	start := time.Now()
	rctx, cancel := context.WithTimeout(ctx, dur)
	defer cancel()
	var wg sync.WaitGroup
	for w := 0; w < conc; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			var local []time.Duration
			lerr := 0
			var lfirst error
			for i := w; rctx.Err() == nil; i += conc {
				t := time.Now()
				err := o.do(o.client, i)
				if err != nil {
					lerr++
					if lfirst == nil {
						lfirst = err
					}
					continue
				}
				local = append(local, time.Since(t))
			}
			mu.Lock()
			lat = append(lat, local...)
			errs += lerr
			if firstErr == nil {
				firstErr = lfirst
			}
			mu.Unlock()
		}(w)
	}
	wg.Wait()
	elapsed := time.Since(start)
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	r := Result{Name: o.name, Requests: len(lat), Errors: errs, P50: percentile(lat, .5), P95: percentile(lat, .95), P99: percentile(lat, .99),
		Throughput: float64(len(lat)) / elapsed.Seconds(), Note: o.note}
	switch {
	case o.rps > 0:
		r.Budget = fmt.Sprintf("≥ %.0f req/s", o.rps)
		r.OK = r.Throughput >= o.rps && errs == 0
	default:
		r.Budget = fmt.Sprintf("p95 ≤ %d ms", o.budget.Milliseconds())
		r.OK = r.P95 <= float64(o.budget.Microseconds())/1000 && errs == 0 && len(lat) > 0
	}
	if firstErr != nil {
		r.Note = strings.TrimSpace(r.Note + " first error: " + firstErr.Error())
	}
	return r
}

// Run logs in, discovers the data set and measures every operation.
func Run(ctx context.Context, o Options) (*Report, error) {
	if o.Duration <= 0 {
		o.Duration = 10 * time.Second
	}
	if o.Warmup <= 0 {
		o.Warmup = 2 * time.Second
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 8
	}
	mgr := newClient(o.URL)
	if err := mgr.login(o.Login, o.Password); err != nil {
		return nil, err
	}
	if err := mgr.apiKey(); err != nil {
		return nil, err
	}
	defer mgr.revokeKey()
	// the data: the largest team, some leads, a search word
	var teams []map[string]any
	var groups []map[string]any
	if err := mgr.call("crm.lead", "formatted_read_group", map[string]any{"groupby": []string{"team_id"}, "aggregates": []string{"__count"},
		"order": "__count desc", "limit": 1}, &groups); err != nil {
		return nil, err
	}
	team := int64(0)
	if len(groups) > 0 {
		if t, ok := groups[0]["team_id"].([]any); ok {
			team = int64(t[0].(float64))
		}
	}
	if err := mgr.call("crm.team", "search_read", map[string]any{"domain": []any{}, "fields": []string{"name"}}, &teams); err != nil {
		return nil, err
	}
	var leads []map[string]any
	if err := mgr.call("crm.lead", "search_read", map[string]any{"domain": []any{[]any{"type", "=", "opportunity"}}, "fields": []string{"name"},
		"limit": 200, "order": "id desc"}, &leads); err != nil {
		return nil, err
	}
	if len(leads) == 0 {
		return nil, fmt.Errorf("the database has no opportunities; fill it with kanso demo --leads N")
	}
	words := []string{}
	for _, l := range leads {
		if f := strings.Fields(fmt.Sprint(l["name"])); len(f) > 0 && len(f[0]) >= 3 {
			words = append(words, strings.ToLower(f[0][:3]))
		}
	}
	if len(words) == 0 {
		words = []string{"a"}
	}
	ts := strconv.FormatInt(team, 10)
	dashboards := []string{"general", "missed-sales", "actual-vs-target", "sales-cycle", "win-loss", "revenue", "activities"}
	ops := []*op{
		{name: "pipeline kanban of the whole team", budget: 100 * time.Millisecond, client: mgr,
			do: func(c *client, i int) error { return c.get("/crm/pipeline?search=none&team="+ts, "") }},
		{name: "list page: 80 rows, filtered, sorted, with total", budget: 30 * time.Millisecond, client: mgr,
			do: func(c *client, i int) error { return c.get("/list/opportunities?f=open&order=create_date+desc", "") }},
		{name: "record form with its timeline", budget: 20 * time.Millisecond, client: mgr,
			do: func(c *client, i int) error {
				return c.get(fmt.Sprintf("/crm/lead/%d", int64(leads[i%len(leads)]["id"].(float64))), "")
			}},
		{name: "search-as-you-type (name_search)", budget: 50 * time.Millisecond, client: mgr,
			do: func(c *client, i int) error {
				return c.call("crm.lead", "name_search", map[string]any{"name": words[i%len(words)], "limit": 8}, nil)
			}},
		// a text no lead holds: without a text index it reads every lead
		// (a million: 1.3-2.2 s), so what people type alone would hide it
		{name: "search-as-you-type, a text no lead holds", budget: 50 * time.Millisecond, client: mgr,
			do: func(c *client, i int) error {
				return c.call("crm.lead", "name_search", map[string]any{"name": fmt.Sprintf("zq%dxj", i%100), "limit": 8}, nil)
			}},
		{name: "pivot: stage x month, sum of expected revenue, all leads", budget: 300 * time.Millisecond, client: mgr,
			do: func(c *client, i int) error {
				return c.call("crm.lead", "formatted_read_group", map[string]any{"domain": []any{}, "groupby": []string{"stage_id", "create_date:month"},
					"aggregates": []string{"expected_revenue:sum", "__count"}, "context": map[string]any{"active_test": false}}, nil)
			}},
	}
	for _, d := range dashboards {
		d := d
		ops = append(ops, &op{name: "dashboard " + d, budget: 100 * time.Millisecond, client: mgr,
			do: func(c *client, i int) error { return c.get("/dashboards/"+d, "application/json") }})
	}
	ops = append(ops, &op{name: "JSON-2 search_read, 80 records", rps: 3000, client: mgr, conc: o.Concurrency,
		do: func(c *client, i int) error {
			return c.call("crm.lead", "search_read", map[string]any{"domain": []any{[]any{"type", "=", "opportunity"}},
				"fields": []string{"name", "partner_id", "user_id", "stage_id", "expected_revenue", "probability"}, "limit": 80, "offset": (i % 50) * 80}, nil)
		}})
	if o.SalesLogin != "" {
		sales := newClient(o.URL)
		if err := sales.login(o.SalesLogin, o.SalesPass); err != nil {
			return nil, err
		}
		ops = append([]*op{{name: "pipeline kanban of a salesperson", budget: 30 * time.Millisecond, client: sales,
			do: func(c *client, i int) error { return c.get("/crm/pipeline?team="+ts, "") }}}, ops...)
	}
	rep := &Report{URL: o.URL, Started: time.Now().UTC().Format(time.RFC3339), RSSBudget: 200 << 20, OK: true}
	for _, x := range ops {
		if len(o.Only) > 0 && !matches(o.Only, x.name) {
			continue
		}
		if o.Progress != nil {
			o.Progress(x.name)
		}
		r := x.run(ctx, o.Warmup, o.Duration)
		rep.Results = append(rep.Results, r)
		rep.OK = rep.OK && r.OK
	}
	rss, err := serverRSS(mgr)
	if err == nil {
		rep.RSSBytes = rss
		rep.OK = rep.OK && rss <= rep.RSSBudget
	}
	return rep, nil
}

func matches(only []string, name string) bool {
	for _, s := range only {
		if strings.Contains(name, s) {
			return true
		}
	}
	return false
}

var rssRE = regexp.MustCompile(`(?m)^process_resident_memory_bytes ([0-9.e+]+)$`)

// serverRSS reads the server's resident memory from its /metrics.
func serverRSS(c *client) (float64, error) {
	resp, err := c.http.Get(c.base + "/metrics")
	if err != nil {
		return 0, err
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := rssRE.FindSubmatch(b)
	if m == nil {
		return 0, fmt.Errorf("no process_resident_memory_bytes in /metrics")
	}
	return strconv.ParseFloat(string(m[1]), 64)
}

// Text renders a report as a table.
func (r *Report) Text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-58s %8s %8s %8s %9s %7s  %-16s %s\n", "operation", "p50 ms", "p95 ms", "p99 ms", "req/s", "errors", "budget", "")
	for _, x := range r.Results {
		mark := "ok"
		if !x.OK {
			mark = "MISSED"
		}
		fmt.Fprintf(&b, "%-58s %8.1f %8.1f %8.1f %9.0f %7d  %-16s %s\n", x.Name, x.P50, x.P95, x.P99, x.Throughput, x.Errors, x.Budget, mark)
		if x.Note != "" {
			fmt.Fprintf(&b, "    %s\n", x.Note)
		}
	}
	if r.RSSBytes > 0 {
		mark := "ok"
		if r.RSSBytes > r.RSSBudget {
			mark = "MISSED"
		}
		fmt.Fprintf(&b, "%-58s %8.0f MB (budget %.0f MB) %s\n", "server resident memory", r.RSSBytes/(1<<20), r.RSSBudget/(1<<20), mark)
	}
	return b.String()
}
