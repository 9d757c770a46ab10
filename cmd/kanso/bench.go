package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/kanso-crm/kanso/internal/bench"
)

func benchCmd(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	target := fs.String("url", env("KANSO_URL", "http://127.0.0.1:8069"), "address of a running Kanso")
	login := fs.String("login", "admin", "a manager's login")
	password := fs.String("password", env("KANSO_BENCH_PASSWORD", "admin"), "the manager's password")
	salesLogin := fs.String("sales-login", "", "a salesperson's login (own documents), for their pipeline")
	salesPassword := fs.String("sales-password", "demo", "the salesperson's password")
	duration := fs.Duration("duration", 10*time.Second, "time per operation")
	warmup := fs.Duration("warmup", 2*time.Second, "warm-up per operation")
	concurrency := fs.Int("concurrency", 8, "parallel clients for the throughput operations")
	jsonOut := fs.String("json", "", "also write the results as JSON to this file")
	only := fs.String("only", "", "comma-separated parts of operation names to run")
	if err := fs.Parse(args); err != nil {
		return err
	}
	o := bench.Options{URL: *target, Login: *login, Password: *password, SalesLogin: *salesLogin, SalesPass: *salesPassword,
		Duration: *duration, Warmup: *warmup, Concurrency: *concurrency,
		Progress: func(op string) { fmt.Fprintf(os.Stderr, "measuring: %s\n", op) }}
	if *only != "" {
		o.Only = strings.Split(*only, ",")
	}
	rep, err := bench.Run(ctx, o)
	if err != nil {
		return err
	}
	fmt.Fprint(stdout, rep.Text())
	if *jsonOut != "" {
		b, _ := json.MarshalIndent(rep, "", "  ")
		if err := os.WriteFile(*jsonOut, b, 0o644); err != nil {
			return err
		}
	}
	if !rep.OK {
		return errors.New("at least one budget was missed")
	}
	return nil
}
