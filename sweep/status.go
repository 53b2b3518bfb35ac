package sweep

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// State is where a point of a sweep stands.
type State string

const (
	Pending State = "pending" // not run, running, or interrupted
	Done    State = "done"    // its run is complete: DIR/points/NNNN/meta.json
	Failed  State = "failed"  // its last run failed: DIR/points/NNNN.failed.json
)

// Failure is the record of a point whose run failed, written beside its
// directory as NNNN.failed.json.
type Failure struct {
	Index int       `json:"index"`
	Args  []string  `json:"args"`  // the command's flags the point ran with
	Error string    `json:"error"` // what the command reported
	Time  time.Time `json:"time"`
}

func failurePath(dir string, pt Point) string { return filepath.Join(dir, pt.Dir+".failed.json") }

// StateOf returns the state of point pt of the sweep in dir and, for a
// failed point, its failure. A point's run is written atomically (package
// output), so its meta.json exists only once every file of the run does.
func StateOf(dir string, pt Point) (State, *Failure, error) {
	if _, err := os.Stat(filepath.Join(dir, pt.Dir, "meta.json")); err == nil {
		return Done, nil, nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return Pending, nil, err
	}
	b, err := os.ReadFile(failurePath(dir, pt))
	if errors.Is(err, fs.ErrNotExist) {
		return Pending, nil, nil
	} else if err != nil {
		return Pending, nil, err
	}
	f := new(Failure)
	if err := json.Unmarshal(b, f); err != nil {
		return Pending, nil, err
	}
	return Failed, f, nil
}

// recordFailure writes the failure of point pt, atomically.
func recordFailure(dir string, pt Point, err error) (*Failure, error) {
	f := &Failure{Index: pt.Index, Args: pt.Args, Error: err.Error(), Time: time.Now().UTC().Round(time.Millisecond)}
	b, jerr := json.MarshalIndent(f, "", "  ")
	if jerr != nil {
		return f, jerr
	}
	path := failurePath(dir, pt)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return f, err
	}
	return f, writeFile(path, append(b, '\n'))
}

// clearFailure removes the failure record of a point that has now run.
func clearFailure(dir string, pt Point) error {
	if err := os.Remove(failurePath(dir, pt)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}
