package dynamics

// Observable indexes the recorded quantities.
//
// The errors depend on the labels. For ±1 labels (the mixtures, and a
// teacher whose link is Binary, e.g. sign) an error is the fraction of
// misclassified samples, y f(r) ≤ 0. For a teacher with real-valued labels
// (links linear, relu) the error observables are the mean squared errors
// (y − f(r))² of the prediction f(r) (r itself for the linear output), and
// the loss is the square loss (y − f(r))²/2 (teacher.Loss), so without a
// ridge the training loss is half the training error.
type Observable int

const (
	M           Observable = iota // m = w·v*/d
	Ctt                           // |w|²/d
	TrainLoss                     // (1/n) Σ_μ L(y_μ, r_μ) over all samples
	TrainErr                      // fraction of misclassified training samples; the training MSE for real labels
	TestErr                       // test error (test MSE for real labels) from the closed form given (m, Ctt)
	TestLoss                      // test loss from the closed form given (m, Ctt)
	TestErrEmp                    // test error (test MSE for real labels) measured on fresh samples
	TestLossEmp                   // test loss measured on fresh samples
	// Disp is the mean-squared displacement since the previous record,
	// |w(t_j) − w(t_{j−1})|²/d = C(t_j,t_j) + C(t_{j−1},t_{j−1}) − 2C(t_j,t_{j−1}),
	// zero at the first record: a two-time quantity, the part of the
	// correlation C(t,t′) that the equal-time observables do not see (for
	// persistent SGD it grows with the persistence time τ).
	Disp
	NumObservables
)

var obsNames = [NumObservables]string{"m", "Ctt", "train_loss", "train_err", "test_err", "test_loss", "test_err_emp", "test_loss_emp", "disp"}

// String returns the observable's file name stem, e.g. "train_loss".
func (o Observable) String() string { return obsNames[o] }
