"""`make studio`: serves the content studio (python -m studio).

Checks the settings, the model and the page's script first, each with a plain message; with no
account yet and a terminal, asks for the first one (every role) as `make studio-user` would. Prints
the address, then serves until Ctrl-C.
"""

from __future__ import annotations

import logging
import sys
import warnings

from studio.settings import ROOT, SettingsError, load_settings

HTMX = ROOT / "studio" / "static" / "vendor" / "htmx.min.js"


def main() -> int:
    try:
        settings = load_settings()
    except SettingsError as error:
        print(error, file=sys.stderr)
        return 2
    if not HTMX.exists():
        print(
            "studio/static/vendor/htmx.min.js is missing: run `make studio` (it installs it from the npm lock).",
            file=sys.stderr,
        )
        return 2
    if not settings.current_model.exists():
        print(
            f"{settings.current_model} is missing: run `make train` (make studio trains it when needed).",
            file=sys.stderr,
        )
        return 2
    from studio.accounts import Accounts
    from studio.accounts import main as add_account

    if not settings.trusted_user_header and not Accounts(settings.accounts_file).all():
        if not sys.stdin.isatty():
            print(f"No studio account yet ({settings.accounts_file}): run `make studio-user` first.", file=sys.stderr)
            return 2
        print("No studio account yet: create the first one (it gets every role; add others with make studio-user).")
        if add_account([]) != 0:
            return 1
    warnings.simplefilter("ignore", DeprecationWarning)
    from studio.app import create_app
    from studio.service import Studio

    logging.basicConfig(level=logging.INFO, format="%(asctime)s studio %(levelname)s %(message)s")
    for noisy in ("sanic.access", "sanic.root", "sanic.server"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    studio = Studio(settings)
    app = create_app(studio)
    where = "" if settings.loopback else " (not loopback: put it behind the hospital's login, deploy/README.md)"
    print(
        f"The content studio is at {settings.url}{where}. Publishing to branch {settings.publish_branch}. "
        "Ctrl-C stops it.",
        flush=True,
    )
    app.run(host=settings.host, port=settings.port, access_log=False, debug=False, motd=False, workers=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
