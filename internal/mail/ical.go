package mail

// iCalendar (RFC 5545) exports of activities: one activity as an "add to
// calendar" file, and a user's open activities as a feed a calendar
// application subscribes to with a private token.

import (
	"bytes"
	"crypto/rand"
	"crypto/subtle"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"

	ics "github.com/arran4/golang-ical"
	xhtml "golang.org/x/net/html"

	"github.com/kanso-crm/kanso/internal/base"
	"github.com/kanso-crm/kanso/internal/i18n"
	"github.com/kanso-crm/kanso/internal/orm"
)

// ICSProductID is the PRODID of every calendar Kanso writes.
const ICSProductID = "-//Kanso//CRM//EN"

// ICSContentType is the media type to serve the exports with.
const ICSContentType = "text/calendar; charset=utf-8"

// calendarTokenPrefix is how many leading characters of a token are
// looked up in the database; the rest is compared in constant time.
const calendarTokenPrefix = 8

// ActivityUID is the stable iCalendar UID of an activity: a client that
// imports the same activity twice updates one event.
func ActivityUID(id int64) string { return "activity-" + strconv.FormatInt(id, 10) + "@kanso" }

// ActivityICS exports one activity as a calendar with one event: a timed
// event (UTC) when the activity has a start, an all-day event on its
// deadline otherwise. baseURL (e.g. "https://crm.example.com") prefixes
// the link to the record, given for leads. The user must be allowed to
// read the activity (rights and record rules).
func ActivityICS(env *orm.Env, id int64, baseURL string) ([]byte, error) {
	m := env.Reg.Model("mail.activity")
	if err := env.CheckAccess(m, orm.PermRead); err != nil {
		return nil, err
	}
	if err := env.CheckRecords(m, []int64{id}, orm.PermRead); err != nil {
		return nil, err
	}
	evs, err := icsEvents(env, []int64{id}, baseURL)
	if err != nil {
		return nil, err
	}
	if len(evs) == 0 {
		return nil, orm.MissingErrorf("This activity does not exist or has been deleted.")
	}
	cal := newICSCalendar()
	for _, e := range evs {
		cal.AddVEvent(e)
	}
	return serializeICS(cal)
}

// FeedICS is the acting user's calendar: their open activities, meetings
// as timed events and the others as all-day events on their deadline.
// Calendar applications are asked to refresh it every hour.
func FeedICS(env *orm.Env, baseURL string) ([]byte, error) {
	m := env.Reg.Model("mail.activity")
	u, err := env.User()
	if err != nil {
		return nil, err
	}
	// a search as the user: the record rules apply, so an activity on a
	// record the user can no longer read stays out of the feed
	ids, err := env.Search(m, orm.And{orm.Leaf{Path: "active", Op: "=", Value: true}, orm.Leaf{Path: "user_id", Op: "=", Value: env.UID}},
		orm.SearchOpts{Order: "date_deadline ASC, id ASC"})
	if err != nil {
		return nil, err
	}
	evs, err := icsEvents(env, ids, baseURL)
	if err != nil {
		return nil, err
	}
	cal := newICSCalendar()
	name := "Kanso — " + icsText(u.Name)
	cal.SetName(name) // NAME (RFC 7986) and X-WR-CALNAME
	cal.SetRefreshInterval("PT1H")
	cal.SetXPublishedTTL("PT1H")
	for _, e := range evs {
		cal.AddVEvent(e)
	}
	return serializeICS(cal)
}

func newICSCalendar() *ics.Calendar {
	cal := ics.NewCalendarFor("Kanso")
	cal.SetProductId(ICSProductID)
	cal.SetCalscale("GREGORIAN")
	cal.SetMethod(ics.MethodPublish)
	return cal
}

// serializeICS writes CRLF line ends; the library folds lines at 75
// octets without splitting a UTF-8 character.
func serializeICS(cal *ics.Calendar) ([]byte, error) {
	var b bytes.Buffer
	if err := cal.SerializeTo(&b, ics.WithNewLineWindows); err != nil {
		return nil, fmt.Errorf("mail: write calendar: %w", err)
	}
	return b.Bytes(), nil
}

// icsEvents builds the events of activities, in the order of ids. The
// caller has checked the user may read them.
func icsEvents(env *orm.Env, ids []int64, baseURL string) ([]*ics.VEvent, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	m := env.Reg.Model("mail.activity")
	su := env.Sudo().WithContext(map[string]any{"active_test": false})
	recs, err := su.ReadValues(m, ids, []string{"res_model", "res_id", "res_name", "activity_type_id", "summary", "note",
		"date_deadline", "start_datetime", "stop_datetime", "user_id", "write_date"})
	if err != nil {
		return nil, err
	}
	byID := map[int64]orm.Values{}
	typeIDs, userIDs := []int64{}, []int64{}
	records := map[string][]int64{}
	for _, r := range recs {
		byID[r["id"].(int64)] = r
		if t, ok := r["activity_type_id"].(int64); ok {
			typeIDs = append(typeIDs, t)
		}
		if u, ok := r["user_id"].(int64); ok {
			userIDs = append(userIDs, u)
		}
		model, _ := r["res_model"].(string)
		if rid, ok := r["res_id"].(int64); ok && env.Reg.Model(model) != nil {
			records[model] = append(records[model], rid)
		}
	}
	typeNames := map[int64]string{}
	if len(typeIDs) > 0 {
		tv, err := su.ReadValues(env.Reg.Model("mail.activity.type"), typeIDs, []string{"name"})
		if err != nil {
			return nil, err
		}
		lang := env.Lang()
		for _, t := range tv {
			n, _ := t["name"].(string)
			typeNames[t["id"].(int64)] = i18n.T(lang, n)
		}
	}
	// the record's current name (the stored res_name is from creation)
	recordNames := map[string]map[int64]string{}
	for model, rids := range records {
		names, err := su.DisplayNames(env.Reg.Model(model), rids)
		if err != nil {
			return nil, err
		}
		recordNames[model] = names
	}
	organizers, err := icsOrganizers(env, userIDs)
	if err != nil {
		return nil, err
	}
	base := strings.TrimRight(baseURL, "/")
	var out []*ics.VEvent
	for _, id := range ids {
		r := byID[id]
		if r == nil {
			continue
		}
		model, _ := r["res_model"].(string)
		rid, _ := r["res_id"].(int64)
		recName := recordNames[model][rid]
		if recName == "" {
			recName, _ = r["res_name"].(string)
		}
		recName = icsText(recName)
		e := ics.NewEvent(ActivityUID(id))
		e.SetDtStampTime(env.Now)
		if wd, ok := r["write_date"].(time.Time); ok {
			e.SetModifiedAt(wd)
		}
		start, timed := r["start_datetime"].(time.Time)
		if timed {
			stop, ok := r["stop_datetime"].(time.Time)
			if !ok || !stop.After(start) {
				stop = start.Add(time.Hour)
			}
			e.SetStartAt(start)
			e.SetEndAt(stop)
		} else {
			d, err := time.Parse("2006-01-02", fmt.Sprint(r["date_deadline"]))
			if err != nil {
				return nil, fmt.Errorf("mail: activity %d has no deadline: %w", id, err)
			}
			e.SetAllDayStartAt(d)
			e.SetAllDayEndAt(d.AddDate(0, 0, 1))
			e.SetTimeTransparency(ics.TransparencyTransparent) // a deadline does not make the user busy
		}
		summary, _ := r["summary"].(string)
		if strings.TrimSpace(summary) == "" {
			if t, ok := r["activity_type_id"].(int64); ok {
				summary = typeNames[t]
			}
		}
		if strings.TrimSpace(summary) == "" {
			summary = recName
		}
		e.SetSummary(icsText(summary))
		note, _ := r["note"].(string)
		desc := recName
		if text := HTMLToText(note); text != "" {
			if desc != "" {
				desc += "\n\n"
			}
			desc += icsText(text)
		}
		if desc != "" {
			e.SetDescription(desc)
		}
		if model == "crm.lead" && rid != 0 {
			e.SetURL(base + "/crm/lead/" + strconv.FormatInt(rid, 10))
		}
		if u, ok := r["user_id"].(int64); ok {
			if o := organizers[u]; o.email != "" {
				var params []ics.PropertyParameter
				if o.name != "" {
					params = append(params, ics.WithCN(o.name))
				}
				e.SetOrganizer("mailto:"+o.email, params...)
			}
		}
		out = append(out, e)
	}
	return out, nil
}

type icsOrganizer struct{ name, email string }

// icsOrganizers are the assignees as ORGANIZER (required by iTIP for
// PUBLISH); users without an e-mail address are left out.
func icsOrganizers(env *orm.Env, uids []int64) (map[int64]icsOrganizer, error) {
	out := map[int64]icsOrganizer{}
	for _, uid := range uids {
		if _, ok := out[uid]; ok {
			continue
		}
		var name string
		var email sql.NullString
		err := env.QueryRow(`SELECT u.name, COALESCE(NULLIF(u.email, ''), p.email) FROM res_users u
			LEFT JOIN res_partner p ON p.id = u.partner_id WHERE u.id = ?`, uid).Scan(&name, &email)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("mail: read organizer: %w", err)
		}
		addr := strings.TrimSpace(icsText(email.String))
		if strings.ContainsAny(addr, " \t\n") || !strings.Contains(addr, "@") {
			addr = ""
		}
		out[uid] = icsOrganizer{name: icsParam(name), email: addr}
	}
	return out, nil
}

// icsText prepares a TEXT value: the library escapes backslashes,
// semicolons, commas and newlines, but a carriage return or another
// control character would break the line structure, so line ends become
// "\n" and other controls (but tabs) are dropped.
func icsText(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	return strings.Map(func(r rune) rune {
		if r == '\n' || r == '\t' {
			return r
		}
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return -1
		}
		return r
	}, s)
}

// icsParam makes a parameter value (CN) safe: the library cannot quote
// one, and escapes ',', ';', ':' with backslashes, which RFC 5545 does
// not define, so those characters and quotes are left out.
func icsParam(s string) string {
	s = strings.Map(func(r rune) rune {
		switch r {
		case ',', ';', ':':
			return ' '
		case '"', '\\':
			return -1
		case '\'':
			return '’'
		}
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}

// HTMLToText renders an HTML note as plain text: paragraphs, line breaks
// and list items on their own lines, entities decoded, scripts and
// styles dropped, runs of blank lines reduced to one.
func HTMLToText(src string) string {
	if strings.TrimSpace(src) == "" {
		return ""
	}
	if !strings.ContainsAny(src, "<&") {
		return tidyText(src)
	}
	z := xhtml.NewTokenizer(strings.NewReader(src))
	var b strings.Builder
	skip := 0
	// breakLine ends the current line with n line ends in all (one for a
	// line, two for a paragraph), counting those already written
	breakLine := func(n int) {
		s := strings.TrimRight(b.String(), " ")
		have := len(s) - len(strings.TrimRight(s, "\n"))
		b.Reset()
		b.WriteString(s)
		for ; have < n && s != ""; have++ {
			b.WriteByte('\n')
		}
	}
	for {
		tt := z.Next()
		switch tt {
		case xhtml.ErrorToken:
			return tidyText(b.String())
		case xhtml.TextToken:
			if skip == 0 {
				t := string(z.Text()) // once: Text consumes the token
				if t != "" && unicode.IsSpace(rune(t[0])) {
					b.WriteByte(' ')
				}
				b.WriteString(strings.Join(strings.Fields(t), " "))
				if t != "" && unicode.IsSpace(rune(t[len(t)-1])) {
					b.WriteByte(' ')
				}
			}
		case xhtml.StartTagToken, xhtml.EndTagToken, xhtml.SelfClosingTagToken:
			name, _ := z.TagName()
			switch tag := string(name); tag {
			case "script", "style", "head", "title":
				if tt == xhtml.StartTagToken {
					skip++
				} else if tt == xhtml.EndTagToken && skip > 0 {
					skip--
				}
			case "br":
				b.WriteByte('\n')
			case "div", "tr", "table", "ul", "ol", "blockquote", "pre", "li":
				breakLine(1)
				if tag == "li" && tt == xhtml.StartTagToken {
					b.WriteString("- ")
				}
			case "p", "h1", "h2", "h3", "h4", "h5", "h6":
				breakLine(2)
			case "td", "th":
				b.WriteByte(' ')
			}
		}
	}
}

// tidyText trims each line, makes runs of spaces one, and keeps at most
// one blank line in a row.
func tidyText(s string) string {
	s = strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
	lines := strings.Split(s, "\n")
	out := make([]string, 0, len(lines))
	blank := false
	for _, l := range lines {
		l = strings.Join(strings.Fields(l), " ")
		if l == "" {
			if !blank && len(out) > 0 {
				out = append(out, "")
			}
			blank = true
			continue
		}
		blank = false
		out = append(out, l)
	}
	return strings.TrimSpace(strings.Join(out, "\n"))
}

// newCalendarToken is 32 random bytes in URL-safe base64 (43 characters).
func newCalendarToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("mail: calendar token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// checkTokenOwner lets users manage their own feed token, and
// administrators anyone's.
func checkTokenOwner(env *orm.Env, uid int64) error {
	if env.Su || env.UID == uid || env.HasGroup(base.GroupSystem) {
		return nil
	}
	return orm.AccessErrorf("You can only manage your own calendar link.")
}

// EnsureCalendarToken returns the user's calendar feed token, creating it
// when the user has none. It writes, so it needs a write transaction.
func EnsureCalendarToken(env *orm.Env, uid int64) (string, error) {
	if err := checkTokenOwner(env, uid); err != nil {
		return "", err
	}
	var tok sql.NullString
	err := env.QueryRow("SELECT calendar_token FROM res_users WHERE id = ?", uid).Scan(&tok)
	if errors.Is(err, sql.ErrNoRows) {
		return "", orm.MissingErrorf("User %d does not exist.", uid)
	}
	if err != nil {
		return "", fmt.Errorf("mail: read calendar token: %w", err)
	}
	if tok.String != "" {
		return tok.String, nil
	}
	return setCalendarToken(env, uid)
}

// RevokeCalendarToken replaces the user's token: the old feed link stops
// working at once, and EnsureCalendarToken returns the new one.
func RevokeCalendarToken(env *orm.Env, uid int64) error {
	if err := checkTokenOwner(env, uid); err != nil {
		return err
	}
	_, err := setCalendarToken(env, uid)
	return err
}

func setCalendarToken(env *orm.Env, uid int64) (string, error) {
	tok, err := newCalendarToken()
	if err != nil {
		return "", err
	}
	res, err := env.Exec("UPDATE res_users SET calendar_token = ? WHERE id = ?", tok, uid)
	if err != nil {
		return "", err
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return "", orm.MissingErrorf("User %d does not exist.", uid)
	}
	return tok, nil
}

// UserByCalendarToken finds the active user a feed token belongs to. The
// first characters select the candidates and the whole token is
// compared in constant time; an unknown or empty token is AccessDenied.
func UserByCalendarToken(env *orm.Env, token string) (int64, error) {
	if len(token) < calendarTokenPrefix*2 {
		return 0, orm.AccessDenied
	}
	rows, err := env.Query("SELECT id, calendar_token FROM res_users WHERE active = ? AND substr(calendar_token, 1, "+
		strconv.Itoa(calendarTokenPrefix)+") = ?", env.Dialect.BoolParam(true), token[:calendarTokenPrefix])
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	var found int64
	for rows.Next() {
		var id int64
		var cand string
		if err := rows.Scan(&id, &cand); err != nil {
			return 0, fmt.Errorf("mail: calendar token: %w", err)
		}
		if subtle.ConstantTimeCompare([]byte(cand), []byte(token)) == 1 {
			found = id
		}
	}
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("mail: calendar token: %w", err)
	}
	if found == 0 {
		return 0, orm.AccessDenied
	}
	return found, nil
}
