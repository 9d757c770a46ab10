// Command kanso is the Kanso CRM: one binary that serves the application
// and its API and administers its database.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
	_ "time/tzdata" // user time zones work on machines without zoneinfo

	"github.com/kanso-crm/kanso/internal/app"
	"github.com/kanso-crm/kanso/internal/base"
	"github.com/kanso-crm/kanso/internal/orm"
)

const usage = `Kanso, a CRM for sales teams.

Usage:
  kanso serve [--addr 127.0.0.1:8069] [--db kanso.db | postgres://…] [--demo]
  kanso migrate [--db …]
  kanso apikey create --login LOGIN [--name TEXT] [--days N] [--db …]
  kanso user password --login LOGIN [--db …]   (reads the new password from stdin)
  kanso demo [--leads 2000] [--seed 1] [--db …]   fill a database with demo data
  kanso import MODEL FILE [--dry-run] [--map COL=field] [--preset NAME] [--update-by email] [--db …]
  kanso import presets                          list the other CRMs' ready-made mappings
  kanso export MODEL [--domain JSON] [--fields a,b/c] [--output file.xlsx] [--db …]
  kanso bench [--url http://127.0.0.1:8069] [--duration 10s] [--concurrency 8] [--json FILE]
  kanso version

Every command takes --help. The database defaults to $KANSO_DB, else kanso.db
in the working directory.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "kanso:", err)
		os.Exit(1)
	}
}

func env(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stdout, usage)
		return nil
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	switch args[0] {
	case "serve":
		return serve(ctx, args[1:], stdout, log)
	case "migrate":
		fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
		dbURL := fs.String("db", env("KANSO_DB", "kanso.db"), "SQLite file or postgres:// URL")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		a, err := app.Open(ctx, app.Config{DB: *dbURL, Log: log, AdminPassword: os.Getenv("KANSO_ADMIN_PASSWORD")})
		if err != nil {
			return err
		}
		defer a.Close()
		reportInstall(stdout, a)
		v, err := a.DB.SchemaVersion(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "database schema is at version %d\n", v)
		return nil
	case "apikey":
		return apikey(ctx, args[1:], stdout, log)
	case "user":
		return user(ctx, args[1:], stdin, stdout, log)
	case "demo":
		return demoCmd(ctx, args[1:], stdout, log)
	case "import":
		return importCmd(ctx, args[1:], stdout, log)
	case "export":
		return exportCmd(ctx, args[1:], stdout, log)
	case "bench":
		return benchCmd(ctx, args[1:], stdout)
	case "version":
		fmt.Fprintf(stdout, "kanso %s (Odoo %s API)\n", app.Version, "19.0")
		return nil
	}
	return fmt.Errorf("unknown command %q; run kanso --help", args[0])
}

func reportInstall(w io.Writer, a *app.App) {
	if a.Installed == nil {
		return
	}
	if a.Installed.GeneratedPassword != "" {
		fmt.Fprintf(w, "New database: log in as admin with the password %s (shown only now; change it after logging in)\n", a.Installed.GeneratedPassword)
	} else {
		fmt.Fprintln(w, "New database: log in as admin with the password you configured")
	}
}

func serve(ctx context.Context, args []string, stdout io.Writer, log *slog.Logger) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	addr := fs.String("addr", env("KANSO_ADDR", "127.0.0.1:8069"), "address to listen on")
	dbURL := fs.String("db", env("KANSO_DB", "kanso.db"), "SQLite file or postgres:// URL")
	dbName := fs.String("dbname", env("KANSO_DBNAME", "kanso"), "database name API clients send")
	demo := fs.Bool("demo", false, "on a new database, create demo data and the admin password \"admin\"")
	currency := fs.String("currency", env("KANSO_CURRENCY", "USD"), "company currency of a new database (ISO code)")
	secure := fs.Bool("secure-cookies", os.Getenv("KANSO_SECURE_COOKIES") == "1", "mark cookies Secure (serve behind HTTPS)")
	slowQuery := fs.Duration("slow-query", 0, "log the SQL statements slower than this, e.g. 50ms (0: none; env KANSO_SLOW_QUERY)")
	pprofAddr := fs.String("pprof", os.Getenv("KANSO_PPROF"), "also serve Go's profiler (/debug/pprof/) on this address, e.g. 127.0.0.1:6060; keep it private")
	if v := os.Getenv("KANSO_SLOW_QUERY"); v != "" {
		if err := fs.Set("slow-query", v); err != nil {
			return fmt.Errorf("KANSO_SLOW_QUERY=%q: %w (write a duration such as 50ms)", v, err)
		}
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *pprofAddr != "" {
		if err := servePprof(ctx, *pprofAddr, log); err != nil {
			return err
		}
	}
	start := time.Now()
	pw := os.Getenv("KANSO_ADMIN_PASSWORD")
	if *demo && pw == "" {
		pw = "admin"
	}
	a, err := app.Open(ctx, app.Config{Addr: *addr, DB: *dbURL, DBName: *dbName, AdminPassword: pw, Currency: *currency, Log: log, SecureCookies: *secure, SlowQuery: *slowQuery})
	if err != nil {
		return err
	}
	defer a.Close()
	if err := a.Listen(); err != nil {
		return err
	}
	if *demo && a.Installed != nil {
		if err := serveDemo(ctx, a, stdout); err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "Kanso %s is running at %s (database %s, ready in %s)\n", app.Version, a.URL(), *dbURL, time.Since(start).Round(time.Millisecond))
	switch {
	case a.Installed != nil && *demo && os.Getenv("KANSO_ADMIN_PASSWORD") == "":
		fmt.Fprintln(stdout, "Log in as admin with the password admin")
	case a.Installed != nil:
		reportInstall(stdout, a)
	default:
		fmt.Fprintln(stdout, "Log in as admin (or any user) with your password")
	}
	return a.Serve(ctx)
}

func apikey(ctx context.Context, args []string, stdout io.Writer, log *slog.Logger) error {
	if len(args) == 0 || args[0] != "create" {
		return errors.New("usage: kanso apikey create --login LOGIN [--name TEXT] [--days N] [--db …]")
	}
	fs := flag.NewFlagSet("apikey create", flag.ContinueOnError)
	login := fs.String("login", "", "login of the key's owner")
	name := fs.String("name", "Command line", "what the key is for")
	days := fs.Int("days", 0, "validity in days (0: no expiry)")
	dbURL := fs.String("db", env("KANSO_DB", "kanso.db"), "SQLite file or postgres:// URL")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *login == "" {
		return errors.New("--login is required")
	}
	a, err := app.Open(ctx, app.Config{DB: *dbURL, Log: log, AdminPassword: os.Getenv("KANSO_ADMIN_PASSWORD")})
	if err != nil {
		return err
	}
	defer a.Close()
	reportInstall(os.Stderr, a)
	var key string
	err = a.Runner.Run(ctx, orm.SuperuserID, nil, true, func(env *orm.Env) error {
		var uid int64
		if err := env.QueryRow("SELECT id FROM res_users WHERE login = ? AND active = ?", *login, env.Dialect.BoolParam(true)).Scan(&uid); err != nil {
			return fmt.Errorf("no active user with login %q", *login)
		}
		var exp *time.Time
		if *days > 0 {
			t := env.Now.Add(time.Duration(*days) * 24 * time.Hour)
			exp = &t
		}
		var err error
		key, err = base.GenerateAPIKey(env, uid, *name, "rpc", exp)
		return err
	})
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, key)
	return nil
}

func user(ctx context.Context, args []string, stdin io.Reader, stdout io.Writer, log *slog.Logger) error {
	if len(args) == 0 || args[0] != "password" {
		return errors.New("usage: kanso user password --login LOGIN [--db …] < new-password")
	}
	fs := flag.NewFlagSet("user password", flag.ContinueOnError)
	login := fs.String("login", "", "login of the user")
	dbURL := fs.String("db", env("KANSO_DB", "kanso.db"), "SQLite file or postgres:// URL")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	b, err := io.ReadAll(io.LimitReader(stdin, 4096))
	if err != nil {
		return err
	}
	pw := strings.TrimRight(string(b), "\r\n")
	a, err := app.Open(ctx, app.Config{DB: *dbURL, Log: log})
	if err != nil {
		return err
	}
	defer a.Close()
	err = a.Runner.Run(ctx, orm.SuperuserID, nil, true, func(env *orm.Env) error {
		m := env.Reg.Model("res.users")
		ids, err := env.WithContext(map[string]any{"active_test": false}).Search(m, orm.Leaf{Path: "login", Op: "=", Value: *login}, orm.SearchOpts{})
		if err != nil {
			return err
		}
		if len(ids) != 1 {
			return fmt.Errorf("no user with login %q", *login)
		}
		return env.Write(m, ids, orm.Values{"password": pw})
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "password of %s changed\n", *login)
	return nil
}
