package render

import (
	"bytes"
	"encoding/xml"
	"testing"
)

// clean and line are content.Clean and content.Line, tested there; line
// must strip bidi controls from titles and names.
func TestLine(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"  Title  ", "Title"},
		{"two\nlines\r\nand\ttab", "two lines  and tab"},
		{"\x00", ""},
		{"Eve\u202egnp.exe \u2067x\u2069", "Evegnp.exe x"},
	} {
		if got := line(tc.in); got != tc.want {
			t.Errorf("line(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestPlainText: text that looks like markup is written with hexadecimal
// references, other text as usual, and both read back unchanged.
func TestPlainText(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"Fish & Chips <3", "<t>Fish &amp; Chips &lt;3</t>"},
		{"a < b > c", "<t>a &lt; b &gt; c</t>"},
		{"Use <b> here", "<t>Use &#x3C;b&#x3E; here</t>"},
		{"</em>", "<t>&#x3C;/em&#x3E;</t>"},
		{"AT&T", "<t>AT&#x26;T</t>"},
		{"&amp; &#38;", "<t>&#x26;amp; &#x26;#38;</t>"},
		{"two\nlines", "<t>two\nlines</t>"},
	} {
		var buf bytes.Buffer
		enc := xml.NewEncoder(&buf)
		if err := enc.EncodeElement(plainText(tc.in), xml.StartElement{Name: xml.Name{Local: "t"}}); err != nil {
			t.Fatal(err)
		}
		enc.Close()
		b := buf.Bytes()
		if string(b) != tc.want {
			t.Errorf("%q: got %s, want %s", tc.in, b, tc.want)
		}
		var back struct {
			Text string `xml:",chardata"`
		}
		if err := xml.Unmarshal(b, &back); err != nil || back.Text != tc.in {
			t.Errorf("%q: read back %q, %v", tc.in, back.Text, err)
		}
	}
}
