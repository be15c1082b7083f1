"""Experiments that train models and tabulate their scores: the shared runner
(`scalinglab.experiments.runner`: joblib backends, cache, progress bar), seeded nested subsets
(`scalinglab.experiments.subsets`), metrics (`scalinglab.experiments.scoring`) and
`scalinglab.learning_curves` (`scalinglab.experiments.learning_curves`).

Nothing heavy is imported here: scikit-learn loads with the module that needs it.
"""
