package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gridmap/gridmap/model"
)

// maxBody is the largest request body accepted (a boundary of 20,000
// vertices fits comfortably).
const maxBody = 1 << 20

// decodeJSON reads a JSON object into v: the body must be
// application/json, at most maxBody bytes, one object, with no unknown
// fields and no wrong types. Errors are *model.Error naming the field.
func decodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct != "application/json" {
		return &model.Error{Kind: model.UnsupportedMedia, Field: "Content-Type",
			Msg: "Content-Type: want application/json"}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return &model.Error{Kind: model.TooLarge, Field: "body", Code: model.CodeBodyTooLarge,
			Params: map[string]any{"limit": maxBody >> 20}, Msg: fmt.Sprintf("body: larger than %d bytes", maxBody)}
	}
	if err != nil {
		return &model.Error{Kind: model.Invalid, Field: "body", Msg: "body: " + err.Error()}
	}
	return decodeBody(body, v)
}

// decodeBody is decodeJSON after the body is read; the fuzz target
// drives it directly.
func decodeBody(body []byte, v any) error {
	if !utf8.Valid(body) {
		return badParam("body", "not valid UTF-8")
	}
	if field := nulField(body); field != "" {
		return badParam(field, "contains a NUL character (\\u0000)")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if dec.More() {
		return badParam("body", "want one JSON object, found more after it").WithCode(model.CodeBadJSON, nil)
	}
	if _, err := dec.Token(); err != io.EOF {
		return badParam("body", "want one JSON object, found more after it").WithCode(model.CodeBadJSON, nil)
	}
	return nil
}

// nulField returns the path of the first JSON string in body that holds a
// NUL character, such as "name" or "positions[3].note", or "" when none
// does. PostgreSQL text cannot store NUL, so such a string must be a 400
// here rather than a failed write later, whatever Go type (a string, a
// json.RawMessage, a geometry) it would be decoded into. A raw NUL byte
// is a JSON syntax error, so only the escape is looked for; the scan
// stops at the first syntax error and leaves it to the decoder.
func nulField(body []byte) string {
	if !bytes.Contains(body, []byte(`\u0000`)) {
		return ""
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if path, found, _ := scanNUL(dec, ""); found {
		if path == "" {
			path = "body"
		}
		return clip(path)
	}
	return ""
}

// scanNUL reads one JSON value from dec and reports the path of the first
// string in it that holds a NUL. An object key with a NUL is reported at
// the object's own path. It stops at the first syntax error (the decoder
// does not move past it, so going on would loop), which the strict
// decoding reports afterwards.
func scanNUL(dec *json.Decoder, path string) (string, bool, error) {
	tok, err := dec.Token()
	if err != nil {
		return "", false, err
	}
	switch t := tok.(type) {
	case string:
		return path, strings.IndexByte(t, 0) >= 0, nil
	case json.Delim:
		for i := 0; dec.More(); i++ {
			child := path + "[" + strconv.Itoa(i) + "]"
			if t == '{' {
				k, err := dec.Token()
				if err != nil {
					return "", false, err
				}
				key, _ := k.(string)
				if strings.IndexByte(key, 0) >= 0 {
					return path, true, nil
				}
				child = key
				if path != "" {
					child = path + "." + key
				}
			}
			if p, found, err := scanNUL(dec, child); found || err != nil {
				return p, found, err
			}
		}
		if _, err := dec.Token(); err != nil { // the closing delimiter
			return "", false, err
		}
	}
	return "", false, nil
}

// jsonError names the field a decoding error is about.
func jsonError(err error) error {
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			return badParam("body", "want a JSON object, got %s", typeErr.Value)
		}
		return badParam(field, "want %s, got %s", jsonType(typeErr.Type.Kind().String()), typeErr.Value)
	case errors.As(err, &syntaxErr):
		return badParam("body", "malformed JSON at byte %d", syntaxErr.Offset)
	case errors.Is(err, io.EOF):
		return badParam("body", "empty; want a JSON object")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return badParam("body", "malformed JSON: ends too soon")
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		field, uerr := strconv.Unquote(name)
		if uerr != nil {
			field = name
		}
		if field == "" {
			return badParam("body", "a field with an empty name")
		}
		return badParam(clip(field), "unknown field")
	}
	return badParam("body", "%v", err)
}

func jsonType(kind string) string {
	switch {
	case strings.HasPrefix(kind, "int"), strings.HasPrefix(kind, "uint"), strings.HasPrefix(kind, "float"):
		return "a number"
	case kind == "string":
		return "a string"
	case kind == "bool":
		return "true or false"
	case kind == "slice":
		return "an array"
	}
	return "an object"
}
