package store

import "testing"

func TestParseMigrations(t *testing.T) {
	read := func(string) (string, error) { return "", nil }
	for _, tt := range []struct {
		names []string
		ok    bool
	}{
		{[]string{"m/0001_a.sql", "m/0002_b.sql"}, true},
		{[]string{"m/0002_b.sql", "m/0001_a.sql"}, true},
		{[]string{"m/0001_a.sql", "m/0003_c.sql"}, false}, // gap
		{[]string{"m/0001_a.sql", "m/0001_b.sql"}, false}, // repeat
		{[]string{"m/0002_b.sql"}, false},                 // not from 1
		{[]string{"m/1_a.sql"}, false},                    // not four digits
		{[]string{"m/init.sql"}, false},
	} {
		ms, err := ParseMigrations(tt.names, read)
		if (err == nil) != tt.ok {
			t.Errorf("ParseMigrations(%q) error = %v, want ok %v", tt.names, err, tt.ok)
		}
		for i, m := range ms {
			if m.Version != i+1 {
				t.Errorf("ParseMigrations(%q)[%d].version = %d", tt.names, i, m.Version)
			}
		}
	}
}
