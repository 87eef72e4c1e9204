package config

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
)

// EnvPrefix starts every override variable.
const EnvPrefix = "RUNWAY_"

// applyEnv overrides config values from environment variables named after
// their YAML path: api.listen → RUNWAY_API_LISTEN, storage.dsn →
// RUNWAY_STORAGE_DSN, sources[0].base_url → RUNWAY_SOURCES_0_BASE_URL,
// sla.urgent → RUNWAY_SLA_URGENT. Lists of scalars are comma-separated.
func applyEnv(cfg *Config, env func(string) (string, bool)) error {
	return walkEnv(reflect.ValueOf(cfg).Elem(), strings.TrimSuffix(EnvPrefix, "_"), env)
}

// ApplyEnv is applyEnv for callers that build a Config in code (runway demo).
func ApplyEnv(cfg *Config, env func(string) (string, bool)) error { return applyEnv(cfg, env) }

func walkEnv(v reflect.Value, name string, env func(string) (string, bool)) error {
	switch v.Kind() {
	case reflect.Struct:
		t := v.Type()
		for i := range t.NumField() {
			tag := strings.Split(t.Field(i).Tag.Get("yaml"), ",")[0]
			if tag == "" || tag == "-" {
				continue
			}
			if err := walkEnv(v.Field(i), name+"_"+strings.ToUpper(tag), env); err != nil {
				return err
			}
		}
		return nil
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Struct {
			for i := range v.Len() {
				if err := walkEnv(v.Index(i), fmt.Sprintf("%s_%d", name, i), env); err != nil {
					return err
				}
			}
			return nil
		}
	case reflect.Map:
		for _, k := range v.MapKeys() {
			s, ok := env(name + "_" + strings.ToUpper(k.String()))
			if !ok {
				continue
			}
			elem := reflect.New(v.Type().Elem()).Elem()
			if err := setScalar(elem, s); err != nil {
				return fmt.Errorf("%w: %s_%s: %v", ErrInvalid, name, strings.ToUpper(k.String()), err)
			}
			v.SetMapIndex(k, elem)
		}
		return nil
	}
	s, ok := env(name)
	if !ok {
		return nil
	}
	if err := setScalar(v, s); err != nil {
		return fmt.Errorf("%w: %s: %v", ErrInvalid, name, err)
	}
	return nil
}

func setScalar(v reflect.Value, s string) error {
	if v.Type() == reflect.TypeFor[Span]() {
		d, err := parseSpan(s)
		if err != nil {
			return err
		}
		v.SetInt(int64(d))
		return nil
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(s)
	case reflect.Int, reflect.Int64:
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return fmt.Errorf("%q is not an integer", s)
		}
		v.SetInt(n)
	case reflect.Float64:
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return fmt.Errorf("%q is not a number", s)
		}
		v.SetFloat(f)
	case reflect.Bool:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return fmt.Errorf("%q is not a boolean", s)
		}
		v.SetBool(b)
	case reflect.Slice:
		var parts []string
		if strings.TrimSpace(s) != "" {
			parts = strings.Split(s, ",")
		}
		out := reflect.MakeSlice(v.Type(), len(parts), len(parts))
		for i, p := range parts {
			if err := setScalar(out.Index(i), strings.TrimSpace(p)); err != nil {
				return err
			}
		}
		v.Set(out)
	default:
		return fmt.Errorf("cannot set %s from the environment", v.Type())
	}
	return nil
}
