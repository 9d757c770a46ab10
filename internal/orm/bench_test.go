package orm_test

// Benchmarks of the ORM's hot paths on 100,000 res.partner rows.
//
//	go test -run '^$' -bench . -benchtime 2s ./internal/orm/
//	KANSO_TEST_POSTGRES='postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable' \
//	    go test -run '^$' -bench . -benchtime 2s ./internal/orm/
//
// The data set is loaded once per backend and per test process (see
// benchFixture) and shared by every benchmark; each benchmark runs one
// read transaction per operation as the admin user (id 2, not the
// superuser), so access rights are loaded and applied as in a real
// request. Every benchmark reports queries/op (the SQL statements the
// environment ran, the user and access-right look-ups included).
//
// KANSO_BENCH_PARTNERS overrides the number of partners (default
// 100,000); KANSO_BENCH_SQLITE_ANALYZE=1 runs ANALYZE on the SQLite file
// after the load (Kanso itself never does, so the default leaves the
// planner without statistics, as in production).

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kanso-crm/kanso/internal/app"
	"github.com/kanso-crm/kanso/internal/base"
	"github.com/kanso-crm/kanso/internal/db"
	"github.com/kanso-crm/kanso/internal/orm"
	"github.com/kanso-crm/kanso/internal/testutil"
)

// adminUID is the administrator: a normal user for access checks.
const adminUID int64 = 2

// TestMain releases the shared benchmark databases once every benchmark
// of the process has run.
func TestMain(m *testing.M) {
	code := m.Run()
	closeBenchFixtures()
	os.Exit(code)
}

// ---------------------------------------------------------------------
// The data set.

// partnerDataset describes the generated partners. The generator is
// deterministic for a given Seed, so figures are comparable between runs
// and backends.
type partnerDataset struct {
	Partners    int     // rows to insert
	CompanyRate float64 // share of companies (the others are persons)
	ActiveRate  float64 // share of active rows
	NoUserRate  float64 // share of rows without a salesperson
	Users       int     // salespeople created (through the ORM)
	Months      int     // create_date spread
	End         time.Time
	Seed        uint64
}

func defaultPartnerDataset() partnerDataset {
	n := 100_000
	if s := os.Getenv("KANSO_BENCH_PARTNERS"); s != "" {
		if v, err := strconv.Atoi(s); err == nil && v > 0 {
			n = v
		}
	}
	return partnerDataset{Partners: n, CompanyRate: 0.10, ActiveRate: 0.95, NoUserRate: 0.15, Users: 5, Months: 18,
		End: time.Date(2025, 12, 31, 18, 0, 0, 0, time.UTC), Seed: 20250101}
}

// countryMix is the country distribution: code, weight, cities.
var countryMix = []struct {
	code   string
	weight int
	cities []string
}{
	{"RO", 25, []string{"București", "Cluj-Napoca", "Iași", "Timișoara", "Constanța", "Brașov"}},
	{"ID", 20, []string{"Jakarta", "Surabaya", "Bandung", "Medan", "Semarang", "Denpasar"}},
	{"US", 15, []string{"New York", "Chicago", "Austin", "Seattle", "Boston", "Denver"}},
	{"FR", 10, []string{"Paris", "Lyon", "Marseille", "Toulouse", "Lille", "Nantes"}},
	{"DE", 10, []string{"Berlin", "Hamburg", "München", "Köln", "Frankfurt am Main", "Leipzig"}},
	{"BE", 7, []string{"Bruxelles", "Antwerpen", "Gent", "Liège", "Namur", "Leuven"}},
	{"GB", 5, []string{"London", "Manchester", "Bristol", "Leeds", "Glasgow", "Cardiff"}},
	{"NL", 4, []string{"Amsterdam", "Rotterdam", "Utrecht", "Eindhoven", "Den Haag", "Groningen"}},
	{"", 4, []string{"", "", "", "", "", ""}}, // no address
}

var (
	firstNames = []string{"Maria", "Ion", "Andrei", "Elena", "Alexandru", "Ioana", "Mihai", "Ana", "Budi", "Siti",
		"Dewi", "Agus", "Putri", "Rizky", "James", "Mary", "John", "Patricia", "Robert", "Jennifer", "Michael",
		"Linda", "Marie", "Jean", "Pierre", "Sophie", "Nicolas", "Camille", "Thomas", "Anna", "Lukas", "Laura",
		"Jonas", "Lea", "Pieter", "Emma", "Noah", "Olivia", "Oliver", "Amelia", "George", "Isla", "Daan", "Sanne",
		"Marco", "Giulia", "Omar", "Fatima", "Hiro", "Yuki", "Carlos", "Lucía", "Tamara", "Victor", "Irina",
		"Stefan", "Bogdan", "Cristina", "Wayan", "Made"}
	lastNames = []string{"Popescu", "Ionescu", "Popa", "Dumitru", "Stan", "Stoica", "Gheorghe", "Matei", "Santoso",
		"Wijaya", "Hidayat", "Saputra", "Kusuma", "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia",
		"Miller", "Davis", "Martin", "Bernard", "Dubois", "Durand", "Lefebvre", "Moreau", "Müller", "Schmidt",
		"Schneider", "Fischer", "Weber", "Peeters", "Janssens", "Maes", "Jacobs", "Taylor", "Wilson", "Evans",
		"de Jong", "Jansen", "de Vries", "van Dijk", "Bakker", "Rossi", "Russo", "Ferrari", "Tanaka", "Suzuki",
		"Rodríguez", "López", "Marin", "Moldovan", "Nistor", "Pratama", "Nugroho", "Lambert", "Fontaine",
		"Wagner", "Hoffmann"}
	companyHeads = []string{"Nord", "Sud", "Atlas", "Orion", "Delta", "Kappa", "Vega", "Zenit", "Aurora", "Borealis",
		"Carpatica", "Danubia", "Nusantara", "Garuda", "Sakura", "Alpine", "Coastal", "Summit", "Pioneer", "Harbor",
		"Granite", "Silver", "Crimson", "Emerald", "Cobalt", "Saffron", "Meridian", "Horizon", "Keystone", "Lumen"}
	companyTrades = []string{"Logistics", "Software", "Foods", "Textiles", "Consulting", "Energy", "Pharma",
		"Construction", "Media", "Robotics", "Furniture", "Agro", "Motors", "Analytics", "Travel", "Plastics",
		"Metals", "Print", "Telecom", "Security"}
	companyForms = []string{"SRL", "SA", "PT", "CV", "Inc.", "LLC", "SAS", "GmbH", "BV", "NV", "Ltd"}
)

// loadedPartners tells what a load created, for the benchmarks' domains.
type loadedPartners struct {
	FirstID, LastID int64
	Companies       int
	Active          int
	UserIDs         []int64
	CountryIDs      map[string]int64
	Took            time.Duration
}

// loadPartners creates the salespeople through the ORM and then inserts
// the partners directly, in batches of multi-row INSERTs inside one
// transaction as the superuser. Because it bypasses the ORM it fills the
// stored computed fields itself: complete_name ("Company, Person"),
// commercial_partner_id (the company, or the partner itself) and
// email_normalized.
func loadPartners(ctx context.Context, a *app.App, ds partnerDataset) (*loadedPartners, error) {
	start := time.Now()
	out := &loadedPartners{CountryIDs: map[string]int64{}}
	err := a.Runner.Run(ctx, orm.SuperuserID, nil, true, func(env *orm.Env) error {
		d := env.Dialect
		for _, c := range countryMix {
			if c.code == "" {
				continue
			}
			var id int64
			if err := env.QueryRow("SELECT id FROM res_country WHERE code = ?", c.code).Scan(&id); err != nil {
				return fmt.Errorf("country %s: %w", c.code, err)
			}
			out.CountryIDs[c.code] = id
		}
		salesman, err := base.XID(env, base.GroupSaleSalesman)
		if err != nil {
			return err
		}
		users := env.Reg.Model("res.users")
		for i := 0; i < ds.Users; i++ {
			ids, err := env.Create(users, []orm.Values{{"name": fmt.Sprintf("Salesperson %d", i+1),
				"login": fmt.Sprintf("sales%d@example.com", i+1), "email": fmt.Sprintf("sales%d@example.com", i+1),
				"group_ids": []any{[]any{int64(6), int64(0), []any{salesman}}}}})
			if err != nil {
				return fmt.Errorf("salesperson %d: %w", i+1, err)
			}
			out.UserIDs = append(out.UserIDs, ids[0])
		}
		var maxID int64
		if err := env.QueryRow("SELECT COALESCE(MAX(id), 0) FROM res_partner").Scan(&maxID); err != nil {
			return err
		}
		out.FirstID, out.LastID = maxID+1, maxID+int64(ds.Partners)

		rng := rand.New(rand.NewPCG(ds.Seed, ds.Seed^0x9e3779b97f4a7c15))
		totalWeight := 0
		for _, c := range countryMix {
			totalWeight += c.weight
		}
		from := ds.End.AddDate(0, -ds.Months, 0)
		span := ds.End.Sub(from)
		type company struct {
			id            int64
			name, domain  string
			country, city int
		}
		var companies []company
		cols := []string{"id", "name", "complete_name", "is_company", "type", "parent_id", "commercial_partner_id",
			"email", "email_normalized", "city", "country_id", "user_id", "lang", "active",
			"create_uid", "create_date", "write_uid", "write_date"}
		const batch = 500
		row := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ") + ")"
		head := "INSERT INTO res_partner (" + strings.Join(cols, ", ") + ") VALUES "
		args := make([]any, 0, batch*len(cols))
		n := 0
		flush := func() error {
			if n == 0 {
				return nil
			}
			q := head + strings.TrimSuffix(strings.Repeat(row+", ", n), ", ")
			if _, err := env.Exec(q, args...); err != nil {
				return err
			}
			args, n = args[:0], 0
			return nil
		}
		pickCountry := func() int {
			w := rng.IntN(totalWeight)
			for i, c := range countryMix {
				if w < c.weight {
					return i
				}
				w -= c.weight
			}
			return len(countryMix) - 1
		}
		for i := 0; i < ds.Partners; i++ {
			id := out.FirstID + int64(i)
			// ids grow with time, as they would with real creations
			created := from.Add(time.Duration(float64(span) * (float64(i) + rng.Float64()) / float64(ds.Partners))).Truncate(time.Second)
			var userID any
			if rng.Float64() >= ds.NoUserRate {
				userID = out.UserIDs[rng.IntN(len(out.UserIDs))]
			}
			active := rng.Float64() < ds.ActiveRate
			if active {
				out.Active++
			}
			isCompany := i == 0 || rng.Float64() < ds.CompanyRate
			var name, complete, email string
			var parent, commercial any
			var ci, city int
			if isCompany {
				name = companyHeads[rng.IntN(len(companyHeads))] + " " + companyTrades[rng.IntN(len(companyTrades))] + " " +
					companyForms[rng.IntN(len(companyForms))]
				slug := strings.ToLower(strings.NewReplacer(" ", "-", ".", "").Replace(name))
				dom := slug + "-" + strconv.FormatInt(id, 36) + ".example"
				email = "info@" + dom
				complete = name
				commercial = id
				ci, city = pickCountry(), rng.IntN(6)
				companies = append(companies, company{id: id, name: name, domain: dom, country: ci, city: city})
				out.Companies++
			} else {
				first, last := firstNames[rng.IntN(len(firstNames))], lastNames[rng.IntN(len(lastNames))]
				name = first + " " + last
				// mostly a company created shortly before, sometimes an older one
				var co company
				if rng.IntN(4) == 0 {
					co = companies[rng.IntN(len(companies))]
				} else {
					co = companies[max(0, len(companies)-1-rng.IntN(min(len(companies), 20)))]
				}
				email = strings.ReplaceAll(first+"."+last, " ", "") + "@" + co.domain
				complete = co.name + ", " + name
				parent, commercial = co.id, co.id
				ci, city = co.country, co.city
				if rng.IntN(5) == 0 { // a contact elsewhere than the head office
					ci, city = pickCountry(), rng.IntN(6)
				}
			}
			var countryID, cityName any
			if c := countryMix[ci]; c.code != "" {
				countryID, cityName = out.CountryIDs[c.code], c.cities[city]
			}
			t := d.TimeParam(created)
			args = append(args, id, name, complete, d.BoolParam(isCompany), "contact", parent, commercial,
				email, strings.ToLower(email), cityName, countryID, userID, "en_US", d.BoolParam(active),
				orm.SuperuserID, t, orm.SuperuserID, t)
			n++
			if n == batch {
				if err := flush(); err != nil {
					return err
				}
			}
		}
		if err := flush(); err != nil {
			return err
		}
		if d == db.Postgres {
			if _, err := env.Exec("SELECT setval(pg_get_serial_sequence('res_partner', 'id'), (SELECT MAX(id) FROM res_partner))"); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	// What a live database would have: PostgreSQL's autovacuum analyses
	// and vacuums a freshly loaded table within a minute; SQLite folds the
	// WAL back into the file at the next checkpoints.
	switch a.DB.Dialect {
	case db.Postgres:
		if _, err := a.DB.Write.ExecContext(ctx, "VACUUM ANALYZE res_partner"); err != nil {
			return nil, fmt.Errorf("vacuum: %w", err)
		}
	default:
		if os.Getenv("KANSO_BENCH_SQLITE_ANALYZE") == "1" {
			if _, err := a.DB.Write.ExecContext(ctx, "ANALYZE"); err != nil {
				return nil, fmt.Errorf("analyze: %w", err)
			}
		}
		if _, err := a.DB.Write.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
			return nil, fmt.Errorf("checkpoint: %w", err)
		}
	}
	out.Took = time.Since(start)
	return out, nil
}

// ---------------------------------------------------------------------
// One loaded database per backend and per process.

type benchFixture struct {
	backend string
	app     *app.App
	data    *loadedPartners
	partner *orm.Model
	setup   time.Duration
	owner   *fixtureTB
}

var benchFixtures = struct {
	sync.Mutex
	byName map[string]*benchFixture
	errs   map[string]error
}{byName: map[string]*benchFixture{}, errs: map[string]error{}}

// fixtureTB owns what testutil creates for a shared fixture (the SQLite
// temporary directory, the PostgreSQL database) for the whole process:
// a benchmark's own *testing.B runs its clean-ups after every round of
// iterations, which would drop the data between rounds. Only the
// methods testutil calls are implemented; Fatalf and Skip panic with a
// fixtureFailure that getFixture turns into an error.
type fixtureTB struct {
	testing.TB // nil: any other method panics
	name       string
	mu         sync.Mutex
	cleanups   []func()
}

type fixtureFailure struct{ msg string }

func (t *fixtureTB) Helper()                    {}
func (t *fixtureTB) Name() string               { return t.name }
func (t *fixtureTB) Log(args ...any)            { fmt.Fprintln(os.Stderr, args...) }
func (t *fixtureTB) Logf(f string, args ...any) { fmt.Fprintf(os.Stderr, f+"\n", args...) }
func (t *fixtureTB) Fatalf(f string, args ...any) {
	panic(fixtureFailure{fmt.Sprintf(f, args...)})
}
func (t *fixtureTB) Skip(args ...any) { panic(fixtureFailure{fmt.Sprint(args...)}) }
func (t *fixtureTB) Cleanup(f func()) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.cleanups = append(t.cleanups, f)
}
func (t *fixtureTB) TempDir() string {
	dir, err := os.MkdirTemp("", "kanso-bench-")
	if err != nil {
		t.Fatalf("TempDir: %v", err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

func (t *fixtureTB) close() {
	t.mu.Lock()
	fs := t.cleanups
	t.cleanups = nil
	t.mu.Unlock()
	for i := len(fs) - 1; i >= 0; i-- {
		fs[i]()
	}
}

// benchBackends are the backends to benchmark: SQLite always, PostgreSQL
// when KANSO_TEST_POSTGRES is set.
func benchBackends() []string {
	if os.Getenv("KANSO_TEST_POSTGRES") != "" {
		return []string{"sqlite", "postgres"}
	}
	return []string{"sqlite"}
}

// getFixture returns the loaded database of a backend, building it on
// first use.
func getFixture(b *testing.B, backend string) *benchFixture {
	b.Helper()
	benchFixtures.Lock()
	defer benchFixtures.Unlock()
	if fx := benchFixtures.byName[backend]; fx != nil {
		return fx
	}
	if err := benchFixtures.errs[backend]; err != nil {
		b.Fatalf("benchmark data on %s: %v", backend, err)
	}
	fx, err := buildFixture(backend)
	if err != nil {
		benchFixtures.errs[backend] = err
		b.Fatalf("benchmark data on %s: %v", backend, err)
	}
	b.Logf("%s: %d partners (%d companies, %d active) loaded in %s, set-up %s", backend,
		fx.data.LastID-fx.data.FirstID+1, fx.data.Companies, fx.data.Active, fx.data.Took.Round(time.Millisecond),
		fx.setup.Round(time.Millisecond))
	benchFixtures.byName[backend] = fx
	return fx
}

func buildFixture(backend string) (fx *benchFixture, err error) {
	start := time.Now()
	owner := &fixtureTB{name: "BenchmarkFixture_" + backend}
	defer func() {
		if r := recover(); r != nil {
			f, ok := r.(fixtureFailure)
			if !ok {
				panic(r)
			}
			err = fmt.Errorf("%s", f.msg)
		}
		if err != nil {
			owner.close()
		}
	}()
	var be testutil.Backend
	if backend == "postgres" {
		be = testutil.Postgres(owner)
	} else {
		be = testutil.SQLite(owner)
	}
	ctx := context.Background()
	a, err := app.Open(ctx, app.Config{DB: be.URL, AdminPassword: "benchmark-pw", Log: testutil.Logger(owner)})
	if err != nil {
		return nil, err
	}
	// the database is dropped by the owner's clean-ups: close it first
	owner.Cleanup(func() { a.Close() })
	data, err := loadPartners(ctx, a, defaultPartnerDataset())
	if err != nil {
		return nil, err
	}
	return &benchFixture{backend: backend, app: a, data: data, partner: a.Reg.Model("res.partner"),
		setup: time.Since(start), owner: owner}, nil
}

func closeBenchFixtures() {
	benchFixtures.Lock()
	defer benchFixtures.Unlock()
	for name, fx := range benchFixtures.byName {
		fx.owner.close()
		delete(benchFixtures.byName, name)
	}
}

// ---------------------------------------------------------------------
// Measuring.

// measure runs op once per iteration in its own read transaction as the
// admin user and reports the SQL statements per operation. check, when
// set, validates the first result.
func measure(b *testing.B, fx *benchFixture, op func(env *orm.Env) (int, error), check func(n int) error) {
	b.Helper()
	ctx := context.Background()
	queries, first := 0, true
	b.ReportAllocs()
	for b.Loop() {
		err := fx.app.Runner.Run(ctx, adminUID, nil, false, func(env *orm.Env) error {
			n, err := op(env)
			if err != nil {
				return err
			}
			if first && check != nil {
				if err := check(n); err != nil {
					return err
				}
			}
			first = false
			queries += env.Queries()
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(queries)/float64(b.N), "queries/op")
}

func forEachBackend(b *testing.B, f func(b *testing.B, fx *benchFixture)) {
	for _, name := range benchBackends() {
		b.Run(name, func(b *testing.B) { f(b, getFixture(b, name)) })
	}
}

func exactly(want int) func(int) error {
	return func(n int) error {
		if n != want {
			return fmt.Errorf("got %d results, want %d", n, want)
		}
		return nil
	}
}

func atLeast(want int) func(int) error {
	return func(n int) error {
		if n < want {
			return fmt.Errorf("got %d results, want at least %d", n, want)
		}
		return nil
	}
}

// ---------------------------------------------------------------------
// The benchmarks.

// realisticDomain is what a list view with a search text, a few facets
// and a period filter sends (the JSON form, as decoded by the API): 5
// conditions, 3 of them through a relation, under "&" and "|".
func realisticDomain(fx *benchFixture) []any {
	return []any{"&", "&", "&", "&",
		"|", "|", []any{"name", "ilike", "mar"}, []any{"email", "ilike", "mar"}, []any{"parent_id.name", "ilike", "mar"},
		[]any{"country_id.code", "in", []any{"RO", "ID", "FR", "DE", "BE"}},
		[]any{"user_id", "in", []any{fx.data.UserIDs[0], fx.data.UserIDs[1], false}},
		[]any{"create_date", ">=", "2025-01-01"},
		[]any{"is_company", "=", false},
	}
}

// BenchmarkDomainCompile measures domain parsing and compilation. The
// compiler is not exported, so the engine figures go through env.Search:
//   - parse: orm.ParseDomain alone (no database);
//   - <db>/baseline: Search on (id = 0): transaction, user, access rights
//     and one trivial query, i.e. the fixed cost of any call;
//   - <db>/compile: ParseDomain + Search of the realistic domain AND-ed
//     with (id = 0), so the database answers from the primary key without
//     running the sub-selects: the compilation cost is about compile −
//     baseline (that difference also holds the database's parsing and
//     planning of the longer statement, and the access look-ups of the
//     comodels the domain goes through);
//   - <db>/search-limit1: ParseDomain + Search of the realistic domain,
//     limit 1, in the model's default order (complete_name, id desc).
func BenchmarkDomainCompile(b *testing.B) {
	b.Run("parse", func(b *testing.B) {
		src := realisticDomain(&benchFixture{data: &loadedPartners{UserIDs: []int64{7, 8}}})
		b.ReportAllocs()
		for b.Loop() {
			if _, err := orm.ParseDomain(src); err != nil {
				b.Fatal(err)
			}
		}
	})
	forEachBackend(b, func(b *testing.B, fx *benchFixture) {
		src := realisticDomain(fx)
		none := orm.Leaf{Path: "id", Op: "=", Value: int64(0)}
		b.Run("baseline", func(b *testing.B) {
			measure(b, fx, func(env *orm.Env) (int, error) {
				ids, err := env.Search(fx.partner, none, orm.SearchOpts{Limit: 1})
				return len(ids), err
			}, exactly(0))
		})
		b.Run("compile", func(b *testing.B) {
			measure(b, fx, func(env *orm.Env) (int, error) {
				d, err := orm.ParseDomain(src)
				if err != nil {
					return 0, err
				}
				ids, err := env.Search(fx.partner, orm.And{none, d}, orm.SearchOpts{Limit: 1})
				return len(ids), err
			}, exactly(0))
		})
		b.Run("search-limit1", func(b *testing.B) {
			measure(b, fx, func(env *orm.Env) (int, error) {
				d, err := orm.ParseDomain(src)
				if err != nil {
					return 0, err
				}
				ids, err := env.Search(fx.partner, d, orm.SearchOpts{Limit: 1})
				return len(ids), err
			}, exactly(1))
		})
	})
}

// listDomain is a contacts list: people of a company whose name contains
// "mar" (parent_id is indexed).
func listDomain() orm.Domain {
	return orm.And{orm.Leaf{Path: "parent_id", Op: "!=", Value: false}, orm.Leaf{Path: "name", Op: "ilike", Value: "mar"}}
}

var listFields = []string{"name", "email", "parent_id", "country_id", "user_id", "create_date"}

// BenchmarkSearchRead80 is a list page: search_read of 80 records
// filtered on an indexed field and by name, sorted by name, with the
// display names of the three many2one columns (one query each).
func BenchmarkSearchRead80(b *testing.B) {
	forEachBackend(b, func(b *testing.B, fx *benchFixture) {
		measure(b, fx, func(env *orm.Env) (int, error) {
			rows, err := env.SearchRead(fx.partner, listDomain(), listFields, orm.SearchOpts{Limit: 80, Order: "name"}, true)
			return len(rows), err
		}, exactly(80))
	})
}

// BenchmarkSearchCount counts with a filter: the contacts list's
// "Individuals" filter (~90% of the rows), exactly and bounded the way a
// list shows "10,000+".
func BenchmarkSearchCount(b *testing.B) {
	forEachBackend(b, func(b *testing.B, fx *benchFixture) {
		d := orm.Leaf{Path: "is_company", Op: "=", Value: false}
		b.Run("exact", func(b *testing.B) {
			measure(b, fx, func(env *orm.Env) (int, error) {
				n, err := env.SearchCount(fx.partner, d, 0)
				return int(n), err
			}, atLeast(1))
		})
		b.Run("capped10001", func(b *testing.B) {
			measure(b, fx, func(env *orm.Env) (int, error) {
				n, err := env.SearchCount(fx.partner, d, 10_001)
				return int(n), err
			}, func(n int) error {
				if n < 1 || n > 10_001 {
					return fmt.Errorf("got %d, want 1..10001", n)
				}
				return nil
			})
		})
		b.Run("list-filter", func(b *testing.B) {
			measure(b, fx, func(env *orm.Env) (int, error) {
				n, err := env.SearchCount(fx.partner, listDomain(), 10_001)
				return int(n), err
			}, atLeast(1))
		})
	})
}

// readGroup calls read_group the way the API does (lazy, with the
// display names of many2one keys and each group's __domain).
func readGroup(env *orm.Env, m *orm.Model, groupby string) (int, error) {
	res, err := env.CallMethod(m, "read_group", nil, map[string]any{
		"domain": []any{}, "fields": []any{"__count"}, "groupby": []any{groupby}})
	if err != nil {
		return 0, err
	}
	key := strings.SplitN(groupby, ":", 2)[0] + "_count"
	total := 0
	for _, g := range res.([]any) {
		n, _ := g.(map[string]any)[key].(int64)
		total += int(n)
	}
	return total, nil
}

// BenchmarkReadGroupCountry groups every active partner by country.
func BenchmarkReadGroupCountry(b *testing.B) {
	forEachBackend(b, func(b *testing.B, fx *benchFixture) {
		measure(b, fx, func(env *orm.Env) (int, error) {
			return readGroup(env, fx.partner, "country_id")
		}, atLeast(fx.data.Active))
	})
}

// BenchmarkReadGroupMonth groups every active partner by creation month.
func BenchmarkReadGroupMonth(b *testing.B) {
	forEachBackend(b, func(b *testing.B, fx *benchFixture) {
		measure(b, fx, func(env *orm.Env) (int, error) {
			return readGroup(env, fx.partner, "create_date:month")
		}, atLeast(fx.data.Active))
	})
}

// BenchmarkDisplayNames reads the display names of 80 partners spread
// over the table (not a contiguous page).
func BenchmarkDisplayNames(b *testing.B) {
	forEachBackend(b, func(b *testing.B, fx *benchFixture) {
		ids := make([]int64, 80)
		span := fx.data.LastID - fx.data.FirstID + 1
		for i := range ids {
			ids[i] = fx.data.FirstID + (int64(i)*7919)%span
		}
		measure(b, fx, func(env *orm.Env) (int, error) {
			names, err := env.DisplayNames(fx.partner, ids)
			return len(names), err
		}, exactly(80))
	})
}
