package mixture

import (
	"math"
	"strings"
	"testing"

	"github.com/sgdmft/sgdmft/internal/rng"
)

func TestValidate(t *testing.T) {
	for _, c := range []struct {
		name string
		m    Model
		want string // substring of the error; "" means valid
	}{
		{"two", TwoCluster(0.5, 0.5), ""},
		{"three", ThreeCluster(0.3, 1), ""},
		{"negative delta", TwoCluster(0.5, -0.1), "delta = -0.1"},
		{"nan delta", TwoCluster(0.5, math.NaN()), "delta = NaN"},
		{"inf delta", ThreeCluster(0.5, math.Inf(1)), "delta = +Inf"},
		{"rho=1", TwoCluster(1, 0.5), "two-cluster rho = 1,"},
		{"rho=0", ThreeCluster(0, 0.5), "three-cluster rho = 0,"},
		{"rho>1", ThreeCluster(1.2, 0.5), "three-cluster rho = 1.2"},
		{"nan rho", TwoCluster(math.NaN(), 0.5), "two-cluster rho = NaN"},
		{"literal delta", Model{Clusters: []Cluster{{1, 0.5, 1}, {-1, 0.5, -1}}, Delta: -1}, "delta"},
		{"literal probability", Model{Clusters: []Cluster{{1, 1, 1}, {-1, 0, -1}}, Delta: 1}, "cluster 1 probability"},
		{"sum", Model{Clusters: []Cluster{{1, 0.5, 1}, {-1, 0.4, -1}}, Delta: 1}, "sum"},
		{"label", Model{Clusters: []Cluster{{1, 0.5, 1}, {-1, 0.5, 0}}, Delta: 1}, "label"},
		{"empty", Model{Delta: 1}, "no clusters"},
	} {
		err := c.m.Validate()
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: unexpected error %v", c.name, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s: error %v, want one mentioning %q", c.name, err, c.want)
		}
	}
}

func TestParseModel(t *testing.T) {
	for _, name := range ModelNames() {
		m, err := ParseModel(name, 0.3, 0.7)
		if err != nil || m.Delta != 0.7 || m.Rho() < 0.3-1e-15 || m.Rho() > 0.3+1e-15 {
			t.Errorf("ParseModel(%q, 0.3, 0.7) = %+v, %v; want a valid model with rho 0.3, delta 0.7", name, m, err)
		}
		if _, err := ParseModel(name, 1.5, 0.7); err == nil || !strings.Contains(err.Error(), "rho") {
			t.Errorf("ParseModel(%q, 1.5, 0.7): error %v, want one naming rho", name, err)
		}
	}
	if m, _ := ParseModel("two-cluster", 0.3, 0.7); !m.IsTwoCluster() {
		t.Error("two-cluster: IsTwoCluster false")
	}
	_, err := ParseModel("four-cluster", 0.3, 0.7)
	for _, w := range append([]string{"four-cluster"}, ModelNames()...) {
		if err == nil || !strings.Contains(err.Error(), w) {
			t.Errorf("unknown model: error %v does not name %q", err, w)
		}
	}
}

// TestSample checks the law of a sampled dataset. Tolerances are 5 standard
// errors (false-failure rate below 1e-6 per check): the cluster fraction has
// se √(p(1−p)/n); the mean of x·v*/√d over cluster c is c + noise of se
// √(Δ/n_c); the noise variance estimate has se ≈ Δ√(2/(n d)).
func TestSample(t *testing.T) {
	const d, n = 200, 4000
	m := ThreeCluster(0.4, 0.7)
	ds, err := m.Sample(d, n, false, rng.New(7))
	if err != nil {
		t.Fatal(err)
	}
	v2 := 0.0
	for _, v := range ds.Vstar {
		v2 += v * v
	}
	if math.Abs(v2-d) > 1e-9*d {
		t.Errorf("|v*|² = %v, want %d", v2, d)
	}
	counts := map[float64]float64{}
	proj := map[float64]float64{}
	noise := 0.0
	for mu := 0; mu < n; mu++ {
		row := ds.Row(mu)
		p := 0.0
		for i, x := range row {
			p += x * ds.Vstar[i]
		}
		p /= math.Sqrt(d) * math.Sqrt(d) // x·v*/√d = c + √(Δ/d) z·v*; |v*|=√d
		c := ds.C[mu]
		counts[c]++
		proj[c] += p * math.Sqrt(d)
		for i, x := range row {
			e := x - c*ds.Vstar[i]/math.Sqrt(d)
			noise += e * e
		}
		wantY := -1.0
		if c != 0 {
			wantY = 1
		}
		if ds.Y[mu] != wantY {
			t.Fatalf("sample %d: c = %v, y = %v", mu, c, ds.Y[mu])
		}
	}
	for _, cl := range m.Clusters {
		frac := counts[cl.C] / n
		se := math.Sqrt(cl.Prob * (1 - cl.Prob) / n)
		if math.Abs(frac-cl.Prob) > 5*se {
			t.Errorf("cluster c=%v: fraction %v, want %v ± %v", cl.C, frac, cl.Prob, 5*se)
		}
		mean := proj[cl.C] / counts[cl.C] / math.Sqrt(d)
		se = math.Sqrt(m.Delta / counts[cl.C] / d)
		if math.Abs(mean-cl.C/math.Sqrt(d)) > 5*se {
			t.Errorf("cluster c=%v: mean projection %v, want %v ± %v", cl.C, mean, cl.C/math.Sqrt(d), 5*se)
		}
	}
	nv := noise / (n * d)
	if se := m.Delta * math.Sqrt(2.0/(n*d)); math.Abs(nv-m.Delta) > 5*se {
		t.Errorf("noise variance %v, want %v ± %v", nv, m.Delta, 5*se)
	}
	raw, _ := m.Sample(d, 1, true, rng.New(7))
	if raw.Vstar[0] == ds.Vstar[0] {
		t.Error("raw centroid was rescaled")
	}
}
