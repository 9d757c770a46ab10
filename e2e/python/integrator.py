#!/usr/bin/env python3
"""An Odoo integrator's script run against Kanso, with the standard library only.

It does what a real integration does with Odoo 19's external APIs:
authenticates over XML-RPC, creates partners, searches them with a domain,
groups them, updates a record with optimistic concurrency over JSON-2,
deletes what it created, and checks that a bad API key and a forbidden
record are refused.

Usage:
    integrator.py --url http://127.0.0.1:8069 --login admin --password PW \\
        --api-key KEY --restricted-login sales --restricted-password PW2 \\
        --restricted-api-key KEY2

Every option can also come from the environment (KANSO_URL, KANSO_DB,
KANSO_LOGIN, KANSO_PASSWORD, KANSO_API_KEY, KANSO_RESTRICTED_LOGIN,
KANSO_RESTRICTED_PASSWORD, KANSO_RESTRICTED_API_KEY, KANSO_CONFLICT_REF).

The restricted user must not be allowed to read partners assigned to the
main user (e.g. a salesperson under the record rule
[["user_id", "in", ["$uid", false]]]). The optimistic-concurrency check
needs a partner whose ref is the conflict ref (default
"integrator-conflict") and that was last modified more than a second ago:
write_date is read with a precision of one second.

It prints one line per check and exits with status 1 at the first failure.
"""

import argparse
import json
import os
import sys
import time
import urllib.error
import urllib.request
import xmlrpc.client


class CheckFailed(Exception):
    pass


def expect(cond, message):
    if not cond:
        raise CheckFailed(message)


class Kanso:
    def __init__(self, url, db):
        self.url = url.rstrip("/")
        self.db = db
        self.common = xmlrpc.client.ServerProxy(self.url + "/xmlrpc/2/common", allow_none=True)
        self.object = xmlrpc.client.ServerProxy(self.url + "/xmlrpc/2/object", allow_none=True)

    def execute_kw(self, uid, secret, model, method, args, kwargs=None):
        return self.object.execute_kw(self.db, uid, secret, model, method, args, kwargs or {})

    def json2(self, key, model, method, **params):
        """POST /json/2/<model>/<method>; returns (HTTP status, decoded body)."""
        req = urllib.request.Request(
            "%s/json/2/%s/%s" % (self.url, model, method),
            data=json.dumps(params).encode("utf-8"),
            method="POST",
            headers={
                "Authorization": "bearer " + key,
                "Content-Type": "application/json; charset=utf-8",
                "X-Odoo-Database": self.db,
                "User-Agent": "kanso-e2e-integrator/1.0",
            },
        )
        try:
            with urllib.request.urlopen(req, timeout=60) as resp:
                return resp.status, json.loads(resp.read().decode("utf-8"))
        except urllib.error.HTTPError as e:
            body = e.read().decode("utf-8", "replace")
            try:
                return e.code, json.loads(body)
            except ValueError:
                return e.code, body

    def json2_ok(self, key, model, method, **params):
        status, body = self.json2(key, model, method, **params)
        expect(status == 200, "%s/%s answered HTTP %s: %s" % (model, method, status, body))
        return body


def parse_args(argv):
    env = os.environ.get
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--url", default=env("KANSO_URL"), help="base URL of the server")
    p.add_argument("--db", default=env("KANSO_DB", "kanso"), help="database name")
    p.add_argument("--login", default=env("KANSO_LOGIN"))
    p.add_argument("--password", default=env("KANSO_PASSWORD"))
    p.add_argument("--api-key", default=env("KANSO_API_KEY"), help="an API key of --login")
    p.add_argument("--restricted-login", default=env("KANSO_RESTRICTED_LOGIN"))
    p.add_argument("--restricted-password", default=env("KANSO_RESTRICTED_PASSWORD"))
    p.add_argument("--restricted-api-key", default=env("KANSO_RESTRICTED_API_KEY"))
    p.add_argument("--conflict-ref", default=env("KANSO_CONFLICT_REF", "integrator-conflict"))
    a = p.parse_args(argv)
    missing = [name for name in ("url", "login", "password", "api_key", "restricted_login",
                                 "restricted_password", "restricted_api_key") if not getattr(a, name)]
    if missing:
        p.error("missing: " + ", ".join("--" + m.replace("_", "-") for m in missing))
    return a


def run(a):
    k = Kanso(a.url, a.db)
    tag = "integrator-%d-%d" % (os.getpid(), int(time.time() * 1000))
    state = {}

    def check_version():
        v = k.common.version()
        expect(v.get("server_version") == "19.0", "common.version() = %r, want server_version 19.0" % v)
        expect(v.get("protocol_version") == 1, "common.version() protocol_version = %r" % v.get("protocol_version"))

    def check_authenticate():
        uid = k.common.authenticate(a.db, a.login, a.password, {})
        expect(isinstance(uid, int) and uid > 0, "authenticate(%r, password) = %r, want a user id" % (a.login, uid))
        state["uid"] = uid
        wrong = k.common.authenticate(a.db, a.login, a.password + "-wrong", {})
        expect(wrong is False, "authenticate with a wrong password = %r, want False" % (wrong,))
        by_key = k.common.authenticate(a.db, a.login, a.api_key, {})
        expect(by_key == uid, "authenticate with the API key = %r, want %r" % (by_key, uid))

    def check_create():
        uid = state["uid"]
        countries = k.execute_kw(uid, a.api_key, "res.country", "search_read",
                                 [[["code", "in", ["RO", "BE"]]]], {"fields": ["code", "name"]})
        by_code = {c["code"]: c for c in countries}
        expect(set(by_code) == {"RO", "BE"}, "countries RO and BE not found: %r" % countries)
        state["countries"] = by_code
        ro, be = by_code["RO"]["id"], by_code["BE"]["id"]
        ids = k.execute_kw(uid, a.api_key, "res.partner", "create", [[
            {"name": "Integrator Bucharest", "ref": tag, "country_id": ro, "credit_limit": 100.0, "email": "buc@example.com"},
            {"name": "Integrator Cluj", "ref": tag, "country_id": ro, "credit_limit": 50.5},
            {"name": "Integrator Brussels", "ref": tag, "country_id": be, "credit_limit": 10.0, "is_company": True},
        ]])
        expect(isinstance(ids, list) and len(ids) == 3 and all(isinstance(i, int) for i in ids),
               "create of 3 partners returned %r" % (ids,))
        state["ids"] = ids
        one = k.execute_kw(uid, a.api_key, "res.partner", "create", [{"name": "Integrator Single", "ref": tag}])
        expect(isinstance(one, int), "create of one partner returned %r, want an id" % (one,))
        state["ids"].append(one)

    def check_search_read():
        uid, ids = state["uid"], state["ids"]
        ro = state["countries"]["RO"]
        rows = k.execute_kw(uid, a.password, "res.partner", "search_read",
                            [[["ref", "=", tag], "|", ["country_id.code", "=", "RO"], ["is_company", "=", True]]],
                            {"fields": ["name", "country_id", "email", "credit_limit"], "order": "name"})
        got = [(r["id"], r["name"]) for r in rows]
        want = [(ids[2], "Integrator Brussels"), (ids[0], "Integrator Bucharest"), (ids[1], "Integrator Cluj")]
        expect(got == want, "search_read returned %r, want %r" % (got, want))
        expect(rows[1]["country_id"] == [ro["id"], ro["name"]], "many2one read as %r" % (rows[1]["country_id"],))
        expect(rows[2]["email"] is False, "unset email read as %r, want False" % (rows[2]["email"],))
        expect(set(rows[0]) == {"id", "name", "country_id", "email", "credit_limit"}, "search_read keys %r" % sorted(rows[0]))
        count = k.execute_kw(uid, a.api_key, "res.partner", "search_count", [[["ref", "=", tag]]])
        expect(count == 4, "search_count = %r, want 4" % (count,))

    def check_read_group():
        uid = state["uid"]
        c = state["countries"]
        groups = k.execute_kw(uid, a.api_key, "res.partner", "read_group",
                              [[["ref", "=", tag], ["country_id", "!=", False]], ["credit_limit:sum"], ["country_id"]],
                              {"lazy": True})
        got = sorted((g["country_id"][1], g["country_id_count"], g["credit_limit"]) for g in groups)
        want = [(c["BE"]["name"], 1, 10.0), (c["RO"]["name"], 2, 150.5)]
        expect(got == want, "read_group returned %r, want %r" % (got, want))
        for g in groups:
            n = k.execute_kw(uid, a.api_key, "res.partner", "search_count", [g["__domain"]])
            expect(n == g["country_id_count"], "the __domain of %r selects %r records" % (g["country_id"], n))
        status, rows = k.json2(a.api_key, "res.partner", "formatted_read_group",
                               domain=[["ref", "=", tag]], groupby=["is_company"], aggregates=["__count"])
        expect(status == 200, "formatted_read_group: HTTP %s %r" % (status, rows))
        got = sorted((r["is_company"], r["__count"]) for r in rows)
        expect(got == [(False, 3), (True, 1)], "formatted_read_group returned %r" % (got,))

    def check_conflict():
        found = k.json2_ok(a.api_key, "res.partner", "search_read",
                           domain=[["ref", "=", a.conflict_ref]], fields=["name", "write_date"], limit=1)
        expect(len(found) == 1, "no partner with ref %r: prepare one modified more than a second ago" % a.conflict_ref)
        rec = found[0]
        stale = rec["write_date"]
        ok = k.json2_ok(a.api_key, "res.partner", "write", ids=[rec["id"]],
                        vals={"name": "Integrator first change", "write_date": stale})
        expect(ok is True, "write with the current write_date returned %r" % (ok,))
        status, err = k.json2(a.api_key, "res.partner", "write", ids=[rec["id"]],
                              vals={"name": "Integrator lost update", "write_date": stale})
        expect(status == 409, "write with a stale write_date answered HTTP %s %r, want 409" % (status, err))
        expect(isinstance(err, dict) and err.get("name") == "odoo.exceptions.ConcurrencyError",
               "conflict error body %r" % (err,))
        now = k.json2_ok(a.api_key, "res.partner", "read", ids=[rec["id"]], fields=["name"])
        expect(now[0]["name"] == "Integrator first change", "after the conflict the name is %r" % now[0]["name"])

    def check_unlink():
        ids = state["ids"]
        ok = k.json2_ok(a.api_key, "res.partner", "unlink", ids=ids)
        expect(ok is True, "unlink returned %r" % (ok,))
        n = k.json2_ok(a.api_key, "res.partner", "search_count", domain=[["ref", "=", tag]])
        expect(n == 0, "%r partners left after unlink" % (n,))
        status, err = k.json2(a.api_key, "res.partner", "read", ids=ids[:1], fields=["name"])
        expect(status == 404 and isinstance(err, dict) and err.get("name") == "odoo.exceptions.MissingError",
               "read of a deleted partner answered HTTP %s %r, want 404 MissingError" % (status, err))

    def check_bad_key():
        status, err = k.json2("0" * 40, "res.partner", "search_count", domain=[])
        expect(status == 401, "a bad API key answered HTTP %s %r, want 401" % (status, err))
        expect(isinstance(err, dict) and err.get("name") == "werkzeug.exceptions.Unauthorized"
               and err.get("message") == "Invalid apikey", "bad key error body %r" % (err,))
        try:
            k.execute_kw(state["uid"], "not-the-password", "res.partner", "search_count", [[]])
        except xmlrpc.client.Fault as f:
            expect("Access Denied" in str(f.faultCode), "XML-RPC fault for a wrong password: %r" % f.faultCode)
        else:
            raise CheckFailed("XML-RPC accepted a wrong password")

    def check_forbidden():
        uid = state["uid"]
        pid = k.json2_ok(a.api_key, "res.partner", "create",
                         vals_list={"name": "Integrator Private", "ref": tag + "-private", "user_id": uid})
        try:
            ruid = k.common.authenticate(a.db, a.restricted_login, a.restricted_password, {})
            expect(isinstance(ruid, int) and ruid > 0 and ruid != uid,
                   "authenticate(%r) = %r" % (a.restricted_login, ruid))
            try:
                k.execute_kw(ruid, a.restricted_password, "res.partner", "read", [[pid], ["name"]])
            except xmlrpc.client.Fault as f:
                expect("odoo.exceptions.AccessError" in f.faultString, "XML-RPC fault %r, want an AccessError" % f.faultString)
            else:
                raise CheckFailed("the restricted user read a forbidden partner over XML-RPC")
            status, err = k.json2(a.restricted_api_key, "res.partner", "write", ids=[pid], vals={"name": "Hijacked"})
            expect(status == 403 and isinstance(err, dict) and err.get("name") == "odoo.exceptions.AccessError",
                   "restricted write answered HTTP %s %r, want 403 AccessError" % (status, err))
            seen = k.json2_ok(a.restricted_api_key, "res.partner", "search", domain=[["ref", "=", tag + "-private"]])
            expect(seen == [], "the restricted user's search found %r" % (seen,))
            name = k.json2_ok(a.api_key, "res.partner", "read", ids=[pid], fields=["name"])[0]["name"]
            expect(name == "Integrator Private", "the forbidden partner was renamed to %r" % name)
        finally:
            k.json2(a.api_key, "res.partner", "unlink", ids=[pid])

    checks = [
        ("common.version over XML-RPC", check_version),
        ("authenticate with password, wrong password and API key", check_authenticate),
        ("create partners over XML-RPC", check_create),
        ("search_read with a domain", check_search_read),
        ("read_group and formatted_read_group", check_read_group),
        ("stale write_date gives HTTP 409 over JSON-2", check_conflict),
        ("unlink over JSON-2", check_unlink),
        ("a bad API key gives HTTP 401", check_bad_key),
        ("a forbidden record gives AccessError", check_forbidden),
    ]
    for name, fn in checks:
        try:
            fn()
        except CheckFailed as e:
            print("FAIL %s: %s" % (name, e), flush=True)
            return 1
        except (xmlrpc.client.Error, OSError, ValueError, KeyError, TypeError, IndexError) as e:
            print("FAIL %s: %s: %s" % (name, type(e).__name__, e), flush=True)
            return 1
        print("ok   %s" % name, flush=True)
    print("all %d checks passed" % len(checks), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(run(parse_args(sys.argv[1:])))
