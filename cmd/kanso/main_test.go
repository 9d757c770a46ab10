package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestServeAnswersHealthz(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	start := time.Now()
	go func() {
		done <- run(ctx, []string{"serve", "--demo", "--addr", "127.0.0.1:0", "--db", filepath.Join(dir, "kanso.db")}, strings.NewReader(""), pw, io.Discard)
		pw.Close()
	}()
	sc := bufio.NewScanner(pr)
	var url string
	var lines []string
	for sc.Scan() {
		lines = append(lines, sc.Text())
		if m := regexp.MustCompile(`running at (http://\S+)`).FindStringSubmatch(sc.Text()); m != nil {
			url = m[1]
		}
		if strings.Contains(sc.Text(), "Log in as admin") {
			break
		}
	}
	if url == "" {
		t.Fatalf("serve printed no URL: %v", lines)
	}
	if !strings.Contains(strings.Join(lines, "\n"), "password admin") {
		t.Errorf("serve --demo does not say how to log in: %v", lines)
	}
	resp, err := http.Get(url + "/healthz")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("healthz: %v %v", resp, err)
	}
	t.Logf("first answer %v after start (including creating the database)", time.Since(start))
	go io.Copy(io.Discard, pr)
	cancel()
	if err := <-done; err != nil {
		t.Errorf("serve returned %v after shutdown", err)
	}
}

func TestAPIKeyCreate(t *testing.T) {
	db := filepath.Join(t.TempDir(), "kanso.db")
	var out bytes.Buffer
	if err := run(context.Background(), []string{"apikey", "create", "--login", "admin", "--db", db}, nil, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^[0-9a-f]{40}\n$`).MatchString(out.String()) {
		t.Errorf("apikey create printed %q; want one key on one line", out.String())
	}
	if err := run(context.Background(), []string{"apikey", "create", "--login", "nobody", "--db", db}, nil, io.Discard, io.Discard); err == nil {
		t.Error("a key for an unknown login was created")
	}
	if err := run(context.Background(), []string{"apikey", "create", "--db", db}, nil, io.Discard, io.Discard); err == nil {
		t.Error("apikey create without --login succeeded")
	}
}

func TestUserPasswordAndMigrate(t *testing.T) {
	db := filepath.Join(t.TempDir(), "kanso.db")
	var out bytes.Buffer
	if err := run(context.Background(), []string{"migrate", "--db", db}, nil, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "log in as admin with the password") || !strings.Contains(out.String(), "schema is at version") {
		t.Errorf("migrate on a new database printed %q", out.String())
	}
	out.Reset()
	if err := run(context.Background(), []string{"user", "password", "--login", "admin", "--db", db}, strings.NewReader("a-new-password\n"), &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if err := run(context.Background(), []string{"user", "password", "--login", "admin", "--db", db}, strings.NewReader("short\n"), io.Discard, io.Discard); err == nil {
		t.Error("a too short password was accepted")
	}
}

func TestUnknownCommand(t *testing.T) {
	if err := run(context.Background(), []string{"frobnicate"}, nil, io.Discard, io.Discard); err == nil {
		t.Error("unknown command accepted")
	}
	var out bytes.Buffer
	run(context.Background(), []string{"--help"}, nil, &out, io.Discard)
	if !strings.Contains(out.String(), "kanso serve") {
		t.Errorf("help: %s", out.String())
	}
}

// A slow-query threshold that is not a duration stops serve with a message
// naming it, from the flag or from the environment, before anything opens.
func TestServeRefusesABadSlowQuery(t *testing.T) {
	db := filepath.Join(t.TempDir(), "kanso.db")
	err := run(context.Background(), []string{"serve", "--slow-query", "soon", "--db", db}, strings.NewReader(""), io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "slow-query") {
		t.Errorf("--slow-query soon: %v", err)
	}
	t.Setenv("KANSO_SLOW_QUERY", "fast")
	err = run(context.Background(), []string{"serve", "--db", db}, strings.NewReader(""), io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), `KANSO_SLOW_QUERY="fast"`) {
		t.Errorf("KANSO_SLOW_QUERY=fast: %v", err)
	}
	if _, err := os.Stat(db); err == nil {
		t.Errorf("a database was created before the settings were checked")
	}
}
