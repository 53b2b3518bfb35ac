// Package report renders validations (package validation) for people and
// notebooks: the summary table, the Markdown report, one PNG per scenario,
// and the scenario directories of float64 .npy curves with their meta.json
// that notebooks-data holds (WriteScenario; notebooks-data/README.md
// describes the layout and test_load.py checks it). It holds no
// statistics: every number it writes was computed by package validation.
package report // import "github.com/sgdmft/sgdmft/validation/report"
