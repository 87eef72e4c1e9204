package collector

import (
	"fmt"
	"log/slog"
	"reflect"
	"strings"
	"time"

	"github.com/runway-analytics/runway/collector/config"
)

// Prepare is how every source type's factory starts: it checks what all
// types check alike (a name, the type, an HTTP client builder, a since
// that is not negative) and the type's settings, a S (nil: the type's
// defaults) that must validate, and fills the deps' defaults (a discard
// logger, the wall clock). Its error names the type and the source and
// lists every problem.
func Prepare[S config.Settings](typ string, cfg config.Source, deps Deps, defaults func() S) (S, Deps, error) {
	var errs []string
	if cfg.Name == "" {
		errs = append(errs, "name is required")
	}
	if cfg.Type != "" && cfg.Type != typ {
		errs = append(errs, fmt.Sprintf("type is %q, want %q", cfg.Type, typ))
	}
	settings, ok := cfg.Settings.(S)
	switch {
	case cfg.Settings == nil:
		settings = defaults()
		errs = append(errs, settings.Validate()...)
	case !ok || isNilPointer(settings):
		errs = append(errs, fmt.Sprintf("settings are a %T, want a %T", cfg.Settings, settings))
	default:
		errs = append(errs, settings.Validate()...)
	}
	if deps.NewHTTP == nil {
		errs = append(errs, "no HTTP client builder (Deps.NewHTTP)")
	}
	if cfg.Since < 0 {
		errs = append(errs, "since: negative")
	}
	if len(errs) > 0 {
		return settings, deps, fmt.Errorf("%s source %q: %s", typ, cfg.Name, strings.Join(errs, "; "))
	}
	if deps.Logger == nil {
		deps.Logger = slog.New(slog.DiscardHandler)
	}
	if deps.Now == nil {
		deps.Now = time.Now
	}
	return settings, deps, nil
}

func isNilPointer(v any) bool {
	r := reflect.ValueOf(v)
	return r.Kind() == reflect.Pointer && r.IsNil()
}
