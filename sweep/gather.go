package sweep

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/sgdmft/sgdmft/internal/output"
)

// Record is a gathered sweep's meta.json: the plan, where each point
// stands, and what was gathered.
type Record struct {
	Command    string      `json:"command"` // "sweep"
	Swept      string      `json:"swept"`   // the swept command: simulate, dmft or theory
	Args       []string    `json:"args"`    // the sweep command line that made the plan
	Version    string      `json:"version"` // of the sgdmft that made the plan
	VCS        *output.VCS `json:"vcs"`
	Created    time.Time   `json:"created"`
	Gathered   time.Time   `json:"gathered"`
	GatheredBy string      `json:"gathered_by"` // the version of the sgdmft that gathered
	Grid       Grid        `json:"grid"`
	Shape      []int       `json:"shape"`
	SeedFlag   string      `json:"seed_flag,omitempty"`
	Seed       uint64      `json:"seed"`
	// Observables are the curves gathered as <obs>.npy (shape..., T) and
	// <obs>_final.npy (shape...), _se companions included; Scalars are the
	// numbers of a point's JSON result (theory --kind erm: erm.json),
	// gathered as <name>_final.npy.
	Observables []string `json:"observables"`
	Scalars     []string `json:"scalars,omitempty"`
	// SharedTime: every point recorded the same times, and t.npy is (T,);
	// otherwise t.npy is (shape..., T) and shorter curves end in NaN.
	SharedTime bool          `json:"shared_time"`
	Times      int           `json:"times"` // the last dimension of <obs>.npy: the most times of a point
	Done       int           `json:"done"`
	Failed     int           `json:"failed"`
	Pending    int           `json:"pending"`
	Points     []PointRecord `json:"points"`
}

// PointRecord is the state of one point in the sweep's meta.json.
type PointRecord struct {
	Index    int               `json:"index"`
	Dir      string            `json:"dir"`
	Values   map[string]string `json:"values"`
	Seed     *uint64           `json:"seed,omitempty"`
	Status   State             `json:"status"`
	Error    string            `json:"error,omitempty"`       // of a failed point
	WallTime float64           `json:"wall_time_s,omitempty"` // of a done point, from its meta.json
	Version  string            `json:"version,omitempty"`     // of the sgdmft that ran it
}

// AxesFile is axes.json: the dimensions of the gathered arrays.
type AxesFile struct {
	Shape       []int      `json:"shape"` // of <obs>_final.npy; <obs>.npy adds the times
	Zip         bool       `json:"zip"`
	Axes        []AxisInfo `json:"axes"`
	Observables []string   `json:"observables"`
	Scalars     []string   `json:"scalars,omitempty"`
	SharedTime  bool       `json:"shared_time"`
}

// AxisInfo is one swept parameter in axes.json.
type AxisInfo struct {
	Param  string `json:"param"`
	Dim    int    `json:"dim"`            // the array dimension it varies along
	File   string `json:"file,omitempty"` // its values as .npy; none for text
	Values []any  `json:"values"`         // numbers, or strings for text
}

// point is what Gather finds of a done point.
type point struct {
	t       []float64
	curves  map[string]string // observable → file
	scalars map[string]float64
}

// Gather merges the runs of the points that are done into arrays in dir:
// axes.json; <param>.npy for each numeric axis; t.npy; for each curve
// observable <obs>.npy of shape (n₁, …, T) and <obs>_final.npy of shape
// (n₁, …), NaN at points not done; and meta.json with every point's state.
// Each file is replaced atomically. version is the gathering sgdmft's.
// A curve is a one-dimensional array of a point as long as its t.npy;
// matrices (the DMFT's C, the seeds of a simulation) stay in the points'
// directories.
func Gather(dir, version string) (*Record, error) {
	p, err := LoadPlan(dir)
	if err != nil {
		return nil, err
	}
	shape := p.Grid.Shape()
	rec := &Record{
		Command: "sweep", Swept: p.Command, Args: p.CommandLine, Version: p.Version, VCS: p.VCS, Created: p.Created,
		Gathered: time.Now().UTC().Round(time.Millisecond), GatheredBy: version,
		Grid: p.Grid, Shape: shape, SeedFlag: p.SeedFlag, Seed: p.Seed,
	}
	n := len(p.Points)
	pts := make([]*point, n)
	curves, scalars := map[string]bool{}, map[string]bool{}
	tmax := 0
	for i, pt := range p.Points {
		st, f, err := StateOf(dir, pt)
		if err != nil {
			return nil, err
		}
		pr := PointRecord{Index: i, Dir: pt.Dir, Values: pt.Values, Seed: pt.Seed, Status: st}
		if f != nil {
			pr.Error = f.Error
		}
		if st == Done {
			d, meta, err := readPoint(filepath.Join(dir, pt.Dir))
			if err != nil {
				return nil, fmt.Errorf("point %d: %v", i, err)
			}
			pr.WallTime, pr.Version = meta.WallTime, meta.Version
			pts[i] = d
			tmax = max(tmax, len(d.t))
			for o := range d.curves {
				curves[o] = true
			}
			for s := range d.scalars {
				scalars[s] = true
			}
		}
		switch st {
		case Done:
			rec.Done++
		case Failed:
			rec.Failed++
		default:
			rec.Pending++
		}
		rec.Points = append(rec.Points, pr)
	}
	rec.Observables = sortedKeys(curves)
	for _, s := range sortedKeys(scalars) {
		if !curves[s] {
			rec.Scalars = append(rec.Scalars, s)
		}
	}

	// The times: shared when every done point has the same.
	var shared []float64
	rec.SharedTime = true
	for _, d := range pts {
		if d == nil || d.t == nil {
			continue
		}
		if shared == nil {
			shared = d.t
		} else if !slices.Equal(shared, d.t) {
			rec.SharedTime = false
		}
	}
	written := map[string]bool{}
	write := func(name string, shp []int, data []float64) error {
		written[strings.ToLower(name)] = true
		return writeNPY(filepath.Join(dir, name+".npy"), shp, data)
	}
	rec.Times = tmax
	full := append(slices.Clone(shape), tmax)
	if tmax > 0 {
		if rec.SharedTime {
			err = write("t", []int{tmax}, shared)
		} else {
			err = write("t", full, padded(pts, tmax, func(d *point) []float64 { return d.t }))
		}
		if err != nil {
			return nil, err
		}
	}
	for _, o := range rec.Observables {
		arr := nan(n * tmax)
		fin := nan(n)
		for i, d := range pts {
			file, ok := "", d != nil
			if ok {
				file, ok = d.curves[o]
			}
			if !ok {
				continue
			}
			_, v, err := readNPY(file)
			if err != nil {
				return nil, err
			}
			copy(arr[i*tmax:], v)
			fin[i] = v[len(v)-1]
		}
		if err := write(o, full, arr); err != nil {
			return nil, err
		}
		if err := write(o+"_final", shape, fin); err != nil {
			return nil, err
		}
	}
	for _, s := range rec.Scalars {
		fin := nan(n)
		for i, d := range pts {
			if d != nil {
				if x, ok := d.scalars[s]; ok {
					fin[i] = x
				}
			}
		}
		if err := write(s+"_final", shape, fin); err != nil {
			return nil, err
		}
	}

	axes := AxesFile{Shape: shape, Zip: p.Grid.Zip, Observables: rec.Observables, Scalars: rec.Scalars, SharedTime: rec.SharedTime}
	for k, a := range p.Grid.Axes {
		info := AxisInfo{Param: a.Param, Dim: p.Grid.Dim(k)}
		if x, ok := a.Numbers(); ok {
			info.File = a.Param + ".npy"
			if written[strings.ToLower(a.Param)] {
				// An axis named like an observable, or T beside t on a
				// file system that ignores case.
				info.File = "axis_" + a.Param + ".npy"
			}
			if err := write(strings.TrimSuffix(info.File, ".npy"), []int{len(x)}, x); err != nil {
				return nil, err
			}
			for _, v := range x {
				info.Values = append(info.Values, v)
			}
		} else {
			for _, v := range a.Values {
				info.Values = append(info.Values, v)
			}
		}
		axes.Axes = append(axes.Axes, info)
	}
	if err := writeJSON(filepath.Join(dir, "axes.json"), axes); err != nil {
		return nil, err
	}
	if err := writeJSON(filepath.Join(dir, "meta.json"), rec); err != nil {
		return nil, err
	}
	return rec, nil
}

// readPoint finds the curves and scalars of a done point in dir.
func readPoint(dir string) (*point, *output.Meta, error) {
	b, err := os.ReadFile(filepath.Join(dir, "meta.json"))
	if err != nil {
		return nil, nil, err
	}
	meta := new(output.Meta)
	if err := json.Unmarshal(b, meta); err != nil {
		return nil, nil, fmt.Errorf("%s/meta.json: %v", dir, err)
	}
	d := &point{curves: map[string]string{}, scalars: map[string]float64{}}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, nil, err
	}
	if _, t, err := readNPY(filepath.Join(dir, "t.npy")); err == nil {
		d.t = t
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, nil, err
	}
	for _, e := range entries {
		name := e.Name()
		path := filepath.Join(dir, name)
		switch {
		case strings.HasSuffix(name, ".npy") && name != "t.npy" && d.t != nil:
			shape, err := peekShape(path)
			if errors.Is(err, errNotFloat64) {
				continue
			} else if err != nil {
				return nil, nil, err
			}
			if len(shape) == 1 && shape[0] == len(d.t) {
				d.curves[strings.TrimSuffix(name, ".npy")] = path
			}
		case strings.HasSuffix(name, ".json") && name != "meta.json":
			var m map[string]any
			b, err := os.ReadFile(path)
			if err != nil {
				return nil, nil, err
			}
			if json.Unmarshal(b, &m) != nil {
				continue // not an object: no scalars
			}
			for k, v := range m {
				if x, ok := v.(float64); ok {
					if _, dup := d.scalars[k]; !dup {
						d.scalars[k] = x
					}
				}
			}
		}
	}
	return d, meta, nil
}

// peekShape reads the shape in the header of a .npy file.
func peekShape(path string) ([]int, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	buf := make([]byte, 4096)
	k, err := io.ReadFull(f, buf)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
		return nil, err
	}
	shape, _, err := decodeHeader(buf[:k])
	if err != nil && !errors.Is(err, errNotFloat64) && k == len(buf) {
		// A header longer than the buffer: read the whole file.
		shape, _, err = readNPY(path)
	}
	if err != nil && !errors.Is(err, errNotFloat64) {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return shape, err
}

func padded(pts []*point, tmax int, get func(*point) []float64) []float64 {
	arr := nan(len(pts) * tmax)
	for i, d := range pts {
		if d != nil {
			copy(arr[i*tmax:], get(d))
		}
	}
	return arr
}

func nan(n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = math.NaN()
	}
	return v
}

func sortedKeys[V any](m map[string]V) []string {
	s := make([]string, 0, len(m))
	for k := range m {
		s = append(s, k)
	}
	sort.Strings(s)
	return s
}

func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return writeFile(path, append(b, '\n'))
}
