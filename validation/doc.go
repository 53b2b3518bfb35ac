// Package validation judges the DMFT (package dmft) and the exact theories
// (package theory) against ensembles of the finite-d simulator (package
// sde) on a registry of named reference problems (Scenarios), with a
// verdict whose false-failure rate is stated and measured.
//
// References:
//
//	F. Mignacco, F. Krzakala, P. Urbani, L. Zdeborová, "Dynamical mean-field
//	theory for stochastic gradient descent in Gaussian mixture classification",
//	NeurIPS 2020, arXiv:2006.06098 (the DMFT and the scenarios' model).
//	C. Gerbelot, E. Troiani, F. Mignacco, F. Krzakala, L. Zdeborová,
//	"Rigorous dynamical mean field theory for stochastic gradient descent
//	methods", arXiv:2210.06591 (2022) (the teacher–student scenarios, and
//	the peer simulation of TestPeerScenario).
//	B. L. Welch, "The generalization of Student's problem when several
//	different population variances are involved", Biometrika 34, 28 (1947);
//	F. E. Satterthwaite, "An approximate distribution of estimates of variance
//	components", Biometrics Bulletin 2, 110 (1946) (the degrees of freedom).
//
// A run (Run, or Simulate then Judge) simulates every variant of a scenario
// at the dimensions d₁ < … < d_L of its level, S_i seeds at d_i, solves the
// DMFT with N trajectories in B independent batches, and compares them.
//
// # The verdict rule
//
// For every observable o (Observables), reference (the DMFT; the exact
// square-loss curves or the ERM fixed point where the scenario has one) and
// recorded time t (the final time only for ERM):
//
//  1. The simulations' seed means ȳᵢ and standard errors sᵢ at dᵢ are
//     extrapolated to d = ∞ by the least-squares fit ȳ(d) = A + β/d with the
//     fixed design weights wᵢ = Sᵢ dᵢ (the inverse variance of a mean over
//     Sᵢ seeds when the per-seed variance falls as 1/d). The intercept is a
//     fixed linear combination A = Σ cᵢ ȳᵢ (Coefficients), whatever the
//     data, with the variance estimate V_A = Σ cᵢ² sᵢ². The training error,
//     a count, has sᵢ floored at its resolution 1/(nᵢSᵢ) for nᵢ samples (all
//     seeds may count the same).
//
//  2. The reference value r has standard error s_r: the spread of the B
//     DMFT batches (B − 1 degrees of freedom), zero for the exact theories.
//
//  3. The comparison is the t statistic
//
//     z = (A − r)/√(V_A + s_r²)
//
//     with ν degrees of freedom, the fewest of any part of the variance that
//     is estimated: ν = min(Sᵢ − 1 over the dimensions with cᵢsᵢ ≠ 0, and
//     B − 1 if s_r > 0), +∞ if none is (Hsu's conservative solution of the
//     Behrens–Fisher problem). Its two-sided p-value is p = 2 P(T_ν > |z|),
//     T_ν Student's t (the normal for ν = ∞).
//
// A variant passes if every one of its n comparisons (observables × times
// × references) has p ≥ α/n with α = FamilyAlpha = 1%, that is |z| below
// the 1 − α/(2n) quantile of T_ν (Threshold); NaN fails. A scenario passes
// if all its variants pass.
//
// # Its false-failure rate
//
// Suppose the reference is the d → ∞ limit, the finite-size effect is
// β/d + o(1/d) with the o(1/d) below the standard errors, the seeds are
// independent and their means Gaussian (each averages O(d) samples), and
// the DMFT's batches likewise. Then z is at most as heavy-tailed as T_ν
// (exactly T_ν when the part with the fewest degrees of freedom dominates
// the variance), each comparison fails with probability at most α/n, and by
// Bonferroni a correct variant fails with probability at most α = 1%
// (about α when the comparisons are independent and one part dominates,
// less otherwise; one trajectory's values at nearby times are strongly
// correlated). TestFalseFailureRate measures it on synthetic data of every
// level's size, number of times and observables, with the standard errors
// estimated from the same numbers of seeds and batches and the reference's
// share of the variance from none to all: at most 1.1% ± 0.16%, and 1.0%
// where the bound is tight. The Welch–Satterthwaite degrees of freedom,
// larger, are liberal in the far tail where the verdict works (2.6% with a
// 10-batch DMFT three times as noisy as the simulations), and the previous
// rule (normal quantiles, fit weights from the measured errors) failed 5.5%
// of correct variants with 16 seeds.
//
// The DMFT's batches are at least 800 trajectories each: a batch solve is
// biased by O(1/trajectories) (1.7% of Ctt at 100 trajectories on
// two-cluster-logistic-gd), which at 800 is below a fifth of the DMFT's
// standard error.
//
// The rule is only as strong as its sizes: the test level of
// two-cluster-logistic-psgd, the scenario of the mutation tests, is sized
// so that a DMFT with the noise kernel M_C, the response kernel Γ or the
// memory term scaled by 0.95 or 1.05, or solved for Δ off by 5%, fails it
// (TestMutations logs the table, |z| ≥ 5 against thresholds of 4.1); the
// other scenarios' test levels are sanity checks whose power the DMFT's
// cost limits. The quick level fails the same mutations on
// two-cluster-logistic-psgd and two-cluster-logistic-gd
// (SGDMFT_MUTATION_LEVEL=quick, see TestMutations).
//
// An error of 5% in the persistence time τ moves the equal-time
// observables by 0.3% at most, out of reach of any affordable level. The
// two-time displacement dynamics.Disp = |w(t_j) − w(t_{j−1})|²/d between
// consecutive records (compared like the others, from the first record on;
// the DMFT's is C(t,t) + C(t′,t′) − 2C(t,t′) with its own standard error
// over the batches) sees the selection noise that τ sets: near the
// stationary state of two-cluster-logistic-psgd-stationary, over a lag of
// 2, τ ± 5% moves it by 4–5%, and that scenario's test level fails both
// (TestMutations).
//
// # The teacher–student scenarios
//
// The scenarios named teacher-… use the single-index teacher–student model
// (package teacher; dynamics.Problem.Teacher). The verdict is the same; for
// real labels (the linear and ReLU links) the error observables are mean
// squared errors, so the training error's standard error is not floored at
// a count's resolution. The exact references dispatch on the data model:
// the square-loss curves are theory.TeacherSquare's (for a link other than
// the linear one, through its equivalent linear teacher: at d = ∞ square-loss
// GD sees the label only through κ = E[h0 y] and E y², see teacherSquareCurves),
// and the ERM limit is theory.TeacherERM's. teacher-linear-square-peer is
// the setting of Gerbelot et al., whose stored simulation TestPeerScenario
// compares with the exact curve and the DMFT (within their error bar at
// every stored step: at most 0.17 of it). The test level of
// teacher-sign-logistic-psgd is sized so that a DMFT with M_C × 0.95 or
// 1.05, Γ × 0.95 or the memory term × 0.95 fails it (TestMutations); Γ × 1.05,
// the memory term × 1.05 and τ ± 5% it does not resolve.
//
// # The gradient-flow scenario
//
// two-cluster-logistic-longtime (Scenario.Flow) compares the DMFT's η → 0
// limit, gradient flow solved on the adaptive grid (dmft.Adaptive, whose
// grid passes through every recorded time; the problem's η is not a step
// there), with full-batch GD at finite d, to T = 20, 60 and 100 at the
// test, quick and full levels (Size.T). A level run longer can step
// ten times longer after t = 100 (Size.Coarsen, sde.Coarsening: by then GD
// is so near its fixed point, the flow's, that the larger step costs
// nothing measurable to T = 1000, TestRichardsonCoarsened). GD at step η differs from the flow
// by O(η), so each dimension is simulated at η = 0.1 and at η/2 with the
// same seeds (the same data and initial weights; full-batch GD draws
// nothing else), and each seed's records are extrapolated to η → 0 by
// Richardson's 2·y(η/2) − y(η), which leaves O(η²): measured on this
// problem with the same seeds down to η = 0.0125 (TestRichardsonRemainder,
// d = 200), at most 7e-4 of the value (C(t,t) 8.7e-4 and m 3.8e-4 at t = 1)
// and 0.16 of the full level's error bar, at the first records; it falls
// below 1e-6 by t = 50 (GD's fixed point is the flow's) and stays there to
// T = 1000, with uniform steps (TestRichardsonMeasureLong) as with the
// coarsened ones (TestRichardsonCoarsened: at most 4e-6 of the error bar
// after t = 100; TestRichardsonMeasureLong also bounds the training
// error's, a count jittered by multiples of 1/n, by 0.21 of its error bar
// at three standard errors). The extrapolated seeds
// are independent, so step 1 of the verdict applies to them unchanged, and
// their spread includes the extrapolation's noise; as a seed's two runs
// nearly coincide, it is about a single run's (independent ensembles at η
// and η/2 would give 4s²(η/2) + s²(η), five times more). The displacement
// is not compared there: the grid controls C(t,t′) to its tolerance times
// max(1, |C|), far above a displacement of 4e-4 against C(t,t) ≈ 6 (the
// true DMFT failed it with |z| = 12). Its test level resolves Γ ×1.05 and
// Δ ×1.05 (|z| = 7.3 and 9.5 against 5.0), not M_C ×0.95 (4.8, too close
// to call), M_C ×1.05 (1.9), Γ ×0.95 (3.7) or the memory term ×0.95 and
// ×1.05 (3.0, 3.9) (TestMutations).
//
// The references can be deliberately falsified (Options.Perturb,
// Options.ReferenceProblem) for those mutation tests. Rendering — tables,
// Markdown, plots, .npy files — is package validation/report.
package validation // import "github.com/sgdmft/sgdmft/validation"
