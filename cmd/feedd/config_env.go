package main

import (
	"fmt"
	"os"
	"reflect"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// An envKey is a configuration key that an environment variable sets,
// Miniflux-style: FEEDD_ and the key's path in upper case, dots as
// underscores (store.dsn is FEEDD_STORE_DSN). Every key of Config has one
// but those inside lists of mappings (sources); a list of strings is
// given comma-separated.
type envKey struct {
	Env, Key string
	Type     reflect.Type
	index    []int // the field, for reflect.Value.FieldByIndex
}

// envKeys lists the keys of Config that environment variables set, in
// the order of the struct.
func envKeys() []envKey {
	var keys []envKey
	var walk func(t reflect.Type, prefix string, index []int)
	walk = func(t reflect.Type, prefix string, index []int) {
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			tag := strings.Split(f.Tag.Get("yaml"), ",")[0]
			if tag == "" || tag == "-" {
				continue
			}
			key, idx := prefix+tag, append(append([]int(nil), index...), i)
			switch {
			case f.Type.Kind() == reflect.Struct && f.Type != reflect.TypeOf(time.Time{}):
				walk(f.Type, key+".", idx)
			case f.Type.Kind() == reflect.Slice && f.Type.Elem().Kind() == reflect.Struct:
				// Lists of mappings (sources) are set in the file only.
			default:
				env := "FEEDD_" + strings.ToUpper(strings.ReplaceAll(key, ".", "_"))
				keys = append(keys, envKey{Env: env, Key: key, Type: f.Type, index: idx})
			}
		}
	}
	walk(reflect.TypeOf(Config{}), "", nil)
	return keys
}

// applyEnv sets each key of cfg whose environment variable is set (even
// to the empty string) to its value, read as the file's value would be;
// the environment wins over the file. A value that does not read is an
// error naming the variable and the key.
func applyEnv(cfg *Config) error {
	v := reflect.ValueOf(cfg).Elem()
	for _, k := range envKeys() {
		s, ok := os.LookupEnv(k.Env)
		if !ok {
			continue
		}
		node := &yaml.Node{Kind: yaml.ScalarNode, Value: s}
		if k.Type.Kind() == reflect.Slice {
			node = &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
			for item := range strings.SplitSeq(s, ",") {
				if item = strings.TrimSpace(item); item != "" {
					node.Content = append(node.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: item})
				}
			}
		} else if k.Type.Kind() == reflect.String {
			node.Tag = "!!str" // "yes" or "0755" stays as typed
		}
		field := reflect.New(k.Type)
		if err := node.Decode(field.Interface()); err != nil {
			return fmt.Errorf("%s (%s): invalid value %q (want %s)", k.Env, k.Key, s, typeName(k.Type))
		}
		v.FieldByIndex(k.index).Set(field.Elem())
	}
	return nil
}

// envTable is the README's table of the environment variables, generated
// from envKeys (TestREADME_EnvTable keeps it current).
func envTable() string {
	var b strings.Builder
	b.WriteString("| variable | key | value |\n| --- | --- | --- |\n")
	for _, k := range envKeys() {
		want := typeName(k.Type)
		if k.Type.Kind() == reflect.Slice {
			want = "a comma-separated list"
		}
		fmt.Fprintf(&b, "| `%s` | `%s` | %s |\n", k.Env, k.Key, want)
	}
	return b.String()
}
