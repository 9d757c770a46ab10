// Package demo fills a Kanso database with believable demo data: sales
// teams in North America, Jakarta and București with their salespeople,
// customers (companies, their contacts and work points), 18 months of leads
// and opportunities with their timelines, tags and campaigns.
//
// The few configuration records (users, teams, tags, campaigns) go through
// the ORM. The bulk rows (partners, leads, timeline messages and tracking
// values, lead tags) are inserted with direct SQL, filling the stored
// computed fields exactly as the ORM and the CRM rules compute them, in
// batches of one transaction each. One goroutine generates the batches and
// stages them (SQLite: in a private in-memory database; PostgreSQL: with
// COPY into unlogged tables); writers move them into the real tables with
// INSERT ... SELECT, with ids allocated per batch.
package demo

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/kanso-crm/kanso/internal/base"
	"github.com/kanso-crm/kanso/internal/crm"
	"github.com/kanso-crm/kanso/internal/db"
	"github.com/kanso-crm/kanso/internal/orm"
)

// Options tune what Generate creates.
type Options struct {
	Leads    int       // number of crm.lead rows; 0 means 2,000
	Partners int       // 0 means Leads/10, at least 50
	Messages int       // timeline entries (mail_message); 0 means 3 per lead, negative means none
	Seed     uint64    // the same seed (and Now) gives the same data
	Now      time.Time // "today", the end of the 18 months of history; zero means the current time
	// Progress, when set, is called after every committed batch with the
	// partners and leads written so far and their total.
	Progress func(done, total int)
}

// Stats tells what Generate created.
type Stats struct {
	Users, Teams, Partners, Leads, Messages, Activities int
	Elapsed                                             time.Duration
	Phases                                              []Phase // where Elapsed went, in order
}

// Phase is one step of Generate and the time it took.
type Phase struct {
	Name    string
	Elapsed time.Duration
}

// phases records the steps of a run as they end.
type phases struct {
	last time.Time
	list []Phase
}

func (p *phases) done(name string) {
	now := time.Now()
	p.list = append(p.list, Phase{Name: name, Elapsed: now.Sub(p.last)})
	p.last = now
}

// MarkerParam is the ir_config_parameter set on a database that has demo
// data; Generate refuses to run twice.
const MarkerParam = "demo.generated"

// Password is the password of every demo user.
const Password = "demo"

// Batch sizes: a batch is one transaction, short enough for the running
// application to get the write lock in between.
const (
	partnerBatch = 20000
	leadBatch    = 20000
	historyDays  = 548 // 18 months
)

func (o Options) normalized() Options {
	if o.Leads <= 0 {
		o.Leads = 2000
	}
	if o.Partners <= 0 {
		o.Partners = max(o.Leads/10, 50)
	}
	switch {
	case o.Messages == 0:
		o.Messages = 3 * o.Leads
	case o.Messages < 0:
		o.Messages = 0
	}
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	o.Now = o.Now.UTC().Truncate(time.Second)
	return o
}

// Generate creates the demo data on the database of r. It refuses a
// database that already has demo data (the MarkerParam parameter). It
// expects the base and crm modules installed and finds their records by
// external id or name.
func Generate(ctx context.Context, r *orm.Runner, o Options) (Stats, error) {
	start := time.Now()
	ph := &phases{last: start}
	o = o.normalized()
	g := &gen{o: o, d: r.DB.Dialect, now: o.Now, from: o.Now.AddDate(0, 0, -historyDays), domains: map[string]int{}}
	hash, err := base.HashPassword(Password) // argon2 is slow: once for every user
	if err != nil {
		return Stats{}, err
	}
	if err := recoverIndexes(ctx, r); err != nil {
		return Stats{}, err
	}
	if g.d == db.SQLite {
		// the writer of a bulk load reads back what it wrote (the tables'
		// last pages, the indexes rebuilt at the end): a large page cache
		// and memory-mapped reads spare it a system call per page; and it
		// skips the foreign key checks of rows whose links it made itself
		restore, err := bulkPragmas(ctx, r.DB.Write)
		if err != nil {
			return Stats{}, err
		}
		defer restore()
	}
	if err := r.Run(ctx, orm.SuperuserID, nil, true, func(env *orm.Env) error { return g.setup(env, hash) }); err != nil {
		return Stats{}, err
	}
	ph.done("setup")
	var t transport
	if g.d == db.Postgres {
		t, err = newPGTransport(ctx, r)
	} else {
		t, err = newSQLiteTransport(ctx, r, g.company)
	}
	if err != nil {
		return Stats{}, err
	}
	defer t.close(context.Background())

	total := o.Partners + o.Leads
	done := 0
	progress := func(n int) {
		done += n
		if o.Progress != nil {
			o.Progress(done, total)
		}
	}
	if err := g.pipeline(ctx, r, t, 1, g.partnerBatch, progress); err != nil {
		return Stats{}, err
	}
	g.resolvePartners()
	ph.done("customers")
	if o.Leads >= dropIndexesFrom {
		if err := g.dropIndexes(ctx, r); err != nil {
			return Stats{}, err
		}
		// on any failure below, the indexes come back all the same
		defer g.restoreIndexes(context.WithoutCancel(ctx), r)
	}
	if err := g.pipeline(ctx, r, t, 2, g.leadBatch, progress); err != nil {
		return Stats{}, err
	}
	ph.done("leads and timelines")
	if err := g.restoreIndexes(ctx, r); err != nil {
		return Stats{}, err
	}
	ph.done("indexes")
	// the rollup's rows appended batch by batch merged (PostgreSQL)
	if err := r.Run(ctx, orm.SuperuserID, nil, true, orm.CompactRollups); err != nil {
		return Stats{}, err
	}
	ph.done("rollups")
	if g.d == db.Postgres {
		// a bulk load leaves the visibility map empty: until autovacuum
		// comes by, every index-only scan (the boards' counts and sums)
		// reads the table too (team board at 1M leads: 137 -> 69 ms
		// after; the revenue board, whose customer rollup had no
		// statistics either, 92 -> 48 ms)
		tables := []string{"res_partner", "crm_lead", "mail_message"}
		for _, m := range r.Reg.Models() {
			for _, ru := range m.Rollups {
				tables = append(tables, ru.Table) // as CompactRollups walks them
			}
		}
		for _, tbl := range tables {
			if _, err := r.DB.Write.ExecContext(ctx, "VACUUM ANALYZE "+db.Quote(tbl)); err != nil {
				return Stats{}, fmt.Errorf("demo: vacuum %s: %w", tbl, err)
			}
		}
		ph.done("vacuum")
	}
	acts, err := g.planActivities(ctx, r)
	if err != nil {
		return Stats{}, err
	}
	ph.done("activities")
	// planner statistics now rather than at the next start (SQLite)
	if err := r.DB.Optimize(ctx); err != nil {
		return Stats{}, err
	}
	ph.done("statistics")
	st := Stats{Users: g.users, Teams: nRegions, Partners: o.Partners, Leads: o.Leads, Messages: g.messages, Activities: acts}
	err = r.Run(ctx, orm.SuperuserID, nil, true, func(env *orm.Env) error {
		if g.d == db.Postgres {
			for _, tbl := range []string{"res_partner", "crm_lead", "mail_message", "mail_tracking_value"} {
				if err := bumpSequence(env, tbl); err != nil {
					return err
				}
			}
		}
		st.Elapsed = time.Since(start)
		ph.done("end")
		st.Phases = ph.list
		return base.SetParam(env, MarkerParam, g.marker(st, "done"))
	})
	return st, err
}

func (g *gen) marker(st Stats, status string) string {
	m := map[string]any{"status": status, "users": st.Users, "teams": st.Teams, "partners": st.Partners,
		"leads": st.Leads, "messages": st.Messages, "seed": g.o.Seed, "now": g.now.Format(time.RFC3339),
		"elapsed_ms": st.Elapsed.Milliseconds()}
	if len(g.dropped) > 0 {
		m["dropped_indexes"] = g.dropped
	}
	b, _ := json.Marshal(m)
	return string(b)
}

// Index maintenance. The indexes of crm_lead whose keys arrive in random
// order (customer, e-mail, e-mail domain, phone) together outgrow SQLite's
// page cache on a large load and make every insert read pages; they cost
// far less built once at the end. Generate drops them for large loads and
// builds them again afterwards, one per transaction so that the running
// application is never blocked for long. Their definitions are read from
// the database and saved in the marker parameter first: if the process
// dies in between, the next Generate call builds them again.

// dropIndexesFrom is the number of leads from which the indexes are
// rebuilt rather than maintained.
const dropIndexesFrom = 50000

var randomKeyColumns = map[string]bool{"partner_id": true, "email_normalized": true, "email_domain_criterion": true, "phone_sanitized": true}

type savedIndex struct {
	Name string `json:"name"`
	DDL  string `json:"ddl"`
}

// leadTriggers are the triggers that keep crm_lead_rollup and the text
// index crm_lead_text (SQLite only: PostgreSQL's rollup triggers run once
// per statement, a few milliseconds per batch, and its trigram index is
// dropped and built again as the other indexes are).
// Row by row they cost a quarter of a large load's time (200,000 leads:
// 15 -> 20 s); without them, write adds each batch's leads to the rollup
// in the batch's transaction, grouped, so that it holds what they would
// have written at every commit. It is done for a load into a database
// without leads only: a lead written meanwhile by someone else would miss
// the rollup.
func leadTriggers(env *orm.Env) ([]savedIndex, error) {
	if env.Dialect != db.SQLite {
		return nil, nil
	}
	var n int
	if err := env.QueryRow("SELECT count(*) FROM (SELECT 1 FROM crm_lead LIMIT 1)").Scan(&n); err != nil || n > 0 {
		return nil, err
	}
	trs, err := savedDDL(env, "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'crm_lead' AND (name LIKE 'crm_lead_rollup_%' OR name LIKE 'crm_lead_text_%') ORDER BY name")
	if err != nil {
		return nil, err
	}
	for _, tr := range trs {
		if strings.HasPrefix(tr.Name, "crm_lead_text_") {
			// the text index is built once from the leads at the end (a
			// million leads: 37 s, against a trigger per lead), after its
			// triggers are back
			return append(trs, savedIndex{Name: "crm_lead_text", DDL: "INSERT INTO crm_lead_text(crm_lead_text) VALUES ('rebuild')"}), nil
		}
	}
	return trs, nil
}

// savedDDL reads (name, definition) rows.
func savedDDL(env *orm.Env, q string) ([]savedIndex, error) {
	rows, err := env.Query(q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []savedIndex
	for rows.Next() {
		var t savedIndex
		if err := rows.Scan(&t.Name, &t.DDL); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

func isTrigger(ddl string) bool { return strings.HasPrefix(strings.ToUpper(ddl), "CREATE TRIGGER ") }

func leadIndexes(env *orm.Env) ([]savedIndex, error) {
	q := "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'crm_lead' AND sql IS NOT NULL ORDER BY name"
	if env.Dialect == db.Postgres {
		q = "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'crm_lead' AND schemaname = current_schema() ORDER BY indexname"
	}
	all, err := savedDDL(env, q)
	if err != nil {
		return nil, err
	}
	var out []savedIndex
	for _, ix := range all {
		up := strings.ToUpper(ix.DDL)
		if !strings.HasPrefix(up, "CREATE INDEX ") || strings.Contains(up, " WHERE ") {
			continue // unique and partial indexes stay
		}
		if randomKeyColumns[firstIndexColumn(ix.DDL)] || strings.Contains(up, " USING GIN ") {
			out = append(out, ix)
		}
	}
	return out, nil
}

// firstIndexColumn reads the first key column of "CREATE INDEX n ON t (a, b)"
// (SQLite) or "CREATE INDEX n ON public.t USING btree (a, b)" (PostgreSQL).
func firstIndexColumn(ddl string) string {
	on := strings.Index(strings.ToUpper(ddl), " ON ")
	if on < 0 {
		return ""
	}
	rest := ddl[on:]
	open := strings.Index(rest, "(")
	if open < 0 {
		return ""
	}
	rest = rest[open+1:]
	if end := strings.IndexAny(rest, ",)"); end >= 0 {
		rest = rest[:end]
	}
	f := strings.Fields(rest)
	if len(f) == 0 {
		return ""
	}
	return strings.Trim(f[0], `"`)
}

// bulkPragmas gives the SQLite writer connection a 1 GiB page cache and
// 4 GiB of memory-mapped reads for the time of a bulk load, and turns its
// foreign key checks off: every id a batch refers to was allocated by the
// generator in an earlier batch or the same transaction (setup's records,
// the customers, the batch's leads and messages), so the checks, a look
// into the parent table for each of a lead's dozen links, could only
// fail on a bug of the generator, and the tests run SQLite's
// foreign_key_check over the result instead. Nothing is deleted meanwhile,
// so no ON DELETE action is skipped. The setting is the writer
// connection's, shared by the whole process: Generate runs before
// `kanso serve --demo` answers requests or starts its jobs, and alone in
// `kanso demo`. It returns what restores the connection's settings.
func bulkPragmas(ctx context.Context, w *sql.DB) (func(), error) {
	settings := []struct {
		name string
		bulk int64
		was  int64
	}{{name: "cache_size", bulk: -1048576}, {name: "mmap_size", bulk: 4294967296}, {name: "foreign_keys", bulk: 0}}
	for i := range settings {
		p := &settings[i]
		if err := w.QueryRowContext(ctx, "PRAGMA "+p.name).Scan(&p.was); err != nil {
			return nil, fmt.Errorf("demo: read %s: %w", p.name, err)
		}
	}
	restore := func() {
		ctx := context.WithoutCancel(ctx)
		for _, p := range settings {
			w.ExecContext(ctx, fmt.Sprintf("PRAGMA %s = %d", p.name, p.was))
		}
	}
	for _, p := range settings {
		if _, err := w.ExecContext(ctx, fmt.Sprintf("PRAGMA %s = %d", p.name, p.bulk)); err != nil {
			restore()
			return nil, fmt.Errorf("demo: set %s: %w", p.name, err)
		}
	}
	return restore, nil
}

func (g *gen) dropIndexes(ctx context.Context, r *orm.Runner) error {
	return r.Run(ctx, orm.SuperuserID, nil, true, func(env *orm.Env) error {
		ixs, err := leadIndexes(env)
		if err != nil {
			return err
		}
		trs, err := leadTriggers(env)
		if err != nil {
			return err
		}
		if len(ixs)+len(trs) == 0 {
			return nil
		}
		g.dropped = append(ixs, trs...)
		if err := base.SetParam(env, MarkerParam, g.marker(Stats{}, "running")); err != nil {
			return err
		}
		for _, ix := range g.dropped {
			what := "INDEX "
			switch {
			case isTrigger(ix.DDL):
				what = "TRIGGER "
			case !strings.HasPrefix(strings.ToUpper(ix.DDL), "CREATE INDEX "):
				continue // the text index's rebuild, for the end
			}
			if _, err := env.Exec("DROP " + what + db.Quote(ix.Name)); err != nil {
				return err
			}
		}
		g.rollupByHand = slices.ContainsFunc(trs, func(tr savedIndex) bool { return strings.HasPrefix(tr.Name, "crm_lead_rollup_") })
		return nil
	})
}

// restoreIndexes builds the dropped indexes again (those missing only).
func (g *gen) restoreIndexes(ctx context.Context, r *orm.Runner) error {
	for len(g.dropped) > 0 {
		ix := g.dropped[0]
		ddl := ix.DDL
		up := strings.ToUpper(ddl)
		switch {
		case isTrigger(ddl):
			if !strings.HasPrefix(up, "CREATE TRIGGER IF NOT EXISTS ") {
				ddl = "CREATE TRIGGER IF NOT EXISTS " + ddl[len("CREATE TRIGGER "):]
			}
		case strings.HasPrefix(up, "INSERT INTO "): // a text index's rebuild
		case !strings.HasPrefix(up, "CREATE INDEX IF NOT EXISTS "):
			ddl = "CREATE INDEX IF NOT EXISTS " + ddl[len("CREATE INDEX "):]
		}
		rebuild := strings.HasPrefix(up, "INSERT INTO ")
		if err := r.Run(ctx, orm.SuperuserID, nil, true, func(env *orm.Env) error {
			if rebuild {
				// FTS5 writes what it gathered in memory as a segment
				// whenever it holds hashsize bytes: with 64 MB instead of
				// 1 MB a rebuild writes few large segments instead of
				// merging thousands of small ones (300,000 leads: 2.2-2.5
				// -> 1.7 s, the searches as fast)
				if err := setFTSHashSize(env, ix.Name, rebuildHashSize); err != nil {
					return err
				}
			}
			if _, err := env.Exec(ddl); err != nil {
				return err
			}
			if rebuild {
				// the setting is kept in the index: back to the default
				// before it is written out at the commit
				return setFTSHashSize(env, ix.Name, ftsHashSize)
			}
			return nil
		}); err != nil {
			return fmt.Errorf("demo: rebuild index %s: %w", ix.Name, err)
		}
		g.dropped = g.dropped[1:]
	}
	g.rollupByHand = false
	return nil
}

// ftsHashSize is FTS5's default hashsize; rebuildHashSize the one a
// rebuild of a text index runs with.
const (
	ftsHashSize     = 1 << 20
	rebuildHashSize = 64 << 20
)

// setFTSHashSize sets the hashsize of the FTS5 table name (from the
// indexes the generator dropped, never from input).
func setFTSHashSize(env *orm.Env, name string, size int) error {
	q := db.Quote(name)
	if _, err := env.Exec("INSERT INTO "+q+"("+q+", rank) VALUES ('hashsize', ?)", size); err != nil {
		return fmt.Errorf("demo: hashsize of %s: %w", name, err)
	}
	return nil
}

// recoverIndexes rebuilds the indexes an interrupted Generate left
// dropped, as recorded in the marker.
func recoverIndexes(ctx context.Context, r *orm.Runner) error {
	var v string
	if err := r.Run(ctx, orm.SuperuserID, nil, false, func(env *orm.Env) error {
		var err error
		v, err = base.GetParam(env, MarkerParam)
		return err
	}); err != nil || v == "" {
		return err
	}
	var m struct {
		Status  string       `json:"status"`
		Dropped []savedIndex `json:"dropped_indexes"`
	}
	if json.Unmarshal([]byte(v), &m) != nil || m.Status != "running" || len(m.Dropped) == 0 {
		return nil
	}
	g := &gen{dropped: m.Dropped}
	return g.restoreIndexes(ctx, r)
}

// The world found or created by setup.

type member struct {
	uid, partner int64
}

type stageInfo struct {
	id   int64
	name string
	prob float64
}

type named struct {
	id   int64
	name string
}

type campaignInfo struct{ id, source, medium int64 }

type teamInfo struct {
	reg       *regionInfo
	id        int64
	leader    *member
	members   []*member // the salespeople who get leads
	weights   []int
	open      []*stageInfo // in order
	won, lost *stageInfo   // lost: the team's lost column, if it has one
	campaigns []campaignInfo
}

// partnerRec is what a lead copies from its customer.
type partnerRec struct {
	id                              int64
	batch, local                    int32
	kind                            uint8
	name, parentName, email         string
	phone, e164, function, website  string
	lang, vat, street, street2, zip string
	city                            string
	state, country                  int64
}

const (
	kindCompany = iota
	kindContact // a person of a company
	kindIndividual
	kindWorkPoint // an address of a company ("other")
)

type pool struct {
	idx   []int32
	times []int64 // creation, unix seconds, ascending
}

type gen struct {
	o         Options
	d         db.Dialect
	now, from time.Time
	company   int64
	sysUID    int64
	sysAuthor int64 // partner of the superuser: author of automatic messages
	teams     [nRegions]*teamInfo
	tags      []int64
	tagWeight []int
	sources   map[string]int64
	media     map[string]int64
	reasons   []named
	langs     map[string]int64
	countryID map[string]int64
	stateID   map[string]int64 // "RO/B"
	users     int

	partners     []partnerRec
	pools        [nRegions][3]pool // company, contact, individual
	domains      map[string]int
	mu           sync.Mutex
	partnerBases []int64      // by partner batch
	dropped      []savedIndex // indexes and triggers to create again
	rollupByHand bool         // the rollup triggers are off: write adds each batch
	partnerDone  int
	leadDone     int
	messages     int
}

func (g *gen) setup(env *orm.Env, hash string) error {
	if v, err := base.GetParam(env, MarkerParam); err != nil {
		return err
	} else if v != "" {
		if strings.Contains(v, `"status":"running"`) {
			return orm.UserErrorf("This database already has demo data from a generation that did not finish (%s = %s); generate on a new database.", MarkerParam, v)
		}
		return orm.UserErrorf("This database already has demo data (%s = %s); demo data can be generated once per database.", MarkerParam, v)
	}
	for _, m := range []string{"base", "crm"} {
		ok, err := base.IsInstalled(env, m)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("demo: the %s module is not installed", m)
		}
	}
	var err error
	if g.company, err = base.XID(env, "base.main_company"); err != nil {
		return err
	}
	if g.company == 0 {
		if err := env.QueryRow("SELECT MIN(id) FROM res_company").Scan(&g.company); err != nil {
			return fmt.Errorf("demo: no company: %w", err)
		}
	}
	g.sysUID = orm.SuperuserID
	if err := env.QueryRow("SELECT partner_id FROM res_users WHERE id = ?", g.sysUID).Scan(&g.sysAuthor); err != nil {
		return fmt.Errorf("demo: superuser: %w", err)
	}
	if err := g.loadRefs(env); err != nil {
		return err
	}
	if err := g.setupUsersAndTeams(env, hash); err != nil {
		return err
	}
	if err := g.setupTagsAndCampaigns(env); err != nil {
		return err
	}
	for _, t := range g.teams {
		if err := g.loadStages(env, t); err != nil {
			return err
		}
	}
	return base.SetParam(env, MarkerParam, g.marker(Stats{}, "running"))
}

func (g *gen) loadRefs(env *orm.Env) error {
	g.countryID, g.stateID, g.langs = map[string]int64{}, map[string]int64{}, map[string]int64{}
	for code := range countries {
		var id int64
		if err := env.QueryRow("SELECT id FROM res_country WHERE code = ?", code).Scan(&id); err != nil {
			return fmt.Errorf("demo: country %s: %w", code, err)
		}
		g.countryID[code] = id
		rows, err := env.Query("SELECT code, id FROM res_country_state WHERE country_id = ?", id)
		if err != nil {
			return err
		}
		for rows.Next() {
			var sc string
			var sid int64
			if err := rows.Scan(&sc, &sid); err != nil {
				rows.Close()
				return err
			}
			g.stateID[code+"/"+sc] = sid
		}
		rows.Close()
	}
	for _, l := range []string{"en_US", "id_ID", "ro_RO"} {
		var id int64
		if err := env.QueryRow("SELECT id FROM res_lang WHERE code = ?", l).Scan(&id); err == nil {
			g.langs[l] = id
		}
	}
	byName := func(table string) (map[string]int64, error) {
		rows, err := env.Query("SELECT id, name FROM " + table + " ORDER BY id")
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		out := map[string]int64{}
		for rows.Next() {
			var id int64
			var n string
			if err := rows.Scan(&id, &n); err != nil {
				return nil, err
			}
			if _, ok := out[n]; !ok {
				out[n] = id
			}
		}
		return out, rows.Err()
	}
	var err error
	if g.sources, err = byName("utm_source"); err != nil {
		return err
	}
	if g.media, err = byName("utm_medium"); err != nil {
		return err
	}
	for i := 1; i <= 3; i++ {
		id, err := base.XID(env, "crm.lost_reason_"+strconv.Itoa(i))
		if err != nil {
			return err
		}
		if id == 0 {
			continue
		}
		var n string
		if err := env.QueryRow("SELECT name FROM crm_lost_reason WHERE id = ?", id).Scan(&n); err == nil {
			g.reasons = append(g.reasons, named{id, n})
		}
	}
	if len(g.reasons) == 0 {
		rows, err := env.Query("SELECT id, name FROM crm_lost_reason WHERE active = ? ORDER BY id", g.d.BoolParam(true))
		if err != nil {
			return err
		}
		for rows.Next() && len(g.reasons) < 3 {
			var r named
			if err := rows.Scan(&r.id, &r.name); err != nil {
				rows.Close()
				return err
			}
			g.reasons = append(g.reasons, r)
		}
		rows.Close()
	}
	return nil
}

func (g *gen) setupUsersAndTeams(env *orm.Env, hash string) error {
	groupOf := map[string]string{"manager": base.GroupSaleManager, "all": base.GroupSaleSalesmanAll, "own": base.GroupSaleSalesman}
	groups := map[string]int64{}
	for role, x := range groupOf {
		id, err := base.XID(env, x)
		if err != nil {
			return err
		}
		if id == 0 {
			return fmt.Errorf("demo: group %s is missing", x)
		}
		groups[role] = id
	}
	var coName string
	if err := env.QueryRow("SELECT name FROM res_company WHERE id = ?", g.company).Scan(&coName); err != nil {
		return err
	}
	staffDomain := slug(coName) + ".example"
	if staffDomain == ".example" {
		staffDomain = "kanso.example"
	}
	users, partners := env.Reg.Model("res.users"), env.Reg.Model("res.partner")
	var created []any
	for i := range g.teams {
		g.teams[i] = &teamInfo{reg: regions[i]}
	}
	for _, u := range demoUsers {
		var n int64
		if err := env.QueryRow("SELECT COUNT(*) FROM res_users WHERE login = ?", u.login).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			continue // somebody already has this login: leave them alone
		}
		reg := regions[u.region]
		first, last, _ := strings.Cut(u.name, " ")
		email := slug(first) + "." + slug(last) + "@" + staffDomain
		cc := reg.countries[0].code
		pids, err := env.Create(partners, []orm.Values{{"name": u.name, "email": email, "lang": reg.lang, "tz": reg.tz,
			"country_id": g.countryID[cc], "company_id": g.company}})
		if err != nil {
			return fmt.Errorf("demo: partner of %s: %w", u.login, err)
		}
		uids, err := env.Create(users, []orm.Values{{"name": u.name, "login": u.login, "email": email, "lang": reg.lang, "tz": reg.tz,
			"partner_id": pids[0], "company_id": g.company, "group_ids": []any{[]any{int64(6), int64(0), []any{groups[u.role]}}}}})
		if err != nil {
			return fmt.Errorf("demo: user %s: %w", u.login, err)
		}
		created = append(created, uids[0])
		m := &member{uid: uids[0], partner: pids[0]}
		t := g.teams[u.region]
		t.members = append(t.members, m)
		w := 2
		if u.leader {
			t.leader, w = m, 1
		}
		t.weights = append(t.weights, w)
		g.users++
	}
	if len(created) > 0 {
		q := "UPDATE res_users SET password = ? WHERE id IN (" + strings.TrimSuffix(strings.Repeat("?, ", len(created)), ", ") + ")"
		if _, err := env.Exec(q, append([]any{hash}, created...)...); err != nil {
			return err
		}
	}
	teamModel, memberModel := env.Reg.Model("crm.team"), env.Reg.Model("crm.team.member")
	existing, err := base.XID(env, "sales_team.team_sales_department")
	if err != nil {
		return err
	}
	if existing != 0 {
		var n int64
		if err := env.QueryRow("SELECT COUNT(*) FROM crm_team WHERE id = ?", existing).Scan(&n); err != nil || n == 0 {
			existing = 0
		}
	}
	for i, t := range g.teams {
		reg := t.reg
		vals := orm.Values{"name": reg.team, "sequence": int64(10 * (i + 1)), "color": reg.color, "invoiced_target": reg.target,
			"assignment_domain": reg.assignDomain, "use_leads": true, "use_opportunities": true}
		if t.leader == nil && len(t.members) > 0 {
			t.leader = t.members[0]
		}
		if t.leader != nil {
			vals["user_id"] = t.leader.uid
		}
		if i == regionNA && existing != 0 {
			// the team installed with crm ("Sales") becomes North America, on the shared stages
			if err := env.Write(teamModel, []int64{existing}, vals); err != nil {
				return fmt.Errorf("demo: team %s: %w", reg.team, err)
			}
			t.id = existing
		} else {
			vals["stage_set"] = reg.stageSet
			ids, err := env.Create(teamModel, []orm.Values{vals})
			if err != nil {
				return fmt.Errorf("demo: team %s: %w", reg.team, err)
			}
			t.id = ids[0]
		}
		for _, m := range t.members {
			if _, err := env.Create(memberModel, []orm.Values{{"crm_team_id": t.id, "user_id": m.uid}}); err != nil {
				return fmt.Errorf("demo: member of %s: %w", reg.team, err)
			}
		}
	}
	return nil
}

func (g *gen) setupTagsAndCampaigns(env *orm.Env) error {
	tagModel := env.Reg.Model("crm.tag")
	for _, tg := range crmTags {
		var id int64
		err := env.QueryRow("SELECT id FROM crm_tag WHERE name = ?", tg.name).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			ids, err := env.Create(tagModel, []orm.Values{{"name": tg.name, "color": tg.color}})
			if err != nil {
				return fmt.Errorf("demo: tag %s: %w", tg.name, err)
			}
			id = ids[0]
		} else if err != nil {
			return err
		}
		g.tags = append(g.tags, id)
		g.tagWeight = append(g.tagWeight, tg.weight)
	}
	campaign := env.Reg.Model("utm.campaign")
	for _, t := range g.teams {
		for _, c := range t.reg.campaigns {
			var id int64
			err := env.QueryRow("SELECT id FROM utm_campaign WHERE name = ?", c.name).Scan(&id)
			if errors.Is(err, sql.ErrNoRows) {
				vals := orm.Values{"name": c.name}
				if t.leader != nil {
					vals["user_id"] = t.leader.uid
				}
				ids, err := env.Create(campaign, []orm.Values{vals})
				if err != nil {
					return fmt.Errorf("demo: campaign %s: %w", c.name, err)
				}
				id = ids[0]
			} else if err != nil {
				return err
			}
			t.campaigns = append(t.campaigns, campaignInfo{id: id, source: g.sources[c.source], medium: g.media[c.medium]})
		}
	}
	return nil
}

// loadStages reads a team's pipeline as the CRM does: its own stages, or
// the shared ones when it has none, in (sequence, id) order.
func (g *gen) loadStages(env *orm.Env, t *teamInfo) error {
	q := `SELECT s.id, s.name, s.is_won, s.is_lost FROM crm_stage s WHERE EXISTS (
		SELECT 1 FROM crm_stage_crm_team_rel r WHERE r.crm_stage_id = s.id AND r.crm_team_id = ?) ORDER BY s.sequence, s.id`
	args := []any{t.id}
	var n int64
	if err := env.QueryRow("SELECT COUNT(*) FROM crm_stage_crm_team_rel WHERE crm_team_id = ?", t.id).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		q = `SELECT s.id, s.name, s.is_won, s.is_lost FROM crm_stage s WHERE NOT EXISTS (
			SELECT 1 FROM crm_stage_crm_team_rel r WHERE r.crm_stage_id = s.id) ORDER BY s.sequence, s.id`
		args = nil
	}
	rows, err := env.Query(q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var s stageInfo
		var won, lost bool
		if err := rows.Scan(&s.id, &s.name, &won, &lost); err != nil {
			return err
		}
		switch {
		case won && t.won == nil:
			s.prob, t.won = 100, &s
		case lost && t.lost == nil:
			t.lost = &s
		case !won && !lost:
			t.open = append(t.open, &s)
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if len(t.open) == 0 || t.won == nil {
		return fmt.Errorf("demo: team %s needs open stages and a won stage", t.reg.team)
	}
	// crm.stageProbability: 10 to 70 along the open stages
	for i, s := range t.open {
		s.prob = 10
		if len(t.open) > 1 {
			s.prob = math.Round(10 + 60*float64(i)/float64(len(t.open)-1))
		}
	}
	return nil
}

// The bulk tables: what is staged per row and how it becomes the real row.

type spec struct {
	stage  string
	target string
	cols   []string // staged columns, "name pgtype"
	out    []string // target columns
	exprs  []string // per target column, over the staged row s; {P} {L} {M} are id bases, {TRUE} the dialect's true
	names  []string
	pgType []string
}

func newSpec(stage, target string, cols []string, outExpr ...string) *spec {
	s := &spec{stage: stage, target: target, cols: cols}
	for _, c := range cols {
		n, t, _ := strings.Cut(c, " ")
		s.names, s.pgType = append(s.names, n), append(s.pgType, t)
	}
	for i := 0; i < len(outExpr); i += 2 {
		s.out = append(s.out, outExpr[i])
		e := outExpr[i+1]
		if e == "" {
			e = "s." + outExpr[i]
		}
		s.exprs = append(s.exprs, e)
	}
	return s
}

const (
	specPartner = iota
	specLead
	specTag
	specMsg
	specTrack
	nSpecs
)

var specs = [nSpecs]*spec{
	specPartner: newSpec("partner", "res_partner",
		[]string{"id bigint", "name text", "complete_name text", "is_company boolean", "type text", "parent bigint", "commercial bigint",
			"email text", "email_normalized text", "phone text", "phone_sanitized text", "street text", "street2 text", "zip text",
			"city text", "state_id bigint", "country_id bigint", "vat text", "company_registry text", "function text", "website text",
			"lang text", "tz text", "user_id bigint", "employee_count bigint", "uid bigint", "date timestamp"},
		"id", "{P} + s.id", "name", "", "complete_name", "", "is_company", "", "type", "", "parent_id", "{P} + s.parent",
		"commercial_partner_id", "{P} + s.commercial", "email", "", "email_normalized", "", "phone", "", "phone_sanitized", "",
		"street", "", "street2", "", "zip", "", "city", "", "state_id", "", "country_id", "", "vat", "", "company_registry", "",
		"function", "", "website", "", "lang", "", "tz", "", "user_id", "", "employee_count", "", "active", "{TRUE}",
		"create_uid", "s.uid", "create_date", "s.date", "write_uid", "s.uid", "write_date", "s.date"),
	specLead: newSpec("lead", "crm_lead",
		[]string{"id bigint", "name text", "user_id bigint", "team_id bigint", "active boolean", "type text", "priority text",
			"stage_id bigint", "expected_revenue double precision", "prorated_revenue double precision", "probability double precision",
			"won_status text", "lost_reason_id bigint", "date_closed timestamp", "date_open timestamp", "day_open double precision",
			"day_close double precision", "date_last_stage_update timestamp", "date_conversion timestamp", "date_deadline date",
			"date_first_contact timestamp", "partner_id bigint", "contact_name text", "partner_name text", "function text",
			"website text", "lang_id bigint", "email_from text", "email_normalized text", "email_domain_criterion text", "phone text",
			"phone_sanitized text", "street text", "street2 text", "zip text", "city text", "state_id bigint", "country_id bigint",
			"vat text", "campaign_id bigint", "medium_id bigint", "source_id bigint", "activated boolean", "create_uid bigint",
			"create_date timestamp", "write_uid bigint", "write_date timestamp"},
		"id", "{L} + s.id", "name", "", "user_id", "", "team_id", "", "company_id", "{COMPANY}", "active", "", "type", "",
		"priority", "", "stage_id", "", "expected_revenue", "", "prorated_revenue", "", "probability", "",
		"automated_probability", "s.probability", "won_status", "", "lost_reason_id", "", "date_closed", "", "date_open", "",
		"day_open", "", "day_close", "", "date_last_stage_update", "", "date_conversion", "", "date_deadline", "",
		"date_first_contact", "", "partner_id", "", "contact_name", "", "partner_name", "", "function", "", "website", "",
		"lang_id", "", "email_from", "", "email_normalized", "", "email_domain_criterion", "",
		"email_state", "CASE WHEN s.email_normalized IS NULL THEN NULL ELSE 'correct' END", "phone", "", "phone_sanitized", "",
		"phone_state", "CASE WHEN s.phone_sanitized IS NULL THEN NULL ELSE 'correct' END", "street", "", "street2", "",
		"zip", "", "city", "", "state_id", "", "country_id", "", "vat", "", "campaign_id", "", "medium_id", "", "source_id", "",
		"activated", "", "create_uid", "", "create_date", "", "write_uid", "", "write_date", ""),
	specTag: newSpec("tag", "crm_tag_rel", []string{"lead bigint", "tag bigint"}, "lead_id", "{L} + s.lead", "tag_id", "s.tag"),
	specMsg: newSpec("msg", "mail_message",
		[]string{"id bigint", "res_id bigint", "record_name text", "body text", "message_type text", "subtype text", "author_id bigint",
			"uid bigint", "date timestamp"},
		"id", "{M} + s.id", "model", "'crm.lead'", "res_id", "{L} + s.res_id", "record_name", "", "body", "", "message_type", "",
		"subtype", "", "author_id", "", "date", "", "create_uid", "s.uid", "create_date", "s.date", "write_uid", "s.uid",
		"write_date", "s.date"),
	specTrack: newSpec("track", "mail_tracking_value",
		[]string{"msg bigint", "field_name text", "field_desc text", "field_type text", "old_char text", "new_char text",
			"old_int bigint", "new_int bigint", "uid bigint", "date timestamp"},
		"mail_message_id", "{M} + s.msg", "field_name", "", "field_desc", "", "field_type", "", "old_value_char", "s.old_char",
		"new_value_char", "s.new_char", "old_value_integer", "s.old_int", "new_value_integer", "s.new_int",
		"create_uid", "s.uid", "create_date", "s.date"),
}

// rowBuf holds the staged rows of one table of a batch, flattened.
type rowBuf struct {
	vals []any
	n    int
}

func (b *rowBuf) reserve(rows, ncol int) { b.vals = make([]any, 0, rows*ncol) }

func (b *rowBuf) add(v ...any) {
	b.vals = append(b.vals, v...)
	b.n++
}

type batch struct {
	seq          int
	units        int // partners or leads, for the progress
	slot         int
	rows         [nSpecs]rowBuf
	nIDs         [3]int // rows needing ids: partners, leads, messages
	partnerFirst int    // the batch's first partner index
	bs           bases  // PostgreSQL: the ids allocated in advance
}

// bases are the id offsets of a batch: the real id is base + local id.
type bases struct{ p, l, m int64 }

// insertSQL is "INSERT INTO target (...) SELECT exprs" with the id bases
// as parameters (so that the statement text is the same for every batch)
// and the company as a literal; the caller appends "FROM ... AS s".
func (s *spec) insertSQL(d db.Dialect, bs bases, company int64) (string, []any) {
	var args []any
	e := strings.Join(s.exprs, ", ")
	var b strings.Builder
	for {
		i := strings.IndexByte(e, '{')
		if i < 0 {
			b.WriteString(e)
			break
		}
		j := strings.IndexByte(e[i:], '}') + i
		b.WriteString(e[:i])
		switch e[i+1 : j] {
		case "P":
			b.WriteString("CAST(? AS BIGINT)")
			args = append(args, bs.p)
		case "L":
			b.WriteString("CAST(? AS BIGINT)")
			args = append(args, bs.l)
		case "M":
			b.WriteString("CAST(? AS BIGINT)")
			args = append(args, bs.m)
		case "TRUE":
			b.WriteString(map[bool]string{true: "TRUE", false: "1"}[d == db.Postgres])
		case "COMPANY":
			b.WriteString(strconv.FormatInt(company, 10))
		}
		e = e[j+1:]
	}
	return "INSERT INTO " + s.target + " (" + strings.Join(s.out, ", ") + ") SELECT " + b.String(), args
}

// transport moves batches into the database.
type transport interface {
	// writers is how many transactions may write batches at the same time.
	writers() int
	// stage runs in the generating goroutine, batch after batch.
	stage(ctx context.Context, b *batch) error
	// bases gives the batch its ids, in its transaction.
	bases(env *orm.Env, b *batch) (bases, error)
	// before and after run around the batch's transaction, insert in it.
	before(ctx context.Context, b *batch) error
	insert(env *orm.Env, b *batch, bs bases, company int64) error
	after(ctx context.Context, b *batch) error
	close(ctx context.Context)
}

// pipeline generates batches with next in one goroutine while others
// write them, one transaction each: one writer on SQLite (one writer at a
// time is all it allows), two on PostgreSQL, whose foreign key triggers
// make the server the slow side. A bounded number of batches is in flight.
func (g *gen) pipeline(parent context.Context, r *orm.Runner, t transport, phase uint64, next func(r *rand.Rand, seq int) *batch, progress func(int)) error {
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	nw := t.writers()
	slots := make(chan int, nw+1)
	for i := 0; i <= nw; i++ {
		slots <- i
	}
	ch := make(chan *batch)
	errc := make(chan error, nw+1)
	go func() {
		defer close(ch)
		for seq := 0; ; seq++ {
			var slot int
			select {
			case slot = <-slots:
			case <-ctx.Done():
				return
			}
			// one generator per batch: the data depends on the seed only
			rng := rand.New(rand.NewPCG(g.o.Seed, phase<<32|uint64(seq)))
			b := next(rng, seq)
			if b == nil {
				return
			}
			b.slot = slot
			if err := t.stage(ctx, b); err != nil {
				errc <- err
				cancel()
				return
			}
			select {
			case ch <- b:
			case <-ctx.Done():
				return
			}
		}
	}()
	var wg sync.WaitGroup
	var mu sync.Mutex
	for w := 0; w < nw; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			failed := false
			for b := range ch {
				if !failed && ctx.Err() == nil {
					if err := g.write(ctx, r, t, b); err != nil {
						errc <- err
						cancel()
						failed = true
					} else {
						mu.Lock()
						g.messages += b.rows[specMsg].n
						progress(b.units)
						mu.Unlock()
					}
				}
				slots <- b.slot
			}
		}()
	}
	wg.Wait()
	if err := parent.Err(); err != nil {
		return err // cancelled by the caller (SQLite reports it as "interrupted")
	}
	select {
	case err := <-errc:
		return err
	default:
	}
	return ctx.Err()
}

func (g *gen) write(ctx context.Context, r *orm.Runner, t transport, b *batch) error {
	if err := t.before(ctx, b); err != nil {
		return err
	}
	err := r.Run(ctx, orm.SuperuserID, nil, true, func(env *orm.Env) error {
		bs, err := t.bases(env, b)
		if err != nil {
			return err
		}
		if b.nIDs[0] > 0 {
			g.setPartnerBase(b.seq, bs.p)
		}
		if err := t.insert(env, b, bs, g.company); err != nil {
			return err
		}
		if g.rollupByHand && b.nIDs[1] > 0 {
			// only SQLite's load turns the rollup triggers off (leadTriggers)
			st, ok := t.(*sqliteTransport)
			if !ok {
				return fmt.Errorf("demo: rollup triggers off on %T", t)
			}
			return st.addRollups(env, b)
		}
		return nil
	})
	if aerr := t.after(ctx, b); err == nil {
		err = aerr
	}
	return err
}

func (g *gen) setPartnerBase(seq int, base int64) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for len(g.partnerBases) <= seq {
		g.partnerBases = append(g.partnerBases, 0)
	}
	g.partnerBases[seq] = base
}

// batchBases allocates the ids of a batch with alloc(table, n).
func batchBases(b *batch, alloc func(table string, n int) (int64, error)) (bases, error) {
	var bs bases
	var err error
	if n := b.nIDs[0]; n > 0 {
		if bs.p, err = alloc("res_partner", n); err != nil {
			return bs, err
		}
	}
	if n := b.nIDs[1]; n > 0 {
		if bs.l, err = alloc("crm_lead", n); err != nil {
			return bs, err
		}
	}
	if n := b.nIDs[2]; n > 0 {
		bs.m, err = alloc("mail_message", n)
	}
	return bs, err
}

// allocate reserves n ids of table in the current SQLite transaction,
// which excludes other writers, and returns the base: the ids are base+1
// .. base+n.
func allocate(env *orm.Env, table string, n int) (int64, error) {
	var top int64
	err := env.QueryRow("SELECT COALESCE(MAX(id), 0) FROM " + table).Scan(&top)
	return top, err
}

// allocateSeq reserves n ids of table on PostgreSQL by moving its id
// sequence past them, so that neither the other batches nor the
// application's own inserts can take them.
func allocateSeq(ctx context.Context, d *sql.DB, table, seq string, n int) (int64, error) {
	var top int64
	err := d.QueryRowContext(ctx, "SELECT setval('"+seq+"', GREATEST((SELECT COALESCE(MAX(id), 0) FROM "+table+"), (SELECT last_value FROM "+seq+")) + $1)",
		int64(n)).Scan(&top)
	return top - int64(n), err
}

func sequenceOf(env *orm.Env, table string) (string, error) {
	var seq sql.NullString
	if err := env.QueryRow("SELECT pg_get_serial_sequence(?, 'id')", table).Scan(&seq); err != nil {
		return "", err
	}
	if !seq.Valid || strings.ContainsAny(seq.String, "'; ") {
		return "", fmt.Errorf("demo: no id sequence for %s", table)
	}
	return seq.String, nil
}

// bumpSequence makes sure the id sequence of table is past every row.
func bumpSequence(env *orm.Env, table string) error {
	seq, err := sequenceOf(env, table)
	if err != nil {
		return err
	}
	_, err = env.Exec("SELECT setval('" + seq + "', GREATEST((SELECT COALESCE(MAX(id), 0) FROM " + table + "), (SELECT last_value FROM " + seq + ")))")
	return err
}

// Partners.

func (g *gen) partnerBatch(r *rand.Rand, seq int) *batch {
	P := g.o.Partners
	if g.partnerDone >= P {
		return nil
	}
	b := &batch{seq: seq, partnerFirst: g.partnerDone}
	b.rows[specPartner].reserve(partnerBatch+8, len(specs[specPartner].cols))
	pFrom := g.from.AddDate(0, -9, 0)
	span := g.now.AddDate(0, 0, -1).Sub(pFrom)
	slotTime := func(q int) time.Time {
		return pFrom.Add(time.Duration((float64(q) + r.Float64()) / float64(P) * float64(span))).Truncate(time.Second)
	}
	for g.partnerDone < P && b.units < partnerBatch {
		region := pickRegion(r)
		reg := regions[region]
		c := pickCountry(r, reg)
		if r.Float64() < 0.29 {
			g.addPerson(r, b, region, c, nil, slotTime(g.partnerDone))
			continue
		}
		co := g.addCompany(r, b, region, c, slotTime(g.partnerDone))
		nContacts := pickWeighted(r, []int{12, 38, 30, 12, 8})
		for i := 0; i < nContacts && g.partnerDone < P; i++ {
			g.addPerson(r, b, region, c, co, slotTime(g.partnerDone))
		}
		if r.IntN(5) == 0 {
			for i := 0; i < 1+r.IntN(2) && g.partnerDone < P; i++ {
				g.addWorkPoint(r, b, region, c, co, slotTime(g.partnerDone))
			}
		}
	}
	b.nIDs[0] = b.rows[specPartner].n
	return b
}

func pickRegion(r *rand.Rand) int {
	return pickWeighted(r, []int{40, 30, 30})
}

func pickCountry(r *rand.Rand, reg *regionInfo) *country {
	total := 0
	for _, c := range reg.countries {
		total += c.weight
	}
	n := r.IntN(total)
	for _, c := range reg.countries {
		if n < c.weight {
			return c
		}
		n -= c.weight
	}
	return reg.countries[0]
}

func pickWeighted(r *rand.Rand, w []int) int {
	total := 0
	for _, x := range w {
		total += x
	}
	n := r.IntN(total)
	for i, x := range w {
		if n < x {
			return i
		}
		n -= x
	}
	return len(w) - 1
}

func (g *gen) nz(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func idOrNil(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func (g *gen) ts(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return g.d.TimeParam(t)
}

// personName makes a name in the region's language: first and last, or
// for some Indonesians a single name.
func personName(r *rand.Rand, reg *regionInfo) (first, last string) {
	first = pick(r, reg.first)
	if r.Float64() < reg.singleNames {
		return first, ""
	}
	return first, pick(r, reg.last)
}

func joinName(first, last string) string {
	if last == "" {
		return first
	}
	return first + " " + last
}

func (g *gen) salesperson(r *rand.Rand, region int) *member {
	t := g.teams[region]
	if len(t.members) == 0 {
		return nil
	}
	return t.members[pickWeighted(r, t.weights)]
}

func (g *gen) address(r *rand.Rand, c *country, p *partnerRec) *city {
	ct := &c.cities[r.IntN(len(c.cities))]
	p.city, p.country = ct.name, g.countryID[c.code]
	p.state = g.stateID[c.code+"/"+ct.state]
	p.zip = zipCode(r, ct, c.code)
	p.street = c.street(r, pick(r, c.streets))
	if r.IntN(3) == 0 {
		p.street2 = c.street2(r)
	}
	return ct
}

// companyName makes a company name in the region's style and its web domain.
func (g *gen) companyName(r *rand.Rand, region int, c *country) (name, domain string) {
	reg := regions[region]
	w := pick(r, reg.companyWords)
	switch region {
	case regionID:
		form := pick(r, reg.companyForms)
		name = form + " " + w + " " + pick(r, reg.companyTrades)
		if r.IntN(3) == 0 {
			name = form + " " + w + " " + pick(r, reg.companyWords) + " " + pick(r, reg.companyTrades)
		}
		if form == "PT" && r.IntN(25) == 0 {
			name += " Tbk"
		}
	case regionRO:
		trade := pick(r, reg.companyTrades)
		switch r.IntN(3) {
		case 0:
			name = w + strings.ToLower(fold.Replace(trade)) // Tehnoconstruct
		case 1:
			name = pick(r, reg.last) + " " + trade
		default:
			name = w + " " + trade
		}
		name += " " + pick(r, reg.companyForms)
	default:
		switch r.IntN(4) {
		case 0:
			name = pick(r, reg.last) + " & " + pick(r, reg.last)
		case 1:
			name = pick(r, reg.last) + " " + pick(r, reg.companyTrades)
		default:
			name = w + " " + pick(r, reg.companyTrades)
		}
		if f := pick(r, reg.companyForms); f != "" {
			name += " " + f
		}
	}
	stem := name
	for _, f := range append(append([]string{}, reg.companyForms...), "Tbk") {
		if f != "" {
			stem = strings.TrimSuffix(strings.TrimPrefix(stem, f+" "), " "+f)
		}
	}
	stem = slug(stem)
	tld := pick(r, c.tlds)
	domain = stem + tld
	if n := g.domains[domain]; n > 0 {
		domain = stem + strconv.Itoa(n+1) + tld
	}
	g.domains[stem+tld]++
	return name, domain
}

type companyRef struct {
	local  int32
	region int
	rec    *partnerRec
	domain string
	ct     *city
	c      *country
}

func (g *gen) newPartner(b *batch, kind uint8, region int, created time.Time) (int, *partnerRec) {
	idx := len(g.partners)
	g.partners = append(g.partners, partnerRec{batch: int32(b.seq), local: int32(g.partnerDone - b.partnerFirst + 1), kind: kind})
	p := &g.partners[idx]
	if kind <= kindIndividual {
		pl := &g.pools[region][kind]
		pl.idx = append(pl.idx, int32(idx))
		pl.times = append(pl.times, created.Unix())
	}
	g.partnerDone++
	b.units++
	return idx, p
}

func (g *gen) addCompany(r *rand.Rand, b *batch, region int, c *country, created time.Time) *companyRef {
	_, p := g.newPartner(b, kindCompany, region, created)
	name, domain := g.companyName(r, region, c)
	ct := g.address(r, c, p)
	p.name, p.lang = name, c.lang
	p.email = pick(r, []string{"info", "office", "contact", "sales", "hello"}) + "@" + domain
	if region == regionRO {
		p.email = pick(r, []string{"office", "office", "contact", "vanzari"}) + "@" + domain
	}
	p.phone, p.e164 = c.landline(r, ct)
	p.website = "https://www." + domain
	var registry string
	if c.code == "RO" {
		p.vat = validCUI(r)
		registry = "J" + pad2(ct.registry) + "/" + strconv.Itoa(100+r.IntN(9900)) + "/" + strconv.Itoa(1995+r.IntN(30))
	}
	var uid any
	var creator int64 = g.sysUID
	if m := g.salesperson(r, region); m != nil {
		creator = m.uid
		if r.IntN(10) < 7 {
			uid = m.uid
		}
	}
	employees := int64(math.Min(5000, math.Round(math.Exp(1.5+r.NormFloat64()*1.4))))
	tz := ct.tz
	if tz == "" {
		tz = c.tz
	}
	b.rows[specPartner].add(int64(p.local), name, name, g.d.BoolParam(true), "contact", nil, int64(p.local),
		p.email, strings.ToLower(p.email), p.phone, p.e164, g.nz(p.street), g.nz(p.street2), p.zip, p.city, idOrNil(p.state),
		idOrNil(p.country), g.nz(p.vat), g.nz(registry), nil, p.website, p.lang, tz, uid, max(employees, 1), creator, g.d.TimeParam(created))
	return &companyRef{local: p.local, region: region, rec: p, domain: domain, ct: ct, c: c}
}

func (g *gen) addPerson(r *rand.Rand, b *batch, region int, c *country, co *companyRef, created time.Time) {
	kind := uint8(kindIndividual)
	if co != nil {
		kind = kindContact
	}
	_, p := g.newPartner(b, kind, region, created)
	reg := regions[region]
	if c.lang == "en_US" && region != regionNA {
		reg = regions[regionNA] // Singapore: English names
	}
	first, last := personName(r, reg)
	p.name, p.lang = joinName(first, last), c.lang
	complete := p.name
	var parent, commercial any = nil, int64(p.local)
	var creator int64 = g.sysUID
	var uid any
	tz := c.tz
	if co != nil {
		p.parentName = co.rec.name
		complete = co.rec.name + ", " + p.name
		parent, commercial = int64(co.local), int64(co.local)
		p.street, p.street2, p.zip, p.city, p.state, p.country = co.rec.street, co.rec.street2, co.rec.zip, co.rec.city, co.rec.state, co.rec.country
		p.email = localPart(r, first, last) + "@" + co.domain
		p.function = pick(r, reg.functions)
		if co.ct.tz != "" {
			tz = co.ct.tz
		}
	} else {
		ct := g.address(r, c, p)
		if ct.tz != "" {
			tz = ct.tz
		}
		lp := localPart(r, first, last)
		if r.IntN(2) == 0 {
			lp += strconv.Itoa(r.IntN(99) + 1)
		}
		p.email = lp + "@" + pick(r, reg.genericMail)
		if m := g.salesperson(r, region); m != nil && r.IntN(2) == 0 {
			uid = m.uid
		}
	}
	if m := g.salesperson(r, region); m != nil {
		creator = m.uid
	}
	if co != nil && r.IntN(5) == 0 {
		p.phone, p.e164 = c.landline(r, co.ct)
	} else {
		p.phone, p.e164 = c.mobile(r)
	}
	b.rows[specPartner].add(int64(p.local), p.name, complete, g.d.BoolParam(false), "contact", parent, commercial,
		p.email, strings.ToLower(p.email), p.phone, p.e164, g.nz(p.street), g.nz(p.street2), p.zip, p.city, idOrNil(p.state),
		idOrNil(p.country), nil, nil, g.nz(p.function), nil, p.lang, tz, uid, int64(0), creator, g.d.TimeParam(created))
}

func (g *gen) addWorkPoint(r *rand.Rand, b *batch, region int, c *country, co *companyRef, created time.Time) {
	_, p := g.newPartner(b, kindWorkPoint, region, created)
	ct := g.address(r, c, p)
	p.name = pick(r, regions[region].workPoints) + " " + ct.name
	p.phone, p.e164 = c.landline(r, ct)
	tz := ct.tz
	if tz == "" {
		tz = c.tz
	}
	var creator int64 = g.sysUID
	if m := g.salesperson(r, region); m != nil {
		creator = m.uid
	}
	b.rows[specPartner].add(int64(p.local), p.name, co.rec.name+", "+p.name, g.d.BoolParam(false), "other", int64(co.local),
		int64(co.local), nil, nil, p.phone, p.e164, g.nz(p.street), g.nz(p.street2), p.zip, p.city, idOrNil(p.state),
		idOrNil(p.country), nil, nil, nil, nil, c.lang, tz, nil, int64(0), creator, g.d.TimeParam(created))
}

// resolvePartners gives every generated partner its real id, once all
// the partner batches are committed.
func (g *gen) resolvePartners() {
	for i := range g.partners {
		p := &g.partners[i]
		p.id = g.partnerBases[p.batch] + int64(p.local)
	}
}

// Leads.

// leadTime gives lead gi its creation time: more leads in recent months
// (the density grows linearly, three times as high at the end as at the
// start of the history), during office hours of its team.
func (g *gen) leadTime(r *rand.Rand, gi int, region int) time.Time {
	q := (float64(gi) + 0.5) / float64(g.o.Leads)
	const growth = 2.0
	x := (-1 + math.Sqrt(1+2*growth*q*(1+growth/2))) / growth
	t := g.from.Add(time.Duration(x * float64(g.now.Sub(g.from))))
	off := time.Duration(regions[region].utcOffset) * time.Hour
	local := t.Add(off)
	day := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, time.UTC)
	hours := 8 + 10*(r.Float64()+r.Float64())/2
	t = day.Add(time.Duration(hours * float64(time.Hour))).Add(-off).Truncate(time.Second)
	if t.After(g.now) {
		t = g.now.Add(-time.Duration(r.IntN(7200)) * time.Second)
	}
	if t.Before(g.from) {
		t = g.from
	}
	return t
}

const (
	stLead = iota // a lead not converted yet
	stOpen        // an open opportunity
	stWon
	stLost
)

// leadStatus: the last 35% of the leads (the most recent) hold the open
// ones, more of them the more recent; everything older is closed. Overall
// about 10% leads, 10% open opportunities, 35% won and 45% lost.
func leadStatus(r *rand.Rand, q float64, age time.Duration) int {
	const window = 0.35
	pending := age < 5*24*time.Hour
	if !pending && q >= 1-window {
		x := (q - (1 - window)) / window
		pending = r.Float64() < 0.20/window*(0.5+x)
	}
	if pending {
		if r.IntN(2) == 0 {
			return stLead
		}
		return stOpen
	}
	if r.Float64() < 0.35/0.80 {
		return stWon
	}
	return stLost
}

// message kinds
const (
	evCreate = iota
	evStage
	evWon
	evLost
	evNote
)

type event struct {
	t        time.Time
	kind     int
	from, to *stageInfo
	note     string
}

type leadCtx struct {
	local    int32
	name     string
	status   int
	team     *teamInfo
	user     *member
	creator  int64 // uid
	created  time.Time
	end      time.Time
	asLead   bool // created as a lead (the creation note says so)
	reason   named
	stageIdx int // open stages reached
	events   []event
}

func (g *gen) leadBatch(r *rand.Rand, seq int) *batch {
	L := g.o.Leads
	if g.leadDone >= L {
		return nil
	}
	n := min(leadBatch, L-g.leadDone)
	b := &batch{seq: seq, units: n}
	perLead := float64(g.o.Messages)/float64(g.o.Leads) + 0.5
	b.rows[specLead].reserve(n, len(specs[specLead].cols))
	b.rows[specTag].reserve(n*5/4, len(specs[specTag].cols))
	b.rows[specMsg].reserve(int(float64(n)*perLead*1.1), len(specs[specMsg].cols))
	b.rows[specTrack].reserve(int(float64(n)*perLead), len(specs[specTrack].cols))
	type slot struct {
		t      time.Time
		region int
		q      float64
	}
	slots := make([]slot, n)
	for i := range slots {
		gi := g.leadDone + i
		region := pickRegion(r)
		slots[i] = slot{t: g.leadTime(r, gi, region), region: region, q: (float64(gi) + 0.5) / float64(L)}
	}
	sort.SliceStable(slots, func(i, j int) bool { return slots[i].t.Before(slots[j].t) })
	msgLocal := int32(0)
	for i, s := range slots {
		g.lead(r, b, int32(i+1), s.t, s.region, s.q, &msgLocal)
	}
	g.leadDone += n
	b.nIDs[1] = n
	b.nIDs[2] = b.rows[specMsg].n
	return b
}

// messageBudget: timeline entries for a lead, about o.Messages/o.Leads on
// average, more for won deals, fewer for fresh leads.
func (g *gen) messageBudget(r *rand.Rand, status int) int {
	if g.o.Messages == 0 {
		return 0
	}
	w := [...]float64{stLead: 0.5, stOpen: 1.0, stWon: 1.3, stLost: 1.0}
	mean := float64(g.o.Messages) / float64(g.o.Leads) * w[status] / (0.1*0.5 + 0.1*1.0 + 0.35*1.3 + 0.45*1.0)
	n := int(mean)
	if r.Float64() < mean-float64(n) {
		n++
	}
	return min(n, 60)
}

func logNormalDays(r *rand.Rand, median, sigma float64) time.Duration {
	d := median * math.Exp(r.NormFloat64()*sigma)
	d = math.Max(5, math.Min(120, d))
	return time.Duration(d * 24 * float64(time.Hour))
}

func between(r *rand.Rand, a, b time.Time) time.Time {
	if !b.After(a) {
		return a
	}
	return a.Add(time.Duration(r.Int64N(int64(b.Sub(a))))).Truncate(time.Second)
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func wholeDays(a, b time.Time) float64 {
	return math.Abs(math.Trunc(a.Sub(b).Hours() / 24))
}

func revenue(r *rand.Rand) float64 {
	v := math.Exp(math.Log(6000) + r.NormFloat64()*1.2)
	v = math.Max(500, math.Min(200000, v))
	step := 10.0
	switch {
	case v >= 100000:
		step = 1000
	case v >= 10000:
		step = 500
	case v >= 1000:
		step = 50
	}
	return math.Round(v/step) * step
}

func round2(f float64) float64 { return math.Round(f*100) / 100 }

func (g *gen) lead(r *rand.Rand, b *batch, local int32, created time.Time, region int, q float64, msgLocal *int32) {
	t := g.teams[region]
	reg := t.reg
	lc := &leadCtx{local: local, team: t, created: created, status: leadStatus(r, q, g.now.Sub(created))}
	typ := "opportunity"
	if lc.status == stLead {
		typ = "lead"
	}

	// the customer
	var p *partnerRec
	kinds := []int{20, 55, 12, 13} // company, contact, individual, none
	if lc.status == stLead {
		kinds = []int{10, 25, 5, 60}
	}
	if k := pickWeighted(r, kinds); k < 3 {
		pl := &g.pools[region][k]
		if n := sort.Search(len(pl.times), func(i int) bool { return pl.times[i] > created.Unix() }); n > 0 {
			p = &g.partners[pl.idx[r.IntN(n)]]
		}
	}
	var contact, company, email, phone, e164, function, website, street, street2, zip, city, vat, lang string
	var state, countryID int64
	if p != nil {
		if p.kind != kindCompany {
			contact = p.name
		}
		company = p.parentName
		if p.kind == kindCompany {
			company = p.name
		}
		email, phone, e164, function, website, vat, lang = p.email, p.phone, p.e164, p.function, p.website, p.vat, p.lang
		street, street2, zip, city, state, countryID = p.street, p.street2, p.zip, p.city, p.state, p.country
	} else {
		// a request from the web site or a card: a person, maybe a company name, no customer yet
		c := reg.countries[0]
		first, last := personName(r, reg)
		contact, lang = joinName(first, last), c.lang
		lp := localPart(r, first, last)
		if r.IntN(10) < 6 {
			name, domain := g.companyName(r, region, c)
			company, email = name, lp+"@"+domain
		} else {
			email = lp + strconv.Itoa(r.IntN(99)+1) + "@" + pick(r, reg.genericMail)
		}
		if r.IntN(10) < 8 {
			phone, e164 = c.mobile(r)
		}
		ct := &c.cities[r.IntN(len(c.cities))]
		city, countryID, state = ct.name, g.countryID[c.code], g.stateID[c.code+"/"+ct.state]
		if r.IntN(10) == 0 {
			email = ""
		}
	}
	dealReg := reg
	switch lang {
	case "en_US":
		dealReg = regions[regionNA]
	case "id_ID":
		dealReg = regions[regionID]
	case "ro_RO":
		dealReg = regions[regionRO]
	}
	name := pick(r, dealReg.deals)
	if strings.Contains(name, "%d") {
		name = strings.Replace(name, "%d", strconv.Itoa(pick(r, []int{3, 5, 8, 10, 12, 15, 20, 25, 30, 40, 50, 75, 100, 150, 200})), 1)
	}
	if company != "" && r.IntN(10) < 4 {
		name = company + " - " + name
	}
	lc.name = name

	// where it came from
	var sourceID, mediumID, campaignID int64
	src := sourceMix[pickWeighted(r, sourceWeights)]
	sourceID = g.sources[src.name]
	if m := pick(r, src.media); m != "" && (src.name != "" || r.IntN(2) == 0) {
		mediumID = g.media[m]
	}
	inbound := src.name == "Search engine" || src.name == "Newsletter" || src.name == "Facebook" || src.name == "Twitter" || src.name == "LinkedIn"
	if len(t.campaigns) > 0 && r.IntN(100) < 18 {
		c := t.campaigns[r.IntN(len(t.campaigns))]
		campaignID, sourceID, mediumID = c.id, c.source, c.medium
	}

	// who works on it
	lc.user = g.salesperson(r, region)
	recent := g.now.Sub(created) < 30*24*time.Hour
	activated := true
	if lc.status == stLead && recent && r.IntN(10) < 4 {
		lc.user = nil // waiting for the assignment
		if (region == regionRO && r.IntN(3) == 0) || r.IntN(40) == 0 {
			activated = false // entered from the registry, not activated yet
		}
	}
	lc.creator = g.sysUID
	if lc.user != nil && !inbound {
		lc.creator = lc.user.uid
	}

	// the pipeline
	var stage *stageInfo
	switch lc.status {
	case stLead:
		stage = t.open[0]
	case stOpen:
		w := make([]int, len(t.open))
		for i := range w {
			w[i] = int(100 / (1 + 0.4*float64(i)))
		}
		lc.stageIdx = pickWeighted(r, w)
		stage = t.open[lc.stageIdx]
	case stWon:
		stage, lc.stageIdx = t.won, len(t.open)-1
	case stLost:
		w := make([]int, len(t.open))
		for i := range w {
			w[i] = int(100 / (1 + float64(i)))
		}
		lc.stageIdx = pickWeighted(r, w)
		stage = t.open[lc.stageIdx]
		if t.lost != nil {
			stage = t.lost
		}
		if len(g.reasons) > 0 {
			lc.reason = g.reasons[pickWeighted(r, []int{50, 30, 20}[:len(g.reasons)])]
		}
	}
	var closed time.Time
	age := g.now.Sub(created)
	switch lc.status {
	case stWon, stLost:
		cycle := logNormalDays(r, 40, 0.6)
		if lc.status == stLost {
			cycle = logNormalDays(r, 21, 0.8)
		}
		if cycle >= age {
			cycle = 5*24*time.Hour + time.Duration(r.Int64N(int64(age-5*24*time.Hour)+1))
		}
		closed = created.Add(cycle).Truncate(time.Second)
		lc.end = closed
	default:
		lc.end = g.now
	}
	var dateOpen, conversion, firstContact time.Time
	if lc.user != nil {
		dateOpen = created
		if lc.creator != lc.user.uid {
			dateOpen = minTime(created.Add(time.Duration(r.ExpFloat64()*4*float64(time.Hour))).Truncate(time.Second), lc.end)
		}
		if r.IntN(10) < 4 {
			firstContact = minTime(dateOpen.Add(time.Duration(1800+r.IntN(48*3600))*time.Second), lc.end)
		}
	}
	if typ == "opportunity" && (inbound && r.IntN(10) < 8 || r.IntN(10) < 3) {
		lc.asLead = true
		conversion = minTime(created.Add(time.Duration(3600+r.IntN(5*24*3600))*time.Second), lc.end)
	}
	lc.asLead = lc.asLead || typ == "lead"
	var deadline time.Time
	switch {
	case lc.status == stOpen && r.IntN(100) < 85:
		deadline = g.now.AddDate(0, 0, -20+r.IntN(95))
		if deadline.Before(created) {
			deadline = created.AddDate(0, 0, 14)
		}
	case lc.status == stLead && r.IntN(10) == 0:
		deadline = g.now.AddDate(0, 0, 5+r.IntN(55))
	case (lc.status == stWon || lc.status == stLost) && r.IntN(2) == 0:
		deadline = closed.AddDate(0, 0, -15+r.IntN(35))
		if deadline.Before(created) {
			deadline = closed
		}
	}

	// the timeline, which also dates the last stage change
	lastStage := g.timeline(r, lc, g.messageBudget(r, lc.status))
	if lc.status == stWon || (lc.status == stLost && t.lost != nil) {
		lastStage = closed
	}
	if lastStage.IsZero() {
		lastStage = created
		if !conversion.IsZero() {
			lastStage = conversion
		}
	}
	writeDate := lastStage
	for _, e := range lc.events {
		if e.t.After(writeDate) {
			writeDate = e.t
		}
	}
	for _, x := range []time.Time{dateOpen, conversion, firstContact, closed} {
		if x.After(writeDate) {
			writeDate = x
		}
	}

	prob := stage.prob
	active, wonStatus := true, "pending"
	var reasonID int64
	switch lc.status {
	case stWon:
		wonStatus = "won"
	case stLost:
		prob, active, wonStatus, reasonID = 0, false, "lost", lc.reason.id
	}
	expected := revenue(r)
	if lc.status == stLead && r.IntN(10) < 3 {
		expected = 0
	}
	var userID, writeUID int64 = 0, g.sysUID
	if lc.user != nil {
		userID, writeUID = lc.user.uid, lc.user.uid
	}
	normalized := base.NormalizeEmail(email)
	var criterion string
	if normalized != "" {
		criterion = crm.EmailDomainCriterion(normalized)
	}
	var partnerID int64
	if p != nil {
		partnerID = p.id
	}
	var dayOpen, dayClose any
	if !dateOpen.IsZero() {
		dayOpen = wholeDays(dateOpen, created)
	}
	if !closed.IsZero() {
		dayClose = wholeDays(closed, created)
	}
	var deadlineParam any
	if !deadline.IsZero() {
		deadlineParam = g.d.DateParam(deadline)
	}
	b.rows[specLead].add(int64(local), name, idOrNil(userID), t.id, g.d.BoolParam(active), typ, pickPriority(r),
		stage.id, expected, round2(expected*prob/100), prob, wonStatus, idOrNil(reasonID),
		g.ts(closed), g.ts(dateOpen), dayOpen, dayClose, g.ts(lastStage), g.ts(conversion), deadlineParam, g.ts(firstContact),
		idOrNil(partnerID), g.nz(contact), g.nz(company), g.nz(function), g.nz(website), idOrNil(g.langs[lang]),
		g.nz(email), g.nz(normalized), g.nz(criterion), g.nz(phone), g.nz(e164),
		g.nz(street), g.nz(street2), g.nz(zip), g.nz(city), idOrNil(state), idOrNil(countryID), g.nz(vat),
		idOrNil(campaignID), idOrNil(mediumID), idOrNil(sourceID), g.d.BoolParam(activated),
		lc.creator, g.d.TimeParam(created), writeUID, g.d.TimeParam(writeDate))

	// tags
	nTags := pickWeighted(r, []int{35, 35, 20, 10})
	var chosen [3]int64
	for i := 0; i < nTags; i++ {
		tag := g.tags[pickWeighted(r, g.tagWeight)]
		dup := false
		for _, c := range chosen[:i] {
			dup = dup || c == tag
		}
		if dup {
			continue
		}
		chosen[i] = tag
		b.rows[specTag].add(int64(local), tag)
	}
	g.emitMessages(b, lc, msgLocal)
}

var sourceWeights = func() []int {
	w := make([]int, len(sourceMix))
	for i, s := range sourceMix {
		w[i] = s.weight
	}
	return w
}()

func pickPriority(r *rand.Rand) string {
	return crm.Priorities[pickWeighted(r, []int{45, 35, 15, 5})][0]
}

// timeline plans a lead's messages within its budget: the creation note,
// the stage changes along its way through the pipeline, the won or lost
// message and log notes. It returns the time of the last stage change.
func (g *gen) timeline(r *rand.Rand, lc *leadCtx, budget int) time.Time {
	if budget == 0 {
		return time.Time{}
	}
	t := lc.team
	lc.events = append(lc.events, event{t: lc.created, kind: evCreate})
	left := budget - 1
	closed := lc.status == stWon || lc.status == stLost
	if closed && left > 0 {
		kind := evWon
		if lc.status == stLost {
			kind = evLost
		}
		lc.events = append(lc.events, event{t: lc.end, kind: kind})
		left--
	}
	var required *stageInfo // the stage an open opportunity stands in
	var mids []*stageInfo
	switch lc.status {
	case stOpen:
		if lc.stageIdx > 0 {
			required = t.open[lc.stageIdx]
			mids = t.open[1:lc.stageIdx]
		}
	case stWon:
		mids = t.open[1:]
	case stLost:
		mids = t.open[1 : lc.stageIdx+1]
	}
	if required != nil && left > 0 {
		left--
	} else {
		required = nil
	}
	k := min(left, len(mids))
	left -= k
	// keep k of the intermediate stages, in order
	keep := make([]bool, len(mids))
	for _, i := range r.Perm(len(mids))[:k] {
		keep[i] = true
	}
	path := []*stageInfo{t.open[0]}
	for i, s := range mids {
		if keep[i] {
			path = append(path, s)
		}
	}
	if required != nil {
		path = append(path, required)
	}
	// stage changes happen before the end (closing, or now for open ones)
	times := make([]time.Time, len(path)-1)
	end := lc.end
	if !closed {
		end = between(r, lc.created, g.now)
	}
	for i := range times {
		times[i] = between(r, lc.created, end)
	}
	sort.Slice(times, func(i, j int) bool { return times[i].Before(times[j]) })
	var last time.Time
	for i := 1; i < len(path); i++ {
		lc.events = append(lc.events, event{t: times[i-1], kind: evStage, from: path[i-1], to: path[i]})
		last = times[i-1]
	}
	// the won or lost message leaves the last stage reached
	for i := range lc.events {
		if e := &lc.events[i]; e.kind == evWon || e.kind == evLost {
			e.from = path[len(path)-1]
			if e.kind == evWon {
				e.to = t.won
			} else if t.lost != nil {
				e.to = t.lost
			}
			if e.t.Before(last) {
				e.t = last.Add(time.Minute)
			}
		}
	}
	notes := lc.team.reg.notes
	for i := 0; i < left; i++ {
		lc.events = append(lc.events, event{t: between(r, lc.created, lc.end), kind: evNote, note: pick(r, notes)})
	}
	sort.SliceStable(lc.events, func(i, j int) bool {
		if lc.events[i].kind == evCreate || lc.events[j].kind == evCreate {
			return lc.events[i].kind == evCreate && lc.events[j].kind != evCreate
		}
		return lc.events[i].t.Before(lc.events[j].t)
	})
	return last
}

func (g *gen) emitMessages(b *batch, lc *leadCtx, msgLocal *int32) {
	author, uid := g.sysAuthor, g.sysUID
	if lc.user != nil {
		author, uid = lc.user.partner, lc.user.uid
	} else if l := lc.team.leader; l != nil {
		author, uid = l.partner, l.uid
	}
	msgs, track := &b.rows[specMsg], &b.rows[specTrack]
	for _, e := range lc.events {
		*msgLocal++
		id := int64(*msgLocal)
		date := g.d.TimeParam(e.t)
		a, u := author, uid
		switch e.kind {
		case evCreate:
			if lc.creator == g.sysUID {
				a, u = g.sysAuthor, g.sysUID
			}
			body := "Opportunity created"
			if lc.asLead {
				body = "Lead created"
			}
			msgs.add(id, int64(lc.local), lc.name, body, "notification", "crm.mt_lead_create", a, u, date)
		case evStage:
			msgs.add(id, int64(lc.local), lc.name, "", "notification", "crm.mt_lead_stage", a, u, date)
			track.add(id, "stage_id", "Stage", "many2one", e.from.name, e.to.name, e.from.id, e.to.id, u, date)
		case evWon:
			msgs.add(id, int64(lc.local), lc.name, "", "notification", "crm.mt_lead_won", a, u, date)
			track.add(id, "stage_id", "Stage", "many2one", e.from.name, e.to.name, e.from.id, e.to.id, u, date)
		case evLost:
			msgs.add(id, int64(lc.local), lc.name, "", "notification", "crm.mt_lead_lost", a, u, date)
			track.add(id, "active", "Active", "boolean", nil, nil, int64(1), int64(0), u, date)
			if e.to != nil {
				track.add(id, "stage_id", "Stage", "many2one", e.from.name, e.to.name, e.from.id, e.to.id, u, date)
			}
			if lc.reason.id != 0 {
				track.add(id, "lost_reason_id", "Lost Reason", "many2one", nil, lc.reason.name, nil, lc.reason.id, u, date)
			}
		case evNote:
			msgs.add(id, int64(lc.local), lc.name, "<p>"+html.EscapeString(e.note)+"</p>", "comment", "mail.mt_note", a, u, date)
		}
	}
}

// Transports.

// pgTransport copies each batch with COPY (through the pgx pool, which
// database/sql cannot do) into UNLOGGED staging tables from the generating
// goroutine, and the writers move the rows with INSERT ... SELECT. COPY
// is the cheapest way in for the client and the server; PostgreSQL's
// foreign key triggers, one per row and key, remain the main cost, so
// two transactions write at the same time.
type pgTransport struct {
	db     *db.DB
	seqs   map[string]string
	prefix string
}

const pgSlots = 3 // writers + 1

func newPGTransport(ctx context.Context, r *orm.Runner) (*pgTransport, error) {
	t := &pgTransport{db: r.DB, seqs: map[string]string{}, prefix: "kanso_demo_stage"}
	err := r.Run(ctx, orm.SuperuserID, nil, false, func(env *orm.Env) error {
		for _, tbl := range []string{"res_partner", "crm_lead", "mail_message"} {
			seq, err := sequenceOf(env, tbl)
			if err != nil {
				return err
			}
			t.seqs[tbl] = seq
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for slot := 0; slot < pgSlots; slot++ {
		for _, s := range specs {
			var cols []string
			for i, n := range s.names {
				cols = append(cols, n+" "+s.pgType[i])
			}
			name := t.table(slot, s)
			if _, err := r.DB.Write.ExecContext(ctx, "DROP TABLE IF EXISTS "+name); err != nil {
				return nil, fmt.Errorf("demo: staging table: %w", err)
			}
			if _, err := r.DB.Write.ExecContext(ctx, "CREATE UNLOGGED TABLE "+name+" ("+strings.Join(cols, ", ")+")"); err != nil {
				return nil, fmt.Errorf("demo: staging table: %w", err)
			}
		}
	}
	return t, nil
}

func (t *pgTransport) table(slot int, s *spec) string {
	return t.prefix + "_" + strconv.Itoa(slot) + "_" + s.stage
}

func (t *pgTransport) writers() int                         { return pgSlots - 1 }
func (t *pgTransport) before(context.Context, *batch) error { return nil }
func (t *pgTransport) after(context.Context, *batch) error  { return nil }

func (t *pgTransport) close(ctx context.Context) {
	for slot := 0; slot < pgSlots; slot++ {
		for _, s := range specs {
			t.db.Write.ExecContext(ctx, "DROP TABLE IF EXISTS "+t.table(slot, s))
		}
	}
}

// stage allocates the batch's ids, in the order of the batches, and
// copies its rows into the slot's staging tables.
func (t *pgTransport) stage(ctx context.Context, b *batch) error {
	var err error
	b.bs, err = batchBases(b, func(table string, n int) (int64, error) {
		return allocateSeq(ctx, t.db.Write, table, t.seqs[table], n)
	})
	if err != nil {
		return err
	}
	conn, err := t.db.Pool().Acquire(ctx)
	if err != nil {
		return fmt.Errorf("demo: stage: %w", err)
	}
	defer conn.Release()
	for i, s := range specs {
		name := t.table(b.slot, s)
		if _, err := conn.Exec(ctx, "TRUNCATE "+name); err != nil {
			return fmt.Errorf("demo: stage: %w", err)
		}
		rows := &b.rows[i]
		if rows.n == 0 {
			continue
		}
		ncol := len(s.names)
		src := pgx.CopyFromSlice(rows.n, func(j int) ([]any, error) { return rows.vals[j*ncol : (j+1)*ncol], nil })
		if _, err := conn.Conn().CopyFrom(ctx, pgx.Identifier{name}, s.names, src); err != nil {
			return fmt.Errorf("demo: stage %s: %w", s.stage, err)
		}
		rows.vals = nil
	}
	return nil
}

func (t *pgTransport) bases(env *orm.Env, b *batch) (bases, error) { return b.bs, nil }

func (t *pgTransport) insert(env *orm.Env, b *batch, bs bases, company int64) error {
	for i, s := range specs {
		if b.rows[i].n == 0 {
			continue
		}
		q, args := s.insertSQL(env.Dialect, bs, company)
		if _, err := env.Exec(q+" FROM "+t.table(b.slot, s)+" AS s", args...); err != nil {
			return err
		}
	}
	return nil
}

// sqliteTransport stages each batch in a private in-memory database (the
// memdb VFS) from the generating goroutine, attaches it read-only to the
// application's writer connection for the batch's transaction, and copies
// the rows with INSERT ... SELECT: the writer then spends its time on the
// tables and indexes, not on binding parameters, and the staging of the
// next batch runs on the other core meanwhile. The two staging databases
// alternate.
type sqliteTransport struct {
	db    *db.DB
	name  [2]string
	alias [2]string
	conns [2]*sql.DB
	// sums are the statements that sum a batch's staged leads into the
	// groups of each lead rollup, in the staging database (on the
	// generating goroutine), so that the writer only merges the groups
	leads *orm.Model
	sums  []string
}

var stageCounter atomic.Int64

func newSQLiteTransport(ctx context.Context, r *orm.Runner, company int64) (*sqliteTransport, error) {
	d := r.DB
	t := &sqliteTransport{db: d, leads: r.Reg.Model("crm.lead")}
	if err := t.prepareSums(ctx, company); err != nil {
		return nil, err
	}
	n := stageCounter.Add(1)
	for i := range t.conns {
		t.name[i] = fmt.Sprintf("/kanso-demo-%d-%d-%d", time.Now().UnixNano(), n, i)
		t.alias[i] = fmt.Sprintf("kanso_demo_%d_%d", n, i)
		c, err := sql.Open("sqlite", "file:"+t.name[i]+"?vfs=memdb")
		if err != nil {
			t.close(ctx)
			return nil, fmt.Errorf("demo: staging database: %w", err)
		}
		c.SetMaxOpenConns(1)
		c.SetMaxIdleConns(1)
		c.SetConnMaxLifetime(0)
		t.conns[i] = c
		for _, s := range specs {
			if _, err := c.ExecContext(ctx, "CREATE TABLE "+s.stage+" ("+strings.Join(s.names, ", ")+")"); err != nil {
				t.close(ctx)
				return nil, fmt.Errorf("demo: staging database: %w", err)
			}
		}
		for j, sum := range t.sums {
			if _, err := c.ExecContext(ctx, "CREATE TABLE "+sumTable(j)+" AS "+sum); err != nil {
				t.close(ctx)
				return nil, fmt.Errorf("demo: staging database: %w", err)
			}
		}
	}
	return t, nil
}

func sumTable(i int) string { return fmt.Sprintf("rollup_%d", i) }

// prepareSums writes the statements that sum staged leads into rollup
// groups: each column of a rollup is the expression the lead's INSERT
// gives it, or the column's default when the INSERT leaves it out.
func (t *sqliteTransport) prepareSums(ctx context.Context, company int64) error {
	defaults := map[string]string{}
	rows, err := t.db.Write.QueryContext(ctx, "SELECT name, dflt_value FROM pragma_table_info('crm_lead')")
	if err != nil {
		return fmt.Errorf("demo: columns of crm_lead: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		var dflt sql.NullString
		if err := rows.Scan(&name, &dflt); err != nil {
			return fmt.Errorf("demo: columns of crm_lead: %w", err)
		}
		defaults[name] = "NULL"
		if dflt.Valid {
			defaults[name] = dflt.String
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("demo: columns of crm_lead: %w", err)
	}
	lead := specs[specLead]
	var bad error
	col := func(name string) string {
		i := slices.Index(lead.out, name)
		if i < 0 {
			if dflt, ok := defaults[name]; ok {
				return dflt
			}
			bad = fmt.Errorf("demo: crm_lead has no column %s for its rollups", name)
			return "NULL"
		}
		e := strings.NewReplacer("{COMPANY}", strconv.FormatInt(company, 10), "{TRUE}", "1").Replace(lead.exprs[i])
		if strings.Contains(e, "{") {
			bad = fmt.Errorf("demo: the rollups of crm_lead group by %s, an id given when the batch is written", name)
		}
		return e
	}
	for _, ru := range t.leads.Rollups {
		t.sums = append(t.sums, ru.SumSQL(db.SQLite, lead.stage+" AS s", col))
	}
	return bad
}

func (t *sqliteTransport) writers() int { return 1 }

func (t *sqliteTransport) bases(env *orm.Env, b *batch) (bases, error) {
	return batchBases(b, func(table string, n int) (int64, error) { return allocate(env, table, n) })
}

func (t *sqliteTransport) stage(ctx context.Context, b *batch) error {
	tx, err := t.conns[b.slot].BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("demo: stage: %w", err)
	}
	defer tx.Rollback()
	for i, s := range specs {
		if _, err := tx.ExecContext(ctx, "DELETE FROM "+s.stage); err != nil {
			return fmt.Errorf("demo: stage: %w", err)
		}
		rows := &b.rows[i]
		if err := stageRows(ctx, tx, s, rows); err != nil {
			return fmt.Errorf("demo: stage %s: %w", s.stage, err)
		}
		rows.vals = nil // staged: the memory can go
	}
	if b.rows[specLead].n > 0 {
		for j, sum := range t.sums {
			if _, err := tx.ExecContext(ctx, "DELETE FROM "+sumTable(j)); err != nil {
				return fmt.Errorf("demo: stage: %w", err)
			}
			if _, err := tx.ExecContext(ctx, "INSERT INTO "+sumTable(j)+" "+sum); err != nil {
				return fmt.Errorf("demo: stage: %w", err)
			}
		}
	}
	return tx.Commit()
}

// addRollups merges the groups stage summed (their rows need no ids).
func (t *sqliteTransport) addRollups(env *orm.Env, b *batch) error {
	for j, ru := range t.leads.Rollups {
		if _, err := env.Exec(ru.MergeSQL(t.leads, env.Dialect, t.alias[b.slot]+"."+sumTable(j))); err != nil {
			return fmt.Errorf("demo: add batch %d to %s: %w", b.seq, ru.Table, err)
		}
	}
	return nil
}

// stageRows inserts rows with multi-row statements, which cost half as
// much per row as one statement per row.
func stageRows(ctx context.Context, tx *sql.Tx, s *spec, rows *rowBuf) error {
	const per = 64
	ncol := len(s.cols)
	one := "(" + strings.TrimSuffix(strings.Repeat("?, ", ncol), ", ") + ")"
	prepare := func(n int) (*sql.Stmt, error) {
		return tx.PrepareContext(ctx, "INSERT INTO "+s.stage+" VALUES "+strings.TrimSuffix(strings.Repeat(one+", ", n), ", "))
	}
	var full *sql.Stmt
	for start := 0; start < rows.n; start += per {
		n := min(per, rows.n-start)
		st := full
		if n < per || full == nil {
			var err error
			if st, err = prepare(n); err != nil {
				return err
			}
			if n == per {
				full = st
				defer full.Close()
			} else {
				defer st.Close()
			}
		}
		if _, err := st.ExecContext(ctx, rows.vals[start*ncol:(start+n)*ncol]...); err != nil {
			return err
		}
	}
	return nil
}

func (t *sqliteTransport) before(ctx context.Context, b *batch) error {
	_, err := t.db.Write.ExecContext(ctx, "ATTACH DATABASE ? AS "+t.alias[b.slot], "file:"+t.name[b.slot]+"?vfs=memdb&mode=ro")
	if err != nil {
		return fmt.Errorf("demo: attach staging database: %w", err)
	}
	return nil
}

func (t *sqliteTransport) after(ctx context.Context, b *batch) error {
	if _, err := t.db.Write.ExecContext(context.WithoutCancel(ctx), "DETACH DATABASE "+t.alias[b.slot]); err != nil {
		return fmt.Errorf("demo: detach staging database: %w", err)
	}
	return nil
}

func (t *sqliteTransport) insert(env *orm.Env, b *batch, bs bases, company int64) error {
	for i, s := range specs {
		if b.rows[i].n == 0 {
			continue
		}
		q, args := s.insertSQL(env.Dialect, bs, company)
		if _, err := env.Exec(q+" FROM "+t.alias[b.slot]+"."+s.stage+" AS s", args...); err != nil {
			return err
		}
	}
	return nil
}

func (t *sqliteTransport) close(ctx context.Context) {
	for _, c := range t.conns {
		if c != nil {
			c.Close()
		}
	}
}
