"""Extensions that run inside the Rasa server (never in the action server, never imported by it).

One folder per kind of Rasa extension, as config.yml, endpoints.yml and credentials.yml name them:

  channels/      the input channels: the input guard every channel goes through, and one module
                 per messaging provider (the web page's Socket.IO channel lives with the page, in
                 webchat/)
  nlu/           NLU components of config.yml's pipeline (the intent classifier, the urgent-report
                 reader)
  policies/      dialogue policies of config.yml (the urgent safety policy, the confidence bands)
  nlg/           the response generator of endpoints.yml (hospital settings filled in at render time)
  stores/        tracker- and lock-store behaviour of endpoints.yml
  rasa_patches/  the only place Rasa's own code is changed: applied once when the server starts,
                 refused on any other Rasa version (its docstring lists every patch)

They are what keeps urgent replies working when the action server is not: the NLG fills the
hospital's numbers into answers in-process, the safety policy answers an urgent message whose
custom action failed, and the stores survive a database or Redis outage. Importing any of them
changes nothing in Rasa.
"""
