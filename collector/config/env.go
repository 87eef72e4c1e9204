package config

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
)

// EnvPrefix starts every override variable.
const EnvPrefix = "RUNWAY_"

// maxEnvEntries bounds how far list entries given only in the environment
// are probed (RUNWAY_SOURCES_7_NAME with six sources in the file).
const maxEnvEntries = 100

// applyEnv overrides config values from environment variables named after
// their YAML path: api.listen → RUNWAY_API_LISTEN, storage.dsn →
// RUNWAY_STORAGE_DSN, sources[0].base_url → RUNWAY_SOURCES_0_BASE_URL,
// sla.urgent → RUNWAY_SLA_URGENT. Lists of scalars are comma-separated.
// Variables can also add what the file lacks: list entries past the file's
// last one (RUNWAY_API_TOKENS_0_NAME with no tokens in the file) and SLA
// priorities, so a deployment can be configured from the environment alone.
func applyEnv(cfg *Config, env func(string) (string, bool)) error {
	_, err := walkEnv(reflect.ValueOf(cfg).Elem(), strings.TrimSuffix(EnvPrefix, "_"), env)
	return err
}

// ApplyEnv is applyEnv for callers that build a Config in code (runway demo).
func ApplyEnv(cfg *Config, env func(string) (string, bool)) error { return applyEnv(cfg, env) }

// mapKeys are the keys a map may gain from the environment alone; the only
// map in the config is sla, keyed by priority.
var mapKeys = Priorities

// walkEnv applies overrides below v and reports whether any was set.
func walkEnv(v reflect.Value, name string, env func(string) (string, bool)) (bool, error) {
	switch v.Kind() {
	case reflect.Struct:
		t := v.Type()
		found := false
		for i := range t.NumField() {
			tag := strings.Split(t.Field(i).Tag.Get("yaml"), ",")[0]
			if tag == "" || tag == "-" {
				continue
			}
			set, err := walkEnv(v.Field(i), name+"_"+strings.ToUpper(tag), env)
			if err != nil {
				return false, err
			}
			found = found || set
		}
		return found, nil
	case reflect.Slice:
		if v.Type().Elem().Kind() != reflect.Struct {
			break
		}
		found := false
		for i := range v.Len() {
			set, err := walkEnv(v.Index(i), fmt.Sprintf("%s_%d", name, i), env)
			if err != nil {
				return false, err
			}
			found = found || set
		}
		// Entries beyond the file's: append while variables name them.
		for i := v.Len(); i < maxEnvEntries; i++ {
			elem := reflect.New(v.Type().Elem()).Elem()
			set, err := walkEnv(elem, fmt.Sprintf("%s_%d", name, i), env)
			if err != nil {
				return false, err
			}
			if !set {
				break
			}
			v.Set(reflect.Append(v, elem))
			found = true
		}
		return found, nil
	case reflect.Map:
		keys := map[string]bool{}
		for _, k := range v.MapKeys() {
			keys[k.String()] = true
		}
		for _, k := range mapKeys {
			keys[k] = true
		}
		found := false
		for k := range keys {
			varName := name + "_" + strings.ToUpper(k)
			s, ok := env(varName)
			if !ok {
				continue
			}
			elem := reflect.New(v.Type().Elem()).Elem()
			if err := setScalar(elem, s); err != nil {
				return false, fmt.Errorf("%w: %s: %v", ErrInvalid, varName, err)
			}
			if v.IsNil() {
				v.Set(reflect.MakeMap(v.Type()))
			}
			v.SetMapIndex(reflect.ValueOf(k), elem)
			found = true
		}
		return found, nil
	}
	s, ok := env(name)
	if !ok {
		return false, nil
	}
	if err := setScalar(v, s); err != nil {
		return false, fmt.Errorf("%w: %s: %v", ErrInvalid, name, err)
	}
	return true, nil
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
