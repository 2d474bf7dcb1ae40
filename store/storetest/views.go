package storetest

import (
	"testing"

	"github.com/feedd/feedd/store"
)

// testViews checks the selection, order and offset fields of PostFilter
// and CommentFilter. TODO(issue 6).
func testViews(t *testing.T, open func(t *testing.T) store.Store) { t.Skip("TODO(issue 6)") }

// testCount checks CountPosts and CountComments. TODO(issue 6).
func testCount(t *testing.T, open func(t *testing.T) store.Store) { t.Skip("TODO(issue 6)") }
