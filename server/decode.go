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
)

// maxBody is the largest request body accepted (a boundary of 20,000
// vertices fits comfortably).
const maxBody = 1 << 20

// decodeJSON reads a JSON object into v: the body must be
// application/json, at most maxBody bytes, one object, with no unknown
// fields and no wrong types. Errors are *fieldError naming the field.
func decodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct != "application/json" {
		return &fieldError{status: http.StatusUnsupportedMediaType, field: "Content-Type",
			msg: "Content-Type: want application/json"}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return &fieldError{status: http.StatusRequestEntityTooLarge, field: "body",
			msg: fmt.Sprintf("body: larger than %d bytes", maxBody)}
	}
	if err != nil {
		return &fieldError{status: 400, field: "body", msg: "body: " + err.Error()}
	}
	return decodeBody(body, v)
}

// decodeBody is decodeJSON after the body is read; the fuzz target
// drives it directly.
func decodeBody(body []byte, v any) error {
	if !utf8.Valid(body) {
		return badParam("body", "not valid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if dec.More() {
		return badParam("body", "want one JSON object, found more after it")
	}
	if _, err := dec.Token(); err != io.EOF {
		return badParam("body", "want one JSON object, found more after it")
	}
	return nil
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

// respondError answers a *fieldError with its status and field, anything
// else as a server error.
func (s *Server) respondError(w http.ResponseWriter, r *http.Request, err error) {
	var fe *fieldError
	if errors.As(err, &fe) {
		status := fe.status
		if status == 0 {
			status = http.StatusBadRequest
		}
		s.clientError(w, r, status, fe.field, fe.msg)
		return
	}
	s.serverError(w, r, err)
}
