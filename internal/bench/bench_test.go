package bench_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/kanso-crm/kanso/internal/apptest"
	"github.com/kanso-crm/kanso/internal/bench"
	"github.com/kanso-crm/kanso/internal/demo"
	"github.com/kanso-crm/kanso/internal/testutil"
)

// TestRunMeasuresEveryOperation: against a running Kanso with demo data,
// the load generator runs every operation of the budget table, for a
// manager and an own-documents salesperson, without errors, and reports
// percentiles, throughput and the server's memory. Budgets are not judged
// here (a small data set on a shared machine); kanso bench does that.
func TestRunMeasuresEveryOperation(t *testing.T) {
	s := apptest.Start(t, testutil.SQLite(t))
	_, err := demo.Generate(context.Background(), s.App.Runner, demo.Options{Leads: 400, Seed: 5})
	testutil.Must(t, err, "demo data")
	var progress []string
	rep, err := bench.Run(context.Background(), bench.Options{URL: s.URL, Login: "james", Password: demo.Password,
		SalesLogin: "maria", SalesPass: demo.Password, Duration: 60 * time.Millisecond, Warmup: 10 * time.Millisecond,
		Concurrency: 2, Progress: func(op string) { progress = append(progress, op) }})
	testutil.Must(t, err, "bench")
	want := []string{"pipeline kanban of a salesperson", "pipeline kanban of the whole team", "list page", "record form",
		"search-as-you-type (name_search)", "search-as-you-type, a text no lead holds", "pivot", "dashboard general",
		"dashboard missed-sales", "dashboard actual-vs-target", "dashboard sales-cycle", "dashboard win-loss",
		"dashboard revenue", "dashboard activities", "JSON-2 search_read"}
	if len(rep.Results) != len(want) || len(progress) != len(want) {
		t.Fatalf("%d results, %d announced, want %d", len(rep.Results), len(progress), len(want))
	}
	for i, r := range rep.Results {
		if !strings.HasPrefix(r.Name, want[i]) {
			t.Errorf("operation %d is %q, want %q", i, r.Name, want[i])
		}
		if r.Requests == 0 || r.Errors != 0 || r.P50 <= 0 || r.P95 < r.P50 || r.P99 < r.P95 || r.Throughput <= 0 || r.Budget == "" {
			t.Errorf("%s: %+v", r.Name, r)
		}
	}
	if rep.RSSBytes <= 0 || rep.RSSBudget != 200<<20 {
		t.Errorf("memory: %v of %v", rep.RSSBytes, rep.RSSBudget)
	}

	// --only keeps the operations whose names contain one of its parts
	rep, err = bench.Run(context.Background(), bench.Options{URL: s.URL, Login: "james", Password: demo.Password,
		Duration: 30 * time.Millisecond, Only: []string{"no lead holds"}})
	testutil.Must(t, err, "bench --only")
	if len(rep.Results) != 1 || rep.Results[0].Name != "search-as-you-type, a text no lead holds" || rep.Results[0].Errors != 0 {
		t.Errorf("only: %+v", rep.Results)
	}
}
