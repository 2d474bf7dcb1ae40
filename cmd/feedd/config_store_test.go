package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/feedd/feedd/feed/content"
)

func TestParseConfig_Postgres(t *testing.T) {
	t.Setenv("FEEDD_TEST_PG_PASSWORD", "s3cret")
	for _, dsn := range []string{
		"postgres://feedd:${FEEDD_TEST_PG_PASSWORD}@db.example:5432/feedd?search_path=blog&sslmode=disable",
		"postgresql://feedd@db.example/feedd",
		"postgres://feedd@db.example/feedd?pool_max_conns=4",
		"host=db.example dbname=feedd user=feedd options='-c search_path=blog'",
	} {
		cfg, err := ParseConfig(strings.NewReader("store: {driver: postgres, dsn: \"" + dsn + "\"}\n"))
		if err != nil {
			t.Fatalf("%s: %v", dsn, err)
		}
		if err := cfg.Validate(); err != nil {
			t.Errorf("%s: %v", dsn, err)
		}
		if cfg.Store.Driver != "postgres" || strings.Contains(cfg.Store.DSN, "${") {
			t.Errorf("%s: store = %+v, want the variable expanded", dsn, cfg.Store)
		}
	}
}

// TestParseConfig_BadPostgres checks that a bad DSN names the key, and
// never echoes the password it may hold.
func TestParseConfig_BadPostgres(t *testing.T) {
	for _, tt := range []struct{ name, dsn, want string }{
		{"empty", "", "must name the PostgreSQL database"},
		{"unset variable", "${FEEDD_TEST_NO_SUCH_VAR}", "${FEEDD_TEST_NO_SUCH_VAR} is not set"},
		{"unset variable, empty default", "${FEEDD_TEST_NO_SUCH_VAR:-}", "must name the PostgreSQL database"},
		{"mysql URL", "mysql://u:hunter22@db/x", `unsupported URL scheme "mysql"`},
		{"sqlite path", "feedd.db", "cannot parse"},
		{"bad port", "postgres://u:hunter22@db:notaport/x", "store.dsn"},
		{"bad key", "host=db nonsense", "cannot parse"},
		{"bad pool key", "postgres://u:hunter22@db/x?pool_max_conns=many", "cannot parse"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := ParseConfig(strings.NewReader("store: {driver: postgres, dsn: \"" + tt.dsn + "\"}\n"))
			if err == nil {
				err = cfg.Validate()
			}
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), "store.dsn: ") || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q, want store.dsn and %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "hunter22") {
				t.Errorf("error %q shows the password", err)
			}
		})
	}
}

// TestOpenConfigured_CommentImages: every command's store is opened with
// the process deriving comments as comments.images says.
func TestOpenConfigured_CommentImages(t *testing.T) {
	t.Cleanup(func() { content.SetCommentImages(content.ImagesLinks) })
	for _, mode := range []string{content.ImagesDrop, content.ImagesLinks} {
		cfg := DefaultConfig()
		cfg.Store.DSN = filepath.Join(t.TempDir(), "feedd.db")
		cfg.Comments.Images = mode
		st, err := openConfigured(t.Context(), cfg)
		if err != nil {
			t.Fatalf("openConfigured: %v", err)
		}
		st.Close()
		if got := content.CommentImages(); got != mode {
			t.Errorf("comments.images %s: the process derives under %q", mode, got)
		}
	}
}
