package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/kanso-crm/kanso/internal/app"
	"github.com/kanso-crm/kanso/internal/i18n"
	"github.com/kanso-crm/kanso/internal/imex"
	"github.com/kanso-crm/kanso/internal/orm"
)

const importUsage = `usage: kanso import MODEL FILE [--dry-run] [--map COLUMN=field ...] [--update-by id|email|name|FIELD]
                    [--skip-invalid] [--create-missing] [--clear-empty] [--preset NAME] [--lang ro_RO] [--encoding NAME]
                    [--delimiter ;] [--login admin] [--db …]
       kanso import FILE --preset NAME …   (the preset names the model)
       kanso import presets                (lists the presets)`

const exportUsage = `usage: kanso export MODEL [--domain JSON] [--ids 1,2,3] [--fields a,b/c,…] [--format csv|xlsx]
                    [--labels] [--lang ro_RO] [--output FILE] [--login admin] [--db …]
       kanso export MODEL --template [--format csv|xlsx] [--lang ro_RO] [--output FILE]`

// progressOut receives the progress line (stderr; tests replace it).
var progressOut io.Writer = os.Stderr

// multi is a repeatable string flag.
type multi []string

func (m *multi) String() string     { return strings.Join(*m, " ") }
func (m *multi) Set(s string) error { *m = append(*m, s); return nil }

// parseArgs parses flags placed before, between or after the positional
// arguments, which the flag package alone stops at.
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// userID finds an active user by login.
// openAs opens the database and finds the user the command acts as.
func openAs(ctx context.Context, dbURL, login string, log *slog.Logger) (*app.App, int64, error) {
	a, err := app.Open(ctx, app.Config{DB: dbURL, Log: log})
	if err != nil {
		return nil, 0, err
	}
	uid, err := userID(ctx, a, login)
	if err != nil {
		a.Close()
		return nil, 0, err
	}
	return a, uid, nil
}

func userID(ctx context.Context, a *app.App, login string) (int64, error) {
	var uid int64
	err := a.Runner.Run(ctx, orm.SuperuserID, nil, false, func(env *orm.Env) error {
		if err := env.QueryRow("SELECT id FROM res_users WHERE login = ? AND active = ?", login, env.Dialect.BoolParam(true)).Scan(&uid); err != nil {
			return fmt.Errorf("no active user with login %q", login)
		}
		return nil
	})
	return uid, err
}

// progressPrinter writes "import: 12,000 of 100,000 rows" on one line,
// at most ten times a second.
func progressPrinter(verb string) (func(done, total int), func()) {
	var last time.Time
	printed := false
	p := func(done, total int) {
		if time.Since(last) < 100*time.Millisecond && done != total {
			return
		}
		last, printed = time.Now(), true
		if total > 0 {
			fmt.Fprintf(progressOut, "\r%s: %s of %s rows (%d%%)  ", verb, i18n.Number("en_US", float64(done), 0), i18n.Number("en_US", float64(total), 0), done*100/max(total, 1))
		} else {
			fmt.Fprintf(progressOut, "\r%s: %s rows  ", verb, i18n.Number("en_US", float64(done), 0))
		}
	}
	end := func() {
		if printed {
			fmt.Fprintln(progressOut)
		}
	}
	return p, end
}

func importCmd(ctx context.Context, args []string, stdout io.Writer, log *slog.Logger) error {
	if len(args) > 0 && args[0] == "presets" {
		for _, name := range imex.Presets() {
			model, doc, _ := imex.PresetInfo(name)
			fmt.Fprintf(stdout, "%-26s %-12s %s\n", name, model, doc)
		}
		return nil
	}
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	fs.Usage = func() { fmt.Fprintln(fs.Output(), importUsage); fs.PrintDefaults() }
	dryRun := fs.Bool("dry-run", false, "check every row and write nothing")
	var maps multi
	fs.Var(&maps, "map", "COLUMN=field: map a column to a field path (repeatable; COLUMN= ignores the column)")
	updateBy := fs.String("update-by", "", "update the records matched by id, email, name or another field instead of creating duplicates")
	skip := fs.Bool("skip-invalid", false, "import the valid rows and skip the invalid ones")
	clearEmpty := fs.Bool("clear-empty", false, "empty cells clear the fields of updated records (default: they keep them)")
	create := fs.Bool("create-missing", false, "create the missing tags, partners, stages and UTM records named in the file")
	preset := fs.String("preset", "", "ready-made mapping of another CRM's export (see kanso import presets)")
	lang := fs.String("lang", "", "language of the numbers, dates and yes/no values, and of the problems reported (default: the user's)")
	encoding := fs.String("encoding", "", "CSV encoding (default: detected)")
	delimiter := fs.String("delimiter", "", "CSV delimiter (default: detected)")
	login := fs.String("login", "admin", "import as this user (rights and record rules apply)")
	dbURL := fs.String("db", env("KANSO_DB", "kanso.db"), "SQLite file or postgres:// URL")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	var model, path string
	switch {
	case len(pos) == 2:
		model, path = pos[0], pos[1]
	case len(pos) == 1 && *preset != "":
		path = pos[0]
	default:
		return errors.New(importUsage)
	}
	o := imex.Options{Model: model, Lang: *lang, Preset: *preset, UpdateBy: *updateBy, SkipInvalid: *skip, CreateMissing: *create, ClearEmpty: *clearEmpty,
		DryRun: *dryRun, Encoding: *encoding, Delimiter: *delimiter}
	if len(maps) > 0 {
		o.Map = map[string]string{}
		for _, m := range maps {
			col, field, ok := strings.Cut(m, "=")
			if !ok {
				return fmt.Errorf("--map %q: write COLUMN=field", m)
			}
			o.Map[col] = field
		}
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	a, uid, err := openAs(ctx, *dbURL, *login, log)
	if err != nil {
		return err
	}
	defer a.Close()
	// the problems are reported in the language of the file's values
	msgLang := *lang
	if msgLang == "" {
		err := a.Runner.Run(ctx, uid, nil, false, func(env *orm.Env) error {
			msgLang = env.Lang()
			return nil
		})
		if err != nil {
			return err
		}
	}
	var end func()
	o.Progress, end = progressPrinter("import")
	start := time.Now()
	res, err := imex.Import(ctx, a.Runner, uid, f, filepath.Base(path), o)
	end()
	if err != nil {
		if m := imex.MessageOf(err); m != nil {
			return &localizedError{text: m.Text(msgLang), err: err}
		}
		return err
	}
	cols := make([]string, 0, len(res.Mapping))
	for c, p := range res.Mapping {
		cols = append(cols, fmt.Sprintf("%s → %s", c, p))
	}
	sort.Strings(cols)
	fmt.Fprintf(stdout, "%s file", strings.ToUpper(res.Format))
	if res.Format == "csv" {
		fmt.Fprintf(stdout, " (%s, delimiter %q)", res.Encoding, res.Delimiter)
	}
	fmt.Fprintf(stdout, ", %d rows; columns: %s\n", res.Rows, strings.Join(cols, ", "))
	if len(res.Ignored) > 0 {
		fmt.Fprintf(stdout, "ignored columns: %s\n", strings.Join(res.Ignored, ", "))
	}
	for _, p := range res.Problems {
		fmt.Fprintln(stdout, p.Line(msgLang))
	}
	if res.MoreProblems > 0 {
		fmt.Fprintf(stdout, "… and %d more problems\n", res.MoreProblems)
	}
	counts := fmt.Sprintf("%d created, %d updated, %d unchanged, %d invalid", res.Created, res.Updated, res.Unchanged, res.Skipped)
	took := time.Since(start).Round(time.Millisecond)
	nProblems := len(res.Problems) + res.MoreProblems
	switch {
	case o.DryRun && nProblems == 0:
		fmt.Fprintf(stdout, "dry run: every row is valid (%s); nothing was written (%s)\n", counts, took)
		return nil
	case o.DryRun:
		fmt.Fprintf(stdout, "dry run: %s; nothing was written (%s)\n", counts, took)
		return fmt.Errorf("%d problems found", nProblems)
	case !res.Committed:
		fmt.Fprintf(stdout, "nothing imported: fix the %d problems (or use --skip-invalid) and import again (%s)\n", nProblems, took)
		return fmt.Errorf("%d problems, nothing imported", nProblems)
	case res.Created+res.Updated+res.Unchanged == 0:
		fmt.Fprintf(stdout, "nothing imported: %s (%s)\n", counts, took)
		return errors.New("nothing imported")
	}
	fmt.Fprintf(stdout, "imported: %s (%s)\n", counts, took)
	return nil
}

// localizedError is an error of the import shown in the user's language.
type localizedError struct {
	text string
	err  error
}

func (e *localizedError) Error() string { return e.text }
func (e *localizedError) Unwrap() error { return e.err }

func exportCmd(ctx context.Context, args []string, stdout io.Writer, log *slog.Logger) error {
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	fs.Usage = func() { fmt.Fprintln(fs.Output(), exportUsage); fs.PrintDefaults() }
	domain := fs.String("domain", "", `records to export, as a JSON domain (e.g. [["stage_id.name","=","Won"]])`)
	idList := fs.String("ids", "", "comma-separated ids to export instead of a domain")
	fields := fs.String("fields", "", "comma-separated field paths (partner_id/country_id/name); default: id and the importable fields")
	format := fs.String("format", "", "csv or xlsx (default: from --output, else csv)")
	labels := fs.Bool("labels", false, "headers and selection values as labels in the user's language")
	lang := fs.String("lang", "", "language of the labels (default: the user's)")
	output := fs.String("output", "", "file to write (default: standard output)")
	template := fs.Bool("template", false, "write an empty import template of the model instead")
	login := fs.String("login", "admin", "export as this user (rights and record rules apply)")
	dbURL := fs.String("db", env("KANSO_DB", "kanso.db"), "SQLite file or postgres:// URL")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return errors.New(exportUsage)
	}
	o := imex.ExportOptions{Model: pos[0], Labels: *labels, Lang: *lang, Format: *format}
	if o.Format == "" {
		o.Format = "csv"
		if strings.EqualFold(filepath.Ext(*output), ".xlsx") {
			o.Format = "xlsx"
		}
	}
	if *domain != "" {
		dec := json.NewDecoder(strings.NewReader(*domain))
		dec.UseNumber()
		var d any
		if err := dec.Decode(&d); err != nil {
			return fmt.Errorf("--domain is not JSON: %w", err)
		}
		o.Domain = d
	}
	if *idList != "" {
		for _, s := range strings.Split(*idList, ",") {
			id, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
			if err != nil || id <= 0 {
				return fmt.Errorf("--ids: %q is not a record id", s)
			}
			o.IDs = append(o.IDs, id)
		}
	}
	if *fields != "" {
		for _, f := range strings.Split(*fields, ",") {
			if f = strings.TrimSpace(f); f != "" {
				o.Fields = append(o.Fields, f)
			}
		}
	}
	a, uid, err := openAs(ctx, *dbURL, *login, log)
	if err != nil {
		return err
	}
	defer a.Close()
	// the file appears only once complete
	w, finish := stdout, func(ok bool) error { return nil }
	if *output != "" {
		tmp, err := os.CreateTemp(filepath.Dir(*output), ".kanso-export-*")
		if err != nil {
			return err
		}
		w = tmp
		finish = func(ok bool) error {
			if err := tmp.Close(); err != nil || !ok {
				os.Remove(tmp.Name())
				return err
			}
			return os.Rename(tmp.Name(), *output)
		}
	}
	if *template {
		if o.Lang == "" {
			a.Runner.Run(ctx, uid, nil, false, func(env *orm.Env) error { o.Lang = env.Lang(); return nil })
		}
		err := imex.Template(a.Reg, o.Model, o.Lang, o.Format, w)
		if err := finish(err == nil); err != nil {
			return err
		}
		if err == nil && *output != "" {
			fmt.Fprintf(stdout, "template of %s written to %s\n", o.Model, *output)
		}
		return err
	}
	var end func()
	o.Progress, end = progressPrinter("export")
	start := time.Now()
	n, err := imex.Export(ctx, a.Runner, uid, w, o)
	end()
	if ferr := finish(err == nil); err == nil {
		err = ferr
	}
	if err != nil {
		return err
	}
	msg := fmt.Sprintf("exported %d rows of %s (%s)", n, o.Model, time.Since(start).Round(time.Millisecond))
	if *output != "" {
		fmt.Fprintf(stdout, "%s to %s\n", msg, *output)
	} else {
		fmt.Fprintln(progressOut, msg)
	}
	return nil
}
