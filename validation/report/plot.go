package report

import (
	"fmt"
	"image/color"
	"io"
	"math"

	"github.com/sgdmft/sgdmft/dynamics"
	"github.com/sgdmft/sgdmft/validation"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

var obsTitles = map[dynamics.Observable]string{
	dynamics.M: "m = w·v*/d", dynamics.Ctt: "C(t,t) = |w|²/d", dynamics.TrainLoss: "training loss",
	dynamics.TrainErr: "training error", dynamics.TestErr: "test error", dynamics.TestLoss: "test loss",
	dynamics.Disp: "displacement |w(t) − w(t′)|²/d since the last record",
}

type errPoints struct {
	plotter.XYs
	plotter.YErrors
}

// Plot draws a scenario's validation as a PNG to w, one panel per observable:
// DMFT lines (solid; shaded ±2 se is below line width at these sample
// sizes, so the se is in the report instead), the exact theory where it
// applies (dashed), and the simulations with error bars (±1 se), one marker
// per dimension, slightly offset in time so that the dimensions do not hide
// each other. Variants have their own colour.
func Plot(w io.Writer, res *validation.Result) error {
	const cols = 3
	obs := validation.Observables()
	rows := (len(obs) + cols - 1) / cols
	plots := make([][]*plot.Plot, rows)
	for i := range plots {
		plots[i] = make([]*plot.Plot, cols)
	}
	for k, o := range obs {
		p := plot.New()
		p.Title.Text = obsTitles[o]
		if realLabels(res) && (o == dynamics.TrainErr || o == dynamics.TestErr) {
			p.Title.Text = map[dynamics.Observable]string{dynamics.TrainErr: "training MSE", dynamics.TestErr: "test MSE"}[o]
		}
		p.X.Label.Text = "t"
		p.Legend.Top = true
		p.Legend.Left = true
		p.Legend.TextStyle.Font.Size = vg.Points(7)
		for vi, v := range res.Variants {
			col := plotutil.Color(vi)
			span := v.Times[len(v.Times)-1] - v.Times[0]
			line := func(c validation.Curve, dashed bool, label string) error {
				var xy plotter.XYs // the finite points: a flow scenario's DMFT has no displacement (NaN)
				for i, t := range v.Times {
					if !math.IsNaN(c.Mean[i]) {
						xy = append(xy, plotter.XY{X: t, Y: c.Mean[i]})
					}
				}
				if len(xy) == 0 {
					return nil
				}
				l, err := plotter.NewLine(xy)
				if err != nil {
					return err
				}
				l.Color = col
				l.Width = vg.Points(1.2)
				if dashed {
					l.Dashes = []vg.Length{vg.Points(4), vg.Points(2)}
				}
				p.Add(l)
				if k == 0 {
					p.Legend.Add(label, l)
				}
				return nil
			}
			lbl := ""
			if len(res.Variants) > 1 {
				lbl = v.Label + " "
			}
			if err := line(v.DMFT[o], false, lbl+"DMFT"); err != nil {
				return err
			}
			if c, ok := v.Theory[o]; ok {
				if err := line(c, true, lbl+"exact"); err != nil {
					return err
				}
			}
			if e, ok := v.ERM[o]; ok {
				pt, err := plotter.NewScatter(plotter.XYs{{X: v.Times[len(v.Times)-1], Y: e}})
				if err != nil {
					return err
				}
				pt.Shape = draw.CrossGlyph{}
				pt.Radius = vg.Points(5)
				pt.Color = color.Black
				p.Add(pt)
				if k == 0 {
					p.Legend.Add("ERM limit", pt)
				}
			}
			for di, s := range v.Sims {
				c := s.Curves[o]
				ep := errPoints{XYs: make(plotter.XYs, len(v.Times)), YErrors: make(plotter.YErrors, len(v.Times))}
				off := span * 0.008 * (float64(di) - float64(len(v.Sims)-1)/2)
				for i, t := range v.Times {
					ep.XYs[i].X, ep.XYs[i].Y = t+off, c.Mean[i]
					ep.YErrors[i].Low, ep.YErrors[i].High = c.SE[i], c.SE[i]
				}
				sc, err := plotter.NewScatter(ep)
				if err != nil {
					return err
				}
				sc.Shape = plotutil.Shape(di)
				sc.Radius = vg.Points(2)
				sc.Color = col
				eb, err := plotter.NewYErrorBars(ep)
				if err != nil {
					return err
				}
				eb.Color = col
				p.Add(sc, eb)
				if k == 0 && vi == 0 {
					p.Legend.Add(fmt.Sprintf("sim d=%d", s.D), sc)
				}
			}
		}
		plots[k/cols][k%cols] = p
	}
	img := vgimg.New(vg.Points(1050), vg.Points(330*float64(rows)+30))
	dc := draw.New(img)
	title := fmt.Sprintf("%s (%s): DMFT lines, simulations ±1 se", res.Scenario, res.Level)
	dc.FillText(draw.TextStyle{Color: color.Black, Font: font.Font{Typeface: plot.DefaultFont.Typeface, Variant: plot.DefaultFont.Variant, Size: vg.Points(13)}, Handler: plot.DefaultTextHandler, XAlign: draw.XCenter},
		vg.Point{X: dc.Max.X / 2, Y: dc.Max.Y - vg.Points(18)}, title)
	dc.Max.Y -= vg.Points(30)
	t := draw.Tiles{Rows: rows, Cols: cols, PadX: vg.Points(12), PadY: vg.Points(12),
		PadTop: vg.Points(4), PadBottom: vg.Points(4), PadLeft: vg.Points(4), PadRight: vg.Points(8)}
	cs := plot.Align(plots, t, dc)
	for i := range plots {
		for j := range plots[i] {
			if plots[i][j] != nil {
				plots[i][j].Draw(cs[i][j])
			}
		}
	}
	_, err := vgimg.PngCanvas{Canvas: img}.WriteTo(w)
	return err
}
