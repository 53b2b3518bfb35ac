# Load (and plot) the validation curves of sgdmft in Julia.
#
#     using Pkg; Pkg.add(["NPZ", "JSON"])          # Plots is optional
#     include("load_curves.jl")
#     sc = load_scenario("two-cluster-logistic-gd")
#     v = sc.variants[1]
#     v.t, v.dmft["m"], v.dmft_se["m"], v.sim["m"][i, :], v.dims
#     plot_scenario("two-cluster-logistic-gd", "gd.png")   # needs Plots
#
# NPZ.npzread returns the arrays with NumPy's shapes: a (D, T) simulation
# array in the file is a D×T Matrix here, row i being dimension dims[i].
using NPZ, JSON

const HERE = @__DIR__

scenarios(root=HERE) = sort([d for d in readdir(root) if isfile(joinpath(root, d, "meta.json"))])

function load_scenario(name; root=HERE)
    base = joinpath(root, name)
    meta = JSON.parsefile(joinpath(base, "meta.json"))
    variants = []
    for vm in meta["Variants"]
        vd = joinpath(base, vm["Dir"])
        ld(stem) = npzread(joinpath(vd, stem * ".npy"))
        dmft, dmft_se, sim, sim_se, theory = Dict(), Dict(), Dict(), Dict(), Dict()
        for o in meta["Observables"]
            dmft[o], dmft_se[o] = ld("dmft_" * o), ld("dmft_" * o * "_se")
            sim[o], sim_se[o] = ld("sim_" * o), ld("sim_" * o * "_se")
            isfile(joinpath(vd, "theory_" * o * ".npy")) && (theory[o] = ld("theory_" * o))
        end
        push!(variants, (label=vm["Label"], problem=vm["Problem"], t=ld("t"), dims=ld("dims"),
                         dmft=dmft, dmft_se=dmft_se, sim=sim, sim_se=sim_se, theory=theory))
    end
    return (meta=meta, variants=variants)
end

function plot_scenario(name, path; root=HERE)
    @eval using Plots
    sc = load_scenario(name; root=root)
    panels = []
    for o in sc.meta["Observables"]
        p = Base.invokelatest(plot; title=o, xlabel="t", legend=(o == "m" ? :topleft : false))
        for (vi, v) in enumerate(sc.variants)
            Base.invokelatest(plot!, p, v.t, v.dmft[o]; color=vi, label=v.label * " DMFT")
            haskey(v.theory, o) && Base.invokelatest(plot!, p, v.t, v.theory[o]; color=:black, ls=:dash, label="exact")
            for (i, d) in enumerate(v.dims)
                Base.invokelatest(scatter!, p, v.t, v.sim[o][i, :]; yerror=v.sim_se[o][i, :], color=vi, ms=2,
                                  label="sim d=$(Int(d))")
            end
        end
        push!(panels, p)
    end
    fig = Base.invokelatest(plot, panels...; layout=(2, 3), size=(1400, 800))
    Base.invokelatest(savefig, fig, path)
end

if abspath(PROGRAM_FILE) == @__FILE__
    if isempty(ARGS)
        foreach(println, scenarios())
    else
        sc = load_scenario(ARGS[1])
        for v in sc.variants
            println(v.label, ": ", length(v.t), " times, dims ", Int.(v.dims),
                    ", final DMFT test error ", round(v.dmft["test_err"][end], digits=4))
        end
    end
end

# ---- Sweeps: the gathered arrays of `sgdmft sweep` -------------------------
#
#     sw = load_sweep("out/sweep")            # a directory of sgdmft sweep (after gather)
#     b = sw.axes[1].values                   # the first swept parameter
#     sw.final["test_err"][i, j]              # test error at the last time, point (i, j)
#     sw.curves["test_err"][i, j, :], sw.t    # its whole curve
#     sw.status[i, j]                         # "done", "failed" (arrays hold NaN) or "pending"
#
# Arrays keep NumPy's shapes (n1, n2, ..., T), indices from 1; axes[k].dim is
# the array dimension (from 1) along which parameter k varies.
function load_sweep(path)
    meta = JSON.parsefile(joinpath(path, "meta.json"))
    ax = JSON.parsefile(joinpath(path, "axes.json"))
    shape = Tuple(Int.(ax["shape"]))
    ld(name) = npzread(joinpath(path, name * ".npy"))
    axes = [(param=a["param"], dim=a["dim"] + 1,
             values=haskey(a, "file") ? npzread(joinpath(path, a["file"])) : String.(a["values"]))
            for a in ax["axes"]]
    t = isfile(joinpath(path, "t.npy")) ? ld("t") : nothing
    obs = String.(ax["observables"])
    curves = Dict(o => ld(o) for o in obs)
    final = Dict(o => ld(o * "_final") for o in vcat(obs, String.(get(ax, "scalars", String[]))))
    status = fill("pending", shape)
    rowmajor = CartesianIndices(reverse(shape))  # point indices are row-major (C order)
    for p in meta["points"]
        status[reverse(Tuple(rowmajor[p["index"] + 1]))...] = p["status"]
    end
    return (meta=meta, shape=shape, axes=axes, t=t, curves=curves, final=final, status=status)
end
