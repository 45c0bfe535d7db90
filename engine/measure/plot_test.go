package measure_test

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"math"
	"strings"
	"testing"

	"github.com/jsorc/jsorc/engine/measure"
)

// svgTexts decodes doc as XML, failing the test if it is not well-formed,
// and returns the root element's name and the character data of every text
// and title element.
func svgTexts(t *testing.T, doc []byte) (root string, texts []string) {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(doc))
	var stack []string
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("not well-formed XML: %v\n%s", err, doc)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			if root == "" {
				root = tok.Name.Local
				if tok.Name.Space != "http://www.w3.org/2000/svg" {
					t.Errorf("root namespace %q", tok.Name.Space)
				}
			}
			stack = append(stack, tok.Name.Local)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 && (stack[len(stack)-1] == "text" || stack[len(stack)-1] == "title") {
				texts = append(texts, string(tok))
			}
		}
	}
	if len(stack) != 0 {
		t.Fatalf("unclosed elements %v", stack)
	}
	return root, texts
}

func TestPlotSVG(t *testing.T) {
	line := func(n int, f func(x float64) float64) []measure.Point {
		pts := make([]measure.Point, n)
		for i := range pts {
			pts[i] = measure.Point{X: float64(i), Y: f(float64(i))}
		}
		return pts
	}
	tests := []struct {
		name   string
		series []measure.Series
		opts   measure.PlotOptions
		want   []string // texts that must appear
	}{
		{
			name: "latency per policy",
			series: []measure.Series{
				{Name: "all_local", Points: line(180, func(x float64) float64 { return 40 + 5*math.Sin(x/10) })},
				{Name: "all_remote", Points: line(180, func(x float64) float64 { return 95 + x/20 })},
				{Name: "evaluation", Points: line(180, func(x float64) float64 { return 60 })},
			},
			opts: measure.PlotOptions{Title: "zeroshot_faq_bot: p50 latency"},
			want: []string{"all_local", "all_remote", "evaluation", "time (s)", "latency (ms)", "zeroshot_faq_bot: p50 latency", "0", "100"},
		},
		{
			name:   "names needing escapes",
			series: []measure.Series{{Name: `a<b & "c"`, Points: line(3, func(x float64) float64 { return x })}},
			opts:   measure.PlotOptions{XLabel: "x <units>", YLabel: "y & z"},
			want:   []string{`a<b & "c"`, "x <units>", "y & z"},
		},
		{
			name:   "no series",
			series: nil,
			want:   []string{"time (s)", "latency (ms)"},
		},
		{
			name:   "empty, single-point and broken series",
			series: []measure.Series{{Name: "empty"}, {Name: "one", Points: []measure.Point{{X: 5, Y: 7}}}, {Name: "gaps", Points: []measure.Point{{X: 0, Y: 1}, {X: 1, Y: math.NaN()}, {X: 2, Y: 3}, {X: 3, Y: 4}, {X: math.Inf(1), Y: 1}}}},
			want:   []string{"empty", "one", "gaps"},
		},
		{
			name:   "tiny and negative values",
			series: []measure.Series{{Name: "small", Points: []measure.Point{{X: 0, Y: -0.002}, {X: 0.001, Y: 0.003}}}},
			opts:   measure.PlotOptions{Width: 300, Height: 200, ZeroOff: true},
			want:   []string{"small"},
		},
		{
			name:   "constant",
			series: []measure.Series{{Name: "flat", Points: []measure.Point{{X: 1, Y: 5}, {X: 2, Y: 5}}}},
			opts:   measure.PlotOptions{ZeroOff: true},
			want:   []string{"flat"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := measure.PlotSVG(&buf, tt.series, tt.opts); err != nil {
				t.Fatal(err)
			}
			root, texts := svgTexts(t, buf.Bytes())
			if root != "svg" {
				t.Fatalf("root element %q", root)
			}
			all := "\x00" + strings.Join(texts, "\x00") + "\x00"
			for _, w := range tt.want {
				if !strings.Contains(all, "\x00"+w+"\x00") {
					t.Errorf("no text %q among %q", w, texts)
				}
			}
			if strings.Contains(buf.String(), "NaN") || strings.Contains(buf.String(), "Inf") {
				t.Error("non-finite coordinates in the output")
			}
			for _, s := range tt.series {
				if len(s.Points) > 1 && s.Name != "gaps" && !strings.Contains(buf.String(), "<polyline") {
					t.Error("no line drawn")
				}
			}
		})
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestPlotSVGWriteError(t *testing.T) {
	series := []measure.Series{{Name: "a", Points: []measure.Point{{X: 0, Y: 1}, {X: 1, Y: 2}}}}
	if err := measure.PlotSVG(failWriter{}, series, measure.PlotOptions{}); err == nil {
		t.Fatal("write error not reported")
	}
}

func TestSeriesOf(t *testing.T) {
	pts := []measure.LoadPoint{
		{Elapsed: 1, Count: 10, Rate: 10, Mean: 5, P50: 4, P99: 9},
		{Elapsed: 2, Count: 0, Rate: 0},
		{Elapsed: 3, Count: 20, Rate: 20, Mean: 6, P50: 5, P99: 12},
	}
	tests := []struct {
		stat measure.LoadStat
		want []measure.Point
	}{
		{measure.StatP50, []measure.Point{{X: 1, Y: 4}, {X: 3, Y: 5}}},
		{measure.StatP99, []measure.Point{{X: 1, Y: 9}, {X: 3, Y: 12}}},
		{measure.StatMean, []measure.Point{{X: 1, Y: 5}, {X: 3, Y: 6}}},
		{measure.StatRate, []measure.Point{{X: 1, Y: 10}, {X: 2, Y: 0}, {X: 3, Y: 20}}},
	}
	for _, tt := range tests {
		s := measure.SeriesOf("p", pts, tt.stat)
		if s.Name != "p" || len(s.Points) != len(tt.want) {
			t.Fatalf("stat %d: %+v", tt.stat, s)
		}
		for i := range tt.want {
			if s.Points[i] != tt.want[i] {
				t.Errorf("stat %d point %d: %+v, want %+v", tt.stat, i, s.Points[i], tt.want[i])
			}
		}
	}
}
