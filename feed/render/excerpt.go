package render

// Excerpt lengths, in characters (runes), for content.Excerpt: a summary
// view's stand-in for a missing summary, and a comment quoted in a digest.
const (
	summaryLength = 300
	digestQuote   = 140
)
