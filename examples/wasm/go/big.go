//go:build wasip1 && big

package main

// The "big" build of textrank (textrank-go-big.wasm, `make examples`) links
// more of Go's library behind two extra actions, so the module weighs the
// 5 MB the cold-load benchmark asks of a large module. The default build
// leaves this file out.

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"encoding/xml"
	"regexp"
	"text/template"

	"jsorc.example/textrank/abi"
)

// Package-level initialisation runs before main.go's init registers the
// module.
var _ = func() bool {
	extra = append(extra,
		abi.Action{Name: "render", Doc: "render a text/template with data",
			Params: []abi.Param{{Name: "template", Type: "str"}, {Name: "data", Type: "any", Optional: true}},
			Handler: func(raw json.RawMessage) (any, error) {
				var a struct {
					Template string `json:"template"`
					Data     any    `json:"data"`
				}
				if err := abi.Args(raw, &a); err != nil {
					return nil, err
				}
				t, err := template.New("t").Parse(a.Template)
				if err != nil {
					return nil, &abi.ArgError{Param: "template", Msg: err.Error()}
				}
				var b bytes.Buffer
				if err := t.Execute(&b, a.Data); err != nil {
					return nil, err
				}
				return b.String(), nil
			}},
		abi.Action{Name: "grep", Doc: "the matches of a regular expression, the text gzipped size and as XML",
			Params: []abi.Param{{Name: "pattern", Type: "str"}, {Name: "text", Type: "str"}},
			Handler: func(raw json.RawMessage) (any, error) {
				var a struct {
					Pattern string `json:"pattern"`
					Text    string `json:"text"`
				}
				if err := abi.Args(raw, &a); err != nil {
					return nil, err
				}
				re, err := regexp.Compile(a.Pattern)
				if err != nil {
					return nil, &abi.ArgError{Param: "pattern", Msg: err.Error()}
				}
				var z bytes.Buffer
				w := gzip.NewWriter(&z)
				_, _ = w.Write([]byte(a.Text))
				_ = w.Close()
				x, err := xml.Marshal(struct {
					Text string `xml:"text"`
				}{a.Text})
				if err != nil {
					return nil, err
				}
				return map[string]any{"matches": re.FindAllString(a.Text, -1), "gzip_bytes": z.Len(), "xml": string(x)}, nil
			}},
	)
	return true
}()
