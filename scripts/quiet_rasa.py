"""`rasa` without the libraries' DeprecationWarnings: `python scripts/quiet_rasa.py ARGS` runs `rasa ARGS`.

The Makefile's rasa commands (validate, train, test-stories, test-nlu, evaluate) and `make run`'s two
servers go through it. PYTHONWARNINGS=ignore alone does not quieten them: importing sanic, which every
rasa command does, puts `filterwarnings("once", category=DeprecationWarning)` in front of it
(sanic/app.py), and then pkg_resources, jax (through TensorFlow), sanic_cors and SQLAlchemy warn
about their own APIs, nine lines at the top of every command's output and server log that nobody
running the assistant can act on. Only DeprecationWarnings are turned off, and only those raised
outside this project's own code: Rasa's UserWarnings (an unused response in `rasa data validate`, a
training-data problem) and every error still show.
"""

import sys
import warnings

import sanic  # noqa: F401  (its import turns DeprecationWarnings back on: undone just below)

warnings.filterwarnings("ignore", category=DeprecationWarning)
# inserted in front of the line above: the project's own deprecated calls still show, once each
warnings.filterwarnings("default", category=DeprecationWarning, module=r"(actions|addons|webchat|scripts|tools)(\.|$)")

from rasa.__main__ import main  # noqa: E402  (after the filters: its imports warn)

if __name__ == "__main__":
    # argparse's usage lines and Rasa's messages name the command the way a user types it
    sys.argv[0] = "rasa"
    sys.exit(main())
