package submit_test

import (
	"testing"

	"github.com/feedd/feedd/submit"
)

func TestConfig_Validate(t *testing.T) {
	for _, tc := range []struct {
		cfg submit.Config
		ok  bool
	}{
		{submit.Config{}, true},
		{submit.Config{Moderation: submit.ModerationFirstTime, HoneypotField: "url"}, true},
		{submit.Config{HoneypotField: "content"}, false},
		{submit.Config{HoneypotField: "Author"}, false},
		{submit.Config{HoneypotField: "a b"}, false},
		{submit.Config{Moderation: "some"}, false},
	} {
		if err := tc.cfg.Validate(); (err == nil) != tc.ok {
			t.Errorf("%+v: Validate = %v", tc.cfg, err)
		}
	}
}
