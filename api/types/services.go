package types

import "time"

// ServiceState is what a [ServiceInfo] says about a service.
type ServiceState string

// The states of a service.
const (
	// ServiceReady: the last probe passed.
	ServiceReady ServiceState = "ready"
	// ServiceStarting: being initialised or started; not yet probed ok.
	ServiceStarting ServiceState = "starting"
	// ServiceCrashed: it exited or failed its probes; a restart is due
	// (ServiceInfo.RetryAt).
	ServiceCrashed ServiceState = "crashed"
	// ServiceNotInstalled: its program (or a tool it needs) is missing; the
	// keep-alive loop looks again on the back-off schedule.
	ServiceNotInstalled ServiceState = "not installed"
	// ServiceUnknown: named in keep_alive but without a definition.
	ServiceUnknown ServiceState = "unknown service"
	// ServiceStopped: not kept alive (or the keep-alive loop is not running).
	ServiceStopped ServiceState = "stopped"
	// ServiceStopping: removed or being re-created; its process is stopping.
	ServiceStopping ServiceState = "stopping"
	// ServiceObserving: automation is off and nothing is known yet: it has
	// not been probed, or there is no address to probe (jsorc never
	// started it and it has no fixed port).
	ServiceObserving ServiceState = "observing"
	// ServiceDown: automation is off and the service is not working (its
	// process exited, or its probe fails); nothing will restart it.
	ServiceDown ServiceState = "down"
)

// ServiceInfo is a snapshot of one service, for the service_info API and
// the console's services pane.
type ServiceInfo struct {
	// Name is the service's name.
	Name string `json:"name"`
	// Doc is the definition's one-line description.
	Doc string `json:"doc,omitempty"`
	// Enabled reports whether keep_alive names the service.
	Enabled bool `json:"enabled"`
	// Automation reports whether the engine may start and restart it.
	Automation bool `json:"automation"`
	// State is the service's state.
	State ServiceState `json:"state"`
	// Since is when the process entered its current phase.
	Since time.Time `json:"since,omitzero"`
	// LastProbe is when the service was last probed; zero if never.
	LastProbe time.Time `json:"last_probe,omitzero"`
	// ProbeOK is the result of the last probe.
	ProbeOK bool `json:"probe_ok"`
	// ProbeError is the last probe's error, if it failed.
	ProbeError string `json:"probe_error,omitempty"`
	// LastError describes the most recent failure: a start that failed, an
	// exit, an unhealthy probe. It is kept after recovery.
	LastError string `json:"last_error,omitempty"`
	// Restarts counts start attempts after the first, since the service
	// was added or last refreshed.
	Restarts int `json:"restarts"`
	// PID is the process id while it runs, else 0.
	PID int `json:"pid,omitempty"`
	// Endpoint is the "host:port" the service listens on.
	Endpoint string `json:"endpoint,omitempty"`
	// URL is how a client reaches it, e.g. "http://127.0.0.1:40123/",
	// "redis://127.0.0.1:40124", "postgres://jsorc@127.0.0.1:40125/postgres".
	URL string `json:"url,omitempty"`
	// RetryAt is when the next start attempt is due, when crashed or not
	// installed.
	RetryAt time.Time `json:"retry_at,omitzero"`
	// DataDir is the service's data directory.
	DataDir string `json:"data_dir,omitempty"`
	// LogPath is the service's log file.
	LogPath string `json:"log_path,omitempty"`
	// User is the account the service runs as when it is not the engine's
	// (the engine runs as root and the definition names a user).
	User string `json:"user,omitempty"`
	// Credentials says where the service's credentials are kept: the
	// password file, or on Kubernetes the Secret. Never the secret itself.
	Credentials string `json:"credentials,omitempty"`
	// Verified reports that the last good probe reached the process jsorc
	// started: the socket listening on Endpoint belongs to its PID. On
	// Kubernetes: the service runs jsorc's own bundled manifests.
	Verified bool `json:"verified,omitempty"`
}
