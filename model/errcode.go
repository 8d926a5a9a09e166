package model

import "strings"

// Code is the stable, machine-readable name of an error answer: clients
// branch on it and translate it (static/i18n.js "errcode.*"); the server
// renders its text in the caller's language from one catalogue
// (server/messages.go). A code never changes meaning once published.
type Code string

// The codes every error kind falls back to when the error names no more
// precise one (DefaultCode).
const (
	CodeInternal         Code = "internal"
	CodeInvalid          Code = "invalid"       // Invalid without a field
	CodeInvalidField     Code = "invalid_field" // Invalid naming a field
	CodeUnprocessable    Code = "unprocessable"
	CodeTooLarge         Code = "too_large"
	CodeUnsupportedMedia Code = "unsupported_media"
	CodeUnauthenticated  Code = "unauthenticated"
	CodeForbidden        Code = "forbidden"
	CodeNotFound         Code = "not_found"
	CodeGone             Code = "gone"
	CodeConflict         Code = "conflict"
	CodeRateLimited      Code = "rate_limited"
	CodeUnavailable      Code = "unavailable"
)

// Codes more precise than their kind's: the conditions a user meets often
// enough that they deserve a sentence of their own in every language.
const (
	CodeLoginRequired   Code = "login_required"    // no session at all
	CodeSessionExpired  Code = "session_expired"   // a session or token that no longer works
	CodeBadAuthHeader   Code = "bad_authorization" // an Authorization header of another scheme
	CodeWrongLogin      Code = "wrong_login"       // wrong username or password
	CodeWrongPassword   Code = "wrong_password"    // the current password, when changing it
	CodeRoleForbidden   Code = "role_forbidden"    // params: role
	CodeOutsideScope    Code = "outside_scope"     // a grid or person outside the caller's grid
	CodeMethodNotAllow  Code = "method_not_allowed"
	CodeBadJSON         Code = "bad_json"       // a body that is not the JSON the route takes
	CodeBodyTooLarge    Code = "body_too_large" // params: limit (MiB)
	CodeStaleRevision   Code = "stale_revision"
	CodeNothingToUndo   Code = "nothing_to_undo"
	CodeClientIDReused  Code = "client_id_reused"
	CodeUsernameTaken   Code = "username_taken"
	CodeLastAdmin       Code = "last_admin"
	CodeWallLinkGone    Code = "wall_link_gone"
	CodeTaskNotYours    Code = "task_not_yours"
	CodeTaskState       Code = "task_state" // params: status
	CodeGapClosed       Code = "gap_closed"
	CodeTaskExists      Code = "task_exists"
	CodeDeclined        Code = "task_declined"
	CodeNotVolunteer    Code = "not_volunteer"
	CodeBusy            Code = "busy"
	CodeStarting        Code = "starting"
	CodeNotStored       Code = "not_stored"
	CodeDBUnavailable   Code = "db_unavailable"
	CodeNoBaseMap       Code = "no_base_map"
	CodeNoChange        Code = "no_change"
	CodePlanProblems    Code = "plan_problems"
	CodeBasePublication Code = "base_publication_moved"
	CodeRowsRejected    Code = "rows_rejected"
	CodeUnreadableFile  Code = "unreadable_file" // an import that is no xlsx or CSV text the sheet can read
	CodeEmptyFile       Code = "empty_file"      // an import with a header and no rows
	CodeGridRetired     Code = "grid_retired"    // params: id
)

// The limits on what an imported file may hold (package sheet), one code
// each, so a reader is told which one in their language.
const (
	CodeLimitFileSize      Code = "limit_file_size"      // params: max
	CodeLimitUnzippedSize  Code = "limit_unzipped_size"  // params: max
	CodeLimitPartSize      Code = "limit_part_size"      // params: max
	CodeLimitParts         Code = "limit_parts"          // params: max
	CodeLimitSharedStrings Code = "limit_shared_strings" // params: max
	CodeLimitColumns       Code = "limit_columns"        // params: max
	CodeLimitCellLength    Code = "limit_cell_length"    // params: max
)

// LimitCode is the code of the file limit named limit ("file size",
// "unzipped size", …, as sheet.LimitError names it), or "" for another.
func LimitCode(limit string) Code {
	for _, c := range limitCodes {
		if string(c) == "limit_"+strings.ReplaceAll(limit, " ", "_") {
			return c
		}
	}
	return ""
}

var limitCodes = []Code{CodeLimitFileSize, CodeLimitUnzippedSize, CodeLimitPartSize, CodeLimitParts, CodeLimitSharedStrings, CodeLimitColumns, CodeLimitCellLength}

// AllCodes lists every code, for the catalogue's completeness test and the
// documentation.
func AllCodes() []Code {
	return []Code{
		CodeInternal, CodeInvalid, CodeInvalidField, CodeUnprocessable, CodeTooLarge, CodeUnsupportedMedia,
		CodeUnauthenticated, CodeForbidden, CodeNotFound, CodeGone, CodeConflict, CodeRateLimited, CodeUnavailable,
		CodeLoginRequired, CodeSessionExpired, CodeBadAuthHeader, CodeWrongLogin, CodeWrongPassword, CodeRoleForbidden,
		CodeOutsideScope, CodeMethodNotAllow, CodeBadJSON, CodeBodyTooLarge, CodeStaleRevision, CodeNothingToUndo,
		CodeClientIDReused, CodeUsernameTaken, CodeLastAdmin, CodeWallLinkGone, CodeTaskNotYours, CodeTaskState,
		CodeGapClosed, CodeTaskExists, CodeDeclined, CodeNotVolunteer, CodeBusy, CodeStarting, CodeNotStored,
		CodeDBUnavailable, CodeNoBaseMap, CodeNoChange, CodePlanProblems, CodeBasePublication, CodeRowsRejected, CodeGridRetired,
		CodeUnreadableFile, CodeEmptyFile,
		CodeLimitFileSize, CodeLimitUnzippedSize, CodeLimitPartSize, CodeLimitParts, CodeLimitSharedStrings, CodeLimitColumns, CodeLimitCellLength,
	}
}

var kindCodes = [...]Code{CodeInternal, CodeInvalidField, CodeUnprocessable, CodeTooLarge, CodeUnsupportedMedia,
	CodeUnauthenticated, CodeForbidden, CodeNotFound, CodeGone, CodeConflict, CodeRateLimited, CodeUnavailable}

// DefaultCode is the code of an error of kind k that names no code of its
// own; field says whether it blames a field (Invalid only tells the two
// apart).
func DefaultCode(k Kind, field string) Code {
	if k == Invalid && field == "" {
		return CodeInvalid
	}
	if int(k) < len(kindCodes) {
		return kindCodes[k]
	}
	return CodeInternal
}

// ErrorCode is e's code: its own, else its kind's.
func (e *Error) ErrorCode() Code {
	if e.Code != "" {
		return e.Code
	}
	return DefaultCode(e.Kind, e.Field)
}

// WithCode sets e's code and the parameters its sentence uses, and gives e.
func (e *Error) WithCode(c Code, params map[string]any) *Error {
	e.Code, e.Params = c, params
	return e
}
