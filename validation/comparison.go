package validation

import (
	"math"

	"gonum.org/v1/gonum/stat/distuv"
)

// FamilyAlpha is the family-wise false-failure rate of a variant's verdict:
// the probability that a correct reference fails it, whatever the number of
// comparisons (see the package documentation).
const FamilyAlpha = 0.01

// Comparison is one comparison of the extrapolated simulations with a
// reference value at one time: the t statistic of their difference.
type Comparison struct {
	Dev float64 // A − reference
	SE  float64 // √(SE_A² + SE_ref²)
	// DF are the degrees of freedom of the t: the fewest of any estimated
	// part of SE² (Hsu's conservative choice); +Inf if nothing is estimated.
	DF float64
	Z  float64 // Dev/SE; 0 for Dev = 0, ±Inf for Dev ≠ 0 with SE = 0, NaN for NaN data
	// WelchDF are the Welch–Satterthwaite degrees of freedom of SE², for
	// reference: the verdict does not use them (they are liberal).
	WelchDF float64
}

// Compare compares an extrapolation with a reference value ref whose
// standard error refSE was estimated with refDF degrees of freedom (a DMFT
// from B independent batches has refDF = B − 1; an exact theory has
// refSE = 0 and any refDF).
func Compare(e Extrapolation, ref, refSE, refDF float64) Comparison {
	c := Comparison{Dev: e.A - ref, DF: math.Inf(1)}
	va, vr := e.SEA*e.SEA, refSE*refSE
	den := 0.0
	if va > 0 {
		c.DF = e.DF
		if !math.IsInf(e.WelchDF, 1) {
			den += va * va / e.WelchDF
		}
	}
	if vr > 0 {
		c.DF = math.Min(c.DF, refDF)
		den += vr * vr / refDF
	}
	c.SE = math.Sqrt(va + vr)
	c.WelchDF = welchDF(va+vr, den)
	switch {
	case c.Dev == 0:
		c.Z = 0
	default:
		c.Z = c.Dev / c.SE // ±Inf for SE = 0, NaN for NaN data
	}
	return c
}

// P returns the two-sided p-value of the comparison, 2·P(T_DF > |Z|) with
// T_DF Student's t (the normal for infinite DF); NaN data give 0, so that
// they fail.
func (c Comparison) P() float64 {
	z := math.Abs(c.Z)
	if math.IsNaN(z) {
		return 0
	}
	if math.IsInf(c.DF, 1) {
		return 2 * distuv.UnitNormal.Survival(z)
	}
	return 2 * distuv.StudentsT{Mu: 0, Sigma: 1, Nu: c.DF}.Survival(z)
}

// Threshold returns the |t| beyond which one of n comparisons with df
// degrees of freedom is declared a failure at family-wise false-failure
// rate alpha: the 1 − alpha/(2n) quantile of Student's t with df degrees of
// freedom (Bonferroni; the normal quantile for infinite df). Bonferroni is
// exact for independent comparisons to O(alpha²) and conservative for
// correlated ones, as curves at nearby times are.
func Threshold(alpha float64, n int, df float64) float64 {
	if n < 1 {
		n = 1
	}
	return quantile(1-alpha/(2*float64(n)), df)
}

// quantile returns the p quantile of Student's t with df degrees of
// freedom, the normal's for infinite df.
func quantile(p, df float64) float64 {
	if math.IsInf(df, 1) {
		return distuv.UnitNormal.Quantile(p)
	}
	return distuv.StudentsT{Mu: 0, Sigma: 1, Nu: df}.Quantile(p)
}
