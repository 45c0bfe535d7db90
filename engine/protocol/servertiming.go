package protocol

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// ServerTimingHeader carries, on a successful call's answer, how long the
// action itself ran on the server, as the W3C Server-Timing header words a
// metric: "action;dur=1.234" (milliseconds). The caller's latency minus it
// is what the hop cost — the network, the proxies, both ends' encoding —
// which is what a call saves by running in-process. Jaseci's servers send
// none; their calls report no server time.
const ServerTimingHeader = "Server-Timing"

// serverTimingMetric names jsorc's metric in ServerTimingHeader.
const serverTimingMetric = "action"

// maxServerTiming bounds a reported duration: a larger one (or a negative
// one, or not a number) is not believed.
const maxServerTiming = 24 * time.Hour

// formatServerTiming is the ServerTimingHeader value for an action that ran
// for d.
func formatServerTiming(d time.Duration) string {
	ms := float64(d) / float64(time.Millisecond)
	return serverTimingMetric + ";dur=" + strconv.FormatFloat(ms, 'f', 3, 64)
}

// parseServerTiming reads jsorc's metric from a ServerTimingHeader value,
// which may list other metrics (comma-separated, each with
// semicolon-separated parameters). It reports false when the metric or its
// dur is missing or not a believable duration.
func parseServerTiming(v string) (time.Duration, bool) {
	for metric := range strings.SplitSeq(v, ",") {
		name, params, _ := strings.Cut(metric, ";")
		if !strings.EqualFold(strings.TrimSpace(name), serverTimingMetric) {
			continue
		}
		for param := range strings.SplitSeq(params, ";") {
			k, val, ok := strings.Cut(param, "=")
			if !ok || !strings.EqualFold(strings.TrimSpace(k), "dur") {
				continue
			}
			ms, err := strconv.ParseFloat(strings.Trim(strings.TrimSpace(val), `"`), 64)
			if err != nil || math.IsNaN(ms) || ms < 0 || ms > float64(maxServerTiming/time.Millisecond) {
				return 0, false
			}
			return time.Duration(ms * float64(time.Millisecond)), true
		}
		return 0, false
	}
	return 0, false
}
