package storetest

import (
	"testing"

	"github.com/feedd/feedd/store"
)

// testSubscriptions checks the WebSub subscription methods. TODO(issue 6).
func testSubscriptions(t *testing.T, open func(t *testing.T) store.Store) { t.Skip("TODO(issue 6)") }
