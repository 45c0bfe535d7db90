package ui

// servicesPane is the place of the services the engine keeps alive (redis,
// promon, db…): backend, state, last probe, restarts. The console's Backend
// does not read them yet, and the pane says so rather than show anything
// invented.
type servicesPane struct {
	c    *common
	w, h int
}

func newServicesPane(c *common) *servicesPane { return &servicesPane{c: c} }

// SetSize implements pane.
func (p *servicesPane) SetSize(w, h int) { p.w, p.h = w, h }

// View implements pane.
func (p *servicesPane) View() string { return p.viewFramed(true) }

func (p *servicesPane) viewFramed(focused bool) string {
	iw, ih := max(0, p.w-2), max(0, p.h-2)
	s := p.c.styles
	msg := s.Warn.Render("Kept-alive services are not shown in the console yet.") + "\n\n" +
		s.Muted.Render(wrapText("`jsorc service info` lists them meanwhile (the console serves the API beside it). This pane will show each one — redis, promon, db and your own — with its backend, state, last probe and restarts.", max(10, iw-4)))
	return p.c.frame("Services", "", center(msg, iw, ih), p.w, p.h, focused)
}
