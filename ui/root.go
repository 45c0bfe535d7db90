package ui

import (
	"context"
	"log/slog"
	"time"

	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"

	"github.com/jsorc/jsorc/api/types"
	"github.com/jsorc/jsorc/themes"
)

// model is the console's root: it owns the panes, the command line, the
// dialogs and the data read from the engine, routes each message family
// to its handler, and is the only part that returns a tea.View.
type model struct {
	c       *common
	fetch   fetcher
	engine  string
	apiAddr string
	// readOnly shows everything and changes nothing (--readonly).
	readOnly bool

	// themeChosen is set when the user chose a theme; otherwise the
	// console follows the terminal's background.
	themeChosen bool
	plain       bool

	// events is the engine's event stream while subscribed; unsubscribe
	// ends it.
	events      <-chan types.Event
	unsubscribe context.CancelFunc

	layout   layout
	focus    paneID
	actions  *actionsPane
	services *servicesPane
	policy   *policyPane
	graphs   *graphsPane
	bench    *benchmarkPane
	// eventsPane is the event feed (events is the stream).
	eventsPane *eventsPane
	help       *helpView
	showHelp   bool
	// overlays are the logs and output views over the panes.
	overlays

	prompt  *prompt
	history []string
	// historyFile keeps the history across restarts ("" for none).
	historyFile string
	dialog      *dialog
	status      statusLine
	ops         map[string]*operation

	spinner  spinner.Model
	spinning bool

	// What was read from the engine.
	modules   map[string]types.ActionStatus
	stats     types.Stats
	policyNow types.PolicyState
	readAt    time.Time
	readErr   error
	// statsAt is when the measurements were last read (the console's
	// clock).
	statsAt time.Time

	// inflight marks reads under way so a slow engine never piles them
	// up; stale asks for another status read when the current one ends.
	inflight map[string]bool
	stale    bool

	// meas is what the console knows of the measuring tools.
	meas measuring
	// link is the state of the connection to the engine.
	link link
}

// newModel builds the console's root model.
func newModel(ctx context.Context, backend Backend, o Options) *model {
	theme, chosen := resolveTheme(o)
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	now := o.Now
	if now == nil {
		now = time.Now
	}
	loc := o.Location
	if loc == nil {
		loc = time.Local
	}
	c := &common{keys: defaultKeys(), log: log, now: now, loc: loc}
	c.setStyles(theme.Styles())
	m := &model{
		c:           c,
		fetch:       fetcher{ctx: ctx, backend: backend, now: now},
		engine:      o.Engine,
		apiAddr:     o.APIAddr,
		readOnly:    o.ReadOnly,
		themeChosen: chosen,
		plain:       theme.IsPlain(),
		actions:     newActionsPane(c),
		services:    newServicesPane(c),
		policy:      newPolicyPane(c),
		graphs:      newGraphsPane(c),
		bench:       newBenchmarkPane(c),
		eventsPane:  newEventsPane(c),
		help:        newHelpView(c),
		ops:         map[string]*operation{},
		spinner:     spinner.New(spinner.WithSpinner(spinner.MiniDot)),
		inflight:    map[string]bool{},
		meas:        measuring{busy: map[string]bool{}},
	}
	m.output = newOutputView(c)
	m.historyFile = o.HistoryFile
	if h, err := loadHistory(o.HistoryFile); err != nil {
		log.Warn("reading the command history", "file", o.HistoryFile, "err", err)
	} else {
		m.history = h
	}
	if m.engine == "" {
		m.engine = inProcess
	}
	if o.Width > 0 && o.Height > 0 {
		m.resize(o.Width, o.Height)
	}
	return m
}

// close ends the console's subscription to the engine's events.
func (m *model) close() {
	if m.unsubscribe != nil {
		m.unsubscribe()
		m.unsubscribe = nil
	}
}

// Init starts the refresh tick, the first reads and the event listener.
func (m *model) Init() tea.Cmd {
	cmds := []tea.Cmd{m.fetch.subscribe(), m.fetch.history(""), m.fetch.refresh(m.plan(true)), m.readAll(), m.readWhere()}
	if !m.themeChosen && !m.plain {
		cmds = append(cmds, tea.RequestBackgroundColor)
	}
	return tea.Batch(cmds...)
}

// Update routes each message family to its handler.
func (m *model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.resize(msg.Width, msg.Height)
	case tea.KeyPressMsg:
		cmd := m.handleKey(msg)
		return m, tea.Batch(cmd, m.followSubject())
	case tea.PasteMsg:
		return m, m.handlePaste(msg)
	case tea.BackgroundColorMsg:
		m.adoptBackground(msg)
	case refreshMsg, statusMsg, fetchErrMsg, historyMsg:
		return m, m.handleRead(msg)
	case loadedMsg, unloadedMsg, policySetMsg, calledMsg:
		return m, m.handleResult(msg)
	case measureMsg:
		return m, m.handleMeasure(msg)
	case ranMsg:
		return m, m.handleRan(msg)
	case engineEventMsg, eventsClosedMsg, subscribedMsg, keptEventsMsg:
		return m, m.handleEvent(msg)
	case whereMsg:
		m.takeWhere(msg)
	case describedMsg:
		return m, m.takeDescribe(msg)
	case logsMsg, logsTickMsg:
		return m, m.handleLogs(msg)
	case spinner.TickMsg:
		return m, m.handleSpin(msg)
	}
	return m, nil
}

// View draws the whole screen.
func (m *model) View() tea.View {
	v := tea.NewView(m.render())
	v.AltScreen = true
	v.WindowTitle = "jsorc console — " + m.engine
	v.BackgroundColor = m.c.styles.Bg
	v.ForegroundColor = m.c.styles.Fg
	return v
}

// adoptBackground switches to the light theme on a light terminal, unless
// the user chose a theme.
func (m *model) adoptBackground(msg tea.BackgroundColorMsg) {
	if m.themeChosen || m.plain || msg.IsDark() {
		return
	}
	if t, ok := themes.Builtin("light"); ok {
		m.c.setStyles(t.Styles())
		m.graphs.dirty = true
		m.c.log.Info("light terminal background: using the light theme")
	}
}

// quit ends the program.
func (m *model) quit() tea.Cmd { return tea.Quit }
