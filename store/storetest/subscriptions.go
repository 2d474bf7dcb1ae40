package storetest

import (
	"strings"
	"testing"
	"time"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/store"
)

// The topics and callbacks of the subscription tests.
const (
	topicPosts  = "https://blog.example/feeds/posts.atom"
	topicThread = "https://blog.example/feeds/posts/p/comments.atom"
	callbackA   = "https://a.example/cb?id=1"
	callbackB   = "http://b.example:8080/push"
)

// saveSubscription stores s, failing the test on error.
func saveSubscription(t *testing.T, s store.Store, sub *feed.Subscription) {
	t.Helper()
	if err := s.SaveSubscription(t.Context(), sub); err != nil {
		t.Fatalf("SaveSubscription(%q, %q): %v", sub.Topic, sub.Callback, err)
	}
}

// subscriptions lists the leases of topic that are running at now,
// failing the test on error.
func subscriptions(t *testing.T, s store.Store, topic string, now time.Time) []*feed.Subscription {
	t.Helper()
	subs, err := s.Subscriptions(t.Context(), topic, now)
	if err != nil {
		t.Fatalf("Subscriptions(%q, %v): %v", topic, now, err)
	}
	return subs
}

// subscriptionKeys lists subscriptions as "topic callback", in order,
// separated by "; ".
func subscriptionKeys(subs []*feed.Subscription) string {
	keys := make([]string, len(subs))
	for i, s := range subs {
		keys[i] = s.Topic + " " + s.Callback
	}
	return strings.Join(keys, "; ")
}

// checkSubscription fails the test unless got and want are the same lease,
// times compared as instants in UTC and whole seconds.
func checkSubscription(t *testing.T, got, want *feed.Subscription) {
	t.Helper()
	checkTime(t, "Expires", got.Expires, want.Expires)
	checkTime(t, "Created", got.Created, want.Created)
	g, w := *got, *want
	g.Expires, g.Created, w.Expires, w.Created = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	if g != w {
		t.Errorf("subscription = %+v\nwant %+v", g, w)
	}
}

func testSubscriptions(t *testing.T, open func(t *testing.T) store.Store) {
	t.Run("SaveAndRenew", func(t *testing.T) {
		s := newStore(t, open)
		before := now(t)
		sub := &feed.Subscription{Topic: topicThread, Callback: callbackA, Secret: "s3cret",
			Expires: at(60).Add(500 * time.Millisecond)}
		saveSubscription(t, s, sub)
		after := now(t)
		// A zero Created is the store's clock; on return sub holds what
		// was stored, Expires in whole seconds.
		if sub.Created.Before(before.Truncate(time.Second)) || sub.Created.After(after) {
			t.Errorf("Created = %v, want the store's clock, between %v and %v", sub.Created, before, after)
		}
		created := sub.Created
		want := &feed.Subscription{Topic: topicThread, Callback: callbackA, Secret: "s3cret", Expires: at(60), Created: created}
		checkSubscription(t, sub, want)
		subs := subscriptions(t, s, topicThread, at(0))
		if len(subs) != 1 {
			t.Fatalf("Subscriptions = %q, want one", subscriptionKeys(subs))
		}
		checkSubscription(t, subs[0], want)

		// A renewal takes the new secret and lease and keeps Created,
		// whatever Created it is given.
		renewal := &feed.Subscription{Topic: topicThread, Callback: callbackA, Secret: "other",
			Expires: at(120), Created: at(-500)}
		saveSubscription(t, s, renewal)
		want = &feed.Subscription{Topic: topicThread, Callback: callbackA, Secret: "other", Expires: at(120), Created: created}
		checkSubscription(t, renewal, want)
		subs = subscriptions(t, s, "", at(0))
		if len(subs) != 1 {
			t.Fatalf("after renewal, Subscriptions = %q, want one", subscriptionKeys(subs))
		}
		checkSubscription(t, subs[0], want)

		// A renewal may drop the secret, and the lease may get shorter.
		saveSubscription(t, s, &feed.Subscription{Topic: topicThread, Callback: callbackA, Expires: at(30)})
		subs = subscriptions(t, s, topicThread, at(0))
		if len(subs) != 1 {
			t.Fatalf("after second renewal, Subscriptions = %q, want one", subscriptionKeys(subs))
		}
		checkSubscription(t, subs[0], &feed.Subscription{Topic: topicThread, Callback: callbackA, Expires: at(30), Created: created})
	})

	t.Run("GivenCreated", func(t *testing.T) {
		s := newStore(t, open)
		sub := &feed.Subscription{Topic: topicPosts, Callback: callbackB, Expires: at(10),
			Created: at(-10).Add(time.Second / 3).In(time.FixedZone("X", 3600))}
		saveSubscription(t, s, sub)
		want := &feed.Subscription{Topic: topicPosts, Callback: callbackB, Expires: at(10), Created: at(-10)}
		checkSubscription(t, sub, want)
		checkSubscription(t, subscriptions(t, s, topicPosts, at(0))[0], want)
	})

	t.Run("SecretBytes", func(t *testing.T) {
		// hub.secret is bytes, not text: NUL, invalid UTF-8 and the full
		// 200 bytes come back as they went in.
		s := newStore(t, open)
		secrets := []string{"a\x00b\xff\xfe", strings.Repeat("\xe9", store.MaxSecretLen), "ünïcode"}
		for i, secret := range secrets {
			saveSubscription(t, s, &feed.Subscription{Topic: topicPosts, Callback: callbackA + string(rune('a'+i)),
				Secret: secret, Expires: at(10)})
		}
		subs := subscriptions(t, s, topicPosts, at(0))
		if len(subs) != len(secrets) {
			t.Fatalf("Subscriptions = %q, want %d", subscriptionKeys(subs), len(secrets))
		}
		for i, sub := range subs {
			if sub.Secret != secrets[i] {
				t.Errorf("secret %d = %q, want %q", i, sub.Secret, secrets[i])
			}
		}
	})

	t.Run("List", func(t *testing.T) {
		s := newStore(t, open)
		if subs := subscriptions(t, s, "", at(0)); len(subs) != 0 {
			t.Fatalf("Subscriptions of an empty store = %q, want none", subscriptionKeys(subs))
		}
		// Saved out of order; listed by topic, then callback.
		for _, k := range [][2]string{{topicThread, callbackB}, {topicPosts, callbackB}, {topicThread, callbackA}, {topicPosts, callbackA}} {
			saveSubscription(t, s, &feed.Subscription{Topic: k[0], Callback: k[1], Expires: at(10)})
		}
		for _, tt := range []struct{ topic, want string }{
			{"", topicPosts + " " + callbackB + "; " + topicPosts + " " + callbackA + "; " +
				topicThread + " " + callbackB + "; " + topicThread + " " + callbackA},
			{topicPosts, topicPosts + " " + callbackB + "; " + topicPosts + " " + callbackA},
			{topicThread, topicThread + " " + callbackB + "; " + topicThread + " " + callbackA},
			{"https://blog.example/feeds/comments.atom", ""},
			{strings.ToUpper(topicPosts), ""}, // topics are compared exactly
		} {
			if got := subscriptionKeys(subscriptions(t, s, tt.topic, at(0))); got != tt.want {
				t.Errorf("Subscriptions(%q) = %q\nwant %q", tt.topic, got, tt.want)
			}
		}
	})

	t.Run("Expiry", func(t *testing.T) {
		s := newStore(t, open)
		saveSubscription(t, s, &feed.Subscription{Topic: topicPosts, Callback: callbackA, Expires: at(10)})
		saveSubscription(t, s, &feed.Subscription{Topic: topicPosts, Callback: callbackB, Expires: at(20)})
		saveSubscription(t, s, &feed.Subscription{Topic: topicThread, Callback: callbackA, Expires: at(10)})
		for _, tt := range []struct {
			now  time.Time
			want string
		}{
			{at(10).Add(-time.Second), topicPosts + " " + callbackB + "; " + topicPosts + " " + callbackA + "; " + topicThread + " " + callbackA},
			{at(10).Add(-time.Millisecond), topicPosts + " " + callbackB + "; " + topicPosts + " " + callbackA + "; " + topicThread + " " + callbackA},
			{at(10), topicPosts + " " + callbackB}, // a lease ending now has ended
			{at(10).Add(time.Millisecond), topicPosts + " " + callbackB},
			{at(20), ""},
		} {
			if got := subscriptionKeys(subscriptions(t, s, "", tt.now)); got != tt.want {
				t.Errorf("Subscriptions at %v = %q\nwant %q", tt.now, got, tt.want)
			}
		}

		// Expired leases stay until the sweep removes them.
		if got := subscriptionKeys(subscriptions(t, s, topicPosts, at(0))); got != topicPosts+" "+callbackB+"; "+topicPosts+" "+callbackA {
			t.Errorf("before the sweep, Subscriptions at t0 = %q, want both of the posts feed", got)
		}
		for _, tt := range []struct {
			now  time.Time
			want int
		}{
			{at(10).Add(-time.Millisecond), 0},
			{at(10), 2},
			{at(10).Add(time.Minute), 0},
			{at(30), 1},
		} {
			n, err := s.ExpireSubscriptions(t.Context(), tt.now)
			if err != nil {
				t.Fatalf("ExpireSubscriptions(%v): %v", tt.now, err)
			}
			if n != tt.want {
				t.Errorf("ExpireSubscriptions(%v) = %d, want %d", tt.now, n, tt.want)
			}
			if tt.now.Equal(at(10)) {
				if got := subscriptionKeys(subscriptions(t, s, "", at(0))); got != topicPosts+" "+callbackB {
					t.Errorf("after the sweep at %v, Subscriptions at t0 = %q, want %q", tt.now, got, topicPosts+" "+callbackB)
				}
			}
		}
		if subs := subscriptions(t, s, "", at(-1000)); len(subs) != 0 {
			t.Errorf("after the last sweep, Subscriptions = %q, want none", subscriptionKeys(subs))
		}
		// A renewal saved after the sweep is a new lease.
		saveSubscription(t, s, &feed.Subscription{Topic: topicPosts, Callback: callbackA, Expires: at(40)})
		if got := subscriptionKeys(subscriptions(t, s, "", at(30))); got != topicPosts+" "+callbackA {
			t.Errorf("after a new save, Subscriptions = %q", got)
		}
	})

	t.Run("Delete", func(t *testing.T) {
		s := newStore(t, open)
		saveSubscription(t, s, &feed.Subscription{Topic: topicPosts, Callback: callbackA, Expires: at(10)})
		saveSubscription(t, s, &feed.Subscription{Topic: topicPosts, Callback: callbackB, Expires: at(10)})
		if err := s.DeleteSubscription(t.Context(), topicPosts, callbackA); err != nil {
			t.Fatalf("DeleteSubscription: %v", err)
		}
		if got := subscriptionKeys(subscriptions(t, s, "", at(0))); got != topicPosts+" "+callbackB {
			t.Errorf("after delete, Subscriptions = %q, want only %s", got, callbackB)
		}
		// Deleting none is ENOTFOUND: gone already, never there, or a
		// callback of another topic.
		wantCode(t, s.DeleteSubscription(t.Context(), topicPosts, callbackA), feed.ENOTFOUND)
		wantCode(t, s.DeleteSubscription(t.Context(), topicThread, callbackB), feed.ENOTFOUND)
		wantCode(t, s.DeleteSubscription(t.Context(), "", ""), feed.ENOTFOUND)
		// An expired lease not yet swept is still there to delete.
		if err := s.DeleteSubscription(t.Context(), topicPosts, callbackB); err != nil {
			t.Errorf("DeleteSubscription of an unswept expired lease: %v", err)
		}
	})

	t.Run("Reopen", func(t *testing.T) {
		first := open(t)
		closed := false
		t.Cleanup(func() {
			if !closed {
				first.Close()
			}
		})
		sub := &feed.Subscription{Topic: topicThread, Callback: callbackA, Secret: "k\x00ey", Expires: at(10), Created: at(-5)}
		saveSubscription(t, first, sub)
		closed = true
		if err := first.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}

		s := newStore(t, open)
		subs := subscriptions(t, s, topicThread, at(0))
		if len(subs) != 1 {
			t.Fatalf("after reopen, Subscriptions = %q, want one", subscriptionKeys(subs))
		}
		checkSubscription(t, subs[0], sub)
		// The reopened store renews the same lease.
		saveSubscription(t, s, &feed.Subscription{Topic: topicThread, Callback: callbackA, Expires: at(20)})
		checkSubscription(t, subscriptions(t, s, "", at(0))[0],
			&feed.Subscription{Topic: topicThread, Callback: callbackA, Expires: at(20), Created: at(-5)})
	})

	t.Run("Invalid", func(t *testing.T) {
		s := newStore(t, open)
		long := "https://blog.example/" + strings.Repeat("x", feed.MaxURILen-len("https://blog.example/")+1)
		for _, tt := range []struct {
			name string
			sub  *feed.Subscription
		}{
			{"Nil", nil},
			{"NoTopic", &feed.Subscription{Callback: callbackA, Expires: at(10)}},
			{"NoCallback", &feed.Subscription{Topic: topicPosts, Expires: at(10)}},
			{"RelativeTopic", &feed.Subscription{Topic: "/feeds/posts.atom", Callback: callbackA, Expires: at(10)}},
			{"RelativeCallback", &feed.Subscription{Topic: topicPosts, Callback: "cb", Expires: at(10)}},
			{"FTPCallback", &feed.Subscription{Topic: topicPosts, Callback: "ftp://a.example/cb", Expires: at(10)}},
			{"MailtoCallback", &feed.Subscription{Topic: topicPosts, Callback: "mailto:a@a.example", Expires: at(10)}},
			{"NoHost", &feed.Subscription{Topic: topicPosts, Callback: "https:///cb", Expires: at(10)}},
			{"SpaceCallback", &feed.Subscription{Topic: topicPosts, Callback: " ", Expires: at(10)}},
			{"ControlCallback", &feed.Subscription{Topic: topicPosts, Callback: "https://a.example/\x00", Expires: at(10)}},
			{"NewlineTopic", &feed.Subscription{Topic: topicPosts + "\n", Callback: callbackA, Expires: at(10)}},
			{"BadUTF8", &feed.Subscription{Topic: topicPosts, Callback: "https://a.example/\xff", Expires: at(10)}},
			{"LongTopic", &feed.Subscription{Topic: long, Callback: callbackA, Expires: at(10)}},
			{"LongCallback", &feed.Subscription{Topic: topicPosts, Callback: long, Expires: at(10)}},
			{"LongSecret", &feed.Subscription{Topic: topicPosts, Callback: callbackA, Expires: at(10),
				Secret: strings.Repeat("s", store.MaxSecretLen+1)}},
		} {
			t.Run(tt.name, func(t *testing.T) {
				wantCode(t, s.SaveSubscription(t.Context(), tt.sub), feed.EINVALID)
			})
		}
		if subs := subscriptions(t, s, "", at(-1000)); len(subs) != 0 {
			t.Errorf("after invalid saves, Subscriptions = %q, want none", subscriptionKeys(subs))
		}
		// The limits themselves are fine: MaxURILen characters (not
		// bytes), MaxSecretLen bytes.
		longest := "https://blog.example/" + strings.Repeat("é", feed.MaxURILen-len("https://blog.example/"))
		saveSubscription(t, s, &feed.Subscription{Topic: longest, Callback: longest, Expires: at(10),
			Secret: strings.Repeat("s", store.MaxSecretLen)})
	})
}
