package sqlite

import (
	"testing"

	"github.com/feedd/feedd/store/storetest"
)

func TestCopy(t *testing.T) {
	from, _ := openTemp(t)
	to, _ := openTemp(t)
	storetest.RunCopy(t, from, to)
}
