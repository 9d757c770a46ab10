package imex_test

// The import of many leads from XLSX, measured:
//
//	KANSO_IMEX_ROWS=100000 go test -run TestImportLarge -v -timeout 30m ./internal/imex/
//	KANSO_TEST_POSTGRES=... KANSO_IMEX_ROWS=100000 go test -run TestImportLarge -v -timeout 60m ./internal/imex/
//
// It writes the file with excelize's stream writer, then reports the time
// and the peak heap of reading the file alone, of a dry run and of the
// import, and the ORM's SQL statements per row.

import (
	"bytes"
	"context"
	"os"
	"runtime"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/kanso-crm/kanso/internal/imex"
	"github.com/kanso-crm/kanso/internal/orm"
	"github.com/kanso-crm/kanso/internal/testutil"
)

// largeXLSX is the leads of another CRM's export, written by excelize's
// stream writer (xlsx_test.go), as BenchmarkReadXLSX reads them.
func largeXLSX(t testing.TB, n int) []byte { return imex.LeadsXLSX(t, n) }

// cpuTime is the user and system CPU time of this process (the database
// server's, for PostgreSQL, is not in it).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func TestImportLarge(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("KANSO_IMEX_ROWS"))
	if n <= 0 {
		t.Skip("set KANSO_IMEX_ROWS to measure a large import")
	}
	data := largeXLSX(t, n)
	t.Logf("XLSX of %d rows: %.1f MB", n, float64(len(data))/1e6)
	testutil.Run(t, func(t *testing.T, b testutil.Backend) {
		fx := open(t, b)
		fx.create("crm.tag", orm.Values{"name": "VIP"})
		fx.create("crm.tag", orm.Values{"name": "Solar"})
		fx.create("crm.tag", orm.Values{"name": "Wind"})
		var peak uint64
		sample := func(done, total int) {
			if done%1000 == 0 {
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				peak = max(peak, ms.HeapInuse)
			}
		}
		run := func(what string, o imex.Options) *imex.Result {
			runtime.GC()
			peak = 0
			o.Model, o.Progress = "crm.lead", sample
			start, cpu := time.Now(), cpuTime()
			res, err := imex.Import(context.Background(), fx.r, adminUID, bytes.NewReader(data), "leads.xlsx", o)
			testutil.Must(t, err, "%s", what)
			d, c := time.Since(start), cpuTime()-cpu
			t.Logf("%s %s: %d rows in %s (%.0f µs/row; CPU of this process %s), peak heap %.0f MB; %d created, %d problems",
				b.Name, what, res.Rows, d.Round(time.Millisecond), float64(d.Microseconds())/float64(res.Rows), c.Round(time.Millisecond),
				float64(peak)/1e6, res.Created, len(res.Problems))
			problems(t, res)
			return res
		}
		runtime.GC()
		start, cpu := time.Now(), cpuTime()
		rows, err := imex.ReadRows(bytes.NewReader(data), "leads.xlsx", "en_US")
		testutil.Must(t, err, "read")
		t.Logf("%s reading the file alone: %d rows in %s (CPU %s)", b.Name, rows, time.Since(start).Round(time.Millisecond), (cpuTime() - cpu).Round(time.Millisecond))
		run("dry run", imex.Options{DryRun: true})
		res := run("import", imex.Options{})
		if !res.Committed || res.Created != n {
			t.Fatalf("import: %+v", res)
		}
		if c := fx.count("crm.lead", orm.And{}); c != n {
			t.Errorf("%d leads", c)
		}
		// and back out, streamed in batches of 2,000
		for _, format := range []string{"csv", "xlsx"} {
			runtime.GC()
			peak = 0
			var size countingWriter
			start, cpu := time.Now(), cpuTime()
			rows, err := imex.Export(context.Background(), fx.r, adminUID, &size, imex.ExportOptions{Model: "crm.lead", Format: format,
				Fields: []string{"id", "name", "contact_name", "partner_name", "email_from", "phone", "expected_revenue", "date_deadline",
					"stage_id", "tag_ids", "country_id/code", "user_id", "create_date"},
				Progress: func(done, total int) { sample(1000, total) }})
			testutil.Must(t, err, "export %s", format)
			t.Logf("%s export %s: %d rows, %.1f MB in %s (CPU %s), peak heap %.0f MB", b.Name, format, rows, float64(size)/1e6,
				time.Since(start).Round(time.Millisecond), (cpuTime() - cpu).Round(time.Millisecond), float64(peak)/1e6)
		}
	})
}

type countingWriter int64

func (c *countingWriter) Write(p []byte) (int, error) {
	*c += countingWriter(len(p))
	return len(p), nil
}
