package sqlite

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/feedd/feedd/feed"
)

// killChildEnv names the database a killChild process writes to.
const killChildEnv = "FEEDD_SQLITE_KILL_CHILD_DB"

// TestAcknowledgedWriteSurvivesKill kills a process writing posts with
// SIGKILL and checks that every post it acknowledged is in the database
// when it is opened again, and that the database is intact. Surviving power
// loss as well is what synchronous=FULL adds (TestOpen_Pragmas checks it);
// no test here can cut the power.
func TestAcknowledgedWriteSurvivesKill(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process")
	}
	path := filepath.Join(t.TempDir(), "feedd.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestKillChild$")
	cmd.Env = append(os.Environ(), killChildEnv+"="+path)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var acked []string
	sc := bufio.NewScanner(stdout)
	for len(acked) < 50 && sc.Scan() {
		if id, ok := strings.CutPrefix(sc.Text(), "ack "); ok {
			acked = append(acked, id)
		}
	}
	// Kill it while it is still writing: mid-transaction, most likely.
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	if len(acked) < 50 {
		t.Fatalf("child acknowledged %d writes before it stopped, want 50", len(acked))
	}

	db := mustOpen(t, path)
	defer db.Close()
	for _, id := range acked {
		if _, err := db.Post(t.Context(), id); err != nil {
			t.Errorf("acknowledged post %s: %v", id, err)
		}
	}
	var check string
	if err := db.db.QueryRowContext(t.Context(), `PRAGMA integrity_check`).Scan(&check); err != nil || check != "ok" {
		t.Errorf("integrity_check = %q, %v; want ok", check, err)
	}
}

// TestKillChild is the process TestAcknowledgedWriteSurvivesKill kills: it
// writes posts and prints the id of each one acknowledged, until killed.
func TestKillChild(t *testing.T) {
	path := os.Getenv(killChildEnv)
	if path == "" {
		t.Skip("run by TestAcknowledgedWriteSurvivesKill")
	}
	db, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	// No Close: the parent kills this process. The deadline only stops an
	// orphan whose parent died first.
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); {
		p := &feed.Post{Title: "T", Content: strings.Repeat("x", 4096), Categories: []string{"a", "b"}}
		if err := db.CreatePost(context.Background(), p); err != nil {
			t.Fatal(err)
		}
		fmt.Println("ack", p.ID)
	}
}
