package validation

import (
	"github.com/sgdmft/sgdmft/dynamics"
	"github.com/sgdmft/sgdmft/loss"
	"github.com/sgdmft/sgdmft/mixture"
)

// problemMeta is a problem in the command-line names of its parameters.
type problemMeta struct {
	Clusters []mixture.Cluster `json:"clusters"`
	Delta    float64           `json:"delta"`
	Loss     string            `json:"loss"`
	Output   string            `json:"output"`
	Kappa    float64           `json:"kappa,omitempty"`
	Alpha    float64           `json:"alpha"`
	Lambda   float64           `json:"lambda"`
	Algo     string            `json:"algo"`
	B        float64           `json:"b"`
	Tau      float64           `json:"tau,omitempty"`
	Eta      float64           `json:"eta"`
	T        float64           `json:"T"`
	M0       float64           `json:"m0"`
	C0       float64           `json:"C0"`
}

func describe(p dynamics.Problem) problemMeta {
	pm := problemMeta{
		Clusters: p.Model.Clusters, Delta: p.Model.Delta, Alpha: p.Alpha, Lambda: p.Lambda,
		Algo: p.Algo.String(), B: p.B, Tau: p.Tau, Eta: p.Eta, T: p.T, M0: p.M0, C0: p.C0,
	}
	if pm.B == 0 {
		pm.B = 1
	}
	pm.Loss, pm.Output = p.Loss.Margin.Name(), p.Loss.Output.Name()
	if q, ok := p.Loss.Output.(loss.Quadratic); ok {
		pm.Kappa = q.Kappa
	}
	return pm
}
