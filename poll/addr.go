package poll

import "github.com/feedd/feedd/netguard"

// PrivateAddressError is the error of a fetch refused because the address
// dialed is not a public one and Options.AllowPrivate is off: feed and
// comment-feed URLs and their redirects come from upstream documents, and
// must not make feedd reach into its own network (see package netguard).
type PrivateAddressError = netguard.PrivateAddressError
