"""Relevance ranking: TF-IDF features built once, scikit-learn rankers, the active-learning
step, stopping rules, and simulation on labelled datasets.

Submodules are imported on use (scikit-learn and matplotlib are slow to import)::

    features  build_features(texts) -> FeatureMatrix (vectorised once per review)
    rankers   @register("svm" (default) | "logistic" | "nb" | "ensemble"), get_ranker(name)
    loop      rank_unlabeled(X, labels) -> Ranking (order, scores, model, params hash)
    linsvm    WarmLinearSVM: the svm ranker's model, warm-started from step to step of a
              simulation (optional C extension _linsvm)
    stopping  hypergeometric_test, ranked_stop_test, irrelevant_in_a_row
    simulate  simulate(dataset.csv, output_dir) -> metrics.json + recall.png
"""

__all__: list[str] = []
