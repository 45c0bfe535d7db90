package ui

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/jsorc/jsorc/api/types"
)

// policyPane shows the active action policy: its name, parameters and
// since when, its phase, when it next acts, its last decisions with their
// reasons, and its model of each module when it has one.
type policyPane struct {
	c      *common
	w, h   int
	policy types.PolicyState
	known  bool
}

func newPolicyPane(c *common) *policyPane { return &policyPane{c: c} }

// SetSize implements pane.
func (p *policyPane) SetSize(w, h int) { p.w, p.h = w, h }

func (p *policyPane) setPolicy(ps types.PolicyState) { p.policy, p.known = ps, true }

// View implements pane.
func (p *policyPane) View() string { return p.viewFramed(true) }

func (p *policyPane) viewFramed(focused bool) string {
	iw, ih := max(0, p.w-2), max(0, p.h-2)
	return p.c.frame("Policy", "p choose", block(p.body(iw, ih), iw, ih), p.w, p.h, focused)
}

// maxDecisions bounds the decisions listed.
const maxDecisions = 8

// compactPolicyH is the least inner height that shows the policy's
// parameters and since when; a smaller pane (the dashboard's) keeps its
// room for the latest decisions.
const compactPolicyH = 16

func (p *policyPane) body(w, h int) string {
	s := p.c.styles
	if !p.known {
		return s.Muted.Render(" reading the policy…")
	}
	ps := p.policy
	now := p.c.now()
	label := func(l string) string { return " " + s.Muted.Render(fmt.Sprintf("%-10s", l)) }
	params := "none"
	if len(ps.Params) > 0 {
		if b, err := json.Marshal(ps.Params); err == nil {
			params = string(b)
		}
	}
	since := "start (never changed)"
	if !ps.Since.IsZero() {
		since = ps.Since.In(p.c.loc).Format("2006-01-02 15:04:05") + s.Muted.Render(" ("+fmtAge(now, ps.Since)+")")
	}
	phase, next := orDash(ps.Phase), dash
	if ps.Status != "" {
		phase += s.Muted.Render(" — ") + ps.Status
	}
	switch {
	case !ps.NextAt.IsZero():
		next = ps.NextAt.In(p.c.loc).Format("15:04:05") + s.Muted.Render(" (in "+fmtDuration(ps.NextAt.Sub(now))+")")
	case ps.Name == types.DefaultPolicy:
		phase, next = "none", "never — it acts only on request"
	}
	lines := []string{label("policy") + s.Title.Render(ps.Name)}
	if h >= compactPolicyH {
		lines = append(lines, label("params")+params, label("since")+since)
	}
	lines = append(lines, label("phase")+phase, label("next act")+next)
	if h >= compactPolicyH {
		lines = append(lines, "")
	}
	lines = append(lines, " "+s.TableHeader.Render("DECISIONS")+s.Muted.Render(" (newest first)"))
	if len(ps.Decisions) == 0 {
		why := "none yet"
		if ps.Name == types.DefaultPolicy {
			why = "none — policy default changes nothing"
		}
		lines = append(lines, " "+s.Muted.Render(why))
	}
	for i := len(ps.Decisions) - 1; i >= 0 && i >= len(ps.Decisions)-maxDecisions; i-- {
		d := ps.Decisions[i]
		move := d.Module + " " + d.Change()
		line := " " + s.Muted.Render(d.At.In(p.c.loc).Format("15:04:05")) + " " + move
		lines = append(lines, line)
		if d.Error != "" {
			// Wrapped, never cut: an error is read to the end.
			lines = append(lines, s.Err.Render(indent("✗ "+d.Error, 10, w)))
		}
		if d.Reason != "" {
			lines = append(lines, s.Muted.Render(indent(d.Reason, 10, w)))
		}
	}
	if len(ps.Estimates) > 0 && len(lines)+3 < h {
		lines = append(lines, "", " "+s.TableHeader.Render(fmt.Sprintf("%-16s %-7s %8s %9s %9s %10s", "MODULE", "MODE", "MEM MB", "MODULE MS", "REMOTE MS", "BENEFIT MS")))
		for _, e := range ps.Estimates {
			lines = append(lines, fmt.Sprintf(" %-16s %-7s %8s %9s %9s %10.2f", fit(e.Module, 16), orDash(string(e.Mode)), fmtMB(e.MemMB), fmtMS(e.ModuleMs), fmtMS(e.RemoteMs), e.BenefitMs))
		}
	}
	lines = append(lines, "", s.Muted.Render(indent(fmt.Sprintf("Policies: %s. p chooses one.", strings.Join(ps.Available, ", ")), 1, w)))
	return strings.Join(lines, "\n")
}

// orDash is s, or a dash when s is empty.
func orDash(s string) string {
	if s == "" {
		return dash
	}
	return s
}
