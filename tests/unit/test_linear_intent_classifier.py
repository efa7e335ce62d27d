"""addons/nlu/linear_intent_classifier.py: the vectorized probabilities are scikit-learn's, and the
intents and rankings a message gets are the ones Rasa's own process() gives."""

import numpy as np
import pytest
import scipy.sparse
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, FEATURE_TYPE_SEQUENCE, TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message

from addons.nlu.linear_intent_classifier import LinearIntentClassifier, VectorizedCalibratedSVM

INTENTS = ["ask_causes", "ask_diagnosis", "ask_treatment", "greet", "report_fever", "report_infection_sign"]
N_FEATURES = 40


def bag_of_words(rng, intent_index, n):
    """Sparse count vectors in which each intent favours its own few features."""
    counts = rng.poisson(0.15, size=(n, N_FEATURES))
    counts[:, intent_index * 5 : intent_index * 5 + 5] += rng.poisson(1.2, size=(n, 5))
    return scipy.sparse.csr_matrix(counts.astype(float))


@pytest.fixture(scope="module")
def trained():
    rng = np.random.default_rng(7)
    X = scipy.sparse.vstack([bag_of_words(rng, i, 20) for i in range(len(INTENTS))]).tocsr()
    y = np.repeat(INTENTS, 20)
    classifier = LinearIntentClassifier(LinearIntentClassifier.get_default_config(), "intent_classifier", None, None)
    classifier.clf.fit(X, y)
    test = scipy.sparse.vstack([bag_of_words(rng, i % len(INTENTS), 1) for i in range(60)]).tocsr()
    # and the edge cases: no known word at all, every word at once
    test = scipy.sparse.vstack(
        [test, scipy.sparse.csr_matrix((1, N_FEATURES)), scipy.sparse.csr_matrix(np.ones((1, N_FEATURES)))]
    ).tocsr()
    return classifier, test


def test_the_vectorized_probabilities_are_scikit_learns(trained):
    classifier, test = trained
    assert VectorizedCalibratedSVM.supports(classifier.clf)
    vectorized = VectorizedCalibratedSVM(classifier.clf)
    ours, sklearns = vectorized.predict_proba(test), classifier.clf.predict_proba(test)
    assert ours.shape == sklearns.shape == (62, len(INTENTS))
    np.testing.assert_allclose(ours, sklearns, rtol=0, atol=1e-12)
    assert (ours.argmax(axis=1) == sklearns.argmax(axis=1)).all()
    assert list(vectorized.classes_) == INTENTS


def message_with_features(row) -> Message:
    message = Message(data={TEXT: "some text"})
    message.add_features(Features(scipy.sparse.coo_matrix(row), FEATURE_TYPE_SENTENCE, TEXT, "CountVectorsFeaturizer"))
    return message


def test_messages_get_the_intent_and_ranking_rasa_gives_them(trained):
    classifier, test = trained
    for i in range(test.shape[0]):
        classifier.vectorized = None  # Rasa's LogisticRegressionClassifier.process with scikit-learn
        [rasas] = classifier.process([message_with_features(test[i].toarray())])
        classifier.vectorized = VectorizedCalibratedSVM(classifier.clf)
        [ours] = classifier.process([message_with_features(test[i].toarray())])
        assert ours.get("intent")["name"] == rasas.get("intent")["name"]
        assert ours.get("intent")["confidence"] == pytest.approx(rasas.get("intent")["confidence"], abs=1e-12)
        assert [e["name"] for e in ours.get("intent_ranking")] == [e["name"] for e in rasas.get("intent_ranking")]
        assert len(ours.get("intent_ranking")) == len(INTENTS)  # fewer than the ranking length (10)


def test_only_the_case_it_reproduces_is_vectorized(trained):
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.feature_extraction.text import TfidfTransformer
    from sklearn.pipeline import Pipeline
    from sklearn.svm import LinearSVC

    classifier, test = trained
    rng = np.random.default_rng(3)
    X = scipy.sparse.vstack([bag_of_words(rng, i, 20) for i in range(2)]).tocsr()
    binary = Pipeline([("tfidf", TfidfTransformer()), ("svm", CalibratedClassifierCV(LinearSVC(), cv=3))])
    binary.fit(X, np.repeat(["greet", "goodbye"], 20))
    assert not VectorizedCalibratedSVM.supports(binary)  # two intents: scikit-learn's own path
    isotonic = Pipeline(
        [("tfidf", TfidfTransformer()), ("svm", CalibratedClassifierCV(LinearSVC(), cv=3, method="isotonic"))]
    )
    isotonic.fit(scipy.sparse.vstack([bag_of_words(rng, i, 20) for i in range(3)]).tocsr(), np.repeat(INTENTS[:3], 20))
    assert not VectorizedCalibratedSVM.supports(isotonic)


def test_the_feature_matrix_is_the_one_rasa_builds():
    """_create_X: the sentence features of every featurizer side by side, sparse before dense,
    as Rasa's LogisticRegressionClassifier._create_X puts them; sequence features left out."""
    rng = np.random.default_rng(3)

    def message(words, chars, dense):
        built = Message(data={TEXT: "some text"})
        built.add_features(Features(scipy.sparse.coo_matrix(words), FEATURE_TYPE_SENTENCE, TEXT, "words"))
        # sequence features are in every message and never in the matrix
        built.add_features(Features(scipy.sparse.coo_matrix(np.ones((3, 7))), FEATURE_TYPE_SEQUENCE, TEXT, "words"))
        built.add_features(Features(dense, FEATURE_TYPE_SENTENCE, TEXT, "dense"))
        built.add_features(Features(scipy.sparse.csr_matrix(chars), FEATURE_TYPE_SENTENCE, TEXT, "chars"))
        return built

    messages = [
        message(rng.poisson(0.3, (1, 7)), rng.poisson(0.5, (1, 11)), rng.normal(size=(1, 3))) for _ in range(20)
    ] + [message(np.zeros((1, 7)), np.zeros((1, 11)), np.zeros((1, 3)))]
    classifier = LinearIntentClassifier(LinearIntentClassifier.get_default_config(), "intent_classifier", None, None)
    for batch in (messages, messages[:1], messages[-1:]):
        ours, rasas = classifier._create_X(batch), LogisticRegressionClassifier._create_X(classifier, batch)
        assert ours.shape == rasas.shape == (len(batch), 7 + 11 + 3)
        assert ours.dtype == rasas.dtype
        np.testing.assert_array_equal(ours.toarray(), rasas.toarray())
