package backend

import "time"

// Meta is what a backend reads of META_CONFIG.
type Meta struct {
	// KeepAlive names the services to keep alive; Automation lets the
	// keep-alive act (else it only observes); Interval is its period.
	KeepAlive  []string
	Automation bool
	Interval   time.Duration
	// Namespace is where the kube backend works.
	Namespace string
	// InCluster and Kubeconfig say how the kube backend reaches its
	// cluster ("" for the default lookup).
	InCluster  bool
	Kubeconfig string
}

// ScrapeTargets are what the kept-alive Prometheus scrapes.
type ScrapeTargets struct {
	// Engine is the engine's own API address, host:port ("" when unknown).
	Engine string
	// Servers maps each module to its action server's host:port.
	Servers map[string]string
}

// Keeper keeps platform services alive (JSORC's MetaService). Def is a
// service definition and Info what the keeper reports of one service
// (package services's Definition and Info).
type Keeper[Def, Info any] interface {
	// Set hands the keeper META_CONFIG and the definitions of every known
	// service. It returns an error of kind ErrInvalid for definitions it
	// cannot run, of kind ErrConflict for what it cannot apply while it
	// runs (the rest is applied).
	Set(meta Meta, defs map[string]Def) error
	// Info reports every defined or kept service.
	Info() map[string]Info
	// Refresh re-creates one kept service now, even with automation off.
	Refresh(name string) error
	// ServiceURL is the URL the engine reaches a ready service at, or "".
	ServiceURL(name string) string
	// SetScrapeTargets tells the kept-alive Prometheus what to scrape.
	SetScrapeTargets(t ScrapeTargets) error
}
