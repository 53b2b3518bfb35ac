package sweep

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sgdmft/sgdmft/internal/output"
	"github.com/sgdmft/sgdmft/internal/rng"
)

// PlanFile is the name of the plan in a sweep directory.
const PlanFile = "sweep.json"

// Plan is what a sweep runs: the command, the flags common to its points,
// the grid, and each point's flags. It is written once, as sweep.json, when
// the sweep starts; every later run, shard, array task and gather of the
// sweep reads it, so that they agree on the points whatever the order they
// run in.
type Plan struct {
	Command string   `json:"command"` // the swept command: simulate, dmft or theory
	Args    []string `json:"args"`    // its flags common to every point, as --name value pairs
	Grid    Grid     `json:"grid"`
	// SeedFlag is the command's seed flag ("seed"), or "" when it has none
	// or a grid axis sets it. Point i then runs with the seed PointSeed(Seed, i).
	SeedFlag string  `json:"seed_flag,omitempty"`
	Seed     uint64  `json:"seed"`
	Points   []Point `json:"points"`

	CommandLine []string    `json:"command_line"` // the sweep command that made the plan, without how it ran
	Version     string      `json:"version"`      // of the sgdmft that made the plan
	VCS         *output.VCS `json:"vcs"`
	Created     time.Time   `json:"created"`
}

// Point is one point of a sweep.
type Point struct {
	Index  int               `json:"index"`          // in the grid, row-major
	Dir    string            `json:"dir"`            // its run, relative to the sweep directory
	Values map[string]string `json:"values"`         // each swept flag's value
	Seed   *uint64           `json:"seed,omitempty"` // its derived seed, if the plan derives seeds
	Args   []string          `json:"args"`           // the command's flags: Plan.Args, the grid's, then --seed
}

// Label returns the point's values as "b=0.3 alpha=2", in grid order.
func (pt Point) Label(g Grid) string {
	s := make([]string, len(g.Axes))
	for i, a := range g.Axes {
		s[i] = a.Param + "=" + pt.Values[a.Param]
	}
	return strings.Join(s, " ")
}

// seedStream separates the point seeds from the streams the solvers derive
// from a seed, so that a point's seed is no solver's stream seed.
const seedStream = 0x5357454550 // "SWEEP"

// PointSeed returns the seed of point i of a sweep with seed seed: a hash
// of the two, so that points have independent streams and a point's seed
// does not depend on which points run, or where. It has 53 bits, so that
// every JSON reader (JavaScript's, Julia's) keeps it exact in meta.json.
func PointSeed(seed uint64, i int) uint64 {
	s, _ := rng.Seeds(seed, seedStream, uint64(i))
	return s & (1<<53 - 1)
}

// NewPlan returns the plan of command over the grid g (which must be
// valid): point i runs the command with args, then --param value for each
// axis, then, if seedFlag is not "", --seedFlag PointSeed(seed, i).
func NewPlan(command string, args []string, g Grid, seedFlag string, seed uint64) *Plan {
	p := &Plan{Command: command, Args: args, Grid: g, SeedFlag: seedFlag, Seed: seed}
	n := g.Len()
	width := max(4, len(strconv.Itoa(n-1)))
	p.Points = make([]Point, n)
	for i := range p.Points {
		pt := Point{Index: i, Dir: fmt.Sprintf("points/%0*d", width, i), Values: map[string]string{}}
		pt.Args = append(pt.Args, args...)
		for k, v := range g.Values(i) {
			name := g.Axes[k].Param
			pt.Values[name] = v
			pt.Args = append(pt.Args, "--"+name, v)
		}
		if seedFlag != "" {
			s := PointSeed(seed, i)
			pt.Seed = &s
			pt.Args = append(pt.Args, "--"+seedFlag, strconv.FormatUint(s, 10))
		}
		p.Points[i] = pt
	}
	return p
}

// Same reports how q differs from p as a sweep: another command, grid or
// point flags (the command line, version and time of making do not count).
func (p *Plan) Same(q *Plan) error {
	switch {
	case p.Command != q.Command:
		return fmt.Errorf("a sweep of %s, not %s", p.Command, q.Command)
	case !slices.Equal(gridSpecs(p.Grid), gridSpecs(q.Grid)):
		return fmt.Errorf("the grid %s, not %s", strings.Join(gridSpecs(p.Grid), " "), strings.Join(gridSpecs(q.Grid), " "))
	case len(p.Points) != len(q.Points):
		return fmt.Errorf("%d points, not %d", len(p.Points), len(q.Points))
	}
	for i := range p.Points {
		if !slices.Equal(p.Points[i].Args, q.Points[i].Args) {
			return fmt.Errorf("point %d runs %s %s, not %s", i, p.Command, strings.Join(p.Points[i].Args, " "), strings.Join(q.Points[i].Args, " "))
		}
	}
	return nil
}

func gridSpecs(g Grid) []string {
	var s []string
	for _, a := range g.Axes {
		s = append(s, "--grid "+a.Param+"="+strings.Join(a.Values, ","))
	}
	if g.Zip {
		s = append(s, "--zip")
	}
	return s
}

// Init makes dir the directory of the sweep p: it writes p as sweep.json
// if dir has none, and otherwise returns the plan there, which must be the
// same sweep (a rerun resumes it). Concurrent callers with the same plan
// agree: the first one's file is kept.
func Init(dir string, p *Plan) (*Plan, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	if old, err := LoadPlan(dir); err == nil {
		if err := old.Same(p); err != nil {
			return nil, fmt.Errorf("%s holds another sweep (%v); choose another --out, or remove it", dir, err)
		}
		return old, nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	if p.Created.IsZero() {
		p.Created = time.Now().UTC().Round(time.Millisecond)
	}
	b, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return nil, err
	}
	tmp, err := writeTemp(filepath.Join(dir, PlanFile), append(b, '\n'))
	if err != nil {
		return nil, err
	}
	defer os.Remove(tmp)
	// A hard link creates sweep.json only if it is absent, atomically: of
	// concurrent first runs (shards started together), one plan is kept and
	// the others are compared with it.
	if err := os.Link(tmp, filepath.Join(dir, PlanFile)); errors.Is(err, fs.ErrExist) {
		return Init(dir, p)
	} else if err != nil {
		return nil, err
	}
	return p, nil
}

// LoadPlan reads the plan of the sweep in dir.
func LoadPlan(dir string) (*Plan, error) {
	b, err := os.ReadFile(filepath.Join(dir, PlanFile))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%s is not a sweep directory (no %s): %w", dir, PlanFile, err)
		}
		return nil, err
	}
	p := new(Plan)
	if err := json.Unmarshal(b, p); err != nil {
		return nil, fmt.Errorf("%s: %v", filepath.Join(dir, PlanFile), err)
	}
	if len(p.Points) != p.Grid.Len() {
		return nil, fmt.Errorf("%s: %d points for a grid of %d", filepath.Join(dir, PlanFile), len(p.Points), p.Grid.Len())
	}
	return p, nil
}

// writeTemp writes b to a new temporary file beside path and returns its
// name.
func writeTemp(path string, b []byte) (string, error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-")
	if err != nil {
		return "", err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		os.Remove(f.Name())
		return "", err
	}
	if err := f.Close(); err != nil {
		os.Remove(f.Name())
		return "", err
	}
	return f.Name(), nil
}

// writeFile writes path atomically: a reader sees the old file or the new
// one, never part of it.
func writeFile(path string, b []byte) error {
	tmp, err := writeTemp(path, b)
	if err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}
