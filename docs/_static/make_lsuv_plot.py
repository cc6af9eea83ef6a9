"""Draws docs/_static/lsuv_variance.png (run from the repository root: python docs/_static/make_lsuv_plot.py)."""
import mlx.core as mx, mlx.nn as nn, mlxinit, matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
x = mx.random.normal((512, 256), key=mx.random.key(1))
fig, axes = plt.subplots(1, 2, figsize=(9, 3.4), sharey=True)
for ax, act in zip(axes, (nn.SiLU, nn.Tanh)):
    layers = []
    for _ in range(20):
        layers += [nn.Linear(256, 256), act()]
    model = nn.Sequential(*layers[:-1])
    # before: MLX's default init of nn.Linear
    h, before = x, []
    for l in model.layers:
        h = l(h)
        if isinstance(l, nn.Linear): before.append(float(mx.var(h)))
    recipe = mlxinit.lsuv(model, x, seed=0)
    after = [l.variance for l in recipe.layers]
    ax.semilogy(range(1, 21), before, "o-", label="mlx.nn.Linear default")
    ax.semilogy(range(1, 21), [l.variance_before for l in recipe.layers], "s-", label="orthogonal, before LSUV")
    ax.semilogy(range(1, 21), after, "^-", label="after mlxinit.lsuv")
    ax.axhspan(0.9, 1.1, color="green", alpha=0.15)
    ax.set_title(f"20 × Linear(256, 256) + {act.__name__}, batch 512")
    ax.set_xlabel("layer")
axes[0].set_ylabel("variance of the layer's output")
axes[0].legend(fontsize=8)
fig.tight_layout()
fig.savefig("docs/_static/lsuv_variance.png", dpi=110)
