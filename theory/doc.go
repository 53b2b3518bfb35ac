// Package theory holds closed forms used as oracles for the simulator and
// the DMFT: fresh-sample (test) quantities, the exact learning curves of
// square-loss gradient descent, the ridge ERM fixed point, and its λ → 0⁺
// limit on separable data, the max-margin classifier.
//
// References:
//
//	F. Mignacco, F. Krzakala, P. Urbani, L. Zdeborová, "Dynamical mean-field
//	theory for stochastic gradient descent in Gaussian mixture
//	classification", NeurIPS 2020, arXiv:2006.06098.
//	Z. Liao, R. Couillet, "The dynamics of learning: a random matrix
//	approach", ICML 2018, arXiv:1805.11917.
//	F. Mignacco, F. Krzakala, Y. M. Lu, P. Urbani, L. Zdeborová, "The role
//	of regularization in classification of high-dimensional noisy Gaussian
//	mixture", ICML 2020, arXiv:2002.11544.
//
// Fresh-sample quantities (spec theory.md §1): a fresh sample of cluster c
// has local field r = c m + b0 + √(Δq) z, z ~ N(0, 1), and is misclassified
// where y f(r) ≤ 0. For any output f, the roots of f (loss.Output.Roots)
// cut the line into intervals of constant sign, and with Q(x) = ½ erfc(x/√2)
// the test error is a sum of Gaussian masses Q(a) − Q(b) over the intervals
// of wrong sign; for the registered outputs this is
//
//	two clusters, linear output:  ε = ρ Q((m + b0)/√(Δq)) + (1−ρ) Q((m − b0)/√(Δq))
//	three clusters, r² − κ:       ε = (1−ρ)·2Q(√κ/√(Δq)) + ρ[1 − Q((√κ−m)/√(Δq)) − Q((√κ+m)/√(Δq))]
//
// The test loss is a Gaussian integral per cluster, computed by quadrature
// split at the kinks of the loss (loss.Kinks).
//
// Square loss, full batch, exact at d = ∞ (theory.md §2; Liao & Couillet,
// with |μ|² = 1/Δ, c = 1/α): with H = XᵀX/d + λ and c = Xᵀy/√d,
//
//	w(t) = e^{−Ht} w(0) + g_t(H) c,        g_t(ζ) = (1 − e^{−ζt})/ζ          (flow)
//	w_k  = (1 − ηH)^k w_0 + g_k(H) c,      g_k(ζ) = (1 − (1 − ηζ)^k)/ζ       (GD, t = kη)
//
// (for GD e^{−ζt} becomes (1 − ηζ)^k throughout). With a± = (√α ± 1)²,
// κ = α + Δ, u = (ζ − λ)/Δ, on the bulk ζ ∈ [λ + Δa−, λ + Δa+]:
//
//	dπ_H/dζ = √((u − a−)(a+ − u)) / (2πΔu),           atom (1 − α)₊ at ζ = λ,
//	dν/dζ   = Δ√((u − a−)(a+ − u)) / (2π[κ(1 + Δ) − Δu]),  atom (α − Δ²)₊ at ζ* = λ + κ(1 + Δ),
//
//	m(t) = ∫ g_t dν,   q(t) = κ∫ g_t² dν + C0 ∫ e^{−2ζt} dπ_H,
//	½⟨(y − r)²⟩ = ½[1 − (2κ/α) m + (κ∫(ζ − λ) g_t² dν + C0 ∫(ζ − λ) e^{−2ζt} dπ_H)/α],
//	ε = Q(m/√(Δq)).
//
// The bulk integrals use ζ = centre − half·cos θ (the edges become sin²θ;
// the ν denominator is written (√α − Δ)² + (λ + Δa+ − ζ) so that it stays
// accurate at α = Δ², where the outlier meets the edge), the atoms are added
// by hand. At λ = 0, α > 1, t → ∞: m = 1/(1 + Δ), q = (α + Δ)/((α − 1)(1 + Δ)²).
//
// Ridge ERM (theory.md §3; Mignacco et al. 2020, Loureiro et al. 2021):
// the minimiser of Σ_μ ℓ(y_μ(w·x_μ/√d + b)) + (λ/2)|w|² has, at d = ∞,
//
//	V = Δ/(λ + ΔV̂),  m = m̂/(λ + ΔV̂),  q = (Δq̂ + m̂²)/(λ + ΔV̂)²,
//	ω = y m + √(Δq) ξ,  p = argmin_x [(x − ω)²/(2V) + ℓ(y(x + b))],  f = (p − ω)/V,
//	V̂ = α E[ℓ''/(1 + Vℓ'')],  q̂ = α E[f²],  m̂ = α E[y f],  E[f] = 0 (bias),
//
// with a Newton step on b as the bias component of the map x → F(x),
// x = (m, q, V, b). ERM.Solve runs Newton's method on F(x) − x in
// (m, ln q, ln V, b) (finite-difference Jacobian, Broyden updates, line
// search, damped steps as fallback, a path from λ = 1 when a start fails)
// and declares convergence on the residual |F(x) − x| ≤ 1e-11, which it
// reports with the Newton correction (an estimate of the distance to the
// fixed point); ERMPath solves along a parameter by continuation. The
// averages are adaptive Gauss–Legendre quadrature with an error estimate
// (≤ 1e-13), split at the prox kinks: at small λ, V is large and the prox
// of a smooth loss turns from P ≈ a + V to P ≈ a within O(1) of a, which
// panels of fixed width in ξ miss. Training error P[y(p + b) < 0] in closed
// form through the prox threshold a₀ = Vℓ'(0).
// The ERM sees the loss only through its proximal operator (loss.Prox:
// closed forms for square, squared hinge and hinge, a safeguarded Newton
// iteration for any other smooth convex loss, solved to its tolerance or an
// error), so it works for every registered margin loss; f = −yℓ'(P) uses
// the slope the prox selects, which for the hinge's samples held on the
// margin (P = 1) is (a − 1)/V, not the one-sided ℓ'(1) = 0.
//
// Max margin (the λ → 0⁺ limit on separable data; Gardner 1988, Mignacco et
// al. 2020): with |w|²/d = 1 and margin κ, the constraints can be met iff
//
//	α Σ_y ρ_y H((κ − m − yb)/√Δ) ≤ 1 − m²,   H(t) = E[(t − G)₊²] = (1 + t²)Φ(t) + tφ(t),
//
// and MaxMargin maximises κ over (m, b) (a concave problem); the
// separability threshold is α_c = max_{m,b} (1 − m²)/Σ_y ρ_y H((−m − yb)/√Δ)
// (SeparabilityThreshold; Cover's 2 as Δ → ∞). ERM at λ = 0 on separable
// data (α < α_c) has no unique finite minimiser and is reported as such.
//
// References for the ERM equations and the max margin, in addition to the
// above:
//
//	B. Loureiro, G. Sicuro, C. Gerbelot, A. Pacco, F. Krzakala,
//	L. Zdeborová, "Learning Gaussian mixtures with generalized linear
//	models: precise asymptotics in high dimensions", NeurIPS 2021,
//	arXiv:2106.03791.
//	E. Gardner, "The space of interactions in neural network models",
//	J. Phys. A 21, 257 (1988).
//	Z. Deng, A. Kammoun, C. Thrampoulidis, "A model of double descent for
//	high-dimensional binary linear classification", arXiv:1911.05822.
//	D. Soudry, E. Hoffer, M. S. Nacson, S. Gunasekar, N. Srebro, "The
//	implicit bias of gradient descent on separable data", JMLR 19 (2018).
//
// Teacher–student data (package teacher: x ~ N(0, I_d), h0 = v*·x/√d,
// y = h0 + σε or sign(h0 + σε)). TeacherSquare is the exact d = ∞ curve of
// square-loss GD or flow for the linear teacher: with S = XᵀX/d
// (Marchenko–Pastur of ratio α, atom (1 − α)₊ at 0), ζ = s + λ, z = ζ − λ,
// and e, g the propagators above,
//
//	m = M0 ∫e + ∫g z,   Ctt = C0 ∫e² + 2M0 ∫e g z + ∫g² z² + σ² ∫g² z,
//	test MSE = 1 + σ² − 2m + Ctt,
//
// the training loss likewise (TeacherSquare), each point with its
// quadrature error. Any other link (ReLU, sign) is exactly a linear teacher
// for the square loss: the iterate sees the labels through κ = E[h0 y] and
// E y² only (LabelMoments), so w = κw′ with w′ the linear teacher's at
// noise √(E y² − κ²)/κ. TeacherERM is the ridge ERM fixed point without bias,
// with (h0, ω) jointly Gaussian (E h0 ω = m, E ω² = q):
//
//	V = 1/(λ + V̂),  m = m̂/(λ + V̂),  q = (m̂² + q̂)/(λ + V̂)²,
//	V̂ = α E[−∂_ω f],  q̂ = α E[f²],  m̂ = α E[f (h0 − mω/q)]/(1 − m²/q),
//
// one-dimensional in ω for the sign teacher (P(y | ω) = Φ(y mω/(q s)),
// s² = 1 − m²/q + σ²), solved by Newton's method with its residual, and in
// closed form for the square loss (linear teacher: equal to
// TeacherSquare.Limit). The sign teacher's test error is
// arccos(m/√(Ctt(1 + σ²)))/π. Reference for these equations:
//
//	B. Aubin, F. Krzakala, Y. M. Lu, L. Zdeborová, "Generalization error in
//	high-dimensional perceptrons: approaching Bayes error with convex
//	optimization", NeurIPS 2020, arXiv:2006.06560.
package theory // import "github.com/sgdmft/sgdmft/theory"
