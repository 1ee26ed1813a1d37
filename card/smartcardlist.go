package card

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
)

// SmartcardListPaths are where pcsc-tools installs its ATR list. The list
// is GPL-licensed: firma reads it at run time and never embeds it.
var SmartcardListPaths = []string{
	"/usr/share/pcsc/smartcard_list.txt",
	"/usr/local/share/pcsc/smartcard_list.txt",
	"/usr/share/pcsc-tools/smartcard_list.txt",
}

// maxListSize bounds how much of a smartcard list is read (the real one
// is about 400 KiB).
const maxListSize = 8 << 20

// maxListPattern bounds one ATR pattern line (an ATR is at most 33 bytes,
// so a sane pattern is far shorter).
const maxListPattern = 512

// SmartcardList is pcsc-tools' ATR list: ATR patterns (regular
// expressions over "3B FF 18 ..." strings) each with description lines.
type SmartcardList struct {
	Path    string
	entries []listEntry
}

type listEntry struct {
	re   *regexp.Regexp
	desc []string
}

// LoadSmartcardList reads the list at path, or at the first of
// SmartcardListPaths that exists when path is empty. It returns (nil, nil)
// when no list is installed.
func LoadSmartcardList(path string) (*SmartcardList, error) {
	paths := SmartcardListPaths
	if path != "" {
		paths = []string{path}
	}
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			if os.IsNotExist(err) && path == "" {
				continue
			}
			return nil, fmt.Errorf("reading smartcard list: %w", err)
		}
		l, err := ParseSmartcardList(io.LimitReader(f, maxListSize))
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("reading smartcard list %s: %w", p, err)
		}
		l.Path = p
		return l, nil
	}
	return nil, nil
}

// ParseSmartcardList parses the smartcard_list.txt format: "#" comments,
// an unindented line holding an ATR pattern, then tab-indented description
// lines. Patterns that are not valid regular expressions are skipped, as
// pcsc_scan would fail to match them too.
func ParseSmartcardList(r io.Reader) (*SmartcardList, error) {
	l := &SmartcardList{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), 64<<10)
	var cur *listEntry
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "#"), strings.TrimSpace(line) == "":
			cur = nil
		case line[0] == '\t' || line[0] == ' ':
			if cur != nil {
				cur.desc = append(cur.desc, strings.TrimSpace(line))
			}
		default:
			cur = nil
			pat := strings.ToUpper(strings.TrimSpace(line))
			if len(pat) > maxListPattern {
				continue
			}
			re, err := regexp.Compile("^(?:" + pat + ")$")
			if err != nil {
				continue
			}
			l.entries = append(l.entries, listEntry{re: re})
			cur = &l.entries[len(l.entries)-1]
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return l, nil
}

// Lookup returns the description lines of every pattern matching atr, in
// file order.
func (l *SmartcardList) Lookup(atr []byte) []string {
	if l == nil || len(atr) == 0 {
		return nil
	}
	s := FormatHex(atr)
	var out []string
	for _, e := range l.entries {
		if e.re.MatchString(s) {
			out = append(out, e.desc...)
		}
	}
	return dedupe(out)
}

// Len is the number of ATR patterns read.
func (l *SmartcardList) Len() int {
	if l == nil {
		return 0
	}
	return len(l.entries)
}

func dedupe(in []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range in {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}
