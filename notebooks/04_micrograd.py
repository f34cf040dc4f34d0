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
# **Time:** about 75 minutes (the notebook runs in about 1 min).
#
# **By the end you can:**
#
# - write a scalar autograd engine and run its backward pass in topological order;
# - check a gradient three ways: the analytic formula, a central finite difference,
#   a reference implementation;
# - show in code why a network needs a non-linearity, how sigmoid and softmax (with
#   their cross-entropies) relate, and what Adam adds to gradient descent;
# - train a small network and report its test accuracy with an interval, never its
#   training accuracy.
#
# **Where this sits:** after {doc}`03_classical_ml`, before {doc}`05_mel`, which
# replaces the hand-made features with the mel spectrogram and the scalar engine with
# a tensor library.
#
# The report rebuilt *micrograd* {cite}`karpathy2020micrograd`, a scalar autograd
# engine, and trained it on four clips. You build and check your own, then train on
# the whole training split.

# %% tags=["remove-cell"]
import sys

if "google.colab" in sys.modules:
    # %pip install -q "voicelab @ git+https://github.com/voicelab-course/voicelab"

# %%
import math
import random
import timeit

import graphviz
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from IPython.display import HTML
from micrograd.nn import MLP
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

from voicelab import data, evaluate, features, results
from voicelab.glue import glue

# %% [markdown]
# ## The idea: numbers that remember where they came from
#
# Training changes a model's parameters so that a loss goes down. To know which way
# to move a parameter, you need the *derivative* of the loss with respect to it: how
# much the loss moves when the parameter moves a little. With the learning rate
# $\eta$, gradient descent updates every parameter $w$ by
#
# $$
# w \leftarrow w - \eta \, \frac{\partial L}{\partial w} .
# $$ (eq-04-update)
#
# *Backpropagation* {cite}`rumelhart1986learning` gets all these derivatives at once.
# It records every operation while the loss is computed (the *forward pass*), then
# walks the record backwards, applying the chain rule at each step (the *backward
# pass*): reverse-mode automatic differentiation {cite}`griewank2008evaluating`.
#
# The record is a *computation graph*. Each node holds one number (`data`), the
# operation that made it (`_op`), the nodes it was made from (`_prev`) and, after the
# backward pass, `grad`: the derivative of the final loss with respect to that node.

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
# The factor $\partial z / \partial x$ is the *local derivative*: it depends only on
# the operation and its inputs. For a sum $z = x + y$ both local derivatives are 1.
# For a product $z = x y$ they are $\partial z / \partial x = y$ and
# $\partial z / \partial y = x$.
#
# So each operation needs only its own local derivatives. Start with a class that can
# add and multiply: each operation returns a new `Value` whose `_backward` pushes the
# output's gradient to its inputs with {eq}`eq-04-chain`.

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
# A plain number is wrapped in a `Value`, so that `w * 2.0` works. The gradient is
# *added* (`+=`), never assigned: you will see why soon. `_prev` is a tuple, so the
# operands keep their order (micrograd uses a set).
#
# ## Drawing the graph
#
# `draw_dot` draws, with Graphviz, a box per value (label, data, grad) and an ellipse
# per operation. It names the nodes `v0`, `v1`, … depth-first from the output, so the
# drawing is the same in every run (names from `id()` would change).

# %%
def draw_dot(root, title=""):
    """Draw the graph below ``root``: a box per value, an ellipse per operation."""
    order, stack = [], [root]
    while stack:  # depth-first, operands in their recorded order
        node = stack.pop()
        if not any(node is seen for seen in order):
            order.append(node)
            stack.extend(reversed(node._prev))

    def name(node):
        return f"v{next(i for i, seen in enumerate(order) if seen is node)}"

    dot = graphviz.Digraph(graph_attr={"rankdir": "TB", "label": title,
                                       "labelloc": "t"})
    for node in order:
        box = f"{node.label} | data {node.data:.4f} | grad {node.grad:.4f}"
        dot.node(name(node), box, shape="record")
        if node._op:
            dot.node(name(node) + "op", node._op, shape="ellipse")
            dot.edge(name(node) + "op", name(node))
            for child in node._prev:
                dot.edge(name(child), name(node) + "op")
    return dot


def counts(dot):
    """(boxes, ellipses, arrows) of a drawing: what the tests compare, not the SVG."""
    return tuple(dot.source.count(s) for s in ("shape=record", "shape=ellipse", "->"))


# %% [markdown]
# The picture depends on the Graphviz version, so each drawing cell asserts the
# graph's structure. Inputs sit at the top, the result at the bottom.

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
dot = draw_dot(L, "L = (a·b + c)·f, forward pass only")
assert counts(dot) == (7, 3, 9)  # a, b, c, d, e, f, L; *, +, *; 6 operands + 3
assert "L | data -8.0000 | grad 0.0000" in dot.source
dot

# %% [markdown]
# ### Backward by hand
#
# The derivative of $L$ with respect to itself is 1. Then call each operation's
# `_backward`, starting from the output, so that every node has its full gradient
# before it passes it on.

# %%
L.grad = 1.0
L._backward()
d._backward()
e._backward()
print(f"dL/da = {a.grad:.1f}, dL/db = {b.grad:.1f}, "
      f"dL/dc = {c.grad:.1f}, dL/df = {f.grad:.1f}")

# %% [markdown]
# Check against the direct derivatives of $L = (ab + c) f$:
# $\partial L / \partial a = b f$, $\partial L / \partial b = a f$,
# $\partial L / \partial c = f$ and $\partial L / \partial f = ab + c$.

# %%
np.testing.assert_allclose(
    [a.grad, b.grad, c.grad, f.grad],
    [b.data * f.data, a.data * f.data, f.data, a.data * b.data + c.data],
)
dot = draw_dot(L, "L = (a·b + c)·f, after the backward pass")
assert counts(dot) == (7, 3, 9)
assert "a | data 2.0000 | grad 6.0000" in dot.source
dot

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
# pass: a node may pass its gradient on only once **all** its users have added their
# part. That is a *topological order* of the graph, read backwards.
#
# Take $h = ab$ and $L = h + h^2$, where $h$ is used twice. With $a = 2$ and $b = -1$,
# $h = -2$, $\partial L / \partial h = 1 + 2h = -3$, so
# $\partial L / \partial a = -3b = 3$ and $\partial L / \partial b = -3a = -6$. A
# natural but wrong order is *breadth-first*: nodes in the order first reached from
# the output.

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
# from $L$ and passed $\partial L / \partial h = 1$ to $a$ and $b$ before $u$ had
# added its part, $2h = -4$.
#
# A depth-first walk that appends a node after all its inputs gives a topological
# order. Reversed, each node's gradient is complete when its turn comes.

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
dot = draw_dot(L, "h is used three times: three arrows leave it")
assert counts(dot) == (5, 3, 9)  # a, b, h, u, L; *, *, +
assert dot.source.count("v1 -> ") == 3  # v1 is h
dot

# %% [markdown]
# `h * h` uses $h$ twice in *one* operation. The two `+=` lines in `__mul__` add
# $h \cdot \bar{u}$ twice: the $2h$ of the power rule. With `=`, the second line
# would overwrite the first.

# %% [markdown]
# ## Enough operations for a neuron
#
# A neuron computes $a = \tanh(w \cdot x + b)$; a squared-error loss needs a
# subtraction and a square. Each operation's local derivative becomes one `_backward`.
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
# That column is all the engine knows about calculus. The $\tanh$ and exponential
# rows reuse the forward pass's output $z$.

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
# `sum(values)`, which starts from 0. The reflected operations just swap operands.

# %%
Value.__radd__ = lambda self, other: _value(other) + self
Value.__rmul__ = lambda self, other: _value(other) * self
Value.__rsub__ = lambda self, other: _value(other) - self
Value.__rtruediv__ = lambda self, other: _value(other) / self

x = Value(0.5)
print(2 + x, 2 * x, 2 - x, 2 / x, sep="\n")

# %% [markdown]
# A first test: $\tanh x = (e^{2x} - 1) / (e^{2x} + 1)$. Built that way, the graph
# uses `*`, `exp`, `-`, `+` and `/` instead of one `tanh` node, and must give the same
# value and gradient.

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
# The features are the report's four numbers from {doc}`02_features`: the mean and
# standard deviation of each clip's RMS and zero-crossing rate. The corpus has a fixed
# split by sentence: {glue:text}`n_train` clips to train on, {glue:text}`n_val` to
# validate and {glue:text}`n_test` to test.
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
glue("n_train", len(y_train))
glue("n_val", len(y_val))
glue("n_test", len(y_test))
glue("n_test_sentences", len(set(groups_test)))
print("speakers (t = -1, +1):", data.SPEAKERS)
print("features:", feature_names)
for part, X_part in [("train", X_train), ("val", X_val), ("test", X_test)]:
    print(f"{part:5s}: {X_part.shape[0]:3d} clips x {X_part.shape[1]} features")

# %% [markdown]
# Take the first training clip and a neuron with seeded random weights, every
# intermediate value labelled. The loss is the squared error $L = (a - t)^2$ between
# the neuron's output $a$ and the target $t$.

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
loss.backward()
print(f"output a = {a.data:.4f}, loss L = {loss.data:.4f}")

# %% [markdown]
# After `loss.backward()`, each box's grad says how much the loss changes per unit
# change of that number. The graph is wider than the page: scroll sideways to reach
# the first inputs.

# %%
dot = draw_dot(loss, "One tanh neuron on one clip, after loss.backward()")
# 4 x, 4 w, b, 4 products, 4 sums, a, t, a - t, L; ops: 4 *, 4 +, tanh, -, **2
assert counts(dot) == (21, 11, 31)  # 20 operands + 11
assert "L | data 3.3530 | grad 1.0000" in dot.source
HTML(dot.pipe(format="svg", encoding="utf-8"))

# %% [markdown]
# Read the graph from the bottom. $\partial L / \partial L = 1$. The square passes
# $2(a - t)$ to `a - t`, and the subtraction passes it on unchanged to $a$. The `tanh`
# node multiplies by $1 - a^2$. From there, each sum passes the gradient unchanged to
# both inputs, and each product multiplies it by the *other* factor. So the gradient
# of $w_i$ is $x_i$ times that of the pre-activation.

# %% [markdown]
# ## Three checks of the gradients
#
# A wrong gradient can still make the loss go down for a while. So check the engine
# three ways.
#
# **1. The analytic derivative.** For one neuron with $n = w \cdot x + b$,
# $a = \tanh n$ and $L = (a - t)^2$, the chain rule gives
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
# **2. Finite differences.** Nudge one parameter by $\pm\varepsilon$ and see how the
# loss moves. The central difference
#
# $$
# \frac{\partial L}{\partial \theta} \approx
#   \frac{L(\theta + \varepsilon) - L(\theta - \varepsilon)}{2 \varepsilon}
# $$ (eq-04-central)
#
# has an error of order $\varepsilon^2$ and needs no calculus, only two forward passes
# per parameter: too slow to train with, ideal to test with.

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
# **3. A reference engine.** micrograd's `MLP` needs only `+`, `*`, `relu`, `-` and
# `**`, which your `Value` has. Draw the same network twice with the same seed, swap
# every parameter of the second copy for one of your `Value`s, and compare all
# gradients of a hinge loss (defined below) on eight clips. micrograd 0.1.0 has no
# `tanh` or `exp`: checks 1 and 2 cover those.

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
# multiplied by $1 - a^2$. When the pre-activation is large, $a$ is close to $1$ or
# $-1$ and the factor is close to 0: the neuron is *saturated* and barely learns.
# Large weights on unscaled inputs cause it; so does depth, where such factors
# multiply layer after layer {cite}`glorot2010understanding`.
# ```
#
# The report's neuron had weights of −60 on unstandardised features. From the numbers
# it printed, its pre-activation on the first clip was
# {glue:text}`report_preact:.1f`, where $1 - a^2$ is only
# {glue:text}`report_slope:.1e`. Scale up the weights of the neuron above and watch
# its gradient vanish too.

# %%
x_report = [0.04541743, 0.03822615, 0.06952448, 0.09237615]  # report's first clip
w_report, b_report = [0.0, -60.0, -60.0, 0.0], 2.0
n_report = sum(w * x for w, x in zip(w_report, x_report)) + b_report
slope_report = 1 - math.tanh(n_report) ** 2
print(f"report's neuron: n = {n_report:.3f}, 1 - a² = {slope_report:.2e}")
assert -4.6 < n_report < -4.4 and slope_report < 1e-3
glue("report_preact", round(n_report, 2))
glue("report_slope", float(f"{slope_report:.2e}"))

print(" scale   a       1 - a²   |dL/dw| largest")
for scale in (1, 2, 4, 8):
    ws_scaled = [Value(scale * v) for v in w_init]
    value, a_scaled = neuron_loss(
        ws_scaled, Value(b_init), [Value(v) for v in x_clip], t_clip
    )
    value.backward()
    largest = max(abs(w.grad) for w in ws_scaled)
    print(f"{scale:6d} {a_scaled.data:7.4f} {1 - a_scaled.data**2:9.2e} {largest:9.2e}")

# %% [markdown]
# ## Why a network needs a non-linearity
#
# Stack two linear layers, $h = W_1 x + b_1$ and $s = W_2 h + b_2$, and substitute:
#
# $$
# s = W_2 (W_1 x + b_1) + b_2 = (W_2 W_1) \, x + (W_2 b_1 + b_2) .
# $$ (eq-04-collapse)
#
# That is one linear layer again: however many you stack, the model draws only a flat
# boundary between the speakers, like logistic regression. A non-linearity between
# the layers breaks the collapse. The ReLU, $\max(0, z)$, is enough: two ReLU neurons
# make $|x| = \max(0, x) + \max(0, -x)$, a bend no straight line can follow.

# %%
rng = np.random.default_rng(0)
W_in, b_in = rng.normal(size=(4, 4)), rng.normal(size=4)
W_out, b_out = rng.normal(size=(1, 4)), rng.normal(size=1)
X_demo = rng.normal(size=(6, 4))
two_layers = (X_demo @ W_in.T + b_in) @ W_out.T + b_out
one_layer = X_demo @ (W_out @ W_in).T + (W_out @ b_in + b_out)
np.testing.assert_allclose(two_layers, one_layer, rtol=1e-10)
print("two stacked linear layers = one linear layer")

x_line = np.array([-1.0, 0.0, 1.0])
design = np.column_stack([x_line, np.ones_like(x_line)])
_, residual, *_ = np.linalg.lstsq(design, np.abs(x_line))
two_relus = np.maximum(x_line, 0) + np.maximum(-x_line, 0)
np.testing.assert_array_equal(two_relus, np.abs(x_line))
assert residual[0] > 0.5
print(f"|x| at -1, 0, 1: best straight line misses by {residual[0]:.3f} "
      "(sum of squares); two ReLUs by 0")

# %% [markdown]
# micrograd's `MLP` does this: hidden neurons end with a ReLU, and the output neuron
# stays linear, so its output can be any score.

# %% [markdown]
# ## Training on the training split
#
# Train on all {glue:text}`n_train` training clips, watch the loss on the
# {glue:text}`n_val` validation clips, and score the final model once on the
# {glue:text}`n_test` test clips.
#
# The model is micrograd's `MLP(4, [4, 1])`: four inputs, one hidden layer of four ReLU
# neurons, and a linear output $s$, the *score*. A positive score means `slt`. The loss
# is the mean hinge loss $\max(0, 1 - t s)$ plus an L2 penalty
# $\alpha \sum_j \theta_j^2$ on all parameters, with $\alpha = 10^{-3}$. Each epoch
# shuffles the training clips and takes a step {eq}`eq-04-update` per mini-batch of
# 32 clips.

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
# An epoch's training loss averages its mini-batches while the weights move; epoch 0
# is before any step. Neither curve includes the penalty.
#
# ```{warning}
# **Never report training accuracy.** Here is the report's setting: its network,
# `MLP(4, [4, 4, 1])`, trained on two clips per speaker until it fits them.
# ```

# %%
four = list(np.flatnonzero(y_train < 0)[:2]) + list(np.flatnonzero(y_train > 0)[:2])
random.seed(0)
tiny = MLP(4, [4, 4, 1])
train(tiny, X_train[four], y_train[four], 100, batch_size=4, alpha=0.0)
train_accuracy = np.mean(np.sign(scores_of(tiny, X_train[four])) == y_train[four])
test_accuracy = np.mean(np.sign(scores_of(tiny, X_test)) == y_test)
glue("tiny_test_acc", round(test_accuracy, 3))
print(f"4 training clips: training accuracy {train_accuracy:.3f}, "
      f"test accuracy {test_accuracy:.3f} on {len(y_test)} clips")
assert train_accuracy == 1.0 and test_accuracy < 0.7

# %% [markdown]
# Perfect on the clips it was fitted to, {glue:text}`tiny_test_acc:.3f` on new ones:
# close to a coin toss. A training score measures memory.
#
# Now the real run: 60 epochs on all {glue:text}`n_train` training clips.

# %%
random.seed(0)
model = MLP(4, [4, 1])
for layer in model.layers:
    print(layer)
print(f"{len(model.parameters())} parameters")
glue("n_params", len(model.parameters()))
history = train(model, X_train, y_train, 60, validation=(X_val, y_val))
print(history.iloc[[0, 1, 10, 30, 60]].round(4).to_string())
assert history["val"].iloc[-1] < history["val"].iloc[0] - 0.2
assert history["val"].iloc[-1] < history["train"].iloc[-1]

# %%
fig, ax = plt.subplots(figsize=(7, 3.5))
ax.plot(history.index, history["train"], label="training")
ax.plot(history.index, history["val"], label="validation")
ax.set(
    title="Hinge loss of the micrograd MLP during training",
    xlabel="Epoch (6 mini-batch steps each)", ylabel="Mean hinge loss",
)
ax.legend()
plt.show()

# %% [markdown]
# Both losses fall quickly, then slowly. With {glue:text}`n_params` parameters for
# {glue:text}`n_train` clips, the network has little room to memorise, so the
# validation loss follows the training loss. It even sits a little lower: its
# {glue:text}`n_val` clips happen to be easier.
#
# ## Test accuracy, with an interval
#
# Score the {glue:text}`n_test` test clips once. They come from only
# {glue:text}`n_test_sentences` sentences, so report a cluster-bootstrap interval over
# whole sentences (`evaluate.bootstrap_ci`, as in {doc}`03_classical_ml`). Compare
# with a logistic regression {cite}`pedregosa2011scikit` on the same features.
# `bootstrap_ci` expects a probability of `slt`: squash the MLP's score with the
# logistic function $1 / (1 + e^{-s})$. That keeps the scores' order, so accuracy and
# ROC AUC are right, but it is no calibrated probability.

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
accuracy = test_scores[test_scores["metric"] == "accuracy"].set_index("model")
mlp, lr = accuracy.loc["MLP 4-4-1 (micrograd)"], accuracy.loc["logistic regression"]
assert lr["low"] <= mlp["mean"] <= lr["high"]
assert mlp["low"] <= lr["mean"] <= mlp["high"]
for key, row in [("mlp", mlp), ("lr", lr)]:
    for column in ("mean", "low", "high"):
        glue(f"{key}_acc_{column}", round(row[column], 3))

# %% [markdown]
# On these four numbers, the network is no better than logistic regression: its test
# accuracy is {glue:text}`mlp_acc_mean:.3f` [{glue:text}`mlp_acc_low:.3f`,
# {glue:text}`mlp_acc_high:.3f`], against {glue:text}`lr_acc_mean:.3f`
# [{glue:text}`lr_acc_low:.3f`, {glue:text}`lr_acc_high:.3f`], and each lies inside the
# other's interval. The four features carry too little about the voice for a
# non-linear model to find more; in {doc}`02_features`, the MFCC summaries separate
# the speakers almost perfectly, even linearly.
#
# Add both rows to the results table.

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
# ## From a score to a probability: sigmoid, softmax, cross-entropy
#
# The logistic function above is the *sigmoid*, $\sigma(s) = 1 / (1 + e^{-s})$. It
# turns one score into $p = P(\text{slt})$ and pairs with the *binary cross-entropy*
# (logistic regression's loss), for a label $y \in \{0, 1\}$:
#
# $$
# L_\text{binary} = -\left[ y \log p + (1 - y) \log (1 - p) \right] .
# $$ (eq-04-bce)
#
# With $K$ classes, a network outputs $K$ scores $z_k$, the *logits*, and the
# *softmax* turns them into probabilities that sum to 1. It pairs with the
# *categorical cross-entropy*, minus the log-probability of the true class:
#
# $$
# p_k = \frac{e^{z_k}}{\sum_j e^{z_j}} , \qquad L_\text{categorical} = -\log p_y .
# $$ (eq-04-softmax)
#
# For two classes they are the same thing. Divide the top and bottom of $p_1$ by
# $e^{z_1}$: $p_1 = 1 / (1 + e^{-(z_1 - z_0)}) = \sigma(z_1 - z_0)$. A 2-class softmax
# is the sigmoid of the logit difference: the MLP's score $s$ is the logits $(0, s)$
# in disguise.

# %%
def sigmoid(s):
    return 1 / (1 + np.exp(-s))


def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))  # shift: no overflow, same result
    return e / e.sum(axis=1, keepdims=True)


s_test = scores_of(model, X_test)
logits = np.column_stack([np.zeros_like(s_test), s_test])
p_soft, p_sig = softmax(logits), sigmoid(s_test)
np.testing.assert_allclose(p_soft[:, 1], p_sig, rtol=1e-12)
np.testing.assert_allclose(softmax(logits + 3.0), p_soft, rtol=1e-12)

categorical = -np.log(p_soft[np.arange(len(label_test)), label_test])
binary = -(label_test * np.log(p_sig) + (1 - label_test) * np.log(1 - p_sig))
np.testing.assert_allclose(categorical, binary, rtol=1e-10)
print(f"softmax of (0, s) = sigmoid(s) on all {len(s_test)} test clips; "
      "the two cross-entropies agree")

# %% [markdown]
# Use sigmoid with binary cross-entropy for one output, softmax with categorical
# cross-entropy for $K$ outputs (Keras: `binary_crossentropy`,
# `sparse_categorical_crossentropy`). Both give the score the gradient $p - y$
# (exercise 1).
#
# ## What Adam adds to gradient descent
#
# Gradient descent {eq}`eq-04-update` uses one learning rate for every parameter.
# That hurts when the loss is steep in one direction and flat in another: the steep
# direction limits $\eta$, and the flat one crawls. Adam {cite}`kingma2015adam` keeps
# two running averages per parameter, with the gradient $g$ at step $k$:
#
# $$
# \begin{aligned}
# m &\leftarrow \beta_1 m + (1 - \beta_1) g , \qquad
#   v \leftarrow \beta_2 v + (1 - \beta_2) g^2 , \\
# \theta &\leftarrow \theta - \eta \,
#   \frac{m / (1 - \beta_1^k)}{\sqrt{v / (1 - \beta_2^k)} + \epsilon} .
# \end{aligned}
# $$ (eq-04-adam)
#
# $m$ is *momentum*: a running mean of the gradients, which keeps a steady direction
# and averages out zig-zags. $v$ is a running mean of the squared gradients: dividing
# by its root gives each parameter a step of about $\eta$, whatever the scale of its
# gradient. The divisions by $1 - \beta^k$ correct for starting at 0. Try both on
# $L = \frac{1}{2}(\theta_1^2 + 100\,\theta_2^2)$, 100 times more curved in
# $\theta_2$ than in $\theta_1$.

# %%
curvature = np.array([1.0, 100.0])


def quadratic(theta):
    return 0.5 * np.sum(curvature * theta**2), curvature * theta  # loss, gradient


def gradient_descent(theta, steps, learning_rate):
    path = [theta]
    for _ in range(steps):
        theta = theta - learning_rate * quadratic(theta)[1]
        path.append(theta)
    return np.array(path)


def adam(theta, steps, learning_rate, beta1=0.9, beta2=0.999, epsilon=1e-8):
    m, v, beta1_k, beta2_k = np.zeros_like(theta), np.zeros_like(theta), 1.0, 1.0
    path = [theta]
    for _ in range(steps):
        g = quadratic(theta)[1]
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g**2
        beta1_k, beta2_k = beta1_k * beta1, beta2_k * beta2
        step = (m / (1 - beta1_k)) / (np.sqrt(v / (1 - beta2_k)) + epsilon)
        theta = theta - learning_rate * step
        path.append(theta)
    return np.array(path)


start = np.array([1.0, 1.0])
paths = {"gradient descent, η = 0.019": gradient_descent(start, 100, 0.019),
         "Adam, η = 0.1": adam(start, 100, 0.1)}
too_fast = gradient_descent(start, 100, 0.021)
print("step " + "".join(f"{name:>30s}" for name in paths) + "   (loss)")
for k in (0, 10, 50, 100):
    print(f"{k:4d} " + "".join(f"{quadratic(p[k])[0]:30.3g}" for p in paths.values()))
losses = [quadratic(p[-1])[0] for p in paths.values()]
assert losses[1] < losses[0] / 10 and quadratic(too_fast[-1])[0] > 1e3
glue("adam_loss_ratio", round(losses[0] / losses[1]))
print(f"gradient descent with η = 0.021: loss {quadratic(too_fast[-1])[0]:.3g}")

# %%
grid = np.linspace(-1.2, 1.2, 200)
T1, T2 = np.meshgrid(grid, grid)
fig, ax = plt.subplots(figsize=(6, 4))
ax.contour(T1, T2, 0.5 * (T1**2 + 100 * T2**2), levels=[0.5, 2, 8, 32], colors="0.7")
for (name, path), color in zip(paths.items(), ("C0", "C3")):
    ax.plot(path[:, 0], path[:, 1], ".-", color=color, markersize=3, label=name)
ax.plot(0, 0, "k+", markersize=12)
ax.set(title="100 steps on a loss 100 times steeper in θ₂ than in θ₁",
       xlabel="θ₁ (no unit)", ylabel="θ₂ (no unit)", xlim=(-0.3, 1.1),
       ylim=(-1.1, 1.1))
ax.legend(loc="lower left", fontsize=9)
plt.show()

# %% [markdown]
# Gradient descent must keep $\eta$ below $2 / 100$, set by the steep $\theta_2$:
# with `learning_rate=0.021` it diverges. Just below that limit, it zig-zags across
# $\theta_2$, and $\theta_1$ crawls, shrinking by the factor $1 - \eta$ per step.
# Dividing by $\sqrt{v}$ gives Adam the same step in both directions, and $m$ smooths
# its path: after 100 steps its loss is {glue:text}`adam_loss_ratio` times lower. The
# next chapters train with Adam.

# %% [markdown]
# ## Why a scalar engine is slow
#
# Every `+` and `*` creates a Python object with a closure, for a single number.
# Count the nodes in one full pass over the training clips.

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
# \begin{aligned}
# \bar{s} &= -\frac{1}{N} \, t \odot \mathbb{1}[1 - t \odot s > 0], &
# \bar{w}_2 &= H^\top \bar{s}, \\
# \bar{Z} &= (\bar{s} \, w_2^\top) \odot \mathbb{1}[Z > 0], &
# \bar{W}_1 &= \bar{Z}^\top X ,
# \end{aligned}
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


def numpy_weights(model):
    """(W1, b1, w2, b2) of a micrograd MLP(4, [4, 1]) as numpy arrays."""
    hidden, output = model.layers[0].neurons, model.layers[1].neurons[0]
    return (np.array([[w.data for w in n.w] for n in hidden]),
            np.array([n.b.data for n in hidden]),
            np.array([w.data for w in output.w]), output.b.data)


W1, b1, w2, b2 = numpy_weights(model)
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
# Now time one forward and backward pass, both ways. Each `Value`'s closure refers
# back to it, so a pass leaves thousands of reference cycles for Python's *cycle
# collector*. `timeit` pauses the collector; micrograd is timed with and without it.
# The cell checks only that numpy is at least 50 times faster.

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
    assert seconds / seconds_numpy > 50
    if collector == "paused":
        glue("speedup_paused", round(seconds / seconds_numpy))

# %% [markdown]
# In the stored run, numpy was {glue:text}`speedup_paused` times faster even with the
# collector paused (a few hundred to several thousand times on the machines tested).
# The arithmetic is the same; the difference is overhead: an object and a closure per
# operation and a walk node by node, against one numpy call per layer. The gap grows
# with the model, and a spectrogram has tens of thousands of numbers per clip. So the
# next chapters use a tensor library: the same algorithm, on whole arrays.

# %% [markdown]
# ## Summary
#
# - Backpropagation applies the chain rule node by node, from the loss back to the
#   parameters. Gradients add up over every use of a value, so the pass follows a
#   reversed topological order.
# - Check gradients three ways: analytic formula, central finite differences, a
#   reference implementation.
# - Without a non-linearity, stacked layers collapse to one linear map. A 2-class
#   softmax is the sigmoid of the logit difference. Adam adds momentum and a
#   per-parameter step size to gradient descent.
# - On the report's four features, the MLP does no better than logistic regression on
#   the test clips; training accuracy says nothing about new clips.
# - A scalar engine spends its time on Python overhead, one object per operation;
#   numpy does the same work hundreds of times faster.

# %% [markdown]
# ## Exercises
#
# Each solution is a collapsed block; the hidden cell after it runs its code.
#
# **1. A logistic loss.** Add `log` to `Value` (local derivative $1/x$). Write the
# logistic loss $\log(1 + e^{-t s})$ with your operations and check, also with a
# central difference, that its gradient with respect to $s$ is $-t / (1 + e^{t s})$,
# which is $\sigma(s) - y$ with $y = (t + 1) / 2$: the $p - y$ of the cross-entropy
# section.
#
# ````{admonition} Solution
# :class: dropdown
# `log` is one more operation. The loss needs no new code:
# `(1 + (-t * s).exp()).log()`. The hidden cell checks the gradient against both
# formulas and a central difference, for a few scores and both targets.
# ````

# %% tags=["hide-cell"]
def log(self):
    out = Value(math.log(self.data), (self,), "log")

    def _backward():
        self.grad += out.grad / self.data

    out._backward = _backward
    return out


Value.log = log
for s0, t in [(0.7, 1.0), (-1.2, 1.0), (0.4, -1.0), (2.5, -1.0)]:
    s = Value(s0)
    loss = (1 + (-t * s).exp()).log()
    loss.backward()
    np.testing.assert_allclose(s.grad, -t / (1 + math.exp(t * s0)), rtol=1e-12)
    np.testing.assert_allclose(s.grad, sigmoid(s0) - (t + 1) / 2, rtol=1e-12)
    numeric = (math.log(1 + math.exp(-t * (s0 + eps)))
               - math.log(1 + math.exp(-t * (s0 - eps)))) / (2 * eps)
    np.testing.assert_allclose(s.grad, numeric, rtol=1e-6)
print("log and the logistic loss pass all checks")

# %% [markdown]
# **2. Calling backward twice.** Build $L = (ab + c) f$ again, call `L.backward()`
# twice and print `a.grad` after each call. Explain the second number. Why does
# micrograd need `model.zero_grad()` before every step?
#
# ````{admonition} Solution
# :class: dropdown
# `a.grad` is {glue:text}`twice_first`, then {glue:text}`twice_second`: not even
# double. Every node still holds its gradient from the first call, and each
# `_backward` adds to it: `d.grad` doubles to $2f$, `e.grad` becomes $f + 2f = 3f$,
# and `a.grad` becomes $bf + 3bf = 4bf$. In training, the parameters are the same
# `Value` objects at every step: without `zero_grad()`, each new gradient would pile
# onto all the old ones.
# ````

# %% tags=["hide-cell"]
a, b, c, f = Value(2.0), Value(-3.0), Value(10.0), Value(-2.0)
L = (a * b + c) * f
L.backward()
first = a.grad
L.backward()
glue("twice_first", round(first))
glue("twice_second", round(a.grad))
print(f"a.grad after one call: {first:.0f}, after two: {a.grad:.0f}")
assert first == b.data * f.data and a.grad == 4 * first

# %% [markdown]
# **3. Start from logistic regression.** The report meant to start the network where
# logistic regression ended. Set the weights of a fresh `MLP(4, [4, 1])` so that it
# computes the logistic regression's score $z = \beta \cdot x + \beta_0$, train it
# like `model`, and compare with the random start.
# Hint: $z = \max(0, z) - \max(0, -z)$.
#
# ````{admonition} Solution
# :class: dropdown
# Hidden neuron 1 gets $\beta$ and $\beta_0$ (output $\max(0, z)$), neuron 2 gets
# $-\beta$ and $-\beta_0$ (output $\max(0, -z)$), and the output neuron gets the
# weights $(1, -1, 0, 0)$ and bias 0. Neurons 3 and 4 keep random weights; their
# output weights start at 0, but they receive gradients.
#
# The training loss starts lower ({glue:text}`lrstart_train0:.4f` at epoch 0, against
# {glue:text}`random_train0:.4f`) and stays lower. New clips gain nothing: the
# validation losses end at {glue:text}`lrstart_val60:.4f` and
# {glue:text}`random_val60:.4f`, and the test accuracy,
# {glue:text}`lrstart_acc:.3f` [{glue:text}`lrstart_acc_low:.3f`,
# {glue:text}`lrstart_acc_high:.3f`], lies inside the random start's interval.
# ````

# %% tags=["hide-cell"]
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
point, low, high = evaluate.bootstrap_ci(
    label_test, sigmoid(scores_of(model_lr, X_test)), "accuracy",
    groups=groups_test, n_boot=2000, seed=0,
)
print("                           random   LR start")
for epoch in (0, 5, 60):
    print(f"training loss, epoch {epoch:2d}     {history.loc[epoch, 'train']:.4f}   "
          f"{history_lr.loc[epoch, 'train']:.4f}")
print(f"validation loss, epoch 60   {history.loc[60, 'val']:.4f}   "
      f"{history_lr.loc[60, 'val']:.4f}")
print(f"test accuracy, LR start: {point:.3f} [{low:.3f}, {high:.3f}]")
assert (history_lr["train"] < history["train"]).all()
assert mlp["low"] <= point <= mlp["high"]
for key, value in [("lrstart_train0", history_lr.loc[0, "train"]),
                   ("random_train0", history.loc[0, "train"]),
                   ("lrstart_val60", history_lr.loc[60, "val"]),
                   ("random_val60", history.loc[60, "val"]),
                   ("lrstart_acc", point), ("lrstart_acc_low", low),
                   ("lrstart_acc_high", high)]:
    glue(key, round(value, 4))

# %% [markdown]
# **4. Train with numpy, with and without Adam.** From a fresh `MLP(4, [4, 1])` drawn
# after `random.seed(0)`, take 2000 full-batch steps with `numpy_loss_and_grads`:
# gradient descent with `learning_rate=0.1`, then Adam {eq}`eq-04-adam` with
# `learning_rate=0.01`. How long does it take? Does longer training or Adam change the
# validation loss, or the test accuracy beyond its interval?
#
# ````{admonition} Solution
# :class: dropdown
# 2000 passes took about {glue:text}`numpy_gd_seconds:.1f` s in the stored run;
# micrograd needed many seconds for 60 epochs. The validation loss ends at
# {glue:text}`numpy_gd_val:.3f` (gradient descent) and {glue:text}`numpy_adam_val:.3f`
# (Adam), close to micrograd's {glue:text}`random_val60:.3f`; test accuracy is
# {glue:text}`numpy_gd_acc:.3f` and {glue:text}`numpy_adam_acc:.3f`, inside the
# interval above. With these four features, neither more training nor a better
# optimiser buys a clearly better model. (The last digits depend on the CPU.)
# ````

# %% tags=["hide-cell", "nbval-ignore-output"]
def fit_numpy(params, steps, learning_rate, use_adam):
    """Full-batch training of (W1, b1, w2, b2) with the hinge loss, GD or Adam."""
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    for k in range(1, steps + 1):
        _, grads = numpy_loss_and_grads(*params, X_train, y_train, 1e-3)
        if use_adam:
            m = [0.9 * m_i + 0.1 * g for m_i, g in zip(m, grads)]
            v = [0.999 * v_i + 0.001 * g**2 for v_i, g in zip(v, grads)]
            grads = [(m_i / (1 - 0.9**k)) / (np.sqrt(v_i / (1 - 0.999**k)) + 1e-8)
                     for m_i, v_i in zip(m, v)]
        params = [p - learning_rate * g for p, g in zip(params, grads)]
    return params


random.seed(0)
fresh = numpy_weights(MLP(4, [4, 1]))
for name, learning_rate, use_adam in [("gd", 0.1, False), ("adam", 0.01, True)]:
    start_time = timeit.default_timer()
    W1_, b1_, w2_, b2_ = fit_numpy(fresh, 2000, learning_rate, use_adam)
    seconds = timeit.default_timer() - start_time
    val_loss, _ = numpy_loss_and_grads(W1_, b1_, w2_, b2_, X_val, y_val, 0.0)
    scores = np.maximum(X_test @ W1_.T + b1_, 0.0) @ w2_ + b2_
    acc = np.mean(np.sign(scores) == y_test)
    print(f"{name:4s}: {seconds:.2f} s, validation loss {val_loss:.4f}, "
          f"test accuracy {acc:.3f}")
    assert abs(val_loss - history.loc[60, "val"]) < 0.1
    assert mlp["low"] <= acc <= mlp["high"]
    glue(f"numpy_{name}_val", round(val_loss, 4))
    glue(f"numpy_{name}_acc", round(acc, 4))
    glue(f"numpy_{name}_seconds", round(seconds, 2))

# %% [markdown]
# ## Further reading
#
# - {cite}`karpathy2020micrograd` is the engine you rebuilt; its README and video
#   lecture build it step by step.
# - {cite}`rumelhart1986learning` made backpropagation the way to train networks with
#   hidden layers.
# - {cite}`griewank2008evaluating` is the reference on automatic differentiation;
#   {cite}`baydin2018automatic` surveys its use in machine learning.
# - {cite}`glorot2010understanding` studies why deep networks of saturating units
#   such as tanh are hard to train, and proposes Glorot initialisation.
# - {cite}`goodfellow2016deep`, chapter 6, covers non-linearities and sigmoid and
#   softmax outputs; chapter 8, momentum and adaptive learning rates.
#   {cite}`kingma2015adam` introduces Adam.
