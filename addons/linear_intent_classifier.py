"""Intent classifier: a linear SVM on TF-IDF-weighted bag-of-words and character n-grams.

A subclass of Rasa's LogisticRegressionClassifier (same features, training, persistence with
skops and intent ranking), with a different scikit-learn model behind it. On this project's
data (about 1,800 short parent messages, 28 intents, sparse features only: no pretrained
language model can be downloaded here) it was measured against DIET and Rasa's logistic
regression: see README "NLU model choice". Calibrated probabilities keep the FallbackClassifier
threshold meaningful.
"""
from __future__ import annotations

from typing import Any, Dict, Text

import numpy as np

from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.shared.nlu.training_data.training_data import TrainingData
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfTransformer
from sklearn.pipeline import Pipeline
from sklearn.svm import LinearSVC


# Types in the persisted pipeline that skops does not trust by default.
PERSISTED_TYPES = {
    "scipy.sparse._csr.csr_matrix",
    "sklearn.calibration._CalibratedClassifier",
    "sklearn.calibration._SigmoidCalibration",
}


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class LinearIntentClassifier(LogisticRegressionClassifier):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        config = LogisticRegressionClassifier.get_default_config()
        # C: how closely the SVM fits the training examples; folds: for probability calibration
        config.update({"C": 1.0, "calibration_folds": 3})
        return config

    def __init__(
        self,
        config: Dict[Text, Any],
        name: Text,
        model_storage: ModelStorage,
        resource: Resource,
    ) -> None:
        super().__init__(config, name, model_storage, resource)
        self.clf = Pipeline([
            # sublinear TF-IDF: frequent words and n-grams weigh less than telling ones
            ("tfidf", TfidfTransformer(sublinear_tf=True)),
            ("svm", CalibratedClassifierCV(
                LinearSVC(C=self.config["C"], random_state=self.config["random_state"]),
                cv=self.config["calibration_folds"],
            )),
        ])

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
            return component

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
