package mail

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"path"
	"strings"

	"github.com/kanso-crm/kanso/internal/orm"
)

// MaxAttachmentSize bounds one file (10 MiB).
const MaxAttachmentSize = 10 << 20

// allowedTypes are the kinds of file the timeline accepts, by the type
// sniffed from their content (the name's extension is not trusted).
var allowedTypes = map[string]bool{
	"application/pdf": true, "image/png": true, "image/jpeg": true, "image/gif": true, "image/webp": true,
	"text/plain; charset=utf-8": true, "text/csv; charset=utf-8": true, "application/zip": true, // zip: xlsx, docx, odt
	"application/vnd.ms-excel": true, "application/msword": true, "text/plain; charset=utf-16le": true,
}

// SniffType returns the content type of data, refining "zip" and text
// by the file name for office documents and CSV.
func SniffType(name string, data []byte) string {
	ct := http.DetectContentType(data)
	ext := strings.ToLower(path.Ext(name))
	switch {
	case ct == "application/zip" && (ext == ".xlsx" || ext == ".docx" || ext == ".pptx" || ext == ".odt" || ext == ".ods"):
		return "application/zip"
	case strings.HasPrefix(ct, "text/plain") && ext == ".csv":
		return "text/csv; charset=utf-8"
	case ct == "application/octet-stream" && (ext == ".xls" || ext == ".doc"):
		// legacy office files start with the OLE signature
		if len(data) > 8 && string(data[:8]) == "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" {
			if ext == ".xls" {
				return "application/vnd.ms-excel"
			}
			return "application/msword"
		}
	}
	return ct
}

func registerAttachments(r *orm.Registry) {
	m := r.Define(&orm.Model{Name: "ir.attachment", Description: "Attachment", Order: "id desc"},
		&orm.Field{Name: "name", Type: orm.Char, String: "Name", Required: true},
		&orm.Field{Name: "res_model", Type: orm.Char, String: "Resource Model", Readonly: true},
		&orm.Field{Name: "res_id", Type: orm.Integer, String: "Resource ID", Readonly: true, Aggregator: "-"},
		&orm.Field{Name: "mimetype", Type: orm.Char, String: "Mime Type", Readonly: true},
		&orm.Field{Name: "file_size", Type: orm.Integer, String: "File Size", Readonly: true},
		&orm.Field{Name: "datas", Type: orm.Binary, String: "File Content"},
		&orm.Field{Name: "checksum", Type: orm.Char, String: "Checksum", Readonly: true},
	)
	check := func(env *orm.Env, rec orm.Values, perm orm.Perm) error {
		model, _ := rec["res_model"].(string)
		rid, _ := rec["res_id"].(int64)
		if model == "" || rid == 0 {
			return orm.ValidationErrorf("An attachment belongs to a record (res_model and res_id).")
		}
		rm := env.Reg.Model(model)
		if rm == nil {
			return orm.ValidationErrorf("Unknown model %q", model)
		}
		return env.CheckRecords(rm, []int64{rid}, perm)
	}
	m.Hooks = append(m.Hooks, orm.Hooks{
		BeforeCreate: func(env *orm.Env, vals orm.Values) error {
			if err := check(env, vals, orm.PermWrite); err != nil {
				return err
			}
			data, _ := vals["datas"].([]byte)
			if len(data) == 0 {
				return orm.ValidationErrorf("The file is empty.")
			}
			if len(data) > MaxAttachmentSize {
				return orm.ValidationErrorf("The file is %.1f MB; files can be at most %d MB.", float64(len(data))/(1<<20), MaxAttachmentSize>>20)
			}
			name, _ := vals["name"].(string)
			ct := SniffType(name, data)
			if !allowedTypes[ct] {
				return orm.ValidationErrorf("Files of this kind (%s) cannot be attached; use PDF, images, text, CSV or office documents.", ct)
			}
			sum := sha256.Sum256(data)
			vals["mimetype"], vals["file_size"], vals["checksum"] = ct, int64(len(data)), hex.EncodeToString(sum[:])
			return nil
		},
		BeforeWriteRecord: func(env *orm.Env, old, rec, vals orm.Values) error {
			if _, ok := vals["datas"]; ok {
				return orm.UserErrorf("The content of an attachment cannot be replaced; attach a new file.")
			}
			return check(env, rec, orm.PermWrite)
		},
		BeforeUnlink: func(env *orm.Env, ids []int64) error {
			recs, err := env.ReadValues(env.Reg.Model("ir.attachment"), ids, []string{"res_model", "res_id"})
			if err != nil {
				return err
			}
			for _, r := range recs {
				if err := check(env, r, orm.PermWrite); err != nil {
					return err
				}
			}
			return nil
		},
	})
}

// attachToMessage moves an uploaded attachment under a timeline message.
func attachToMessage(env *orm.Env, att, msg int64, model string, rid int64) error {
	v, err := env.ReadValues(env.Reg.Model("ir.attachment"), []int64{att}, []string{"res_model", "res_id"})
	if err != nil {
		return err
	}
	if len(v) == 0 || v[0]["res_model"] != model || v[0]["res_id"] != rid {
		return orm.ValidationErrorf("Attachment %d does not belong to this record.", att)
	}
	_, err = env.Exec("INSERT INTO mail_message_attachment_rel (message_id, attachment_id) VALUES (?, ?)", msg, att)
	return err
}

// ReadAttachment returns a file if the user may read its record.
func ReadAttachment(env *orm.Env, id int64) (name, ctype string, data []byte, err error) {
	m := env.Reg.Model("ir.attachment")
	recs, err := env.Sudo().ReadValues(m, []int64{id}, []string{"name", "res_model", "res_id", "mimetype", "datas"})
	if err != nil {
		return "", "", nil, err
	}
	if len(recs) == 0 {
		return "", "", nil, orm.MissingErrorf("This file does not exist or has been deleted.")
	}
	r := recs[0]
	rm := env.Reg.Model(r["res_model"].(string))
	if rm == nil {
		return "", "", nil, orm.MissingErrorf("This file does not exist or has been deleted.")
	}
	// files are read through their record: whoever may read it may read them
	if err := env.CheckRecords(rm, []int64{r["res_id"].(int64)}, orm.PermRead); err != nil {
		return "", "", nil, err
	}
	data, _ = r["datas"].([]byte)
	name, _ = r["name"].(string)
	ctype, _ = r["mimetype"].(string)
	return name, ctype, data, nil
}
