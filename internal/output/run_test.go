package output

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// TestWrite: a run's files and meta.json appear together, with the wall
// time filled in; a failing run leaves the earlier outputs as they were and
// no temporary directory.
func TestWrite(t *testing.T) {
	parent := t.TempDir()
	final := filepath.Join(parent, "run")
	m := Start("simulate", []string{"sgdmft", "simulate", "--d", "5"}, "0.1.0", map[string]any{"d": 5, "seed": uint64(1)})
	m.Result = map[string]int{"steps": 3}
	if err := Write(final, m, func(d *Dir) error { return d.Vector("x", []float64{1, 2}) }); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(final, "meta.json"))
	if err != nil {
		t.Fatal(err)
	}
	var got Meta
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if got.Command != "simulate" || len(got.Args) != 4 || got.Params["d"] != 5.0 || got.Params["seed"] != 1.0 ||
		got.WallTime <= 0 || got.WallTime != m.WallTime || got.Started.IsZero() {
		t.Errorf("meta.json: %+v", got)
	}
	if _, err := os.Stat(filepath.Join(final, "x.npy")); err != nil {
		t.Error(err)
	}

	boom := errors.New("boom")
	err = Write(final, Start("simulate", nil, "0.1.0", nil), func(d *Dir) error {
		if err := d.Vector("y", []float64{3}); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Errorf("Write: %v, want the files' error", err)
	}
	if _, err := os.Stat(filepath.Join(final, "y.npy")); !os.IsNotExist(err) {
		t.Error("a failed run replaced the outputs")
	}
	if entries, _ := os.ReadDir(parent); len(entries) != 1 {
		t.Errorf("after a failed run the parent holds %v, want only run", entries)
	}
}
