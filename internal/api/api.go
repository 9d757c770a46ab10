// Package api serves Odoo's external APIs over Kanso's model registry:
// JSON-2 (/json/2/<model>/<method>), XML-RPC (/xmlrpc/2/common and
// /xmlrpc/2/object), JSON-RPC (/jsonrpc), /web/version and the generated
// documentation at /doc.
package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"

	"github.com/kanso-crm/kanso/internal/base"
	"github.com/kanso-crm/kanso/internal/orm"
)

// ServerVersion is the Odoo version whose API Kanso speaks.
const ServerVersion = "19.0"

// Service holds what the API handlers need.
type Service struct {
	Runner *orm.Runner
	// DBName is the database name clients must send (default "kanso").
	DBName string
	Log    *slog.Logger
	// MaxBody bounds request bodies (default 16 MiB).
	MaxBody int64
	// KansoVersion is the product version shown in /web/version.
	KansoVersion string
}

func (s *Service) maxBody() int64 {
	if s.MaxBody > 0 {
		return s.MaxBody
	}
	return 16 << 20
}

// Routes registers the API handlers on mux.
func (s *Service) Routes(mux *http.ServeMux) {
	mux.HandleFunc("POST /json/2/{model}/{method}", s.handleJSON2)
	mux.HandleFunc("POST /xmlrpc/2/{service}", s.handleXMLRPC)
	mux.HandleFunc("POST /xmlrpc/{service}", s.handleXMLRPC)
	mux.HandleFunc("POST /jsonrpc", s.handleJSONRPC)
	mux.HandleFunc("GET /web/version", s.handleVersion)
	mux.HandleFunc("POST /web/version", s.handleVersion)
	mux.HandleFunc("GET /doc", s.handleDoc)
	mux.HandleFunc("GET /doc/{model}", s.handleDocModel)
}

func versionInfo() []any { return []any{19, 0, 0, "final", 0, ""} }

func (s *Service) handleVersion(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"version_info": versionInfo(), "version": ServerVersion, "kanso_version": s.KansoVersion})
}

// credential authenticates the caller inside the call's transaction.
type credential func(env *orm.Env) (int64, error)

// bearer accepts an API key.
func bearer(key string) credential {
	return func(env *orm.Env) (int64, error) {
		if key == "" {
			return 0, errUnauthorized
		}
		uid, err := base.CheckAPIKey(env, key)
		if err != nil {
			return 0, errUnauthorized
		}
		return uid, nil
	}
}

// uidSecret accepts a user id with its password or one of its API keys,
// as XML-RPC's execute_kw does.
func uidSecret(uid int64, secret string) credential {
	return func(env *orm.Env) (int64, error) {
		if k, err := base.CheckAPIKey(env, secret); err == nil && k == uid {
			return uid, nil
		}
		var login string
		if err := env.QueryRow("SELECT login FROM res_users WHERE id = ? AND active = ?", uid, env.Dialect.BoolParam(true)).Scan(&login); err != nil {
			return 0, orm.AccessDenied
		}
		if _, err := base.LoginPassword(env, login, secret); err != nil {
			return 0, orm.AccessDenied
		}
		return uid, nil
	}
}

var errUnauthorized = &orm.Error{Kind: orm.KindAccessDenied, Msg: "Invalid apikey"}

// Execute runs model.method for the authenticated caller, in one
// transaction; args builds the method's named arguments once the model is
// known.
func (s *Service) Execute(ctx context.Context, cred credential, model, method string, ctxv map[string]any,
	args func(m *orm.Model) ([]int64, map[string]any, error)) (any, error) {
	m := s.Runner.Reg.Model(model)
	if m == nil {
		// authenticate first: an unknown caller learns nothing
		if err := s.Runner.Run(ctx, 0, nil, false, func(env *orm.Env) error { _, err := cred(env); return err }); err != nil {
			return nil, err
		}
		return nil, orm.NotFoundf("Model %q does not exist", model)
	}
	meth := m.Method(method)
	write := meth == nil || !meth.ReadOnly
	var result any
	err := s.Runner.Run(ctx, 0, ctxv, write, func(env *orm.Env) error {
		uid, err := cred(env)
		if err != nil {
			return err
		}
		uenv := env.WithUser(uid)
		uenv.Context = env.Context
		if _, err := uenv.User(); err != nil {
			return err
		}
		if meth == nil || strings.HasPrefix(method, "_") {
			return orm.NotFoundf("The method '%s' does not exist on the model '%s'", method, model)
		}
		ids, named, err := args(m)
		if err != nil {
			return err
		}
		result, err = uenv.CallMethod(m, method, ids, named)
		return err
	})
	if err != nil {
		return nil, err
	}
	return result, nil
}

// errorPayload renders an error in Odoo's JSON shape and gives its
// HTTP status. Internal errors are logged and not shown in detail.
func (s *Service) errorPayload(err error) (int, map[string]any) {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		msg := fmt.Sprintf("The request is larger than %d bytes.", s.maxBody())
		return http.StatusRequestEntityTooLarge, map[string]any{"name": "werkzeug.exceptions.RequestEntityTooLarge",
			"message": msg, "arguments": []any{msg, 413}, "context": map[string]any{}, "debug": ""}
	}
	var bad *badRequest
	if errors.As(err, &bad) {
		return http.StatusBadRequest, map[string]any{"name": "werkzeug.exceptions.BadRequest",
			"message": bad.msg, "arguments": []any{bad.msg, 400}, "context": map[string]any{}, "debug": ""}
	}
	e := orm.AsError(err)
	status := e.HTTPStatus()
	msg := e.Error()
	name := e.OdooName()
	if e.Kind == orm.KindInternal {
		s.log().Error("api call failed", "err", err)
		msg = "Internal server error: the error has been logged."
	}
	if e == errUnauthorized || (e.Kind == orm.KindAccessDenied && msg == "Invalid apikey") {
		name = "werkzeug.exceptions.Unauthorized"
	}
	return status, map[string]any{"name": name, "message": msg, "arguments": []any{msg, status},
		"context": map[string]any{}, "debug": ""}
}

func (s *Service) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.Default()
}

type badRequest struct{ msg string }

func (b *badRequest) Error() string { return b.msg }

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	b, err := appendJSON(make([]byte, 0, 16<<10), v)
	if err != nil {
		// a value JSON cannot hold (NaN, an infinity): say so rather
		// than send half a document
		status = http.StatusInternalServerError
		msg := "The result cannot be written as JSON: " + err.Error()
		b, _ = appendJSON(nil, map[string]any{"name": "builtins.ValueError", "message": msg, "arguments": []any{msg, status},
			"context": map[string]any{}, "debug": ""})
	}
	w.WriteHeader(status)
	w.Write(b)
}

// decodeJSON reads a JSON body (bounded) with numbers kept exact.
func (s *Service) decodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	body := http.MaxBytesReader(w, r.Body, s.maxBody())
	dec := json.NewDecoder(body)
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return err
		}
		if errors.Is(err, io.EOF) {
			return &badRequest{"The request body is empty; send a JSON object."}
		}
		return &badRequest{"The request body is not valid JSON: " + err.Error()}
	}
	var extra json.RawMessage
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return err
		}
		return &badRequest{"The request body must hold one JSON value; there is more after it."}
	}
	return nil
}

func (s *Service) checkDB(name string) error {
	want := s.DBName
	if want == "" {
		want = "kanso"
	}
	if name != "" && name != want {
		return orm.NotFoundf("Database %q not found", name)
	}
	return nil
}

// handleJSON2 serves POST /json/2/<model>/<method>.
func (s *Service) handleJSON2(w http.ResponseWriter, r *http.Request) {
	fail := func(err error) {
		status, payload := s.errorPayload(err)
		writeJSON(w, status, payload)
	}
	if err := s.checkDB(r.Header.Get("X-Odoo-Database")); err != nil {
		fail(err)
		return
	}
	ct := r.Header.Get("Content-Type")
	if !strings.HasPrefix(strings.ToLower(strings.TrimSpace(ct)), "application/json") {
		fail(&badRequest{"Content-Type must be application/json."})
		return
	}
	auth := r.Header.Get("Authorization")
	scheme, key, _ := strings.Cut(auth, " ")
	if !strings.EqualFold(scheme, "bearer") || strings.TrimSpace(key) == "" {
		fail(errUnauthorized)
		return
	}
	var body map[string]any
	if r.ContentLength != 0 {
		if err := s.decodeJSON(w, r, &body); err != nil {
			fail(err)
			return
		}
	}
	body, _ = orm.Normalize(body).(map[string]any)
	if body == nil {
		body = map[string]any{}
	}
	ctxv := map[string]any{}
	if c, ok := body["context"].(map[string]any); ok {
		ctxv = c
	} else if c, ok := body["context"]; ok && c != nil {
		fail(orm.ValidationErrorf("context must be an object"))
		return
	}
	delete(body, "context")
	rawIDs := body["ids"]
	delete(body, "ids")
	res, err := s.Execute(r.Context(), bearer(strings.TrimSpace(key)), r.PathValue("model"), r.PathValue("method"), ctxv,
		func(m *orm.Model) ([]int64, map[string]any, error) {
			meth := m.Method(r.PathValue("method"))
			ids, err := orm.IDs(rawIDs)
			if err != nil {
				return nil, nil, err
			}
			if meth.Model && len(ids) > 0 {
				return nil, nil, orm.ValidationErrorf("%s.%s() does not take record ids", m.Name, meth.Name)
			}
			return ids, body, nil
		})
	if err != nil {
		fail(err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}
