package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/kanso-crm/kanso/internal/api/xmlrpc"
	"github.com/kanso-crm/kanso/internal/base"
	"github.com/kanso-crm/kanso/internal/orm"
)

// rpc dispatches the services shared by XML-RPC and JSON-RPC.
func (s *Service) rpc(ctx context.Context, service, method string, params []any) (any, error) {
	str := func(i int) (string, error) {
		if i >= len(params) {
			return "", orm.ValidationErrorf("%s.%s: missing argument %d", service, method, i+1)
		}
		v, ok := params[i].(string)
		if !ok {
			return "", orm.ValidationErrorf("%s.%s: argument %d must be a string", service, method, i+1)
		}
		return v, nil
	}
	switch service {
	case "common":
		switch method {
		case "version":
			return map[string]any{"server_version": ServerVersion, "server_version_info": versionInfo(),
				"server_serie": ServerVersion, "protocol_version": 1}, nil
		case "about":
			return "See https://kanso.example/ for Kanso, an Odoo-compatible CRM", nil
		case "login", "authenticate":
			db, err := str(0)
			if err != nil {
				return nil, err
			}
			if err := s.checkDB(db); err != nil {
				return nil, err
			}
			login, err := str(1)
			if err != nil {
				return nil, err
			}
			pw, err := str(2)
			if err != nil {
				return nil, err
			}
			var uid int64
			err = s.Runner.Run(ctx, 0, nil, false, func(env *orm.Env) error {
				if k, err := base.CheckAPIKey(env, pw); err == nil {
					var l string
					if err := env.QueryRow("SELECT login FROM res_users WHERE id = ?", k).Scan(&l); err == nil && l == login {
						uid = k
						return nil
					}
				}
				id, err := base.LoginPassword(env, login, pw)
				uid = id
				return err
			})
			if err != nil {
				if orm.AsError(err).Kind == orm.KindAccessDenied {
					return false, nil
				}
				return nil, err
			}
			return uid, nil
		}
	case "db":
		switch method {
		case "list":
			name := s.DBName
			if name == "" {
				name = "kanso"
			}
			return []any{name}, nil
		case "server_version":
			return ServerVersion, nil
		}
	case "object":
		if method != "execute_kw" && method != "execute" {
			break
		}
		db, err := str(0)
		if err != nil {
			return nil, err
		}
		if err := s.checkDB(db); err != nil {
			return nil, err
		}
		if len(params) < 5 {
			return nil, orm.ValidationErrorf("object.%s needs db, uid, password, model and method", method)
		}
		uid, ok := params[1].(int64)
		if !ok {
			return nil, orm.AccessDenied
		}
		pw, err := str(2)
		if err != nil {
			return nil, err
		}
		model, err := str(3)
		if err != nil {
			return nil, err
		}
		meth, err := str(4)
		if err != nil {
			return nil, err
		}
		var args []any
		kwargs := map[string]any{}
		if method == "execute_kw" {
			if len(params) > 5 {
				a, ok := params[5].([]any)
				if !ok {
					return nil, orm.ValidationErrorf("execute_kw: args must be a list")
				}
				args = a
			}
			if len(params) > 6 && params[6] != nil {
				k, ok := params[6].(map[string]any)
				if !ok {
					return nil, orm.ValidationErrorf("execute_kw: kwargs must be a struct")
				}
				kwargs = k
			}
		} else {
			args = params[5:]
		}
		ctxv, _ := kwargs["context"].(map[string]any)
		return s.Execute(ctx, uidSecret(uid, pw), model, meth, ctxv, func(m *orm.Model) ([]int64, map[string]any, error) {
			return orm.PositionalToNamed(m, meth, args, kwargs)
		})
	}
	return nil, orm.NotFoundf("Service %q has no method %q", service, method)
}

// handleXMLRPC serves /xmlrpc/2/<service>.
func (s *Service) handleXMLRPC(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	method, params, err := xmlrpc.DecodeCall(http.MaxBytesReader(w, r.Body, s.maxBody()))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			xmlrpc.EncodeFault(w, "Request Entity Too Large", fmt.Sprintf("The request is larger than %d bytes.", s.maxBody()))
			return
		}
		xmlrpc.EncodeFault(w, "Bad Request", err.Error())
		return
	}
	for i := range params {
		params[i] = orm.Normalize(params[i])
	}
	res, err := s.rpc(r.Context(), r.PathValue("service"), method, params)
	if err != nil {
		_, p := s.errorPayload(err)
		msg := p["message"].(string)
		xmlrpc.EncodeFault(w, msg, fmt.Sprintf("Traceback (most recent call last):\n%s: %s", p["name"], msg))
		return
	}
	if err := xmlrpc.EncodeResponse(w, res); err != nil {
		s.log().Error("xml-rpc encode", "err", err)
	}
}

// handleJSONRPC serves the JSON-RPC 2.0 endpoint.
func (s *Service) handleJSONRPC(w http.ResponseWriter, r *http.Request) {
	var req struct {
		ID     any            `json:"id"`
		Method string         `json:"method"`
		Params map[string]any `json:"params"`
	}
	reply := func(result any, err error) {
		out := map[string]any{"jsonrpc": "2.0", "id": req.ID}
		if err != nil {
			_, p := s.errorPayload(err)
			code := 200
			if orm.AsError(err).Kind == orm.KindNotFound {
				code = 404
			}
			out["error"] = map[string]any{"code": code, "message": "Odoo Server Error", "data": p}
		} else {
			out["result"] = result
		}
		writeJSON(w, http.StatusOK, out)
	}
	if err := s.decodeJSON(w, r, &req); err != nil {
		reply(nil, err)
		return
	}
	service, _ := req.Params["service"].(string)
	method, _ := req.Params["method"].(string)
	args, _ := orm.Normalize(req.Params["args"]).([]any)
	res, err := s.rpc(r.Context(), service, method, args)
	reply(res, err)
}
