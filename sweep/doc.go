// Package sweep runs a command of sgdmft (simulate, dmft or theory) over a
// grid of its parameters and gathers the points' curves into labelled
// arrays: the phase diagrams of the paper (test error at time t against the
// batch fraction b, the sample ratio α, the ridge λ, the noise Δ) with DMFT
// and simulations side by side at each point.
//
// A grid is one or more axes, each a flag of the command and its values
//
//	alpha=0.5:3:11       11 values from 0.5 to 3, evenly spaced
//	lambda=1e-3:1:7:log  7 values from 10⁻³ to 1, evenly spaced in log
//	b=0.1,0.3,0.9        a list
//
// whose Cartesian product (the last axis varying fastest) or, zipped, whose
// i-th values together are the points. Point i runs the command with the
// common flags, the grid's values and the seed PointSeed(seed, i), a hash
// of the sweep's seed and the index, so that a point's numbers do not
// depend on which points run, in what order, or where.
//
// A sweep directory holds
//
//	sweep.json                 the Plan: command, common flags, grid, each point's flags
//	points/NNNN/               point NNNN's run, exactly what the command writes with --out
//	points/NNNN.failed.json    the error of a point whose run failed
//	axes.json, <param>.npy     the axes (Gather)
//	t.npy                      (T,) or, if the points' times differ, (n₁, …, T)
//	<obs>.npy, <obs>_se.npy    (n₁, n₂, …, T): each curve observable, NaN where not done
//	<obs>_final.npy            (n₁, n₂, …): its value at each point's last time
//	meta.json                  the Record: grid, command line, version, each point's state
//
// A point's run is written atomically (package internal/output), so its
// meta.json exists only when the run is complete: Local.Run skips those
// points, and a sweep interrupted at any moment loses at most the points
// in flight. Points are run by Local (a worker pool, all points or a Shard
// i/n of them, from any batch system) or by Slurm as a job array whose task
// i runs shard i/n; Gather merges whatever is done, and Plot draws it.
//
// References:
//
// F. Mignacco, F. Krzakala, P. Urbani, L. Zdeborová, Dynamical mean-field
// theory for stochastic gradient descent in Gaussian mixture
// classification, NeurIPS 2020, arXiv:2006.06098: the test error of
// persistent SGD against the batch fraction b, as in their figures, is the
// sweep
//
//	sgdmft sweep dmft --grid b=0.05:0.95:10 --algo psgd --tau 2 --T 10
package sweep
