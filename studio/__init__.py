"""The content studio: the hospital's content team improves the assistant in a browser,
with clinical and translation sign-off, without YAML or a terminal. `make studio` serves it on
127.0.0.1 (CONTENT.md "In the browser"; deploy/README.md "Content studio" for a deployment).

  settings.py    the studio's settings, from STUDIO_* variables, each checked with a clear message
  accounts.py    accounts with scrypt-hashed passwords and roles (`make studio-user`)
  sessions.py    server-side sessions that expire, their CSRF tokens, the login's rate limit
  repository.py  git: the content as published, a work tree per person, a publish as a commit
  drafts.py      each person's unpublished changes, what they need signed, applying them
  library.py     the answers and intents as the editors see them, the due-for-review list
  preview.py     an answer as a parent sees it on the web page and in an SMS
  inbox.py       what parents asked that the assistant missed (masked), and what was decided
  tryit.py       retraining on the edited copy, the side-by-side chat, the checks from the page
  service.py     what each page does, with the roles enforced (no HTTP in it)
  app.py         the Sanic application: pages, forms, login, CSRF, security headers
Nothing here imports tools/ or tests/; the studio writes only the content files
(content/yaml_files.py) and its own state folder (STUDIO_STATE_DIR).
"""
