package analytics

import "errors"

// Sentinel errors. Callers test them with errors.Is; the messages of the
// errors actually returned wrap one of these and name the offending input,
// so the HTTP layer can show them as they are.
var (
	// ErrNotFound means the requested object (a sprint) does not exist.
	ErrNotFound = errors.New("not found")
	// ErrInvalidArgument means a filter holds a value outside its allow-list
	// (an unknown group_by, entity or state) or an inconsistent range.
	ErrInvalidArgument = errors.New("invalid argument")
	// ErrUnsupported means the request is well formed but names something
	// not implemented yet (durations of milestones, projects or tickets,
	// scope change grouped by project).
	ErrUnsupported = errors.New("not supported yet")
)
