package sweep

import (
	"context"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestPlot draws a gathered 2 × 3 sweep with a failed point: curves and a
// heat map per observable, PNGs of the set size with more than a few
// colours (something was drawn).
func TestPlot(t *testing.T) {
	dir := t.TempDir()
	p := testPlan(t)
	if _, err := Init(dir, p); err != nil {
		t.Fatal(err)
	}
	if _, err := (Local{Jobs: 2}).Run(context.Background(), dir, p, fakeRun(4)); err != nil {
		t.Fatal(err)
	}
	if _, err := Gather(dir, "test"); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "plots")
	files, err := Plot([]string{dir}, nil, out, math.NaN())
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{filepath.Join(out, "x.png"), filepath.Join(out, "x_map.png")}; !slices.Equal(files, want) {
		t.Fatalf("files %v, want %v", files, want)
	}
	for _, f := range files {
		checkPNG(t, f)
	}
	// At a time, and two sweeps side by side (no map).
	files, err = Plot([]string{dir, dir}, []string{"x"}, filepath.Join(dir, "two"), 1)
	if err != nil || len(files) != 1 {
		t.Fatalf("two sweeps: %v %v", files, err)
	}
	checkPNG(t, files[0])
	if _, err := Plot([]string{dir}, []string{"nope"}, out, math.NaN()); err == nil || !strings.Contains(err.Error(), `no observable "nope"`) {
		t.Errorf("unknown observable: %v", err)
	}
	if _, err := Plot([]string{t.TempDir()}, nil, out, math.NaN()); err == nil || !strings.Contains(err.Error(), "gather the sweep first") {
		t.Errorf("not gathered: %v", err)
	}
}

func checkPNG(t *testing.T, path string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	colours := map[[4]uint32]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 3 {
		for x := b.Min.X; x < b.Max.X; x += 3 {
			r, g, bl, a := img.At(x, y).RGBA()
			colours[[4]uint32{r, g, bl, a}] = true
		}
	}
	if b.Dx() < 400 || len(colours) < 5 {
		t.Errorf("%s: %v with %d colours", path, b, len(colours))
	}
}
