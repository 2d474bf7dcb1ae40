// Package websub is feedd's W3C WebSub (https://www.w3.org/TR/websub/)
// support: it tells subscribers of feedd's feeds of their changes as they
// happen, instead of leaving them to poll.
//
// A topic is the URL of the head document of one feed in one format
// (render.Renderer.FeedURL: {base}/feeds/posts/{post}/comments.atom is a
// thread's comment feed in Atom). Feeds advertise the hubs themselves
// (rel="hub"); this package does the hubs' side of the work:
//
//   - With external hubs (Options.Hubs), it publishes: every changed topic
//     is POSTed to each hub as hub.mode=publish&hub.url=<topic>, and the
//     hub fetches the feed and distributes it.
//   - As a hub of its own (Options.Builtin), Hub.ServeHTTP takes
//     subscription requests (§5.1), answers 202 and verifies the
//     subscriber's intent with a GET of the callback carrying a random
//     challenge (§5.3); only then is the lease stored
//     (store.Store.SaveSubscription), so it survives restarts and is
//     shared by every feedd process on one database. Changed topics are
//     POSTed to their subscribers (§7), signed with X-Hub-Signature when
//     the subscriber gave a secret (§8).
//
// Changes come from the cache: cache.Options.OnInvalidate calls
// Hub.Changed with the feeds of every invalidation, which cannot block
// the write that made it. Changed adds them to a set that Run's worker
// takes after Options.Debounce, so that a burst of writes is told once.
// For each topic of the set, the worker reads the document from the cache
// (the bytes pushed are exactly the bytes served, ETag and all) and goes
// on only if its ETag differs from the one last told for that topic:
// many writes (a new comment and the digests of closed periods) leave
// some of the feeds they touch as they were. Topics nobody is told of
// are not read at all.
//
// Outgoing requests run in lanes, one per subscriber lease or per hub and
// topic: a lane makes one request at a time, in order, retrying failures
// with exponential backoff a few times, and a newer job replaces one
// still waiting, so that fresh content is never overtaken by stale, nor
// held back by it. Lanes run concurrently up to a bound per kind. A
// subscriber answering 410 Gone is unsubscribed; the subscribers of a
// feed that went away (a deleted post's thread) are sent a denial (§5.2)
// and unsubscribed. Expired leases are never delivered to and are swept
// from the store hourly.
//
// The default HTTP client refuses to connect to non-public addresses, as
// the poller does: callbacks are URLs anyone may give the hub.
//
// What is left out: the hub does not push a topic's current document on
// subscription (only changes after it), does not remember undelivered
// content across restarts, and takes no publish requests itself: feedd
// knows its own changes.
package websub
