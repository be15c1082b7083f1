"""Seeded train/test splits and nested, stratified training subsets for learning curves.

A learning curve trains on subsets of one training split at growing sizes. Here the subsets of
one seed are **nested**: the subset of size n is the first n examples of one seeded order of
the training split, so a bigger subset contains every smaller one. That is how data grows in
practice (more of the same collection), it is what scikit-learn's ``learning_curve`` does
(prefixes of a shuffled training fold), and it makes the points of one seed's curve differ
only by the data added, so the curve's shape is not blurred by a fresh draw at every size.

The order is also **stratified at every prefix**: the class of each next example is chosen by
Balinski and Young's quota method (1975): among the classes that would not exceed their upper
quota ⌈n·p_c⌉ (p_c: the class's share of the split), the one with the largest p_c / (count + 1)
(D'Hondt's priority). It is house-monotone (no class loses examples when n grows) and keeps
every class within one example of its proportional share n·p_c at every n; so a class of share
p_c has its first example by n = ⌈1/p_c⌉. Which examples of a class come first is a seeded
shuffle. scikit-learn has stratified splits (`sklearn.model_selection.train_test_split`,
used here) but no nested stratified sequence (its per-size stratified draws are not nested,
and rounding each size on its own can take an example away from a class as n grows), hence
these few lines.

Example
-------
>>> import numpy as np
>>> y = np.repeat([0, 1], [6, 3])
>>> order = nested_order(y, seed=0, stratify=True)
>>> [np.bincount(y[order[:n]], minlength=2).tolist() for n in (1, 3, 6, 9)]
[[1, 0], [2, 1], [4, 2], [6, 3]]
"""

from __future__ import annotations

import numpy as np


def split(y: np.ndarray, test_size: float | int, seed: int,
          stratify: bool) -> tuple[np.ndarray, np.ndarray]:
    """Indices (train, test) of a seeded split, stratified by ``y`` if ``stratify``.

    ``test_size`` as in `sklearn.model_selection.train_test_split`: a fraction or a count.

    >>> tr, te = split(np.repeat([0, 1], [8, 4]), test_size=0.25, seed=0, stratify=True)
    >>> len(tr), len(te)
    (9, 3)
    """
    from sklearn.model_selection import train_test_split

    index = np.arange(len(y))
    train, test = train_test_split(index, test_size=test_size, random_state=seed,
                                   stratify=y if stratify else None)
    return np.asarray(train), np.asarray(test)


def nested_order(y: np.ndarray, seed: int, stratify: bool) -> np.ndarray:
    """A seeded order of ``range(len(y))`` whose every prefix is a training subset.

    With ``stratify`` each prefix holds the classes in proportion (see the module docstring);
    without (regression targets), the order is a plain seeded shuffle.

    >>> y = np.array([0, 0, 0, 0, 1, 1])
    >>> order = nested_order(y, seed=0, stratify=True)
    >>> order.tolist(), y[order].tolist()
    ([3, 2, 5, 0, 1, 4], [0, 0, 1, 0, 0, 1])
    """
    shuffle = np.random.default_rng(seed).permutation(len(y))
    if not stratify:
        return shuffle
    labels, cls = np.unique(y[shuffle], return_inverse=True)
    members = [shuffle[cls == c] for c in range(len(labels))]  # each class, in shuffle order
    total = np.array([len(m) for m in members], dtype=float)
    share = total / total.sum()
    taken = np.zeros(len(labels))
    out = np.empty(len(y), dtype=np.intp)
    for i in range(len(y)):
        # upper quota: after this pick no class may hold more than ceil((i + 1)·p_c)
        allowed = taken + 1 <= np.ceil((i + 1) * share - 1e-9)
        c = int(np.argmax(np.where(allowed, share / (taken + 1), -1.0)))
        out[i] = members[c][int(taken[c])]
        taken[c] += 1
    return out


def first_complete(y: np.ndarray, order: np.ndarray) -> int:
    """The smallest prefix of ``order`` that holds every class of ``y``.

    >>> first_complete(np.array([0, 0, 0, 1]), np.array([0, 1, 3, 2]))
    3
    """
    _, first = np.unique(y[order], return_index=True)
    return int(first.max()) + 1
