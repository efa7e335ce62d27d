"""Intent classifier: a linear SVM on TF-IDF-weighted bag-of-words and character n-grams.

A subclass of Rasa's LogisticRegressionClassifier (same features, training, persistence with
skops and intent ranking), with a different scikit-learn model behind it. On this project's
data (about 1,800 short parent messages, 28 intents, sparse features only: no pretrained
language model can be downloaded here) it was measured against DIET and Rasa's logistic
regression: see docs/nlu.md. Calibrated probabilities keep the FallbackClassifier
threshold meaningful.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

import numpy as np
import scipy.sparse
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from rasa.utils.tensorflow.constants import RANKING_LENGTH
from scipy.special import expit
from sklearn.calibration import CalibratedClassifierCV, _SigmoidCalibration
from sklearn.feature_extraction.text import TfidfTransformer
from sklearn.pipeline import Pipeline
from sklearn.svm import LinearSVC

# Types in the persisted pipeline that skops does not trust by default.
PERSISTED_TYPES = {
    "scipy.sparse._csr.csr_matrix",
    "sklearn.calibration._CalibratedClassifier",
    "sklearn.calibration._SigmoidCalibration",
}


class VectorizedCalibratedSVM:
    """The trained pipeline's probabilities, computed with one matrix product per message.

    scikit-learn's CalibratedClassifierCV.predict_proba asks each fold's LinearSVC for its scores
    and then each of the fold's per-class sigmoid calibrators in turn (3 folds x 28 intents = 84
    small calls with input checks): about 1.5 ms per message, the largest part of NLU. Here the
    folds' weights are stacked once at load time; the arithmetic is scikit-learn 1.1's (TF-IDF
    from the fitted transformer, scores, sigmoid calibration, normalising each fold's one-vs-rest
    probabilities, averaging the folds), so the probabilities are the same
    (tests/unit/test_linear_intent_classifier.py).
    """

    def __init__(self, pipeline: Pipeline) -> None:
        self.tfidf = pipeline.named_steps["tfidf"]
        self.idf = self.tfidf.idf_ if self.tfidf.use_idf else None
        calibrated = pipeline.named_steps["svm"]
        self.classes_ = calibrated.classes_
        folds = calibrated.calibrated_classifiers_
        self.columns: List[np.ndarray[Any, Any]] = []  # per fold: the class index of each of its scores
        weights, intercepts, slopes, offsets = [], [], [], []
        for fold in folds:
            svm = fold.base_estimator
            self.columns.append(np.searchsorted(self.classes_, svm.classes_))
            weights.append(svm.coef_)
            intercepts.append(svm.intercept_)
            slopes.append([c.a_ for c in fold.calibrators])
            offsets.append([c.b_ for c in fold.calibrators])
        self.weights_t = np.ascontiguousarray(np.vstack(weights).T)
        self.intercepts = np.concatenate(intercepts)
        self.slopes = np.concatenate(slopes)
        self.offsets = np.concatenate(offsets)
        self.bounds = np.cumsum([0] + [len(c) for c in self.columns])

    @classmethod
    def supports(cls, pipeline: Pipeline) -> bool:
        """Multi-class sigmoid-calibrated LinearSVCs only (the case this class reproduces)."""
        calibrated = pipeline.named_steps.get("svm")
        return (
            isinstance(calibrated, CalibratedClassifierCV)
            and len(calibrated.classes_) > 2
            and all(
                isinstance(f.base_estimator, LinearSVC)
                and all(isinstance(c, _SigmoidCalibration) for c in f.calibrators)
                for f in calibrated.calibrated_classifiers_
            )
        )

    def tfidf_transform(self, X: Any) -> scipy.sparse.csr_matrix:
        """The fitted TfidfTransformer's transform, for the configuration this project trains
        (sublinear TF, IDF, L2 norm), without scikit-learn's input checks: they took 0.4 of the
        0.57 ms the probabilities of one message cost. Another configuration goes to scikit-learn."""
        tfidf = self.tfidf
        if self.idf is None or not (tfidf.sublinear_tf and tfidf.norm == "l2"):
            return tfidf.transform(X)
        features = scipy.sparse.csr_matrix(X, dtype=np.float64, copy=True)
        np.log(features.data, out=features.data)
        features.data += 1
        features.data *= self.idf[features.indices]
        norms = np.sqrt(
            np.bincount(
                np.repeat(np.arange(features.shape[0]), np.diff(features.indptr)),
                weights=features.data**2,
                minlength=features.shape[0],
            )
        )
        norms[norms == 0] = 1.0
        features.data /= np.repeat(norms, np.diff(features.indptr))
        return features

    def predict_proba(self, X: Any) -> np.ndarray[Any, Any]:
        features = self.tfidf_transform(X)
        scores = features @ self.weights_t + self.intercepts  # every fold's decision_function
        calibrated = expit(-(self.slopes * scores + self.offsets))  # _SigmoidCalibration.predict
        n_samples, n_classes = scores.shape[0], len(self.classes_)
        mean = np.zeros((n_samples, n_classes))
        for fold, columns in enumerate(self.columns):
            proba = np.zeros((n_samples, n_classes))
            proba[:, columns] = calibrated[:, self.bounds[fold] : self.bounds[fold + 1]]
            denominator = np.sum(proba, axis=1)[:, np.newaxis]
            uniform = np.full_like(proba, 1 / n_classes)
            proba = np.divide(proba, denominator, out=uniform, where=denominator != 0)
            proba[(1.0 < proba) & (proba <= 1.0 + 1e-5)] = 1.0
            mean += proba
        mean /= len(self.columns)
        return mean


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class LinearIntentClassifier(LogisticRegressionClassifier):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        config = LogisticRegressionClassifier.get_default_config()
        # C: how closely the SVM fits the training examples; folds: for probability calibration
        config.update({"C": 1.0, "calibration_folds": 3})
        return dict(config)

    def __init__(
        self,
        config: Dict[Text, Any],
        name: Text,
        model_storage: ModelStorage,
        resource: Resource,
    ) -> None:
        super().__init__(config, name, model_storage, resource)
        self.vectorized: Optional[VectorizedCalibratedSVM] = None  # set when a trained model is loaded
        self.clf = Pipeline(
            [
                # sublinear TF-IDF: frequent words and n-grams weigh less than telling ones
                ("tfidf", TfidfTransformer(sublinear_tf=True)),
                (
                    "svm",
                    CalibratedClassifierCV(
                        LinearSVC(C=self.config["C"], random_state=self.config["random_state"]),
                        cv=self.config["calibration_folds"],
                    ),
                ),
            ]
        )

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> "LinearIntentClassifier":
        """Loads the trained model, trusting exactly the types this class persists.

        Rasa's parent class loads only skops' default-trusted types and otherwise returns an
        *untrained* classifier without a word; that must never reach a parent, so a model
        with any other type fails loudly here.
        """
        import skops.io as sio

        with model_storage.read_from(resource) as model_dir:
            path = model_dir / f"{resource.name}.skops"
            untrusted = set(sio.get_untrusted_types(file=path)) - PERSISTED_TYPES
            if untrusted:
                raise ValueError(f"{path} holds unexpected types {sorted(untrusted)}: retrain the model.")
            component = cls(config, execution_context.node_name, model_storage, resource)
            component.clf = sio.load(path, trusted=sorted(PERSISTED_TYPES))
            if VectorizedCalibratedSVM.supports(component.clf):
                component.vectorized = VectorizedCalibratedSVM(component.clf)
            return component

    def _create_X(self, messages: List[Message]) -> scipy.sparse.csr_matrix:
        """Rasa's LogisticRegressionClassifier._create_X: one row per message, its sentence
        features of every sparse featurizer side by side (in the order they were added), then its
        dense ones. Built in one step: Rasa's get_sparse_features also deep-copies each
        featurizer's features and joins the sequence features, which this classifier never reads,
        and stacks matrices one message at a time (a fifth of a message's parse, profiled with
        the bilingual model). The same matrix (tests/unit/test_linear_intent_classifier.py)."""
        data, rows, columns = [], [], []
        width: Optional[int] = None
        for row, message in enumerate(messages):
            sentence = [f for f in message.features if f.attribute == TEXT and f.type == FEATURE_TYPE_SENTENCE]
            offset = 0
            for features in [f for f in sentence if f.is_sparse()] + [f for f in sentence if f.is_dense()]:
                block = scipy.sparse.coo_matrix(features.features)
                data.append(block.data)
                rows.append(np.full(block.nnz, row))
                columns.append(block.col + offset)
                offset += block.shape[1]
            if width is not None and offset != width:
                raise ValueError(f"messages with {width} and {offset} features cannot be classified together")
            width = offset
        if not data:
            return scipy.sparse.csr_matrix((len(messages), width or 0))
        return scipy.sparse.csr_matrix(
            (np.concatenate(data).astype(np.float64), (np.concatenate(rows), np.concatenate(columns))),
            shape=(len(messages), width or 0),
        )

    def process(self, messages: List[Message]) -> List[Message]:
        """As Rasa's LogisticRegressionClassifier.process, with the probabilities computed by
        VectorizedCalibratedSVM when the model was loaded."""
        if self.vectorized is None:
            return list(super().process(messages))
        probas = self.vectorized.predict_proba(self._create_X(messages))
        ranking_length = self.config[RANKING_LENGTH]
        for message, proba in zip(messages, probas, strict=False):
            ranking = sorted(
                ({"name": k, "confidence": v} for k, v in zip(self.clf.classes_, proba, strict=True)),
                key=lambda e: -e["confidence"],
            )
            message.set("intent", ranking[0], add_to_output=True)
            message.set(
                "intent_ranking", ranking[:ranking_length] if ranking_length > 0 else ranking, add_to_output=True
            )
        return messages

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "LinearIntentClassifier":
        return cls(config, execution_context.node_name, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        X, y = self._create_training_matrix(training_data)
        if X.shape[0] == 0:
            return self._resource
        # scikit-learn 1.1's probability calibration needs the labels as an array, not a list
        self.clf.fit(X, np.asarray(y))
        self.persist()
        return self._resource
