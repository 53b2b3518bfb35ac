package sweep

import (
	"bufio"
	"encoding/json"
	"fmt"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// gathered is a gathered sweep, read back for plotting.
type gathered struct {
	dir  string
	rec  Record
	axes AxesFile
}

func readGathered(dir string) (*gathered, error) {
	g := &gathered{dir: dir}
	for _, f := range []struct {
		name string
		v    any
	}{{"meta.json", &g.rec}, {"axes.json", &g.axes}} {
		b, err := os.ReadFile(filepath.Join(dir, f.name))
		if err != nil {
			return nil, fmt.Errorf("%v (gather the sweep first: sgdmft sweep gather %s)", err, dir)
		}
		if err := json.Unmarshal(b, f.v); err != nil {
			return nil, fmt.Errorf("%s: %v", filepath.Join(dir, f.name), err)
		}
	}
	return g, nil
}

// at returns obs over the grid (flat, row-major) at the final time, or at
// the recorded time nearest t if t is not NaN, with its standard error
// (NaN where there is none), and the time it is at ("" for several).
func (g *gathered) at(obs string, t float64) (v, se []float64, when string, err error) {
	n := 1
	for _, s := range g.axes.Shape {
		n *= s
	}
	load := func(name string) ([]float64, error) {
		_, x, err := readNPY(filepath.Join(g.dir, name+".npy"))
		return x, err
	}
	if math.IsNaN(t) {
		if v, err = load(obs + "_final"); err != nil {
			return nil, nil, "", err
		}
		if se, err = load(obs + "_se_final"); err != nil {
			se = nan(n)
		}
		when = "the final time"
		if slices.Contains(g.axes.Observables, obs) && g.axes.SharedTime {
			if tt, err := load("t"); err == nil {
				when = "t = " + strconv.FormatFloat(tt[len(tt)-1], 'g', 6, 64)
			}
		}
		return v, se, when, nil
	}
	if !g.axes.SharedTime {
		return nil, nil, "", fmt.Errorf("%s: the points recorded different times: plot at the final time", g.dir)
	}
	tt, err := load("t")
	if err != nil {
		return nil, nil, "", err
	}
	k := 0
	for i := range tt {
		if math.Abs(tt[i]-t) < math.Abs(tt[k]-t) {
			k = i
		}
	}
	full, err := load(obs)
	if err != nil {
		return nil, nil, "", err
	}
	fullSE, err := load(obs + "_se")
	if err != nil {
		fullSE = nan(len(full))
	}
	v, se = make([]float64, n), make([]float64, n)
	for i := range v {
		v[i], se[i] = full[i*len(tt)+k], fullSE[i*len(tt)+k]
	}
	return v, se, "t = " + strconv.FormatFloat(tt[k], 'g', 6, 64), nil
}

// dimAxes returns the axes varying along dimension d.
func (g *gathered) dimAxes(d int) []AxisInfo {
	var s []AxisInfo
	for _, a := range g.axes.Axes {
		if a.Dim == d {
			s = append(s, a)
		}
	}
	return s
}

// dimLabel returns "b=0.3" (or "alpha=1 lambda=0.1" for zipped axes) for
// index i of dimension d.
func (g *gathered) dimLabel(d, i int) string {
	var s []string
	for _, a := range g.dimAxes(d) {
		s = append(s, fmt.Sprintf("%s=%v", a.Param, a.Values[i]))
	}
	return strings.Join(s, " ")
}

// Observables returns what Plot draws by default: the curves without
// their standard errors, and the scalars.
func (g *gathered) observables() []string {
	var s []string
	for _, o := range g.axes.Observables {
		if !strings.HasSuffix(o, "_se") {
			s = append(s, o)
		}
	}
	return append(s, g.axes.Scalars...)
}

// Plot draws each observable of the gathered sweeps in dirs into the
// directory out, as PNGs, and returns their paths:
//
//	<obs>.png      the observable at the final time (or at the recorded time
//	               nearest t, if t is not NaN) against the first axis, one
//	               curve per value of the second (±1 se error bars), and one
//	               set of curves per sweep;
//	<obs>_map.png  with one sweep of two or more dimensions, a heat map over
//	               the first two.
//
// Further dimensions are taken at their first value. obs nil means every
// observable of the first sweep. Failed points are gaps in the curves and
// grey cells in the map.
func Plot(dirs []string, obs []string, out string, t float64) ([]string, error) {
	if len(dirs) == 0 {
		return nil, fmt.Errorf("plot: no sweep directory")
	}
	var gs []*gathered
	for _, d := range dirs {
		g, err := readGathered(d)
		if err != nil {
			return nil, err
		}
		gs = append(gs, g)
	}
	if obs == nil {
		obs = gs[0].observables()
	}
	for _, g := range gs {
		for _, o := range obs {
			if !slices.Contains(g.axes.Observables, o) && !slices.Contains(g.axes.Scalars, o) {
				return nil, fmt.Errorf("plot: %s has no observable %q (it has %s)", g.dir, o, strings.Join(g.observables(), ", "))
			}
		}
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return nil, err
	}
	var files []string
	for _, o := range obs {
		path := filepath.Join(out, o+".png")
		if err := plotCurves(gs, o, t, path); err != nil {
			return files, err
		}
		files = append(files, path)
		if len(gs) == 1 && len(gs[0].axes.Shape) >= 2 {
			path := filepath.Join(out, o+"_map.png")
			if err := plotMap(gs[0], o, t, path); err != nil {
				return files, err
			}
			files = append(files, path)
		}
	}
	return files, nil
}

type errPoints struct {
	plotter.XYs
	plotter.YErrors
}

// xValues returns the positions of dimension 0 on the x axis: the first
// axis's values if numbers, else 0, 1, … with the values as tick labels.
func xValues(g *gathered) ([]float64, []plot.Tick, bool) {
	a := g.dimAxes(0)[0]
	x := make([]float64, len(a.Values))
	var ticks []plot.Tick
	for i, v := range a.Values {
		if f, ok := v.(float64); ok {
			x[i] = f
			continue
		}
		x[i] = float64(i)
		ticks = append(ticks, plot.Tick{Value: float64(i), Label: fmt.Sprint(v)})
	}
	logScale := ticks == nil && strings.HasSuffix(g.rec.Grid.Axes[axisIndex(g, a.Param)].Spec, ":log")
	return x, ticks, logScale
}

func axisIndex(g *gathered, param string) int {
	for i, a := range g.rec.Grid.Axes {
		if a.Param == param {
			return i
		}
	}
	return 0
}

func plotCurves(gs []*gathered, obs string, t float64, path string) error {
	p := plot.New()
	p.Legend.Top = true
	p.Legend.TextStyle.Font.Size = vg.Points(8)
	first := gs[0]
	var xlabels []string
	for _, a := range first.dimAxes(0) {
		xlabels = append(xlabels, a.Param)
	}
	p.X.Label.Text = strings.Join(xlabels, ", ")
	p.Y.Label.Text = obs
	series := 0
	var when string
	for _, g := range gs {
		v, se, w, err := g.at(obs, t)
		if err != nil {
			return err
		}
		when = w
		x, ticks, logScale := xValues(g)
		if ticks != nil {
			p.X.Tick.Marker = plot.ConstantTicks(ticks)
		} else if logScale {
			p.X.Scale = plot.LogScale{}
			p.X.Tick.Marker = plot.LogTicks{Prec: -1}
		}
		shape := g.axes.Shape
		n0, n1, stride := shape[0], 1, 1
		for _, s := range shape[1:] {
			stride *= s
		}
		if len(shape) > 1 {
			n1 = shape[1]
		}
		inner := stride / n1 // further dimensions, at their first value
		prefix := ""
		if len(gs) > 1 {
			prefix = g.rec.Swept + " "
			if gs[0].rec.Swept == gs[1].rec.Swept {
				prefix = filepath.Base(g.dir) + " "
			}
		}
		for j := 0; j < n1; j++ {
			var ep errPoints
			for i := 0; i < n0; i++ {
				k := i*stride + j*inner
				if math.IsNaN(v[k]) || math.IsInf(v[k], 0) {
					continue // a failed or pending point: a gap
				}
				e := se[k]
				if math.IsNaN(e) || math.IsInf(e, 0) {
					e = 0
				}
				ep.XYs = append(ep.XYs, plotter.XY{X: x[i], Y: v[k]})
				ep.YErrors = append(ep.YErrors, struct{ Low, High float64 }{e, e})
			}
			if len(ep.XYs) == 0 {
				continue
			}
			col := plotutil.Color(series)
			l, s, err := plotter.NewLinePoints(ep)
			if err != nil {
				return err
			}
			l.Color, s.Color, s.Shape = col, col, plotutil.Shape(series)
			eb, err := plotter.NewYErrorBars(ep)
			if err != nil {
				return err
			}
			eb.Color = col
			p.Add(l, s, eb)
			label := strings.TrimSpace(prefix)
			if n1 > 1 {
				label = prefix + g.dimLabel(1, j)
			}
			if label != "" {
				p.Legend.Add(label, l, s)
			}
			series++
		}
	}
	p.Title.Text = obs + " at " + when
	if len(first.axes.Shape) > 2 {
		p.Title.Text += " (further axes at their first value)"
	}
	img := vgimg.New(vg.Points(480), vg.Points(360))
	p.Draw(draw.New(img))
	return savePNG(img, path)
}

// grid2 is dimensions 0 (x) and 1 (y) of a gathered array, further
// dimensions at their first value, at integer coordinates.
type grid2 struct {
	v          []float64
	nx, ny, st int // st: the stride of dimension 0
}

func (g grid2) Dims() (int, int)   { return g.nx, g.ny }
func (g grid2) Z(c, r int) float64 { return g.v[c*g.st+r*(g.st/g.ny)] }
func (g grid2) X(c int) float64    { return float64(c) }
func (g grid2) Y(r int) float64    { return float64(r) }
func (g grid2) finite() (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for c := 0; c < g.nx; c++ {
		for r := 0; r < g.ny; r++ {
			if z := g.Z(c, r); !math.IsNaN(z) && !math.IsInf(z, 0) {
				lo, hi = math.Min(lo, z), math.Max(hi, z)
			}
		}
	}
	return lo, hi
}

func plotMap(g *gathered, obs string, t float64, path string) error {
	v, _, when, err := g.at(obs, t)
	if err != nil {
		return err
	}
	shape := g.axes.Shape
	st := 1
	for _, s := range shape[1:] {
		st *= s
	}
	grid := grid2{v: v, nx: shape[0], ny: shape[1], st: st}
	lo, hi := grid.finite()
	if math.IsInf(lo, 1) {
		return fmt.Errorf("plot: %s: no point of %s is done", g.dir, obs)
	}
	if lo == hi {
		lo, hi = lo-0.5, hi+0.5 // a constant: any range shows it
	}
	cm := moreland.SmoothBlueRed()
	cm.SetMin(lo)
	cm.SetMax(hi)
	hm := plotter.NewHeatMap(grid, cm.Palette(255))
	hm.Min, hm.Max = lo, hi
	hm.NaN = color.Gray{Y: 200}
	p := plot.New()
	p.Add(hm)
	p.Title.Text = obs + " at " + when
	if len(shape) > 2 {
		p.Title.Text += " (further axes at their first value)"
	}
	ticks := func(d, n int) plot.ConstantTicks {
		var tk []plot.Tick
		step := max(1, n/8) // at most about 8 labels
		for i := 0; i < n; i++ {
			lbl := ""
			if i%step == 0 || i == n-1 {
				lbl = g.dimLabel(d, i)
				if _, rest, ok := strings.Cut(lbl, "="); ok && len(g.dimAxes(d)) == 1 {
					lbl = rest
				}
			}
			tk = append(tk, plot.Tick{Value: float64(i), Label: lbl})
		}
		return tk
	}
	names := func(d int) string {
		var s []string
		for _, a := range g.dimAxes(d) {
			s = append(s, a.Param)
		}
		return strings.Join(s, ", ")
	}
	p.X.Label.Text, p.Y.Label.Text = names(0), names(1)
	p.X.Tick.Marker, p.Y.Tick.Marker = ticks(0, shape[0]), ticks(1, shape[1])
	p.X.Min, p.X.Max = -0.5, float64(shape[0])-0.5
	p.Y.Min, p.Y.Max = -0.5, float64(shape[1])-0.5

	bar := plot.New()
	bar.Add(&plotter.ColorBar{ColorMap: cm, Vertical: true})
	bar.HideX()
	bar.Y.Padding = 0
	bar.Title.Text = obs

	img := vgimg.New(vg.Points(520), vg.Points(400))
	dc := draw.New(img)
	w := dc.Max.X - dc.Min.X
	p.Draw(draw.Crop(dc, 0, -w*0.18, 0, 0))
	bar.Draw(draw.Crop(dc, w*0.86, -vg.Points(4), vg.Points(28), -vg.Points(8)))
	return savePNG(img, path)
}

func savePNG(img *vgimg.Canvas, path string) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-")
	if err != nil {
		return err
	}
	w := bufio.NewWriter(tmp)
	_, err = vgimg.PngCanvas{Canvas: img}.WriteTo(w)
	if err == nil {
		err = w.Flush()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
	return err
}
