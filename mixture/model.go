package mixture

import (
	"errors"
	"fmt"
	"math"
	"strings"
)

// Cluster is one component of the mixture.
type Cluster struct {
	C     float64 // position along the centroid: x = C v*/√d + noise
	Prob  float64 // probability of the cluster, > 0
	Label float64 // label y = ±1
}

// Model is a Gaussian mixture: the clusters and the noise variance Δ.
type Model struct {
	Clusters []Cluster
	Delta    float64 // noise variance Δ ≥ 0

	err error // a bad constructor parameter, reported first by Validate
}

// models is the registry of the named data models: adding one is its
// constructor and one line here.
var models = []struct {
	name string
	new  func(rho, delta float64) Model
}{
	{"two-cluster", TwoCluster},
	{"three-cluster", ThreeCluster},
}

// ModelNames returns the names of the registered data models.
func ModelNames() []string {
	names := make([]string, len(models))
	for i, m := range models {
		names[i] = m.name
	}
	return names
}

// ParseModel returns the registered data model with the given name (see
// ModelNames) and parameters, validated.
func ParseModel(name string, rho, delta float64) (Model, error) {
	for _, m := range models {
		if m.name == name {
			mod := m.new(rho, delta)
			return mod, mod.Validate()
		}
	}
	return Model{}, fmt.Errorf("mixture: unknown model %q (allowed: %s)", name, strings.Join(ModelNames(), ", "))
}

// TwoCluster returns the two-cluster model, c = y = ±1 with P(c = +1) = rho,
// 0 < rho < 1. A bad parameter is reported, by name, by Validate.
func TwoCluster(rho, delta float64) Model {
	return Model{
		Clusters: []Cluster{{C: 1, Prob: rho, Label: 1}, {C: -1, Prob: 1 - rho, Label: -1}},
		Delta:    delta,
		err:      checkParams("two-cluster", rho, delta),
	}
}

// ThreeCluster returns the three-cluster model: c = ±1 with probability
// rho/2 each and label +1, c = 0 with probability 1 − rho and label −1,
// 0 < rho < 1. A bad parameter is reported, by name, by Validate.
func ThreeCluster(rho, delta float64) Model {
	return Model{
		Clusters: []Cluster{
			{C: 1, Prob: rho / 2, Label: 1},
			{C: 0, Prob: 1 - rho, Label: -1},
			{C: -1, Prob: rho / 2, Label: 1},
		},
		Delta: delta,
		err:   checkParams("three-cluster", rho, delta),
	}
}

// checkParams checks the class fraction 0 < rho < 1 of the registered
// models (each cluster must have a positive probability). Δ is a field of
// the Model and Validate checks it there, so a bad Δ is never reported as a
// bad cluster list.
func checkParams(model string, rho, delta float64) error {
	if !(rho > 0 && rho < 1) {
		return fmt.Errorf("mixture: %s rho = %v, want 0 < rho < 1", model, rho)
	}
	return nil
}

// probTol is the tolerance on Σ probabilities = 1: round-off of a few
// decimal fractions, far below any meaningful mistake.
const probTol = 1e-9

// Validate checks the model: the parameters of the constructor that built
// it (named), then Δ ≥ 0 and finite, at least one cluster, every
// probability in (0, 1] and their sum 1, labels ±1, positions finite.
func (m Model) Validate() error {
	if m.err != nil {
		return m.err
	}
	if !(m.Delta >= 0) || math.IsInf(m.Delta, 0) {
		return fmt.Errorf("mixture: delta = %v, want a finite delta >= 0", m.Delta)
	}
	if len(m.Clusters) == 0 {
		return errors.New("mixture: no clusters")
	}
	sum := 0.0
	for i, c := range m.Clusters {
		if !(c.Prob > 0 && c.Prob <= 1) {
			return fmt.Errorf("mixture: cluster %d probability = %v, want 0 < p <= 1", i, c.Prob)
		}
		if c.Label != 1 && c.Label != -1 {
			return fmt.Errorf("mixture: cluster %d label = %v, want +1 or -1", i, c.Label)
		}
		if math.IsNaN(c.C) || math.IsInf(c.C, 0) {
			return fmt.Errorf("mixture: cluster %d position c = %v, want a finite number", i, c.C)
		}
		sum += c.Prob
	}
	if math.Abs(sum-1) > probTol {
		return fmt.Errorf("mixture: cluster probabilities sum to %v, want 1", sum)
	}
	return nil
}

// Rho returns the total probability of the clusters with label +1.
func (m Model) Rho() float64 {
	s := 0.0
	for _, c := range m.Clusters {
		if c.Label == 1 {
			s += c.Prob
		}
	}
	return s
}

// IsTwoCluster reports whether the model is a two-cluster model: two
// clusters at c = ±1, each labelled by its c (any probabilities).
func (m Model) IsTwoCluster() bool {
	if len(m.Clusters) != 2 {
		return false
	}
	for _, c := range m.Clusters {
		if c.C != c.Label {
			return false
		}
	}
	return m.Clusters[0].C != m.Clusters[1].C
}
