"""Extensions that run inside the Rasa server (not the action server).

They are what keeps urgent replies working when the action server is not: the NLG fills the
hospital's numbers into answers in-process, and the safety policy answers an urgent message
whose custom action failed.
"""
