package dmft

// The response of the sample process of spec model-and-dmft.md §4 to a
// perturbation added to r_j, and the kernel averaged from it:
//
//	its response   J[k,j] = δ_kj − ηΔ Σ_{l=j}^{k−1} R[k,l] D_l J[l,j]
//	kernel         Γ[k,j] = αΔ⟨D_k J[k,j]⟩   (j ≤ k; Γ[k,k] = αΔ⟨D_k⟩)
//
// Only the product D_k J[k,·] enters Γ; it is solved backwards per
// trajectory (response below) without forming J. Settings.Perturb scales Γ
// (adG); Perturb.Memory scales ηΔ here as in the sample process (ed), so J
// stays the response of the (perturbed) process.

// response writes Γ[k,·] = αΔ⟨D_k J[k,·]⟩. Row k of each trajectory's
// response J = (I + ηΔ R̃ diag(D))⁻¹ (R̃ strictly lower) is solved backwards,
//
//	y_k = D_k,   y_l = −ηΔ D_l Σ_{k'=l+1}^{k} y_{k'} R[k',l]  (l < k),
//
// so that y_l = D_k J[k,l]; only the steps where the trajectory was selected
// enter (D = 0 elsewhere), which makes the cost (b k)²/2 per selected
// trajectory at batch fraction b.
func (b *batch) response(k int) {
	k1 := b.k1
	row := b.out.gamma[k*k1 : k*k1+k+1]
	clear(row)
	if b.full {
		b.responseFull(k, row)
	} else {
		for n, wr := range b.wr {
			cnt := b.cnt[n]
			base := n * k1
			if wr == 0 || cnt == 0 || int(b.times[base+cnt-1]) != k {
				continue
			}
			ds := b.dv[base : base+cnt]
			if ds[cnt-1] == 0 {
				continue
			}
			y := b.ybuf[:cnt]
			y[cnt-1] = ds[cnt-1]
			ts := b.times[base : base+cnt]
			for i := cnt - 2; i >= 0; i-- {
				if ds[i] == 0 {
					y[i] = 0
					continue
				}
				rt := b.rt[int(ts[i])*k1 : int(ts[i])*k1+k1]
				y[i] = -b.ed * ds[i] * gatherDot(rt, ts[i+1:cnt], y[i+1:cnt])
			}
			for i, t := range ts {
				row[t] += wr * y[i]
			}
		}
	}
	for j := range row {
		row[j] *= b.adG
	}
}

// responseFull is response for full batch, where every trajectory has D at
// every step (indexed by time): four trajectories at a time share each load
// of Rᵀ, and their four sums hide the add latency.
func (b *batch) responseFull(k int, row []float64) {
	k1 := b.k1
	act := b.act[:0]
	for n, wr := range b.wr {
		if wr != 0 && b.dv[n*k1+k] != 0 {
			act = append(act, n)
		}
	}
	b.act = act
	y := b.ybuf4
	for g := 0; g < len(act); g += 4 {
		nt := min(4, len(act)-g)
		var d [4][]float64
		var yr [4][]float64
		for i := 0; i < 4; i++ {
			n := act[g+min(i, nt-1)] // pad with the last trajectory
			d[i] = b.dv[n*k1 : n*k1+k+1]
			yr[i] = y[i*k1 : i*k1+k+1]
			yr[i][k] = d[i][k]
		}
		y0, y1, y2, y3 := yr[0], yr[1], yr[2], yr[3]
		for l := k - 1; l >= 0; l-- {
			rt := b.rt[l*k1+l+1 : l*k1+k+1]
			a0, a1, a2, a3 := y0[l+1:k+1], y1[l+1:k+1], y2[l+1:k+1], y3[l+1:k+1]
			a0, a1, a2, a3 = a0[:len(rt)], a1[:len(rt)], a2[:len(rt)], a3[:len(rt)]
			var s0, s1, s2, s3 float64
			for j, r := range rt {
				s0 += a0[j] * r
				s1 += a1[j] * r
				s2 += a2[j] * r
				s3 += a3[j] * r
			}
			y0[l] = -b.ed * d[0][l] * s0
			y1[l] = -b.ed * d[1][l] * s1
			y2[l] = -b.ed * d[2][l] * s2
			y3[l] = -b.ed * d[3][l] * s3
		}
		for i := 0; i < nt; i++ {
			axpy(b.wr[act[g+i]], yr[i], row)
		}
	}
}
