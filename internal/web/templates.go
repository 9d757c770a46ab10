package web

// The minimal pages of the foundation; the full application replaces the
// start page.
const pageTemplates = `
{{define "head"}}<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{{.}} · Kanso</title>
<style>
*{box-sizing:border-box}body{font:16px/1.5 system-ui,sans-serif;margin:0;background:#f5f7fa;color:#1f2933}
header{background:#243b53;color:#fff;padding:.6rem 1rem;display:flex;gap:1rem;align-items:center;flex-wrap:wrap}
header a,header button{color:#fff;text-decoration:none;background:none;border:0;font:inherit;cursor:pointer;padding:0}
header .brand{font-weight:600;margin-right:auto}
main{max-width:40rem;margin:2rem auto;padding:0 1rem}
.card{background:#fff;border-radius:8px;box-shadow:0 1px 3px rgba(0,0,0,.12);padding:1.5rem;margin-bottom:1rem}
label{display:block;margin:.8rem 0 .2rem;font-weight:500}
input{width:100%;padding:.55rem .6rem;border:1px solid #9aa5b1;border-radius:6px;font:inherit}
input:focus{outline:2px solid #2680c2;border-color:#2680c2}
button.primary{margin-top:1.2rem;background:#2680c2;color:#fff;border:0;border-radius:6px;padding:.6rem 1.2rem;font:inherit;cursor:pointer}
button.primary:hover{background:#186faf}
.error{background:#ffeeee;color:#ab091e;border-radius:6px;padding:.6rem .8rem;margin-bottom:1rem}
.ok{background:#e3f9e5;color:#0e5814;border-radius:6px;padding:.6rem .8rem;margin-bottom:1rem}
code.key{display:block;word-break:break-all;background:#f0f4f8;padding:.6rem;border-radius:6px;font-size:1.05rem}
table{width:100%;border-collapse:collapse}td,th{text-align:left;padding:.4rem;border-bottom:1px solid #e4e7eb}
.muted{color:#616e7c;font-size:.9rem}
</style></head><body>{{end}}

{{define "nav"}}<header><a class="brand" href="/">Kanso</a>
<a href="/web/apikeys">API keys</a><a href="/web/password">Change password</a><a href="/doc">API reference</a>
<form method="post" action="/web/logout"><button type="submit" id="logout">Log out ({{.Login}})</button></form></header>{{end}}

{{define "login"}}{{template "head" "Log in"}}
<main><div class="card"><h1>Log in to Kanso</h1>
{{with .Error}}<div class="error" role="alert">{{.}}</div>{{end}}
<form method="post" action="/web/login">
<input type="hidden" name="redirect" value="{{.Redirect}}">
<label for="login">Login</label><input id="login" name="login" value="{{.Login}}" autocomplete="username" autofocus required>
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<button class="primary" type="submit">Log in</button>
</form></div></main></body></html>{{end}}

{{define "home"}}{{template "head" "Home"}}{{template "nav" .User}}
<main><div class="card"><h1>Welcome, {{.User.Name}}</h1>
<p>Kanso {{.Version}} is running. The pipeline, leads and reports arrive with the next releases; today you can manage your
<a href="/web/apikeys">API keys</a> and use the <a href="/doc">Odoo-compatible API</a>.</p></div></main></body></html>{{end}}

{{define "password"}}{{template "head" "Change password"}}{{template "nav" .User}}
<main><div class="card"><h1>Change password</h1>
{{with .Error}}<div class="error" role="alert">{{.}}</div>{{end}}
{{if .Done}}<div class="ok" role="status">Your password has been changed. Your other sessions have been logged out.</div>{{end}}
<form method="post" action="/web/password">
<label for="old_password">Current password</label><input id="old_password" name="old_password" type="password" autocomplete="current-password" required>
<label for="new_password">New password</label><input id="new_password" name="new_password" type="password" autocomplete="new-password" minlength="8" required>
<label for="confirm_password">New password again</label><input id="confirm_password" name="confirm_password" type="password" autocomplete="new-password" minlength="8" required>
<button class="primary" type="submit">Change password</button>
</form></div></main></body></html>{{end}}

{{define "apikeys"}}{{template "head" "API keys"}}{{template "nav" .User}}
<main><div class="card"><h1>API keys</h1>
<p class="muted">Scripts and integrations use an API key instead of your password: as <code>Authorization: bearer &lt;key&gt;</code> for JSON-2,
or as the password in XML-RPC and JSON-RPC.</p>
{{with .Error}}<div class="error" role="alert">{{.}}</div>{{end}}
{{with .NewKey}}<div class="ok" role="status">Your new key, shown only this once; copy it now:<code class="key" id="new-key">{{.}}</code></div>{{end}}
<form method="post" action="/web/apikeys">
<label for="name">What is the key for?</label><input id="name" name="name" required maxlength="100" placeholder="e.g. Website integration">
<label for="days">Valid for (days, at most 90)</label><input id="days" name="days" type="number" min="1" max="90" value="90" required>
<button class="primary" type="submit">Create key</button></form></div>
<div class="card"><h2>Your keys</h2>{{if .Keys}}<table><tr><th>Description</th><th>Created</th><th>Expires</th><th></th></tr>
{{range .Keys}}<tr><td>{{.Name}}</td><td>{{.Created}}</td><td>{{.Expires}}</td>
<td><form method="post" action="/web/apikeys/{{.ID}}/revoke"><button type="submit">Revoke</button></form></td></tr>{{end}}</table>
{{else}}<p class="muted">You have no API keys.</p>{{end}}</div></main></body></html>{{end}}
`
