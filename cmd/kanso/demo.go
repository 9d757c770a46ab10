package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	iofs "io/fs"
	"log/slog"
	"os"
	"runtime/pprof"
	"strings"

	"github.com/kanso-crm/kanso/internal/app"
	"github.com/kanso-crm/kanso/internal/db"
	"github.com/kanso-crm/kanso/internal/demo"
)

// demoCmd fills a database with demo data (the load generator's data set).
func demoCmd(ctx context.Context, args []string, stdout io.Writer, log *slog.Logger) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	leads := fs.Int("leads", 2000, "number of leads and opportunities")
	partners := fs.Int("partners", 0, "number of customers (default: a tenth of the leads)")
	messages := fs.Int("messages", 0, "timeline entries (default: three per lead)")
	seed := fs.Uint64("seed", 1, "random seed: the same seed gives the same data")
	dbURL := fs.String("db", env("KANSO_DB", "kanso.db"), "SQLite file or postgres:// URL")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the generation to this file (go tool pprof reads it)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return fmt.Errorf("cpu profile: %w", err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return fmt.Errorf("cpu profile: %w", err)
		}
		defer pprof.StopCPUProfile()
	}
	cfg := app.Config{DB: *dbURL, Log: log, AdminPassword: os.Getenv("KANSO_ADMIN_PASSWORD")}
	// a new SQLite file is filled under another name without a journal
	// (db.OpenBulk) and moved into place once complete: a crash leaves
	// that file, never a half-written database under the name asked for
	building := ""
	if !db.IsPostgresURL(*dbURL) {
		if _, err := os.Stat(*dbURL); errors.Is(err, iofs.ErrNotExist) {
			building = *dbURL + ".building"
			if err := os.Remove(building); err != nil && !errors.Is(err, iofs.ErrNotExist) {
				return fmt.Errorf("remove an unfinished %s: %w", building, err)
			}
			cfg.DB, cfg.BulkLoad = building, true
		}
	}
	a, err := app.Open(ctx, cfg)
	if err != nil {
		if building != "" {
			os.Remove(building)
			return fmt.Errorf("new database %s (filled as %s): %w", *dbURL, building, err)
		}
		return err
	}
	open := true
	defer func() {
		if open {
			a.Close()
		}
		if building != "" {
			os.Remove(building) // still there: the load did not finish
		}
	}()
	reportInstall(stdout, a)
	last := -1
	st, err := demo.Generate(ctx, a.Runner, demo.Options{Leads: *leads, Partners: *partners, Messages: *messages, Seed: *seed,
		Progress: func(done, total int) {
			if pct := done * 100 / max(total, 1); pct/10 != last/10 {
				last = pct
				fmt.Fprintf(os.Stderr, "\rdemo data: %3d%% (%d of %d)", pct, done, total)
			}
		}})
	fmt.Fprintln(os.Stderr)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "demo data: %d users, %d teams, %d customers, %d leads, %d planned activities, %d timeline entries in %s; the users' password is %q\n",
		st.Users, st.Teams, st.Partners, st.Leads, st.Activities, st.Messages, st.Elapsed.Round(1e7), demo.Password)
	steps := make([]string, len(st.Phases))
	for i, p := range st.Phases {
		steps[i] = fmt.Sprintf("%s %s", p.Name, p.Elapsed.Round(1e7))
	}
	fmt.Fprintf(stdout, "demo data: time by step: %s\n", strings.Join(steps, ", "))
	if building == "" {
		return nil
	}
	open = false
	if err := a.Close(); err != nil {
		return err
	}
	return moveIntoPlace(ctx, building, *dbURL)
}

// moveIntoPlace syncs the file a bulk load wrote (without syncs of its
// own) to disk, renames it to path and opens it once as every Kanso
// database is opened, which turns WAL on.
func moveIntoPlace(ctx context.Context, building, path string) error {
	f, err := os.OpenFile(building, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("sync %s: %w", building, err)
	}
	if err := os.Rename(building, path); err != nil {
		return err
	}
	d, err := db.Open(ctx, path)
	if err != nil {
		return err
	}
	return d.Close()
}

// serveDemo fills a new database with a small demo data set.
func serveDemo(ctx context.Context, a *app.App, stdout io.Writer) error {
	st, err := demo.Generate(ctx, a.Runner, demo.Options{Leads: 2000, Seed: 1})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Demo data: %d leads of %d customers in %d teams; salespeople log in as james, budi or ioana (and others) with the password %q\n",
		st.Leads, st.Partners, st.Teams, demo.Password)
	return nil
}
