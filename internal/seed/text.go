package seed

import (
	"math/rand/v2"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The vocabulary of the generated text: common English words, with a
// share of the technical words a blog about software and its readers use.
var words = strings.Fields(`the of and to a in is it you that he was for on are with as his they
be at one have this from or had by hot word but what some we can out other were all there when up
use your how said an each she which do their time if will way about many then them write would
like so these her long make thing see him two has look more day could go come did number sound no
most people my over know water than call first who may down side been now find any new work part
take get place made live where after back little only round man year came show every good me give
our under name very through just form sentence great think say help low line differ turn cause much
mean before move right boy old too same tell does set three want air well also play small end put
home read hand port large spell add even land here must big high such follow act why ask men change
went light kind off need house picture try us again animal point mother world near build self earth
father feed thread comment reply server cache query index render archive page latency memory disk
network version release patch config default option reader writer post blog morning evening garden
harbor river mountain coffee bread kitchen winter summer letter window lamp ship sail wind rope
table chair paper pencil station train bridge market street lighthouse keeper logbook tide weather
storm quiet careful simple honest useful strange early late slowly quickly perhaps indeed maybe`)

// Accented and otherwise non-ASCII words, a few of which appear in text
// so that the fixture exercises UTF-8 throughout.
var rareWords = strings.Fields(`café naïve façade jalapeño über señor déjà smörgåsbord Zürich
São Kraków München — “quoted” ‘single’ … 東京 日本語 😀 👍 🚀`)

// text generates the prose of the fixture from its random source.
type text struct{ r *rand.Rand }

// word returns one word, now and then a rare one.
func (t text) word() string {
	if t.r.IntN(60) == 0 {
		return rareWords[t.r.IntN(len(rareWords))]
	}
	return words[t.r.IntN(len(words))]
}

// sentence appends a sentence of min to max words to b.
func (t text) sentence(b *strings.Builder, min, max int) {
	n := min + t.r.IntN(max-min+1)
	for i := range n {
		w := t.word()
		if i == 0 {
			w = capitalize(w)
		} else {
			b.WriteByte(' ')
		}
		b.WriteString(w)
		if i < n-1 && t.r.IntN(12) == 0 {
			b.WriteByte(',')
		}
	}
	switch t.r.IntN(10) {
	case 0:
		b.WriteByte('?')
	case 1:
		b.WriteByte('!')
	default:
		b.WriteByte('.')
	}
}

// paragraph appends sentences sentences, separated by spaces.
func (t text) paragraph(b *strings.Builder, sentences int) {
	for i := range sentences {
		if i > 0 {
			b.WriteByte(' ')
		}
		t.sentence(b, 5, 18)
	}
}

// title returns a title of min to max words, in title case.
func (t text) title(min, max int) string {
	n := min + t.r.IntN(max-min+1)
	parts := make([]string, n)
	for i := range parts {
		parts[i] = capitalize(words[t.r.IntN(len(words))])
	}
	return strings.Join(parts, " ")
}

// capitalize upper-cases the first letter of w.
func capitalize(w string) string {
	r, size := utf8.DecodeRuneInString(w)
	if r == utf8.RuneError || unicode.IsUpper(r) {
		return w
	}
	return string(unicode.ToUpper(r)) + w[size:]
}

// slug returns the first words of title, lower-case and joined by dashes.
func slug(title string, maxWords int) string {
	f := strings.Fields(strings.ToLower(title))
	if len(f) > maxWords {
		f = f[:maxWords]
	}
	return strings.Join(f, "-")
}
