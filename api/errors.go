package api

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/runway-analytics/runway/api/analytics"
	"github.com/runway-analytics/runway/collector/warehouse"
)

// Error codes of the JSON error body (DESIGN.md §7).
const (
	CodeInvalidArgument  = "invalid_argument"
	CodeUnauthenticated  = "unauthenticated"
	CodePermissionDenied = "permission_denied"
	CodeNotFound         = "not_found"
	CodeConflict         = "conflict"
	CodeRateLimited      = "rate_limited"
	CodeInternal         = "internal"
	CodeUnavailable      = "unavailable"
)

// apiError is an error with an HTTP status and a public message. Anything
// else that reaches the error middleware is a 500 whose detail is logged,
// not shown.
type apiError struct {
	status  int
	code    string
	message string
}

func (e *apiError) Error() string { return e.message }

func invalid(msg string) error  { return &apiError{http.StatusBadRequest, CodeInvalidArgument, msg} }
func notFound(msg string) error { return &apiError{http.StatusNotFound, CodeNotFound, msg} }
func conflict(msg string) error { return &apiError{http.StatusConflict, CodeConflict, msg} }

type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

func abort(c *gin.Context, status int, code, msg string) {
	c.AbortWithStatusJSON(status, errorBody{errorDetail{code, msg}})
}

// fail answers an error from a handler. API errors carry their status;
// report errors map to 400 (a filter the caller can fix) or 404; anything
// else is a 500 whose detail goes to the log only.
func (s *Server) fail(c *gin.Context, err error) {
	var ae *apiError
	switch {
	case errors.As(err, &ae):
	case errors.Is(err, analytics.ErrInvalidArgument), errors.Is(err, analytics.ErrUnsupported):
		ae = &apiError{http.StatusBadRequest, CodeInvalidArgument, err.Error()}
	case errors.Is(err, analytics.ErrNotFound):
		ae = &apiError{http.StatusNotFound, CodeNotFound, err.Error()}
	case errors.Is(err, warehouse.ErrUnavailable):
		// The store went away: a fault of the moment, answered as readyz
		// does; the detail (the address) goes to the log only.
		s.log.WarnContext(c.Request.Context(), "request failed: storage unreachable", "method", c.Request.Method,
			"path", c.FullPath(), "err", err)
		c.Header("Retry-After", "5")
		ae = &apiError{http.StatusServiceUnavailable, CodeUnavailable, "storage unreachable"}
	}
	if ae != nil {
		abort(c, ae.status, ae.code, ae.message)
		return
	}
	s.log.ErrorContext(c.Request.Context(), "request failed", "method", c.Request.Method,
		"path", c.FullPath(), "err", err)
	abort(c, http.StatusInternalServerError, CodeInternal, "internal error; see the server log")
}
