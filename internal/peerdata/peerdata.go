// Package peerdata holds a peer's published run for comparisons: the
// finite-d simulation of full-batch GD on the linear teacher–student model
// stored by SPOC-group/DMFT-integration (Gerbelot, Troiani, Mignacco,
// Krzakala, Zdeborová, arXiv:2210.06591), embedded unchanged with its
// parameters; provenance and conventions in README.md.
package peerdata

import (
	"bytes"
	_ "embed"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"strconv"
)

var (
	//go:embed simulationsM0.2A3.0B1.0L0.5.csv
	simCSV []byte
	//go:embed parameters.json
	paramsJSON []byte
)

// Params are the run's parameters, in their names.
type Params struct {
	M0     float64 `json:"m_0"`
	Alpha  float64 `json:"alpha"`
	B      float64 `json:"b"`
	Lambda float64 `json:"lambd"` // ridge (λ/2)|w|²
	Dt     float64 `json:"dt"`
	T      int     `json:"T"` // number of steps
}

// Row is one row of the stored simulation: their time (k+1)·dt, the mean of
// m after k steps and its spread mag_std over their runs.
type Row struct{ Time, Mean, Std float64 }

// Load returns the parameters and the rows of the stored simulation.
func Load() (Params, []Row, error) {
	var p Params
	if err := json.Unmarshal(paramsJSON, &p); err != nil {
		return p, nil, fmt.Errorf("peerdata: parameters.json: %w", err)
	}
	recs, err := csv.NewReader(bytes.NewReader(simCSV)).ReadAll()
	if err != nil {
		return p, nil, fmt.Errorf("peerdata: %w", err)
	}
	if len(recs) < 2 || len(recs[0]) != 3 || recs[0][0] != "time" || recs[0][1] != "mag_avg" || recs[0][2] != "mag_std" {
		return p, nil, fmt.Errorf("peerdata: header %v, want time, mag_avg, mag_std", recs[0])
	}
	rows := make([]Row, 0, len(recs)-1)
	for i, r := range recs[1:] {
		var v [3]float64
		for j := range v {
			if v[j], err = strconv.ParseFloat(r[j], 64); err != nil {
				return p, nil, fmt.Errorf("peerdata: row %d: %w", i, err)
			}
		}
		rows = append(rows, Row{v[0], v[1], v[2]})
	}
	return p, rows, nil
}
