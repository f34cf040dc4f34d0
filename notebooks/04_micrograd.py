# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 04 · Backpropagation by hand
#
# **What you will learn:** how a tiny automatic-differentiation engine computes every
# gradient of a loss with the chain rule, and how to train a small network with it.
#
# **Where this sits:** after {doc}`03_classical_ml`. Chapter 05 replaces the hand-made
# features with the mel spectrogram and the scalar engine with a tensor library.
#
# The student report retold by this course rebuilt *micrograd*
# {cite}`karpathy2020micrograd`, a scalar autograd engine of about a hundred lines, and
# trained it on four clips. In this chapter you write such an engine yourself, check it
# three ways, train a network on all 192 training clips, and measure honestly what it
# gains over logistic regression and what it costs.

# %% tags=["remove-cell"]
import sys

if "google.colab" in sys.modules:
    # %pip install -q "voicelab @ git+https://github.com/voicelab-course/voicelab"

# %%
import math
import random
import timeit

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from IPython.display import HTML
from micrograd.nn import MLP
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

from voicelab import data, evaluate, features, results, viz

# %% [markdown]
# ## The idea: numbers that remember where they came from
#
# Training a model means changing its parameters so that a loss goes down. To know in
# which direction to change a parameter, you need the *derivative* of the loss with
# respect to it: how much the loss moves when the parameter moves a little. With the
# learning rate $\eta$, gradient descent then updates every parameter $w$ by
#
# $$
# w \leftarrow w - \eta \, \frac{\partial L}{\partial w} .
# $$ (eq-04-update)
#
# A network has many parameters, and the loss is built from them by many small
# operations. *Backpropagation* {cite}`rumelhart1986learning` gets all the derivatives
# at once. It records every operation while the loss is computed (the *forward pass*),
# then walks the record backwards and applies the chain rule at each step (the
# *backward pass*). Computing derivatives this way is called reverse-mode automatic
# differentiation {cite}`griewank2008evaluating`.
#
# The record is a *computation graph*. Each node holds one number (`data`), the
# operation that made it (`_op`), and the nodes it was made from (`_prev`). After the
# backward pass, each node also holds `grad`: the derivative of the final loss with
# respect to that node.

# %% [markdown]
# ## The chain rule, one operation at a time
#
# Suppose a node $x$ is used by one operation that produces $z$. If you already know
# $\partial L / \partial z$, the chain rule gives
#
# $$
# \frac{\partial L}{\partial x} = \frac{\partial L}{\partial z}
#   \, \frac{\partial z}{\partial x} .
# $$ (eq-04-chain)
#
# The factor $\partial z / \partial x$ is the *local derivative*: it only depends on
# the operation and on its inputs. For a sum $z = x + y$ both local derivatives are 1.
# For a product $z = x y$ they are $\partial z / \partial x = y$ and
# $\partial z / \partial y = x$.
#
# So each operation only needs to know its own local derivatives. Start with a class
# that can add and multiply. Each operation returns a new `Value` and attaches a
# function, `_backward`, that pushes the output's gradient to its inputs with
# {eq}`eq-04-chain`.

# %%
class Value:
    """A scalar that records how it was computed, for reverse-mode autodiff."""

    def __init__(self, data, _children=(), _op="", label=""):
        self.data = float(data)
        self.grad = 0.0
        self._backward = lambda: None
        self._prev = tuple(_children)
        self._op = _op
        self.label = label

    def __repr__(self):
        return f"Value(data={self.data:.4f}, grad={self.grad:.4f})"

    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data + other.data, (self, other), "+")

        def _backward():
            self.grad += 1.0 * out.grad
            other.grad += 1.0 * out.grad

        out._backward = _backward
        return out

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data * other.data, (self, other), "*")

        def _backward():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out._backward = _backward
        return out


# %% [markdown]
# Two details matter already. A plain number is wrapped in a `Value`, so that `w * 2.0`
# works. And the gradient is *added* (`+=`), never assigned: you will see why in a
# moment. `_prev` is a tuple, so the operands keep their order; micrograd uses a set,
# whose order depends on memory addresses.
#
# Build a small expression and look at its graph. `viz.draw_graph` draws each value as
# a box (label, data, grad) and each operation as an ellipse; here the inputs sit at
# the top and the result at the bottom.

# %%
a = Value(2.0, label="a")
b = Value(-3.0, label="b")
c = Value(10.0, label="c")
e = a * b
e.label = "e"
d = e + c
d.label = "d"
f = Value(-2.0, label="f")
L = d * f
L.label = "L"
viz.draw_graph(L, rankdir="TB", label="L = (a·b + c)·f, forward pass only")

# %% [markdown]
# ### Backward by hand
#
# The derivative of $L$ with respect to itself is 1. Then call the `_backward` of each
# operation, starting from the output, so that every node has its full gradient before
# it passes it on.

# %%
L.grad = 1.0
L._backward()
d._backward()
e._backward()
print(f"dL/da = {a.grad:.1f}, dL/db = {b.grad:.1f}, "
      f"dL/dc = {c.grad:.1f}, dL/df = {f.grad:.1f}")

# %% [markdown]
# Check against the derivatives you can write down directly. Here
# $L = (ab + c) f$, so $\partial L / \partial a = b f$, $\partial L / \partial b = a f$,
# $\partial L / \partial c = f$ and $\partial L / \partial f = ab + c$.

# %%
np.testing.assert_allclose(
    [a.grad, b.grad, c.grad, f.grad],
    [b.data * f.data, a.data * f.data, f.data, a.data * b.data + c.data],
)
viz.draw_graph(L, rankdir="TB", label="L = (a·b + c)·f, after the backward pass")

# %% [markdown]
# ## Why the order matters
#
# A value can feed several operations. Then the chain rule {eq}`eq-04-chain` becomes a
# sum over all the operations $z$ that use $x$:
#
# $$
# \frac{\partial L}{\partial x} = \sum_{z \text{ uses } x}
#   \frac{\partial L}{\partial z} \, \frac{\partial z}{\partial x} .
# $$ (eq-04-chain-sum)
#
# This sum is why `_backward` adds to `grad`. It also fixes the order of the backward
# pass: a node may pass its gradient on only once **all** the nodes that use it have
# added their part. An order with this property is a *topological order* of the graph,
# read backwards.
#
# To see what goes wrong without it, take $h = ab$ and $L = h + h^2$, where $h$ is used
# twice. With $a = 2$ and $b = -1$, $h = -2$ and
# $\partial L / \partial h = 1 + 2h = -3$, so $\partial L / \partial a = -3b = 3$ and
# $\partial L / \partial b = -3a = -6$.
#
# A natural but wrong order is *breadth-first*: handle nodes in the order you first
# reach them walking back from the output.

# %%
def backward_breadth_first(root):
    """Wrong on purpose: propagate in the order nodes are first reached."""
    root.grad = 1.0
    queue, seen = [root], {id(root)}
    while queue:
        node = queue.pop(0)
        node._backward()
        for child in node._prev:
            if id(child) not in seen:
                seen.add(id(child))
                queue.append(child)


def make_reused():
    a = Value(2.0, label="a")
    b = Value(-1.0, label="b")
    h = a * b
    h.label = "h"
    u = h * h
    u.label = "u"
    L = h + u
    L.label = "L"
    return a, b, h, L


a, b, h, L = make_reused()
backward_breadth_first(L)
print(f"breadth-first: dL/dh = {h.grad:.1f}, dL/da = {a.grad:.1f}, "
      f"dL/db = {b.grad:.1f}")

# %% [markdown]
# The gradient of $h$ ends up right, $-3$, but too late. The walk reached $h$ straight
# from $L$ and passed on $\partial L / \partial h = 1$ to $a$ and $b$ before $u$ had
# added its part, $2h = -4$. So $a$ and $b$ got the wrong gradients.
#
# A depth-first walk that appends a node only after all its inputs gives a topological
# order: every node comes after everything it was computed from. Reversed, every node
# comes before its inputs, so it is complete when its turn comes.

# %%
def topological_order(root):
    """All nodes reachable from ``root``, each after the nodes it was made from."""
    order, visited = [], set()

    def visit(node):
        if node not in visited:
            visited.add(node)
            for child in node._prev:
                visit(child)
            order.append(node)

    visit(root)
    return order


def backward(self):
    self.grad = 1.0
    for node in reversed(topological_order(self)):
        node._backward()


Value.backward = backward

a, b, h, L = make_reused()
L.backward()
print(f"topological:   dL/dh = {h.grad:.1f}, dL/da = {a.grad:.1f}, "
      f"dL/db = {b.grad:.1f}")
np.testing.assert_allclose([h.grad, a.grad, b.grad], [-3.0, 3.0, -6.0])
viz.draw_graph(L, rankdir="TB", label="h is used twice: two arrows leave it")

# %% [markdown]
# `h * h` uses $h$ twice in *one* operation. The two `+=` lines in `__mul__` add
# $h \cdot \bar{u}$ twice, which gives the $2h$ of the power rule. With `=` instead of
# `+=`, the second line would overwrite the first.

# %% [markdown]
# ## Enough operations for a neuron
#
# A neuron computes $a = \tanh(w \cdot x + b)$. A squared-error loss needs a
# subtraction and a square. The table lists each operation with its local derivative;
# each becomes one `_backward`.
#
# | operation | forward | local derivative |
# | --- | --- | --- |
# | negation | $z = -x$ | $\partial z / \partial x = -1$ |
# | subtraction | $z = x - y$ | $1$ and $-1$ |
# | division | $z = x / y$ | $1 / y$ and $-x / y^2$ |
# | power ($n$ a constant) | $z = x^n$ | $n x^{n-1}$ |
# | exponential | $z = e^x$ | $e^x = z$ |
# | hyperbolic tangent | $z = \tanh x$ | $1 - \tanh^2 x = 1 - z^2$ |
# | rectified linear unit | $z = \max(0, x)$ | $1$ if $x > 0$, else $0$ |
#
# The last column is all the engine knows about calculus. The $\tanh$ and exponential
# derivatives reuse the output $z$, which the forward pass has already computed.

# %%
def _value(x):
    return x if isinstance(x, Value) else Value(x)


def __neg__(self):
    out = Value(-self.data, (self,), "neg")

    def _backward():
        self.grad += -1.0 * out.grad

    out._backward = _backward
    return out


def __sub__(self, other):
    other = _value(other)
    out = Value(self.data - other.data, (self, other), "-")

    def _backward():
        self.grad += 1.0 * out.grad
        other.grad += -1.0 * out.grad

    out._backward = _backward
    return out


def __truediv__(self, other):
    other = _value(other)
    out = Value(self.data / other.data, (self, other), "/")

    def _backward():
        self.grad += out.grad / other.data
        other.grad += -self.data / other.data**2 * out.grad

    out._backward = _backward
    return out


def __pow__(self, n):
    assert isinstance(n, (int, float)), "only constant powers"
    out = Value(self.data**n, (self,), f"**{n}")

    def _backward():
        self.grad += n * self.data ** (n - 1) * out.grad

    out._backward = _backward
    return out


def exp(self):
    out = Value(math.exp(self.data), (self,), "exp")

    def _backward():
        self.grad += out.data * out.grad

    out._backward = _backward
    return out


def tanh(self):
    out = Value(math.tanh(self.data), (self,), "tanh")

    def _backward():
        self.grad += (1.0 - out.data**2) * out.grad

    out._backward = _backward
    return out


def relu(self):
    out = Value(max(self.data, 0.0), (self,), "ReLU")

    def _backward():
        self.grad += (1.0 if self.data > 0 else 0.0) * out.grad

    out._backward = _backward
    return out


Value.__neg__ = __neg__
Value.__sub__ = __sub__
Value.__truediv__ = __truediv__
Value.__pow__ = __pow__
Value.exp = exp
Value.tanh = tanh
Value.relu = relu

# %% [markdown]
# Python calls `__radd__` when the *left* operand is a plain number, as in `2 + x` or
# `sum(values)`, which starts from 0. The reflected operations only swap the operands
# and reuse the ones above.

# %%
Value.__radd__ = lambda self, other: _value(other) + self
Value.__rmul__ = lambda self, other: _value(other) * self
Value.__rsub__ = lambda self, other: _value(other) - self
Value.__rtruediv__ = lambda self, other: _value(other) / self

x = Value(0.5)
print(2 + x, 2 * x, 2 - x, 2 / x, sep="\n")

# %% [markdown]
# A good first test: $\tanh$ can also be written with exponentials,
# $\tanh x = (e^{2x} - 1) / (e^{2x} + 1)$. Built that way, the graph uses `*`, `exp`,
# `-`, `+` and `/` instead of one `tanh` node. Both graphs must give the same value and
# the same gradient.

# %%
for x0 in (-1.5, 0.3, 2.0):
    x_direct = Value(x0)
    y_direct = x_direct.tanh()
    y_direct.backward()
    x_exp = Value(x0)
    two_x = (2 * x_exp).exp()
    y_exp = (two_x - 1) / (two_x + 1)
    y_exp.backward()
    np.testing.assert_allclose(y_exp.data, y_direct.data, rtol=1e-12)
    np.testing.assert_allclose(x_exp.grad, x_direct.grad, rtol=1e-12)
    print(f"x = {x0:4.1f}: tanh = {y_direct.data:.4f}, "
          f"d tanh/dx = {x_direct.grad:.4f} both ways")

# %% [markdown]
# ## One neuron on one clip
#
# Now use the engine on the course's data. The features are the report's four numbers
# from {doc}`02_features`: the mean and standard deviation of the RMS and of the
# zero-crossing rate of each clip. The corpus comes with a fixed split, made once by
# sentence: 192 clips to train on, 24 to validate, 24 to test.
#
# The speakers are coded $t = -1$ for `clb` and $t = +1$ for `slt`. Each feature is
# standardised with the mean and standard deviation of the **training** clips only.

# %%
corpus = data.load_corpus()
X_all = features.extract(corpus, "report4", progress=False)
feature_names = features.columns("report4")
split = corpus["split"].to_numpy()
scaler = StandardScaler().fit(X_all.loc[split == "train", feature_names])
X_train, X_val, X_test = (
    scaler.transform(X_all.loc[split == part, feature_names])
    for part in ("train", "val", "test")
)
target = 2.0 * corpus["label"].to_numpy() - 1.0
y_train, y_val, y_test = (target[split == part] for part in ("train", "val", "test"))
groups_test = corpus.loc[split == "test", "sentence_id"].to_numpy()
print("speakers (t = -1, +1):", data.SPEAKERS)
print("features:", feature_names)
for part, X_part in [("train", X_train), ("val", X_val), ("test", X_test)]:
    print(f"{part:5s}: {X_part.shape[0]:3d} clips x {X_part.shape[1]} features")

# %% [markdown]
# Take the first training clip and a neuron with weights drawn from a seeded generator.
# Every intermediate value gets a label, so the graph is readable. The loss is the
# squared error $L = (a - t)^2$ between the neuron's output $a$ and the target $t$.

# %%
train_files = corpus.loc[split == "train", "file"].to_numpy()
x_clip, t_clip = X_train[0], y_train[0]
print(f"clip {train_files[0]}, target t = {t_clip:+.0f}")
print("standardised features:", np.round(x_clip, 3))

rng = np.random.default_rng(4)
w_init = rng.normal(0.0, 0.5, size=4)
b_init = 0.1


def neuron_loss(w_values, b_value, x_values, t):
    """Squared error of one tanh neuron, every intermediate value labelled."""
    total = b_value
    for i, (w_i, x_i) in enumerate(zip(w_values, x_values), start=1):
        product = w_i * x_i
        product.label = f"w{i}·x{i}"
        total = total + product
        total.label = f"n{i}"
    a = total.tanh()
    a.label = "a"
    error = a - Value(t, label="t")
    error.label = "a - t"
    loss = error**2
    loss.label = "L"
    return loss, a


xs = [Value(v, label=f"x{i}") for i, v in enumerate(x_clip, start=1)]
ws = [Value(v, label=f"w{i}") for i, v in enumerate(w_init, start=1)]
bias = Value(b_init, label="b")
loss, a = neuron_loss(ws, bias, xs, t_clip)
print(f"output a = {a.data:.4f}, loss L = {loss.data:.4f}")

# %% [markdown]
# This graph is wider than the page, so it is shown at full size. The loss is at the
# bottom; scroll sideways to reach the first inputs, at the top right.

# %%
graph = viz.draw_graph(loss, rankdir="TB", label="One tanh neuron on one clip")
HTML(graph.pipe(format="svg", encoding="utf-8"))

# %% [markdown]
# Every `grad` is 0 so far. Run the backward pass and draw the graph again. Each box now
# says how much the loss would change, per unit, if that one number changed.

# %%
loss.backward()
graph = viz.draw_graph(loss, rankdir="TB", label="After loss.backward()")
HTML(graph.pipe(format="svg", encoding="utf-8"))

# %% [markdown]
# Read the graph from the bottom. $\partial L / \partial L = 1$. The square passes
# $2(a - t)$ to `a - t`, and the subtraction passes it on unchanged to $a$. The `tanh`
# node multiplies by $1 - a^2$. From there, each sum passes the gradient unchanged to
# both inputs, and each product multiplies it by the *other* factor. That is why the
# gradient of $w_i$ equals $x_i$ times the gradient of the pre-activation.

# %% [markdown]
# ## Three checks of the gradients
#
# A gradient can be wrong and still make the loss go down for a while. So check the
# engine three ways.
#
# **1. The analytic derivative.** For one neuron with $n = w \cdot x + b$,
# $a = \tanh n$ and $L = (a - t)^2$, the chain rule written out in full gives
#
# $$
# \frac{\partial L}{\partial w_i} = 2 (a - t) (1 - a^2) \, x_i , \qquad
# \frac{\partial L}{\partial b} = 2 (a - t) (1 - a^2) .
# $$ (eq-04-neuron-grad)

# %%
engine_grads = np.array([w.grad for w in ws] + [bias.grad])
common = 2 * (a.data - t_clip) * (1 - a.data**2)
analytic_grads = np.append(common * x_clip, common)
np.testing.assert_allclose(engine_grads, analytic_grads, rtol=1e-12)
print("engine:  ", np.round(engine_grads, 4))
print("analytic:", np.round(analytic_grads, 4))

# %% [markdown]
# **2. Finite differences.** Nudge one parameter by $\pm\varepsilon$ and measure how the
# loss moves. The central difference
#
# $$
# \frac{\partial L}{\partial \theta} \approx
#   \frac{L(\theta + \varepsilon) - L(\theta - \varepsilon)}{2 \varepsilon}
# $$ (eq-04-central)
#
# has an error of order $\varepsilon^2$ and needs no calculus at all, only two forward
# passes per parameter. That is why nobody trains with it, and why everybody tests with
# it.

# %%
def loss_at(params):
    """Loss of the neuron on the clip for parameters (w1, ..., w4, b)."""
    w_values = [Value(v) for v in params[:-1]]
    x_values = [Value(v) for v in x_clip]
    value, _ = neuron_loss(w_values, Value(params[-1]), x_values, t_clip)
    return value.data


params = np.append(w_init, b_init)
eps = 1e-6
numeric_grads = np.array([
    (loss_at(params + eps * step) - loss_at(params - eps * step)) / (2 * eps)
    for step in np.eye(len(params))
])
np.testing.assert_allclose(engine_grads, numeric_grads, rtol=1e-6, atol=1e-9)
print("finite differences:", np.round(numeric_grads, 4))

# %% [markdown]
# **3. A reference engine.** micrograd's own neural-network module, `micrograd.nn`,
# builds neurons from `+`, `*`, `relu` and `sum`; its loss needs `-` and `**`. Your
# `Value` has all of these, so micrograd's `MLP` can run on it. Draw the same network
# twice with the same seed (micrograd draws its initial weights with
# `random.uniform`), swap every parameter of the second copy for one of your `Value`s,
# and compare all gradients of a hinge loss on eight clips. micrograd 0.1.0 has no
# `tanh` or `exp`, which is why checks 1 and 2 cover those.

# %%
def hinge_loss(model, rows, targets, alpha=0.0):
    """(hinge loss + alpha·sum of squared parameters, hinge loss alone)."""
    scores = [model(x) for x in rows]
    margins = [(1 - t * s).relu() for t, s in zip(targets, scores)]
    data_loss = sum(margins) * (1.0 / len(margins))
    if alpha:
        return data_loss + alpha * sum(p * p for p in model.parameters()), data_loss
    return data_loss, data_loss


random.seed(0)
reference = MLP(4, [4, 1])
random.seed(0)
mine = MLP(4, [4, 1])
for layer in mine.layers:
    for neuron in layer.neurons:
        neuron.w = [Value(w.data) for w in neuron.w]
        neuron.b = Value(neuron.b.data)

rows, targets = X_train[:8].tolist(), y_train[:8].tolist()
for name, net in [("micrograd", reference), ("yours", mine)]:
    total, _ = hinge_loss(net, rows, targets, alpha=1e-3)
    total.backward()
    print(f"{name:9s} loss {total.data:.4f}")
np.testing.assert_allclose(
    [p.grad for p in mine.parameters()],
    [p.grad for p in reference.parameters()],
    rtol=1e-10, atol=1e-12,
)
print(f"all {len(mine.parameters())} gradients agree with micrograd")

# %% [markdown]
# ```{note}
# **Vanishing gradients.** Every gradient that reaches the weights of a tanh neuron is
# multiplied by $1 - a^2$. When the pre-activation is large, $a$ is close to $\pm 1$
# and the factor is close to 0: the neuron is *saturated* and barely learns, right or
# wrong. Large weights on unscaled inputs cause it; so does depth, where such factors
# multiply layer after layer {cite}`glorot2010understanding`. The report drew a neuron
# with weights of −60 on features that were not standardised: its pre-activation was
# about −4, where $1 - a^2$ is below $10^{-3}$. Scale the weights of the neuron above
# and watch the gradient vanish:
# ```

# %%
print(" scale   a       1 - a²   |dL/dw| largest")
for scale in (1, 4, 16, 64):
    ws_scaled = [Value(scale * v) for v in w_init]
    value, a_scaled = neuron_loss(
        ws_scaled, Value(b_init), [Value(v) for v in x_clip], t_clip
    )
    value.backward()
    largest = max(abs(w.grad) for w in ws_scaled)
    print(f"{scale:6d} {a_scaled.data:7.4f} {1 - a_scaled.data**2:9.2e} {largest:9.2e}")

# %% [markdown]
# ## Training on the training split
#
# The report trained a two-hidden-layer network on four clips, two per speaker, and
# printed the training loss. Four clips cannot tell you whether a model works: a
# network with dozens of parameters fits them whatever they contain. You will train on
# all 192 training clips instead, watch the loss on the 24 validation clips, and score
# the final model once on the 24 test clips.
#
# The model is micrograd's `MLP(4, [4, 1])`: four inputs, one hidden layer of four ReLU
# neurons, and a linear output $s$, the *score*. A positive score means `slt`. The loss
# is the mean hinge loss $\max(0, 1 - t s)$ plus an L2 penalty
# $\alpha \sum_j \theta_j^2$ on all parameters, with $\alpha = 10^{-3}$. Each epoch
# shuffles the training clips and takes a gradient step {eq}`eq-04-update` per
# mini-batch of 32 clips.

# %%
def train(model, X, y, epochs, *, validation=None, batch_size=32, learning_rate=0.1,
          alpha=1e-3, seed=0):
    """Mini-batch gradient descent on the hinge loss; the hinge loss per epoch."""
    rows, targets = X.tolist(), y.tolist()
    if validation is not None:
        validation = (validation[0].tolist(), validation[1].tolist())

    def record(epoch, train_loss):
        row = {"epoch": epoch, "train": train_loss}
        if validation is not None:
            row["val"] = hinge_loss(model, *validation)[0].data
        return row

    shuffle = np.random.default_rng(seed)
    history = [record(0, hinge_loss(model, rows, targets)[0].data)]
    for epoch in range(1, epochs + 1):
        order = shuffle.permutation(len(rows))
        running = 0.0
        for first in range(0, len(order), batch_size):
            batch = order[first : first + batch_size]
            total, data_loss = hinge_loss(
                model, [rows[i] for i in batch], [targets[i] for i in batch], alpha
            )
            model.zero_grad()
            total.backward()
            for p in model.parameters():
                p.data -= learning_rate * p.grad
            running += data_loss.data * len(batch)
        history.append(record(epoch, running / len(rows)))
    return pd.DataFrame(history).set_index("epoch")


def scores_of(model, X):
    return np.array([model(x).data for x in X.tolist()])

# %% [markdown]
# The training loss of an epoch is the mean over its mini-batches, measured while the
# weights move; epoch 0 is the loss before any step. Both curves show the hinge loss
# without the penalty, so they can be compared.
#
# ```{warning}
# **Never report training accuracy.** Here is what the report's setting gives: its
# network, `MLP(4, [4, 4, 1])`, trained on two clips per speaker until it fits them.
# ```

# %%
four = list(np.flatnonzero(y_train < 0)[:2]) + list(np.flatnonzero(y_train > 0)[:2])
random.seed(0)
tiny = MLP(4, [4, 4, 1])
train(tiny, X_train[four], y_train[four], 100, batch_size=4, alpha=0.0)
train_accuracy = np.mean(np.sign(scores_of(tiny, X_train[four])) == y_train[four])
test_accuracy = np.mean(np.sign(scores_of(tiny, X_test)) == y_test)
print(f"4 training clips: training accuracy {train_accuracy:.3f}, "
      f"test accuracy {test_accuracy:.3f} on {len(y_test)} clips")

# %% [markdown]
# Perfect on the clips it was fitted to, a coin toss on new ones. A training score
# measures memory, not the ability to tell the speakers apart.
#
# Now the real run: 60 epochs on all 192 training clips.

# %%
random.seed(0)
model = MLP(4, [4, 1])
print(model)
print(f"{len(model.parameters())} parameters")
history = train(model, X_train, y_train, 60, validation=(X_val, y_val))
print(history.iloc[[0, 1, 10, 30, 60]].round(4).to_string())

# %%
fig, ax = plt.subplots(figsize=(7, 3.5))
ax.plot(history.index, history["train"], label="training (192 clips)")
ax.plot(history.index, history["val"], label="validation (24 clips)")
ax.set(
    title="Hinge loss of the micrograd MLP during training",
    xlabel="Epoch (6 mini-batch steps each)", ylabel="Mean hinge loss",
)
ax.legend()
plt.show()

# %% [markdown]
# Both losses fall quickly in the first ten epochs and slowly after; the training loss
# is still creeping down at epoch 60. The validation loss follows it: with 25
# parameters and 192 clips, the network has little room to memorise. It even sits a
# little lower, because 24 clips from 6 sentences are a small, noisy sample that
# happens to be easier.
#
# ## Test accuracy, with an interval
#
# Score the 24 test clips once. Twenty-four clips from six sentences make a shaky
# estimate, so report it with a cluster-bootstrap interval that resamples whole
# sentences (`evaluate.bootstrap_ci`, as in {doc}`03_classical_ml`).
#
# Compare with a logistic regression {cite}`pedregosa2011scikit` fitted on exactly
# the same standardised training features. `bootstrap_ci` expects a probability of
# `slt`, with label 1 above 0.5. The MLP gives a score instead; squash it with the
# logistic function $1 / (1 + e^{-s})$. That keeps the sign and the order of the
# scores, so accuracy and ROC AUC are right, but it is not a calibrated probability.

# %%
logreg = LogisticRegression().fit(X_train, y_train)
label_test = (y_test > 0).astype(int)
p_test = {
    "MLP 4-4-1 (micrograd)": 1 / (1 + np.exp(-scores_of(model, X_test))),
    "logistic regression": logreg.predict_proba(X_test)[:, 1],
}
records = []
for name, p in p_test.items():
    for metric in ("accuracy", "roc_auc"):
        point, low, high = evaluate.bootstrap_ci(
            label_test, p, metric, groups=groups_test, n_boot=2000, seed=0
        )
        records.append({"model": name, "metric": metric, "mean": point, "std": np.nan,
                     "low": low, "high": high, "n": 2000})
test_scores = pd.DataFrame(records)
for _, row in test_scores.iterrows():
    print(f"{row['model']:22s} {row['metric']:8s} {row['mean']:.3f} "
          f"[{row['low']:.3f}, {row['high']:.3f}]")

# %% [markdown]
# On these four numbers, the network is no better than logistic regression, and both
# intervals are wide. The report's four features carry too little about the voice for
# a non-linear model to find more; {doc}`02_features` showed that the MFCC summaries
# separate the speakers almost perfectly, even linearly.
#
# Add both rows to the course's results table.

# %%
for name in p_test:
    summary = test_scores[test_scores["model"] == name].set_index("metric")
    table = results.record(
        chapter="04", model=name, features="report4",
        summary=summary[["mean", "std", "low", "high", "n"]],
        evaluation="fixed test split, sentence bootstrap",
    )
results.results_table(table[table["chapter"] == "04"])

# %% [markdown]
# ## Starting from the logistic-regression weights
#
# The report had a good idea: start the network where logistic regression ended,
# instead of at random. Its code drew a neuron with those weights, but the training
# loop then built a fresh random `MLP`, so the weights never reached training. Here is
# a way to do it properly.
#
# Logistic regression computes a linear score $z = \beta \cdot x + \beta_0$. A network
# with a ReLU hidden layer is not linear, but it can hold a linear function exactly,
# because $z = \max(0, z) - \max(0, -z)$. So:
#
# - hidden neuron 1 gets weights $\beta$ and bias $\beta_0$: it outputs $\max(0, z)$;
# - hidden neuron 2 gets $-\beta$ and $-\beta_0$: it outputs $\max(0, -z)$;
# - the output neuron gets weights $(1, -1, 0, 0)$ and bias 0;
# - hidden neurons 3 and 4 keep their random weights. Their output weights start at 0,
#   so they do not change the score, but they receive gradients and can join in.
#
# The network then starts with exactly the logistic-regression scores.

# %%
random.seed(0)
model_lr = MLP(4, [4, 1])
hidden, output = model_lr.layers[0].neurons, model_lr.layers[1].neurons[0]
for neuron, sign in [(hidden[0], 1.0), (hidden[1], -1.0)]:
    for w, beta in zip(neuron.w, logreg.coef_[0]):
        w.data = sign * beta
    neuron.b.data = sign * logreg.intercept_[0]
for w, value in zip(output.w, [1.0, -1.0, 0.0, 0.0]):
    w.data = value
output.b.data = 0.0
np.testing.assert_allclose(
    scores_of(model_lr, X_test), logreg.decision_function(X_test), rtol=1e-10
)
history_lr = train(model_lr, X_train, y_train, 60, validation=(X_val, y_val))

# %%
fig, ax = plt.subplots(figsize=(7, 3.5))
for hist, name, color in [(history, "random start", "C0"),
                          (history_lr, "start at logistic regression", "C3")]:
    ax.plot(hist.index, hist["train"], color=color, label=f"{name}, training")
    ax.plot(hist.index, hist["val"], color=color, linestyle="--",
            label=f"{name}, validation")
ax.set(
    title="Same network, two starting points",
    xlabel="Epoch (6 mini-batch steps each)", ylabel="Mean hinge loss",
)
ax.legend(fontsize=9)
plt.show()

# %%
point, low, high = evaluate.bootstrap_ci(
    label_test, 1 / (1 + np.exp(-scores_of(model_lr, X_test))), "accuracy",
    groups=groups_test, n_boot=2000, seed=0,
)
print("                        random   LR start")
for epoch in (0, 5, 60):
    print(f"training loss, epoch {epoch:2d}  {history.loc[epoch, 'train']:.4f}   "
          f"{history_lr.loc[epoch, 'train']:.4f}")
print(f"validation loss, epoch 60  {history.loc[60, 'val']:.4f}   "
      f"{history_lr.loc[60, 'val']:.4f}")
print(f"test accuracy, LR start: {point:.3f} [{low:.3f}, {high:.3f}]")

# %% [markdown]
# The logistic-regression start is a head start on the training loss: it begins about
# where the random start is after 60 epochs, and it stays ahead. It does not carry
# over to new clips. The two validation losses end close together, and on the test
# clips the start at logistic regression gets one clip fewer right, far inside the
# intervals. On four numbers, neither starting point can find what the features do
# not contain.

# %% [markdown]
# ## Why a scalar engine is slow
#
# Every `+` and `*` above creates a Python object with a closure, for a single number.
# Count the nodes in the graph of one full pass over the training clips.

# %%
total, _ = hinge_loss(model, X_train.tolist(), y_train.tolist(), alpha=1e-3)
n_nodes = len(topological_order(total))
n_params = len(model.parameters())
print(f"one pass over {len(y_train)} clips: {n_nodes} graph nodes, "
      f"{n_nodes / len(y_train):.0f} per clip, for {n_params} parameters")

# %% [markdown]
# The same network in numpy works on whole arrays. With $Z = X W_1^\top + b_1$,
# $H = \max(0, Z)$ and scores $s = H w_2 + b_2$, the backward pass is the chain rule
# once per layer, with matrices:
#
# $$
# \bar{s} = -\frac{1}{N} \, t \odot \mathbb{1}[1 - t \odot s > 0], \quad
# \bar{w}_2 = H^\top \bar{s}, \quad
# \bar{Z} = (\bar{s} \, w_2^\top) \odot \mathbb{1}[Z > 0], \quad
# \bar{W}_1 = \bar{Z}^\top X ,
# $$ (eq-04-matrix-backward)
#
# where a bar means $\partial L / \partial(\cdot)$, $\bar{b}_2 = \sum_k \bar{s}_k$,
# $\bar{b}_1$ sums $\bar{Z}$ over the clips, and the penalty adds $2 \alpha \theta$ to
# each gradient. Check it against micrograd on the same weights.

# %%
def numpy_loss_and_grads(W1, b1, w2, b2, X, t, alpha):
    """Hinge loss + L2 of the MLP and its gradients, for all clips at once."""
    Z = X @ W1.T + b1
    H = np.maximum(Z, 0.0)
    s = H @ w2 + b2
    margin = 1.0 - t * s
    loss = np.maximum(margin, 0.0).mean()
    loss += alpha * sum(np.sum(p**2) for p in (W1, b1, w2, b2))
    s_bar = -t * (margin > 0) / len(t)
    Z_bar = np.outer(s_bar, w2) * (Z > 0)
    grads = (Z_bar.T @ X + 2 * alpha * W1, Z_bar.sum(axis=0) + 2 * alpha * b1,
             H.T @ s_bar + 2 * alpha * w2, s_bar.sum() + 2 * alpha * b2)
    return loss, grads


neurons = model.layers[0].neurons
W1 = np.array([[w.data for w in n.w] for n in neurons])
b1 = np.array([n.b.data for n in neurons])
w2 = np.array([w.data for w in model.layers[1].neurons[0].w])
b2 = model.layers[1].neurons[0].b.data

model.zero_grad()
total.backward()
loss_np, (gW1, gb1, gw2, gb2) = numpy_loss_and_grads(
    W1, b1, w2, b2, X_train, y_train, 1e-3
)
grads_np = np.concatenate([np.column_stack([gW1, gb1]).ravel(), gw2, [gb2]])
np.testing.assert_allclose(total.data, loss_np, rtol=1e-12)
np.testing.assert_allclose([p.grad for p in model.parameters()], grads_np,
                           rtol=1e-9, atol=1e-12)
print(f"numpy loss {loss_np:.4f}; all {grads_np.size} gradients equal micrograd's")

# %% [markdown]
# Now time one epoch's worth of work, a forward and backward pass over the 192
# training clips, both ways.
#
# One more cost hides in micrograd. Every `Value` holds a closure that refers back to
# the `Value`: a reference cycle. Python frees cycles only with its *cycle collector*,
# which runs again and again while a pass creates thousands of objects. `timeit` pauses
# the collector while it measures, so time micrograd both ways. The timings change from
# run to run and machine to machine, so the tests ignore this cell's output.

# %% tags=["nbval-ignore-output"]
def micrograd_pass():
    total, _ = hinge_loss(model, X_train.tolist(), y_train.tolist(), alpha=1e-3)
    model.zero_grad()
    total.backward()


def numpy_pass():
    numpy_loss_and_grads(W1, b1, w2, b2, X_train, y_train, 1e-3)


seconds_numpy = min(timeit.repeat(numpy_pass, number=200, repeat=3)) / 200
print(f"{'numpy:':30s}{1e3 * seconds_numpy:8.3f} ms per pass")
for collector, setup in [("running", "gc.enable()"), ("paused", "pass")]:
    seconds = min(timeit.repeat(micrograd_pass, setup=setup, number=1, repeat=3))
    name = f"micrograd, collector {collector}:"
    print(f"{name:30s}{1e3 * seconds:8.1f} ms per pass, "
          f"{seconds / seconds_numpy:5.0f} times slower")

# %% [markdown]
# On the machines this course was tested on, numpy was a few hundred to several
# thousand times faster, depending on the machine, its load, and whether the collector
# ran. The exact number does not matter; the order of magnitude does. The arithmetic is
# the same; the difference is overhead.
# micrograd pays for a Python object, a closure and a few dictionary lookups for every
# single multiplication, then walks the graph node by node, and the collector scans
# the objects again and again. numpy makes one call per layer and runs the loops in
# compiled code.
#
# At a thousand times, one second of numpy becomes a quarter of an hour of micrograd,
# and the gap grows with the model. A spectrogram has tens of thousands of numbers per
# clip, and a small convolutional network has thousands of weights. The engine you
# built computes the right gradients with the same algorithm the big libraries use, but
# they apply it to whole arrays at once. That is why the next chapters use a tensor
# library.

# %% [markdown]
# ## Summary
#
# - Backpropagation is the chain rule applied node by node, from the loss back to the
#   parameters; each operation only needs its local derivative.
# - Gradients add up over every use of a value, so a node may pass its gradient on
#   only when it is complete: the backward pass follows a reversed topological order.
# - Check gradients three ways: the analytic formula, central finite differences, and
#   a reference implementation.
# - On the report's four features, an MLP trained on all 192 training clips does no
#   better than logistic regression on the held-out test clips; starting it from the
#   logistic-regression weights is a head start, not a better model.
# - Training accuracy measures memory: four clips are fitted perfectly and predict new
#   clips at chance.
# - A scalar engine spends its time on Python overhead, one object per operation:
#   numpy does the same work hundreds to thousands of times faster.

# %% [markdown]
# ## Exercises
#
# **1. A logistic loss.** Add `log` to `Value` (local derivative $1/x$) and check it
# with a central difference. Then write the logistic loss
# $\log(1 + e^{-t s})$ with your operations and check its gradient with respect to $s$
# against the formula $-t / (1 + e^{t s})$.
#
# ````{admonition} Solution
# :class: dropdown
# ```python
# def log(self):
#     out = Value(math.log(self.data), (self,), "log")
#
#     def _backward():
#         self.grad += out.grad / self.data
#
#     out._backward = _backward
#     return out
#
#
# Value.log = log
# for s0, t in [(0.7, 1.0), (-1.2, 1.0), (0.4, -1.0)]:
#     s = Value(s0)
#     loss = (1 + (-t * s).exp()).log()
#     loss.backward()
#     np.testing.assert_allclose(s.grad, -t / (1 + math.exp(t * s0)), rtol=1e-12)
#     eps = 1e-6
#     numeric = (math.log(1 + math.exp(-t * (s0 + eps)))
#                - math.log(1 + math.exp(-t * (s0 - eps)))) / (2 * eps)
#     np.testing.assert_allclose(s.grad, numeric, rtol=1e-6)
# print("log and the logistic loss pass both checks")
# ```
# ````
#
# **2. Calling backward twice.** Build $L = (ab + c) f$ from the start of the chapter,
# call `L.backward()` twice and print `a.grad` after each call. Explain the second
# number. Why does micrograd need `model.zero_grad()` before every step?
#
# ````{admonition} Solution
# :class: dropdown
# The first call gives `a.grad = 6`, the second 24: not even double. The second call
# sets `L.grad` to 1 again, but every other node still holds its gradient from the
# first call, and each `_backward` adds to it. `d.grad` goes from $-2$ to $-4$, so
# `e.grad` becomes $-2 + (-4) = -6$, and `a.grad` becomes $6 + b \cdot (-6) = 24$.
# In training, the graph is rebuilt at every step, but the parameters are the same
# `Value` objects, so without `zero_grad()` each step would add the new gradient to all
# the old ones. Adding on purpose is useful too: summing the gradients of several
# small batches before one step (*gradient accumulation*) imitates a larger batch.
#
# ```python
# a, b, c, f = Value(2.0), Value(-3.0), Value(10.0), Value(-2.0)
# L = (a * b + c) * f
# L.backward()
# print(a.grad)
# L.backward()
# print(a.grad)
# ```
# ````
#
# **3. Train with numpy.** Train the same network with `numpy_loss_and_grads`: start
# from the weights of a fresh `MLP(4, [4, 1])` drawn after `random.seed(0)`, and take
# 2000 full-batch gradient steps with learning rate 0.1 and $\alpha = 10^{-3}$. How
# long does it take? Does the longer training change the validation loss, or the test
# accuracy by more than the bootstrap interval?
#
# ````{admonition} Solution
# :class: dropdown
# It takes a fraction of a second for 2000 passes over all 192 clips, where
# micrograd needed many seconds for 60. The training loss settles within about a
# thousand steps, and the validation loss ends near 0.64, close to the micrograd run.
# Test accuracy moves by a clip or two, inside the interval above: with these four
# features, more training does not buy a clearly better model.
#
# ```python
# random.seed(0)
# fresh = MLP(4, [4, 1])
# params = [
#     np.array([[w.data for w in n.w] for n in fresh.layers[0].neurons]),
#     np.array([n.b.data for n in fresh.layers[0].neurons]),
#     np.array([w.data for w in fresh.layers[1].neurons[0].w]),
#     fresh.layers[1].neurons[0].b.data,
# ]
# start = timeit.default_timer()
# for step in range(2000):
#     loss, grads = numpy_loss_and_grads(*params, X_train, y_train, 1e-3)
#     params = [p - 0.1 * g for p, g in zip(params, grads)]
# print(f"{timeit.default_timer() - start:.2f} s, training loss {loss:.4f}")
# val_loss, _ = numpy_loss_and_grads(*params, X_val, y_val, 0.0)
# W1_, b1_, w2_, b2_ = params
# scores = np.maximum(X_test @ W1_.T + b1_, 0.0) @ w2_ + b2_
# print(f"validation loss {val_loss:.4f}, "
#       f"test accuracy {np.mean(np.sign(scores) == y_test):.3f}")
# ```
# ````

# %% [markdown]
# ## Further reading
#
# - {cite}`karpathy2020micrograd` is the engine this chapter rebuilds; its README and
#   the accompanying video lecture build it step by step.
# - {cite}`rumelhart1986learning` made backpropagation the standard way to train
#   networks with hidden layers.
# - {cite}`griewank2008evaluating` is the reference on automatic differentiation,
#   forward and reverse mode; {cite}`baydin2018automatic` is a readable survey of how
#   machine learning uses it.
# - {cite}`glorot2010understanding` studies why deep networks of saturating units
#   such as tanh are hard to train, and proposes the initialisation named after Glorot.
