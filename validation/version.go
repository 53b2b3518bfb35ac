package validation

// NumericsVersion numbers the numerics behind a validation's outputs: the
// simulator, the DMFT, the theories, the scenarios and their sizes, the seeds
// and the verdict rule. Bump it in any change that alters the numbers a run
// with the same seed writes, so that stored outputs (notebooks-data, whose
// test_load.py reads this line) show whether they are current.
//
// 2: Student-t verdict (Hsu's degrees of freedom) with design weights; new level sizes and
// DMFT batches; no empirical test samples in the simulations.
//
// 3: the displacement dynamics.Disp between records is compared too; the scenario
// two-cluster-logistic-psgd-stationary (the curves of version 2 are unchanged).
const NumericsVersion = 3
