// Package app wires Kanso together: it opens and migrates the database,
// builds the model registry from the modules, installs their data on a
// new database and serves HTTP. Tests boot the real program on port 0.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/kanso-crm/kanso/internal/api"
	"github.com/kanso-crm/kanso/internal/base"
	"github.com/kanso-crm/kanso/internal/crm"
	"github.com/kanso-crm/kanso/internal/db"
	"github.com/kanso-crm/kanso/internal/mail"
	"github.com/kanso-crm/kanso/internal/orm"
	"github.com/kanso-crm/kanso/internal/web"
)

// Version is the product version.
const Version = "0.1.0"

// Config is what a Kanso process needs to start.
type Config struct {
	Addr   string // listen address, e.g. 127.0.0.1:8069 (":0" in tests)
	DB     string // SQLite path or postgres:// URL
	DBName string // the database name API clients send
	// AdminPassword is used when a new database is created; empty
	// generates one (reported in Installed).
	AdminPassword string
	Currency      string
	Log           *slog.Logger
	// MaxBody bounds API request bodies.
	MaxBody int64
	// SecureCookies marks cookies Secure (behind HTTPS).
	SecureCookies bool
	// SlowQuery logs every SQL statement that takes longer, with its
	// text and duration (0: none).
	SlowQuery time.Duration
	// BulkLoad opens the SQLite file for a bulk load by this process
	// alone (db.OpenBulk): `kanso demo` into a new file.
	BulkLoad bool
}

// Modules lists the modules of the product, in dependency order.
func Modules() []base.Module { return []base.Module{base.BaseModule, crm.Module, mail.Module} }

// NewRegistry builds the registry of every module.
func NewRegistry() (*orm.Registry, error) {
	r := orm.NewRegistry()
	for _, m := range Modules() {
		m.Register(r)
	}
	if err := r.Check(); err != nil {
		return nil, err
	}
	return r, nil
}

// App is a running Kanso.
type App struct {
	Cfg    Config
	DB     *db.DB
	Reg    *orm.Registry
	Runner *orm.Runner
	Log    *slog.Logger
	// Installed is set when this start created the database; it holds
	// the generated admin password when none was configured.
	Installed *base.InstallResult
	Handler   http.Handler
	srv       *http.Server
	ln        net.Listener
	metrics   *metrics
	broker    *web.Broker
	web       *web.App
	nodeID    string
}

// Open opens and migrates the database and installs missing modules.
func Open(ctx context.Context, cfg Config) (*App, error) {
	log := cfg.Log
	if log == nil {
		log = slog.Default()
	}
	if cfg.DB == "" {
		cfg.DB = "kanso.db"
	}
	if cfg.DBName == "" {
		cfg.DBName = "kanso"
	}
	open := db.Open
	if cfg.BulkLoad {
		open = db.OpenBulk
	}
	d, err := open(ctx, cfg.DB)
	if err != nil {
		return nil, err
	}
	if _, err := d.Migrate(ctx, log); err != nil {
		d.Close()
		return nil, err
	}
	if err := d.Optimize(ctx); err != nil {
		d.Close()
		return nil, err
	}
	reg, err := NewRegistry()
	if err != nil {
		d.Close()
		return nil, err
	}
	notNull, err := d.NotNullColumns(ctx)
	if err != nil {
		d.Close()
		return nil, err
	}
	reg.MarkNotNull(notNull)
	a := &App{Cfg: cfg, DB: d, Reg: reg, Log: log, Runner: &orm.Runner{DB: d, Reg: reg, Log: log, SlowQuery: cfg.SlowQuery}, nodeID: newNodeID()}
	if err := a.install(ctx); err != nil {
		d.Close()
		return nil, err
	}
	if a.Handler, err = a.routes(); err != nil {
		d.Close()
		return nil, err
	}
	return a, nil
}

func (a *App) install(ctx context.Context) error {
	return a.Runner.Run(ctx, orm.SuperuserID, map[string]any{"install_mode": true}, true, func(env *orm.Env) error {
		for _, m := range Modules() {
			ok, err := base.IsInstalled(env, m.Name)
			if err != nil {
				return err
			}
			if ok {
				continue
			}
			opts := base.InstallOptions{AdminPassword: a.Cfg.AdminPassword, Currency: a.Cfg.Currency}
			if m.Name == "base" {
				if opts.AdminPassword == "" {
					pw, err := base.RandomPassword()
					if err != nil {
						return err
					}
					opts.AdminPassword = pw
					a.Installed = &base.InstallResult{GeneratedPassword: pw}
				} else {
					a.Installed = &base.InstallResult{}
				}
			}
			if err := m.Install(env, opts); err != nil {
				return fmt.Errorf("install module %s: %w", m.Name, err)
			}
			if err := base.MarkInstalled(env, m.Name); err != nil {
				return err
			}
			a.Log.Info("module installed", "module", m.Name)
		}
		return nil
	})
}

func (a *App) routes() (http.Handler, error) {
	mux := http.NewServeMux()
	apiSvc := &api.Service{Runner: a.Runner, DBName: a.Cfg.DBName, Log: a.Log, MaxBody: a.Cfg.MaxBody, KansoVersion: Version}
	apiSvc.Routes(mux)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := a.DB.Write.PingContext(ctx); err != nil {
			http.Error(w, "database unavailable", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write([]byte("ok\n"))
	})
	webApp, err := web.NewApp(a.Runner, a.Log, a.Cfg.SecureCookies, Version)
	if err != nil {
		return nil, err
	}
	a.broker = webApp.Broker
	a.web = webApp
	a.Runner.OnCommit = a.publish
	webApp.Routes(mux)
	a.metrics = newMetrics(a)
	mux.Handle("GET /metrics", a.metrics.handler())
	return a.metrics.instrument(web.Protect(mux)), nil
}

// Listen binds the configured address.
func (a *App) Listen() error {
	addr := a.Cfg.Addr
	if addr == "" {
		addr = "127.0.0.1:8069"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	a.ln = ln
	return nil
}

// URL is the base URL the app answers on (after Listen).
func (a *App) URL() string { return "http://" + a.ln.Addr().String() }

// Serve answers HTTP until ctx ends, then shuts down gracefully.
func (a *App) Serve(ctx context.Context) error {
	// requests live in a context that ends with the server, so that
	// streams (server-sent events) close on shutdown instead of holding it
	reqCtx, stopRequests := context.WithCancel(context.WithoutCancel(ctx))
	defer stopRequests()
	a.srv = &http.Server{Handler: a.Handler, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute,
		ErrorLog:    slog.NewLogLogger(a.Log.Handler(), slog.LevelWarn),
		BaseContext: func(net.Listener) context.Context { return reqCtx }}
	a.srv.RegisterOnShutdown(stopRequests)
	errc := make(chan error, 1)
	go func() { errc <- a.srv.Serve(a.ln) }()
	go a.runJobs(ctx)
	go a.relay(ctx)
	select {
	case err := <-errc:
		if errors.Is(err, http.ErrServerClosed) {
			return nil
		}
		return err
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		err := a.srv.Shutdown(sctx)
		if a.web != nil {
			a.web.Shutdown(sctx) // imports in the background roll back
		}
		return err
	}
}

// Close stops the background imports (they roll back) and releases the
// database.
func (a *App) Close() error {
	if a.web != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		a.web.Shutdown(ctx)
	}
	return a.DB.Close()
}
