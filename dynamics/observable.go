package dynamics

// Observable indexes the recorded quantities.
type Observable int

const (
	M           Observable = iota // m = w·v*/d
	Ctt                           // |w|²/d
	TrainLoss                     // (1/n) Σ_μ L(y_μ, r_μ) over all samples
	TrainErr                      // fraction of misclassified training samples
	TestErr                       // test error from the closed form given (m, Ctt)
	TestLoss                      // test loss from the closed form given (m, Ctt)
	TestErrEmp                    // test error measured on fresh samples
	TestLossEmp                   // test loss measured on fresh samples
	NumObservables
)

var obsNames = [NumObservables]string{"m", "Ctt", "train_loss", "train_err", "test_err", "test_loss", "test_err_emp", "test_loss_emp"}

// String returns the observable's file name stem, e.g. "train_loss".
func (o Observable) String() string { return obsNames[o] }
