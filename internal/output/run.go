package output

import (
	"runtime/debug"
	"time"
)

// Meta is the record of one run of a command, written as meta.json beside
// its outputs. Params holds every parameter after defaults, keyed by the
// command's flag names, so that the run can be repeated from the record
// (sgdmft CMD --config DIR/meta.json); the other fields describe the run.
type Meta struct {
	Command  string         `json:"command"`     // e.g. "simulate"
	Args     []string       `json:"args"`        // the exact command line
	Version  string         `json:"version"`     // e.g. 0.1.0+3f2a9c1b7d0e
	VCS      *VCS           `json:"vcs"`         // the commit built from; null when unknown (go test)
	Started  time.Time      `json:"started"`     // UTC
	WallTime float64        `json:"wall_time_s"` // from Started until the outputs were written
	Params   map[string]any `json:"params"`
	Result   any            `json:"result,omitempty"` // facts about the solution, e.g. step counts

	start time.Time // with the monotonic clock reading, for WallTime
}

// VCS is the version-control state a binary was built from.
type VCS struct {
	Revision string `json:"revision"`       // the full commit hash
	Time     string `json:"time,omitempty"` // the commit time, RFC 3339
	Modified bool   `json:"modified"`       // the work tree had uncommitted changes
}

// BuildVCS returns the version-control state recorded in the running binary
// by the go command, or nil (go test and go run record none).
func BuildVCS() *VCS {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return nil
	}
	var v VCS
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			v.Revision = s.Value
		case "vcs.time":
			v.Time = s.Value
		case "vcs.modified":
			v.Modified = s.Value == "true"
		}
	}
	if v.Revision == "" {
		return nil
	}
	return &v
}

// Start begins the record of a run of command with the given command line,
// version and parameters, at the current time.
func Start(command string, args []string, version string, params map[string]any) *Meta {
	now := time.Now()
	return &Meta{
		Command: command, Args: append([]string(nil), args...), Version: version, VCS: BuildVCS(),
		Started: now.UTC().Round(time.Millisecond), Params: params, start: now,
	}
}

// Write writes a run's outputs into the directory final atomically: files
// (which may be nil) writes the data into the temporary directory, then
// meta.json is written with the wall time since m.Started, and the
// directory is renamed into place, replacing an earlier one. On any error
// the temporary directory is removed and final is left as it was.
func Write(final string, m *Meta, files func(d *Dir) error) error {
	d, err := Create(final)
	if err != nil {
		return err
	}
	defer d.Abort()
	if files != nil {
		if err := files(d); err != nil {
			return err
		}
	}
	start := m.start
	if start.IsZero() {
		start = m.Started
	}
	m.WallTime = time.Since(start).Seconds()
	if err := d.JSON("meta.json", m); err != nil {
		return err
	}
	return d.Commit()
}
